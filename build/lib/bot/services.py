"""Start, watch and stop the assistant's processes: the action server, the Rasa server and the web site.

- A child that crashes is started again after a growing pause (1 s, 2 s, 4 s… at most 30 s),
  said in the log; `serve()` gives up (code 1) only when a service crashed RESTART_LIMIT times
  within RESTART_WINDOW seconds, or on Ctrl-C / SIGTERM.
- The stop runs once, whatever signals arrive meanwhile: the first Ctrl-C or SIGTERM starts it,
  later ones are ignored (a supervisor signalling the whole process group several times).
- Children die with their parent (PR_SET_PDEATHSIG): `kill -9` of `cotesoin run` leaves no server
  holding its port.
- Files the processes write (logs, SQLite databases, the var folder) are private: umask 077.
"""
import ctypes
import os
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
TRAINING_ARGS = ["--data", "nlu", "--domain", "domain.yml", "--config", "config.yml"]
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
        private_folder(self.log_path.parent)
        log = os.fdopen(os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")
        os.chmod(self.log_path, 0o600)
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env={**env, **self.extra_env}, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=_die_with_parent(os.getpid()))
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
        """SIGTERM to the child's process group (its own children too), SIGKILL after `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        _signal_group(self.process, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)  # the child leads its own session, so its group id is its pid
    except ProcessLookupError:
        pass


PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int):
    """preexec_fn: the child gets SIGTERM when its parent dies (Linux), even by `kill -9`."""
    def arrange() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):  # not Linux: the supervisor's group stop remains
            return
        if os.getppid() != parent_pid:  # the parent died before prctl: nobody would stop us
            os._exit(1)
    return arrange


def private_folder(path: Path) -> None:
    """Create `path` (and parents) readable by this account only; tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def private_var_folder(var_dir: Path) -> None:
    """The var folder, its logs folder and the files in them (databases, tokens, logs) made private,
    as earlier versions created them readable by every local account."""
    for folder in (var_dir, var_dir / "logs"):
        private_folder(folder)
        for path in folder.iterdir():
            if path.is_file():
                os.chmod(path, 0o600)


def private_files() -> None:
    """From now on, every file and folder this process and its children create is theirs alone."""
    os.umask(0o077)


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
        f"{settings.web_url}/healthz/process",  # up even while the partner database is not
        settings.var_dir / "logs" / "web.log",
    )


def _seconds(value: float) -> str:
    """« 0,2 », « 1 », « 30 »: a pause as French readers write it."""
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _now() -> str:
    return time.strftime("%H:%M:%S")


class Processes:
    """Services started together (in order), watched (a crashed one started again), and stopped
    together (in reverse order)."""

    services: List[Service]
    RESTART_LIMIT = 5  # crashes of one service within RESTART_WINDOW: give up
    RESTART_WINDOW = 600.0
    FIRST_PAUSE, LONGEST_PAUSE = 1.0, 30.0
    READY_TIMEOUT = 300.0
    _stopping = False

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
        """Block until Ctrl-C or SIGTERM; start again a service that exits by itself, after a pause
        that doubles at each crash; raise when one crashed RESTART_LIMIT times in RESTART_WINDOW."""
        crashes: Dict[str, List[float]] = {}
        while True:
            for service in self.services:
                if service.exited():
                    self._restart(service, crashes.setdefault(service.name, []))
            time.sleep(1)

    def _restart(self, service: Service, crashes: List[float]) -> None:
        now = time.monotonic()
        crashes[:] = [t for t in crashes if now - t < self.RESTART_WINDOW] + [now]
        code = service.process.returncode
        if len(crashes) >= self.RESTART_LIMIT:
            raise service.failure(f"arrêté de façon inattendue (code {code}) {len(crashes)} fois en "
                                  f"{self.RESTART_WINDOW / 60:.0f} minutes, abandon")
        pause = min(self.FIRST_PAUSE * 2 ** (len(crashes) - 1), self.LONGEST_PAUSE)
        print(f"{_now()} {service.name} arrêté de façon inattendue (code {code}) : redémarrage dans "
              f"{_seconds(pause)} s (tentative {len(crashes)}/{self.RESTART_LIMIT - 1}).", file=sys.stderr, flush=True)
        time.sleep(pause)
        service.start(self.environment())
        deadline = time.monotonic() + self.READY_TIMEOUT
        while not service.ready():
            if service.exited() or time.monotonic() > deadline:
                return  # counted as the next crash on the next round
            time.sleep(0.5)
        print(f"{_now()} {service.name} redémarré.", file=sys.stderr, flush=True)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def _on_signal(self, *_) -> None:
        """First Ctrl-C or SIGTERM: start the stop (once); any later one: ignored, the stop goes on."""
        if self._stopping:
            return
        self._stopping = True
        raise KeyboardInterrupt

    def serve(self, starting: str, ready: str) -> int:
        """Start, say `ready`, watch until Ctrl-C or SIGTERM, stop; 1 (and why) if a service keeps failing."""
        self._stopping = False
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        print(starting, flush=True)
        code = 0
        try:
            self.start()
            print(ready, flush=True)
            self.watch()
        except KeyboardInterrupt:
            print("\nArrêt du guichet…", flush=True)
        except ServiceFailed as failure:
            self._stopping = True  # from here on, signals no longer interrupt anything
            print(f"\nErreur : {failure}", file=sys.stderr)
            code = 1
        finally:
            # The handler raises at most once, so no signal can cut this stop short and leave
            # servers running; the servers also die with this process (PR_SET_PDEATHSIG).
            self._stopping = True
            self.stop()
            # Stopped: later signals change nothing (Python would restore the default handlers while
            # exiting, and a late SIGTERM would turn a clean stop into « killed »).
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        return code

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
            # bot/rasa_run.py adds `--auth-token` from RASA_TOKEN inside the process: not in `ps`.
            [sys.executable, "-m", "bot.rasa_run", "--model", str(model), "--enable-api",
             "--interface", settings.host, "--port", str(settings.rasa_port),
             "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
            f"{settings.rasa_url}/",
            logs / "rasa.log",
        )
        self.web = web_service(settings, settings.rasa_port)
        self.services = [self.actions, self.rasa, *([self.web] if web else [])]

    def environment(self) -> dict:
        return {**self.settings.child_environment(), "SANIC_HOST": self.settings.host}

