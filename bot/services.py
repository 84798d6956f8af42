"""Start, watch and stop the assistant's processes: the action server, the Rasa server and the web site."""
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.settings import Settings
from knowledge.settings import PROJECT_ROOT

RASA = str(Path(sys.executable).with_name("rasa"))
TRAINING_ARGS = ["--data", "nlu", "--domain", "domain", "--config", "config.yml"]
MODEL_NAME = "cotesoin"


class ServiceFailed(RuntimeError):
    """A process exited or did not become ready; the message ends with its last log lines."""


def _log_tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    log_path: Path
    process: Optional[subprocess.Popen] = None
    cwd: Path = PROJECT_ROOT
    # Variables of this process only, over the environment given to start() (bot/scaled.py).
    extra_env: Dict[str, str] = field(default_factory=dict)

    def start(self, env: dict) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env={**env, **self.extra_env}, stdout=log,
                                        stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def failure(self, what: str) -> ServiceFailed:
        return ServiceFailed(f"{self.name} : {what}. Dernières lignes de {self.log_path} :\n{_log_tail(self.log_path)}")

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def latest_model(settings: Settings) -> Optional[Path]:
    models = sorted(settings.models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def train(settings: Settings, extra: Optional[List[str]] = None) -> Path:
    """Train the model unless one matching the current data exists (Rasa compares fingerprints)."""
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    command = [RASA, "train", *TRAINING_ARGS, "--out", str(settings.models_dir),
               "--fixed-model-name", MODEL_NAME, *(extra or [])]
    subprocess.run(command, cwd=PROJECT_ROOT, env=settings.child_environment(), check=True)
    model = latest_model(settings)
    if model is None:
        raise ServiceFailed("l'entraînement n'a produit aucun modèle")
    return model


def web_service(settings: Settings, rasa_port: int) -> Service:
    """The public page with the chat widget (bot/web/); it passes /socket.io/ on to Rasa at `rasa_port`."""
    return Service(
        "site web",
        [sys.executable, "-m", "bot.web", "--host", settings.host, "--port", str(settings.web_port),
         "--rasa-port", str(rasa_port)],
        f"{settings.web_url}/healthz",
        settings.var_dir / "logs" / "web.log",
    )


def _stop_on_sigterm(*_):
    raise KeyboardInterrupt


class Processes:
    """Services started together (in order), watched, and stopped together (in reverse order)."""

    services: List[Service]

    def environment(self) -> dict:
        raise NotImplementedError

    def start(self, timeout: float = 300) -> None:
        env = self.environment()
        try:
            for service in self.services:
                service.start(env)
            for service in self.services:
                self._wait_ready(service, time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _wait_ready(service: Service, deadline: float) -> None:
        while not service.ready():
            if service.exited():
                raise service.failure(f"arrêté pendant le démarrage (code {service.process.returncode})")
            if time.monotonic() > deadline:
                raise service.failure("pas prêt à temps")
            time.sleep(0.5)

    def watch(self) -> None:
        """Block until a service exits by itself, then raise."""
        while True:
            for service in self.services:
                if service.exited():
                    raise service.failure(f"arrêté de façon inattendue (code {service.process.returncode})")
            time.sleep(1)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def serve(self, starting: str, ready: str) -> int:
        """Start, say `ready`, watch until Ctrl-C or SIGTERM, stop; 1 (and why) if a service fails."""
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        print(starting, flush=True)
        try:
            self.start()
            print(ready, flush=True)
            self.watch()
        except KeyboardInterrupt:
            print("\nArrêt du guichet…", flush=True)
        except ServiceFailed as failure:
            print(f"\nErreur : {failure}", file=sys.stderr)
            return 1
        finally:
            # A second Ctrl-C or SIGTERM (a supervisor that insists) must not cut the stop short and
            # leave servers running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self.stop()
        return 0

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Assistant(Processes):
    """The action server, the Rasa server and (with `web=True`) the web site, started and stopped together.

    `cotesoin run` asks for the site; the REST, Telegram and benchmark runs do without it.
    """

    def __init__(self, settings: Settings, model: Path, web: bool = False):
        logs = settings.var_dir / "logs"
        self.settings = settings
        self.actions = Service(
            "serveur d'actions",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
            f"http://{settings.host}:{settings.action_port}/health",
            logs / "actions.log",
        )
        self.rasa = Service(
            "serveur Rasa",
            [RASA, "run", "--model", str(model), "--enable-api", "--auth-token", settings.rasa_token,
             "--interface", settings.host, "--port", str(settings.rasa_port),
             "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
            f"{settings.rasa_url}/",
            logs / "rasa.log",
        )
        self.web = web_service(settings, settings.rasa_port)
        self.services = [self.actions, self.rasa, *([self.web] if web else [])]

    def environment(self) -> dict:
        return {**self.settings.child_environment(), "SANIC_HOST": self.settings.host}

