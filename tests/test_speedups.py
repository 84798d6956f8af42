"""bot/rasa_speedups.py changes how fast Rasa works, not what it computes."""
import asyncio

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_speedups

ANSWERS = [
    {"events": [{"event": "slot", "name": "commune", "value": "Pornic", "timestamp": None}],
     "responses": [{"text": "Voici", "buttons": [{"title": "Oui", "payload": "/affirm"}]}]},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "value": 1}]},
    {"events": "x"},
    {"responses": [1]},
    {"events": [{"event": "nope"}]},
    # Several event types, each valid for its own branch of the schema's `oneOf` only.
    {"events": [{"event": "bot", "text": "Bonjour", "data": {"buttons": []}, "metadata": {}, "timestamp": 1.5},
                {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
                {"event": "active_loop", "name": "job_search_form"}, {"event": "active_loop", "name": None},
                {"event": "followup", "name": "action_follow_up"}, {"event": "session_started"},
                {"event": "reminder", "intent": "EXTERNAL_unclaimed", "date_time": "2026-11-24T10:00:00",
                 "name": "rappel", "kill_on_user_msg": False},
                {"event": "user", "text": "oui", "parse_data": {"intent": {"name": "affirm", "confidence": 1.0},
                                                               "entities": []}}],
     "responses": []},
    # One bad event among good ones; a bad field of one event type; no `event`; not an object.
    {"events": [{"event": "slot", "name": "commune", "value": "Vue"}, {"event": "bot", "text": 5}]},
    {"events": [{"event": "action", "name": 3}]},
    {"events": [{"name": "commune", "value": "Vue"}]},
    {"events": ["slot"]},
    {"events": None},
]


def outcome(validate, answer):
    try:
        return validate(RemoteAction.__new__(RemoteAction), answer)
    except ValidationError as error:
        return error.message, list(error.path)


@pytest.mark.parametrize("answer", ANSWERS)
def test_action_answers_are_judged_as_rasa_judges_them(answer):
    assert outcome(rasa_speedups._validate_action_result, answer) == outcome(
        _rasa_validate, answer)


def _rasa_validate(self, result):
    """Rasa 3.6.21's own code (rasa/core/actions/action.py)."""
    from jsonschema import validate

    try:
        validate(result, self.action_response_format_spec())
        return True
    except ValidationError as e:
        e.message += (". Failed to validate Action server response from API, make sure your response from the "
                      "Action endpoint is valid. For more information about the format visit "
                      "https://rasa.com/docs/rasa/custom-actions")
        raise e


@pytest.mark.e2e
def test_the_model_says_exactly_the_same_with_the_speedups(tmp_path):
    """Rasa as it is and with the speed-ups (each in its own process), on the 448 held-out messages:
    the same parses and the same next actions."""
    import json
    import os
    import subprocess
    import sys

    from bot import services
    from bot import settings as bot_settings

    model = services.latest_model(bot_settings.load())
    assert model is not None, "aucun modèle entraîné : lancez `make train`"
    outputs = {}
    for mode in ("rasa", "fast"):
        outputs[mode] = tmp_path / f"{mode}.json"
        subprocess.run([sys.executable, "-m", "tests.speedups_parse", str(model), mode, str(outputs[mode])],
                       check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, capture_output=True)
    rasa, fast = (json.loads(outputs[mode].read_text()) for mode in ("rasa", "fast"))
    assert len(rasa) >= 400
    assert fast == rasa


def test_every_event_type_resolves_to_the_class_rasa_finds():
    from rasa.shared.core.events import Event, UserUttered
    from rasa.shared.utils.common import all_subclasses

    def rasa_resolve(type_name, default=None):
        """Rasa 3.6.21's Event.resolve_by_type."""
        for cls in all_subclasses(Event):
            if cls.type_name == type_name:
                return cls
        if type_name == "topic":
            return None
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")

    resolve = rasa_speedups._remembered(rasa_resolve)
    names = {cls.type_name for cls in all_subclasses(Event) if getattr(cls, "type_name", None)}
    assert len(names) > 20
    for _ in range(2):  # found, then remembered
        for name in names:
            assert resolve(name) is rasa_resolve(name)
    assert resolve("nope", UserUttered) is UserUttered and resolve("topic") is None
    with pytest.raises(ValueError):
        resolve("nope")


async def test_actions_reuse_one_connection_and_survive_the_server_closing_it(monkeypatch):
    """What the action server sees: successive actions on one connection, and an action run after
    the server closed that connection (its keep-alive delay was shorter) still gets its answer."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer
    from rasa.utils.endpoints import EndpointConfig

    rasa_speedups.apply()
    seen = []

    async def webhook(request):
        seen.append(request.transport)  # one per connection
        return web.json_response({"events": [], "responses": [{"text": f"appel {len(seen)}"}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    server = TestServer(app)
    await server.start_server(keepalive_timeout=0.5)
    try:
        endpoint = EndpointConfig(url=str(server.make_url("/webhook")))
        answers = [await endpoint.request(json={"next_action": "action_x"}, method="post") for _ in range(3)]
        assert [a["responses"][0]["text"] for a in answers] == ["appel 1", "appel 2", "appel 3"]
        assert seen[1] is seen[0] and seen[2] is seen[0]
        await asyncio.sleep(2)  # the server has closed the idle connection (it looks each second)
        assert (await endpoint.request(json={}, method="post"))["responses"][0]["text"] == "appel 4"
        assert seen[3] is not seen[0]
        monkeypatch.setattr(rasa_speedups, "KEEPALIVE_SECONDS", 0.1)
        fresh = EndpointConfig(url=str(server.make_url("/webhook")))
        await fresh.request(json={}, method="post")
        await asyncio.sleep(0.3)  # past the client's own delay: a new connection, before the server's
        await fresh.request(json={}, method="post")
        assert seen[5] is not seen[4]
    finally:
        await server.close()


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_quick_check_of_valid_answers_agrees_with_the_whole_schema(answer):
    assert rasa_speedups._valid_answer(answer) == rasa_speedups._action_response_validator().is_valid(answer)


def test_a_slot_is_copied_as_copy_copies_it():
    import copy

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.slots import Slot

    slots = Domain.load("domain.yml").slots
    assert {type(s).__name__ for s in slots} >= {"TextSlot", "AnySlot", "BooleanSlot", "CategoricalSlot", "FloatSlot"}
    rasa_speedups.apply()
    for slot in slots:
        slot.value = ["Vue"]
        expected = Slot.__reduce_ex__(slot, 4)  # what `copy.copy` works from without `__copy__`
        ours = rasa_speedups._copy_slot(slot)
        assert type(ours) is type(slot) and ours is not slot
        assert ours.__dict__ == expected[2] and ours.__dict__ is not slot.__dict__
        assert ours.value is slot.value  # shallow, as copy.copy
        ours.value = "Pornic"
        assert slot.value == ["Vue"]
        copied = copy.copy(slot)  # through `Slot.__copy__` once the speed-ups are applied
        assert type(copied) is type(slot) and copied.__dict__ == expected[2]


def _rasa_states_for_tracker_history(self, tracker, omit_unset_slots=False, ignore_rule_only_turns=False,
                                     rule_only_data=None):
    """Rasa 3.6.21's Domain.states_for_tracker_history."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    states = []
    last_ml_action_sub_state = None
    turn_was_hidden = False
    for tr, hide_rule_turn in tracker.generate_all_prior_trackers():
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = self._get_prev_action_sub_state(tr)
            if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
                turn_was_hidden = hide_rule_turn
            if turn_was_hidden:
                continue
        state = self.get_active_state(tr, omit_unset_slots=omit_unset_slots)
        if ignore_rule_only_turns:
            self._remove_rule_only_features(state, rule_only_data)
            if states:
                self._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = last_ml_action_sub_state
        states.append(self._clean_state(state))
    return states


def _random_events(rng, domain, count):
    """Events of every kind that changes the dialogue states: turns (some hidden from the
    story-learning policies), forms, slots of each type, follow-ups, undos, restarts."""
    from rasa.shared.core import events as ev

    forms = list(domain.form_names)
    actions = [a for a in domain.user_actions if a not in forms] + ["utter_greet"]
    slots = [s for s in domain.slots if not s.name.startswith("requested_slot")]

    def slot_value(slot):
        kind = type(slot).__name__
        if kind == "CategoricalSlot":
            return rng.choice(list(slot.values) + [None])
        if kind == "BooleanSlot":
            return rng.choice([True, False, None])
        if kind == "FloatSlot":
            return rng.choice([0.0, 5.0, None])
        return rng.choice(["Pornic", "infirmier", None])

    made = [ev.ActionExecuted("action_listen")]
    for _ in range(count):
        roll = rng.random()
        if roll < 0.3:
            entities = [{"entity": e, "value": "x"} for e in rng.sample(list(domain.entities), rng.randint(0, 2))]
            made += [ev.UserUttered("texte", {"name": rng.choice(domain.intents), "confidence": 1.0}, entities),
                     ev.ActionExecuted("action_listen") if rng.random() < 0.1 else ev.SlotSet("topic", "jobs")]
        elif roll < 0.55:
            made.append(ev.ActionExecuted(rng.choice(actions + forms), hide_rule_turn=rng.random() < 0.3))
        elif roll < 0.7:
            slot = rng.choice(slots)
            made.append(ev.SlotSet(slot.name, slot_value(slot)))
        elif roll < 0.8:
            made.append(ev.ActiveLoop(rng.choice(forms + [None])))
        elif roll < 0.85:
            made.append(ev.FollowupAction(rng.choice(actions)))
        elif roll < 0.9:
            made.append(ev.ActionExecuted("action_listen"))
        else:
            made.append(rng.choice([ev.UserUtteranceReverted(), ev.ActionReverted(), ev.LoopInterrupted(True),
                                    ev.ActionExecutionRejected(rng.choice(forms)), ev.Restarted(),
                                    ev.SessionStarted()]))
    return made


def test_the_dialogue_states_are_the_ones_rasa_builds():
    """Replayed once per tracker and shared by the policies: the same states for every way the
    policies ask, and each call's states its own (the policies change them)."""
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load("domain.yml")
    rng = random.Random(11)
    asks = [dict(omit_unset_slots=omit, ignore_rule_only_turns=ignore, rule_only_data=data)
            for omit in (False, True) for ignore in (False, True)
            for data in (None, {"rule_only_slots": ["pending"], "rule_only_loops": ["callback_form"]})]
    for _ in range(150):
        events = _random_events(rng, domain, rng.randint(0, 40))
        tracker = DialogueStateTracker.from_events("states", events, domain.slots)
        for _ in range(4):  # then more events on the same tracker: the replay goes on, or starts again
            for ask in rng.sample(asks, len(asks)) * 2:
                ours = rasa_speedups._states_for_tracker_history(domain, tracker, **ask)
                assert ours == _rasa_states_for_tracker_history(domain, tracker, **ask)
                for state in ours:  # the policies change their states: no effect on the next call
                    for sub_state in state.values():
                        sub_state.clear()
                    state.clear()
            for event in _random_events(rng, domain, 3):
                tracker.update(event)


def test_rasa_copies_deeply_only_for_its_debug_lines():
    """The modules whose `copy` is replaced use it for nothing else than deep copies of the values
    of `structlogger.debug` calls; those copies are made when the debug level is on, not otherwise."""
    import ast
    import importlib
    import inspect
    import logging

    for name in rasa_speedups.DEBUG_COPY_MODULES:
        tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        in_debug_lines = {id(node) for call in ast.walk(tree) if isinstance(call, ast.Call)
                          and ast.unparse(call.func) == "structlogger.debug" for node in ast.walk(call)}
        uses = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name) and node.value.id == "copy"]
        assert uses, name
        for use in uses:
            assert use.attr == "deepcopy" and id(use) in in_debug_lines, (name, use.lineno)

    shim = rasa_speedups._CopyForDebugLines("rasa.core.processor")
    value = {"states": [{"user": {"intent": "greet"}}]}
    logger = logging.getLogger("rasa.core.processor")
    level = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert shim.deepcopy(value) is value
        logger.setLevel(logging.DEBUG)
        copied = shim.deepcopy(value)
        assert copied == value and copied["states"][0] is not value["states"][0]
    finally:
        logger.setLevel(level)
    assert shim.copy is __import__("copy").copy


def test_the_answers_outline_is_checked_as_jsonschema_checks_it():
    """The answer's schema without the per-event branches: checked directly, with jsonschema's verdict
    on every kind of value in every place (Rasa 3.6.21 writes exactly that schema)."""
    import itertools

    base, _ = rasa_speedups._event_validators()
    assert base.schema == rasa_speedups.BASE_SCHEMA
    values = [None, True, 0, 1.5, "x", [], [{}], {}, {"a": 1}]
    events = [{"event": "slot"}, {"name": "commune"}]
    events += [{"event": value} for value in values]
    events += [{"event": "bot", "timestamp": value} for value in values]
    events += [{"event": "bot", "metadata": value} for value in values]
    events += values
    answers = list(values) + [{}, {"other": 1}]
    answers += [{"events": value} for value in values]
    answers += [{"responses": value} for value in values]
    answers += [{"events": [event]} for event in events]
    answers += [{"events": list(pair)} for pair in itertools.combinations(events[:12], 2)]
    answers += [{"events": [{"event": "slot"}], "responses": [value]} for value in values]
    for answer in answers:
        assert rasa_speedups._valid_base(answer) is base.is_valid(answer), answer


class Guarded:
    """A stand-in for a Rasa class whose method a patch replaces."""

    def answer(self):
        return "Rasa"


def _sha(source: str) -> str:
    import hashlib

    return hashlib.sha256(source.encode()).hexdigest()


def test_every_patch_was_written_for_the_installed_rasa():
    """Checked in a fresh process (other tests here apply the patches to this one)."""
    done = _python(["-c", "from bot import rasa_speedups as s\n"
                          "print(len(s.PATCHES), [p.name for p in s.PATCHES if not p.matches_rasa()])"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{len(rasa_speedups.PATCHES)} []"


def test_a_patch_is_refused_loudly_when_rasas_code_differs(caplog):
    import inspect

    real = _sha(inspect.getsource(Guarded.answer))
    other = _sha("def answer(self):\n    return 'autre'\n")

    def patch(sha):
        return rasa_speedups.Patch("réponse rapide", f"{__name__}:Guarded", "answer", sha[:16],
                                   lambda original: lambda self: f"vite ({original(self)})")

    with caplog.at_level("ERROR", logger="bot.rasa_speedups"):
        assert rasa_speedups.install([patch(other)]) == []
    assert Guarded().answer() == "Rasa"
    assert any("correctif refusé" in record.getMessage() and record.levelname == "ERROR" for record in caplog.records)
    original = Guarded.__dict__["answer"]
    try:
        assert rasa_speedups.install([patch(real)]) == ["réponse rapide"]
        assert Guarded().answer() == "vite (Rasa)"
    finally:
        Guarded.answer = original


def _python(arguments, **env):
    """Python run on `arguments` in a fresh process: its outcome, outputs as text."""
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env})


def test_importing_the_tracker_store_changes_nothing_in_rasa():
    done = _python(["-c", "import bot.tracker_store\n"
                          "from rasa.core.actions.action import RemoteAction\n"
                          "from rasa.shared.core.domain import Domain\n"
                          "print(RemoteAction._action_call_format.__module__, Domain.is_empty.__module__)"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rasa.core.actions.action", "rasa.shared.core.domain"]


def test_rasas_command_line_for_the_story_tests_runs_with_every_patch():
    """`make test-stories` runs `python -m bot.rasa_cli test core`: the same preparation as the server."""
    with open("Makefile") as makefile:
        assert "-m bot.rasa_cli test core --stories tests/test_stories.yml" in makefile.read()
    done = _python(["-m", "bot.rasa_cli", "--version"])
    assert done.returncode == 0, done.stderr
    count = len(rasa_speedups.PATCHES)
    assert f"{count} correctifs de Rasa appliqués sur {count}" in done.stderr
    off = _python(["-m", "bot.rasa_cli", "--version"], COTESOIN_RASA_SPEEDUPS="off")
    assert "correctifs de Rasa appliqués" not in off.stderr and "désactivé" in off.stderr


def test_a_prepared_rasa_process_masks_what_it_logs_through_handlers_set_up_later():
    """bot/rasa_process.prepare() runs before Rasa sets its logging up: the records are masked anyway."""
    done = _python(["-c", "from bot import rasa_process\n"
                          "rasa_process.prepare()\n"
                          "import logging\n"
                          "logging.basicConfig(format='%(name)s %(message)s')  # as Rasa's command line, later\n"
                          "logging.getLogger('rasa.core.processor').warning('message de %s : %s', 'moi',"
                          " 'rappelez-moi au 06 12 34 56 78 ou lea.martin@example.fr')"])
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("rasa.core.processor"))
    assert "06 12 34 56 78" not in line and "lea.martin@example.fr" not in line
    assert "[téléphone masqué]" in line and "[e-mail masqué]" in line and "message de moi" in line


def test_the_next_prediction_of_a_message_replays_only_the_new_events():
    """The turns already replayed are kept when events are added (the prediction after an action),
    and the whole conversation is replayed again when an undo drops an event applied before."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActionReverted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load("domain.yml")
    tracker = DialogueStateTracker.from_events("replay", [
        ActionExecuted("action_listen"),
        UserUttered("un logement a pornic", {"name": "ask_housing", "confidence": 1.0},
                    [{"entity": "commune", "value": "Pornic"}])], domain.slots)
    first = rasa_speedups._turns(domain, tracker, False)
    replay = tracker._cotesoin_replays[(id(domain), False)]
    tracker.update(SlotSet("topic", "housing"))
    tracker.update(ActionExecuted("action_housing"))
    second = rasa_speedups._turns(domain, tracker, False)
    assert tracker._cotesoin_replays[(id(domain), False)] is replay  # went on from where it stopped
    assert second[:len(first) - 1] == first[:-1] and len(second) == len(first) + 1
    assert second[-1][3] == "action_housing"
    tracker.update(ActionReverted())
    third = rasa_speedups._turns(domain, tracker, False)
    assert tracker._cotesoin_replays[(id(domain), False)] is not replay  # replayed from the start
    assert third[-1][3] == "action_listen"
