"""The arrows of knowledge/ run one way, and the web process never imports the action server.

Every module is parsed (ast, imports inside functions included): `partners/` imports only the root
of knowledge/; `coordination/` the root and `partners/`; `conversations/` the root and `partners/`,
and `coordination/` only for the figures listed in CONVERSATIONS_READ_COORDINATION; the root
imports none of the three, but knowledge/schema.py gathers their tables. Nothing in bot/web/ nor
bot/held.py imports `actions`.
"""
import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
PACKAGES = ("partners", "coordination", "conversations")
# What each layer may import, besides itself and the root.
MAY_IMPORT = {"root": set(), "partners": set(), "coordination": {"partners"}, "conversations": {"partners"}}
# The observatory's figures about the coordination's records (requests, plans, Rasa's events as the
# transcripts read them; applications and alerts): the only reads of coordination/ from conversations/.
CONVERSATIONS_READ_COORDINATION = {
    "knowledge.conversations.observatory": {"knowledge.coordination.handoff", "knowledge.coordination.models",
                                            "knowledge.coordination.plans", "knowledge.coordination.transcripts"},
    "knowledge.conversations.application_stats": {"knowledge.coordination.alerts", "knowledge.coordination.models"},
}
# The root module that assembles every table for the migrations (its docstring says why).
SCHEMA_MAY_IMPORT = {"knowledge.partners.models", "knowledge.coordination.models"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, root: Path = ROOT) -> Iterator[Tuple[int, str]]:
    """(line, module) for every import of `source`, a `from package import module` read as the module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                as_path = root.joinpath(*candidate.split("."))
                is_module = as_path.with_suffix(".py").is_file() or (as_path / "__init__.py").is_file()
                yield node.lineno, candidate if is_module else node.module


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in PACKAGES else "root"


def against_the_arrows(module: str, source: str, root: Path = ROOT) -> List[str]:
    """The imports of `module` (a knowledge.* module) that go against the arrows."""
    problems = []
    own = layer(module)
    for line, target in imported(source, root):
        if target != "knowledge" and not target.startswith("knowledge."):
            continue
        other = layer(target)
        if other in ("root", own) or other in MAY_IMPORT[own]:
            continue
        if module == "knowledge.schema" and target in SCHEMA_MAY_IMPORT:
            continue
        if target in CONVERSATIONS_READ_COORDINATION.get(module, ()):
            continue
        problems.append(f"{module}:{line} imports {target} ({own} → {other})")
    return problems


def knowledge_modules() -> List[Path]:
    return sorted(KNOWLEDGE.rglob("*.py"))


def test_knowledge_has_its_three_packages_and_no_module_left_at_an_old_path():
    for package in PACKAGES:
        assert (KNOWLEDGE / package / "__init__.py").is_file()
    for old in ("queries", "handoff", "observatory", "privacy", "importer", "transcripts", "vocabulary"):
        assert not (KNOWLEDGE / f"{old}.py").exists(), f"knowledge/{old}.py is back at the root"


def test_every_import_in_knowledge_follows_the_arrows():
    problems = [problem for path in knowledge_modules()
                for problem in against_the_arrows(module_name(path), path.read_text(encoding="utf-8"))]
    assert problems == []


@pytest.mark.parametrize("module, source", [
    ("knowledge.partners.queries", "from knowledge.coordination import handoff\n"),
    ("knowledge.partners.queries", "def f():\n    from knowledge.conversations.observatory import Period\n"),
    ("knowledge.coordination.privacy", "from knowledge.conversations import observatory\n"),
    ("knowledge.conversations.review", "from knowledge.coordination.handoff import OUTCOMES\n"),
    ("knowledge.db", "import knowledge.partners.queries\n"),
    ("knowledge.masking", "from knowledge.partners.models import Commune\n"),
])
def test_an_import_against_the_arrows_is_found(module, source):
    assert len(against_the_arrows(module, source)) == 1


@pytest.mark.parametrize("module, source", [
    ("knowledge.coordination.plans", "from knowledge.partners import plan_builder\nfrom knowledge import db\n"),
    ("knowledge.conversations.observatory", "from knowledge.partners.naming import ANY\n"),
    ("knowledge.partners.editing", "from knowledge.audit import audit\n"),
])
def test_an_import_along_the_arrows_is_accepted(module, source):
    assert against_the_arrows(module, source) == []


def web_modules() -> List[Path]:
    return sorted((ROOT / "bot" / "web").rglob("*.py")) + [ROOT / "bot" / "held.py"]


def test_the_web_process_never_imports_the_action_server():
    problems = [f"{path.relative_to(ROOT)}:{line} imports {target}"
                for path in web_modules()
                for line, target in imported(path.read_text(encoding="utf-8"))
                if target == "actions" or target.startswith("actions.")]
    assert problems == []


def test_an_import_of_the_actions_is_found_in_the_web_modules_read():
    assert any(path.name == "held.py" for path in web_modules()) and len(web_modules()) > 5
    assert [target for _, target in imported("def f():\n    from actions import handoff\n")] == ["actions.handoff"]
