"""The action server's classes: each custom action is a plain class (`grep "class Action"` finds it),
and the `pending` slot's values are the ones of actions/pending.py."""
import ast
import pathlib

from rasa.shared.core.domain import Domain
from rasa_sdk.executor import ActionExecutor

from actions.pending import PENDING_SLOT, Pending


def test_the_pending_values_are_the_domains():
    slot = next(slot for slot in Domain.load("domain.yml").slots if slot.name == PENDING_SLOT)
    assert [value for value in slot.values if not value.startswith("__")] == [p.value for p in Pending]


def test_every_custom_action_of_the_domain_is_a_class_written_out_and_registered():
    domain = Domain.load("domain.yml")
    custom = {name for name in domain.user_actions if name.startswith("action_")}
    written = {}
    for path in pathlib.Path("actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.startswith("Action"):
                written[node.name] = path
    executor = ActionExecutor()
    executor.register_package("actions")
    assert custom <= set(executor.actions)
    for name in custom:
        assert "".join(part.title() for part in name.split("_")) in written, name
    assert "AnswerAction" not in executor.actions and "" not in executor.actions
