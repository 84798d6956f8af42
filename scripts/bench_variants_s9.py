"""Session 9's changes to the Rasa process, each put back to session 8's code (commit 0877eef) in turn:

    .venv/bin/python scripts/bench_inprocess.py --rounds 12 --variants scripts/bench_variants_s9.py

Read by bench_inprocess.py (`exec`, run from the project root inside its git checkout): the old
functions are compiled from `git show 0877eef:<file>` and swapped in by each variant.
"""
import importlib.util
import subprocess
from pathlib import Path

from bot import rasa_speedups
from knowledge import cues

BEFORE = "0877eef"  # session 8's last commit (docs/performance.md « Session 8 »)


def _old_module(path: str, name: str):
    source = subprocess.run(["git", "show", f"{BEFORE}:{path}"], capture_output=True, text=True, check=True).stdout
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader=None))
    module.__file__ = str(Path(path).resolve())
    exec(compile(source, path, "exec"), module.__dict__)
    return module


_OLD_CUES = _old_module("knowledge/cues.py", "cues_session8")
_NEW_CUES = {name: getattr(cues, name) for name in ("_first", "_plain")}
_OLD_TURNS = _old_module("bot/rasa_speedups.py", "speedups_session8")._turns
_NEW_TURNS = rasa_speedups._turns


def _set(lexicons: bool = True, replay: bool = True) -> None:
    for name, new in _NEW_CUES.items():
        setattr(cues, name, new if lexicons else getattr(_OLD_CUES, name))
    rasa_speedups._turns = _NEW_TURNS if replay else _OLD_TURNS


VARIANTS = {
    "session 8": lambda agent: _set(False, False),
    "session 9": lambda agent: _set(),
    "sans les lexiques compilés": lambda agent: _set(lexicons=False),
    "sans la reprise du rejeu": lambda agent: _set(replay=False),
}
