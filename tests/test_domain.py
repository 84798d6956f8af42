"""domain.yml: one file at the root, grouped by feature in one order, and declaring everything the
buttons, the Telegram commands and the actions send or name (what `rasa data validate` does not
look at: it checks nlu/ and the stories, not the payloads built in Python)."""
import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import yaml
from rasa.shared.core.constants import DEFAULT_SLOT_NAMES
from rasa.shared.core.domain import Domain

from bot.telegram.updates import COMMANDS, START_INTENT
from knowledge.coordination.applications import apply_payload
from knowledge.coordination.handoff_settings import REMINDER_INTENT

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_FILE = ROOT / "domain.yml"
# The order of the feature headers, as the file's opening comment lists them.
FEATURES = ["conversation", "dialogue", "jobs", "apply", "alerts", "handoff", "privacy", "plan"]
GROUPED_KEYS = ["intents", "entities", "slots", "forms", "actions", "responses"]
HEADER = re.compile(r"^  # --- (?P<feature>[a-z]+) ---$")
# A payload the assistant receives as an intent: /intent or /intent{"entity":"value",…}
PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_]+)(?P<entities>\{.*)?$", re.DOTALL)
ENTITY_KEY = re.compile(r'"(?P<entity>[A-Za-z_]+)"\s*:')


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_FILE))


def _headers_per_key(text: str) -> Dict[str, List[str]]:
    """The `# --- feature ---` headers found under each top-level key, in the file's order."""
    headers: Dict[str, List[str]] = {}
    key = None
    for line in text.splitlines():
        top = re.match(r"^(?P<key>[a-z_]+):", line)
        if top:
            key = top.group("key")
            headers.setdefault(key, [])
        elif key and HEADER.match(line):
            headers[key].append(HEADER.match(line).group("feature"))
    return headers


def test_the_domain_is_one_file_at_the_root_grouped_by_feature_in_one_order():
    # A file put back in a domain/ folder would be read by nothing: training names domain.yml.
    assert not (ROOT / "domain").exists()
    text = DOMAIN_FILE.read_text(encoding="utf-8")
    headers = _headers_per_key(text)
    assert set(GROUPED_KEYS) <= set(headers)
    for key in GROUPED_KEYS:
        found = headers[key]
        assert found, f"{key}: no feature header"
        assert set(found) <= set(FEATURES), f"{key}: unknown feature {set(found) - set(FEATURES)}"
        assert found == sorted(found, key=FEATURES.index), f"{key}: features out of order {found}"
        assert len(found) == len(set(found)), f"{key}: a feature split in two {found}"
    # Every item of a grouped key sits under a header: the first header comes before the first item.
    lines = text.splitlines()
    for key in GROUPED_KEYS:
        start = lines.index(f"{key}:")
        first = next(line for line in lines[start + 1:] if line.strip())
        assert HEADER.match(first), f"{key}: its first item comes before any feature header"


def test_the_feature_headers_split_the_domain_as_each_feature_needs(domain):
    """The grouping is true to what the features hold: a form's slots are under its own header, or
    under « conversation » for the criteria every topic shares (profession, commune)."""
    sections = _items_per_feature(DOMAIN_FILE.read_text(encoding="utf-8"))
    for form, slots in domain.forms.items():
        feature = next(f for (key, f), items in sections.items() if key == "forms" and form in items)
        own = sections[("slots", feature)] | sections[("slots", "conversation")]
        for slot in slots["required_slots"]:
            assert slot in own, f"{slot} of {form} is not under « {feature} »"
    declared = set().union(*(items for (key, _), items in sections.items() if key == "slots"))
    assert declared == {slot.name for slot in domain.slots} - DEFAULT_SLOT_NAMES


def _items_per_feature(text: str) -> Dict[Tuple[str, str], Set[str]]:
    """{(key, feature): names declared there} for the grouped keys of the raw file."""
    items: Dict[Tuple[str, str], Set[str]] = {}
    key = feature = None
    for line in text.splitlines():
        top = re.match(r"^(?P<key>[a-z_]+):", line)
        if top:
            key, feature = top.group("key"), None
        elif key in GROUPED_KEYS and HEADER.match(line):
            feature = HEADER.match(line).group("feature")
        elif key in GROUPED_KEYS and feature:
            name = re.match(r"^  (?:- )?(?P<name>[A-Za-z_]+)(?::|$)", line)
            if name:
                items.setdefault((key, feature), set()).add(name.group("name"))
    return items


def _payloads_in_python(folder: Path) -> Iterator[Tuple[str, str]]:
    """(where, payload) for every (title, "/payload") pair written in the modules of `folder` (a title
    written or read by `text()`); the formatted parts of an f-string are left out (`{…}`), its written parts kept."""
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Tuple) and len(node.elts) == 2):
                continue
            title, payload = node.elts
            if not (isinstance(title, (ast.Constant, ast.JoinedStr, ast.Call))):
                continue
            if isinstance(payload, ast.Constant) and isinstance(payload.value, str):
                text = payload.value
            elif isinstance(payload, ast.JoinedStr):
                text = "".join(part.value if isinstance(part, ast.Constant) else "{…}" for part in payload.values)
            else:
                continue
            if text.startswith("/"):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", text


def _payloads_in_domain() -> Iterator[Tuple[str, str]]:
    responses = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]
    for name, variants in responses.items():
        for variant in variants:
            for button in variant.get("buttons", []):
                # Rasa fills {slot} placeholders in responses: `{{` is what reaches the channel as `{`.
                payload = button["payload"].replace("{{", "{").replace("}}", "}")
                if payload.startswith("/"):
                    yield f"domain.yml {name}", payload


def _every_payload() -> List[Tuple[str, str]]:
    found = [*_payloads_in_domain(), *_payloads_in_python(ROOT / "actions"),
             *((f"bot/telegram/updates.py /{command}", payload) for command, payload in COMMANDS.items()),
             ("bot/telegram/updates.py /start", START_INTENT),
             ("knowledge/coordination/applications.py apply_payload", apply_payload("ouverture-1"))]
    return found


def test_the_payload_scan_finds_the_buttons_of_the_domain_the_actions_and_telegram():
    """The scan below reads every kind of place a payload is written (a scan finding nothing passes)."""
    where = {place.split(" ")[0].split(":")[0] for place, _ in _every_payload()}
    assert {"domain.yml", "actions/jobs.py", "actions/professions.py", "actions/plan.py",
            "bot/telegram/updates.py", "knowledge/coordination/applications.py"} <= where
    payloads = {payload for _, payload in _every_payload()}
    assert '/inform{"commune":"Pornic"}' in payloads and "/plan_move" in payloads
    assert '/search_jobs{"profession":"{…}"}' in payloads


@pytest.mark.parametrize("where, payload", _every_payload())
def test_every_payload_a_person_can_send_names_an_intent_and_entities_of_the_domain(domain, where, payload):
    match = PAYLOAD.match(payload)
    if match is None:  # an f-string whose intent is formatted (`/{intent}{…}`): checked where it comes from
        assert payload.startswith("/{…}"), f"{where}: {payload!r} is no /intent payload"
        return
    assert match.group("intent") in domain.intents, f"{where}: {payload!r} sends an intent not in domain.yml"
    for entity in ENTITY_KEY.findall(match.group("entities") or ""):
        assert entity in domain.entities, f"{where}: {payload!r} sets an entity not in domain.yml"


def test_the_intents_set_outside_the_training_data_are_declared(domain):
    """The reminder's intent (scheduled by action_request_human) is never typed, so no nlu/ check sees it."""
    assert REMINDER_INTENT in domain.intents


def test_every_response_an_action_sends_by_name_is_in_the_domain(domain):
    named = []
    for path in sorted((ROOT / "actions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in ("response", "template") \
                    and isinstance(node.value, ast.Constant):
                named.append((f"{path.name}:{node.value.lineno}", node.value.value))
    assert named, "no action sends a domain response by name: the scan is broken"
    for where, response in named:
        assert response in domain.responses, f"{where}: {response} is not a response of domain.yml"


def test_no_two_responses_have_the_same_text(domain):
    seen: Dict[str, str] = {}
    for name, variants in domain.responses.items():
        for variant in variants:
            text = variant.get("text")
            assert text not in seen, f"{name} repeats the text of {seen.get(text)}"
            seen[text] = name
