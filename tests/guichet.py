"""Start the whole assistant for end-to-end tests: partner data, the trained model, free ports."""
import csv
import os
import shutil
import socket
import uuid
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Dict, Iterator, Optional

from bot import services
from bot import settings as bot_settings
from knowledge import db
from knowledge.partners import importer, naming
from knowledge.settings import DEMO_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def undated_demo(into: Path) -> Path:
    """A copy of the demo data whose openings never close: the tests that run on it count openings
    and name their structures, and would start failing on the day one of the demo's dates passed."""
    shutil.copytree(DEMO_DIR, into, dirs_exist_ok=True)
    offres = into / "offres.csv"
    with offres.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, [{**row, "date_limite": ""} for row in reader]
    with offres.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    return into


@contextmanager
def running_guichet(var_dir: Path, database_url: Optional[str] = None, tracker_store_url: Optional[str] = None,
                    env: Optional[Dict[str, str]] = None, web: bool = False,
                    folder: Optional[Path] = None) -> Iterator[services.Assistant]:
    """The servers on the latest trained model, with the partner data of `folder` (by default the
    demo data without closing dates, `undated_demo`) imported into `database_url`.

    `env` (and DATABASE_URL) are set for the test process too, and restored afterwards.
    """
    database_url = database_url or f"sqlite:///{var_dir / 'cotesoin.db'}"
    variables = {"DATABASE_URL": database_url, **(env or {})}
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        db.dispose()
        naming.forget()
        importer.import_folder(folder or undated_demo(var_dir / "demo"))
        base = bot_settings.load()
        model = services.latest_model(base)
        assert model is not None, "aucun modèle entraîné : lancez `make train` avant ces tests"
        settings = replace(base, rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
                           rasa_token=uuid.uuid4().hex, database_url=database_url, var_dir=var_dir,
                           tracker_store_url=tracker_store_url or f"sqlite:///{var_dir / 'trackers.db'}")
        assistant = services.Assistant(settings, model, web=web)
        assistant.start()
        try:
            yield assistant
        finally:
            assistant.stop()
    finally:
        db.dispose()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def guichet_on_backend(backend: str, var_dir: Path, drop_everything, folder: Optional[Path] = None
                       ) -> Iterator[services.Assistant]:
    """`running_guichet` on SQLite files in `var_dir`, or on TEST_POSTGRES_URL (emptied before and
    after with `drop_everything(url)`): the body of the end-to-end tests' `assistant` fixtures."""
    if backend == "sqlite":
        database_url, tracker_url = f"sqlite:///{var_dir / 'cotesoin.db'}", f"sqlite:///{var_dir / 'trackers.db'}"
    else:
        database_url = tracker_url = os.environ["TEST_POSTGRES_URL"]
        drop_everything(database_url)
    kwargs = {"folder": folder} if folder is not None else {}
    with running_guichet(var_dir, database_url, tracker_url, **kwargs) as assistant:
        yield assistant
    if backend == "postgresql":
        drop_everything(database_url)
