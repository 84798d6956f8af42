"""Session 9's second pass, each change put back to the first pass's code in turn:

    .venv/bin/python scripts/bench_inprocess.py --rounds 8 --variants scripts/bench_variants_s9b.py

Read by bench_inprocess.py (`exec`, run from the project root inside its git checkout): the first
pass's tracker store is compiled from `git show 89575be:bot/tracker_store.py` and swapped in.
"""
import importlib.util
import subprocess
from pathlib import Path

BEFORE = "89575be"  # the first pass, merged (docs/performance.md « Session 9 »)


def _old_module(path: str, name: str):
    source = subprocess.run(["git", "show", f"{BEFORE}:{path}"], capture_output=True, text=True, check=True).stdout
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader=None))
    module.__file__ = str(Path(path).resolve())
    exec(compile(source, path, "exec"), module.__dict__)
    return module


_OLD_STORE = _old_module("bot/tracker_store.py", "tracker_store_first_pass")
_stores = {}


def _store(agent, old: bool) -> None:
    """The agent's tracker store (inside Rasa's FailSafeTrackerStore): ours, or the first pass's."""
    failsafe = agent.tracker_store
    if "new" not in _stores:
        new = _stores["new"] = failsafe._tracker_store
        _stores["old"] = _OLD_STORE.WindowedSQLTrackerStore(new.domain, host=str(new.engine.url))
    failsafe._tracker_store = _stores["old" if old else "new"]


VARIANTS = {
    "premier passage": lambda agent: _store(agent, old=True),
    "second passage": lambda agent: _store(agent, old=False),
}
