"""Fixes to Rasa 3.6.21's hot path where Rasa offers no extension point, applied explicitly where a
Rasa process starts: `bot/rasa_run.py` (`cotesoin run`'s Rasa server) and `bot/rasa_cli.py` (the
story tests' `rasa test core`) call `apply()`. Importing this module changes nothing.

The rule policy's indexing is a policy of its own (components/indexed_rule_policy.py, named in
config.yml), the tracker store's work a custom store (bot/tracker_store.py, named in endpoints.yml).
What is left here replaces Rasa internals, each kept because it saves at least 3 % of the Rasa
server's CPU alone (`scripts/bench_inprocess.py`, docs/performance.md).

Profiled under load (docs/performance.md):

- About a third of the Rasa server's time went to checking the action server's answers:
  `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which first
  validates the constant *schema* against the JSON Schema meta-schema, then builds a validator, at
  every action call. Here the schema is checked and its validator built once; each answer is still
  validated against the same schema, and an invalid one raises the same `ValidationError` with the
  same message (what `validate` does: `best_match` over `iter_errors`). A valid answer is
  recognised without trying each event against the 23 event types of the schema's `oneOf`: only
  against the one its `event` names (the others require another name), after the outline of the
  answer (an object with lists of objects, each event's name, time and metadata) is checked
  directly rather than by jsonschema's generic walk.
- Every event Rasa reads back (tracker store, action server answers, HTTP API) finds its class with
  `Event.resolve_by_type`, which walks the whole tree of `Event` subclasses each time (90 % of the
  time spent turning stored events into objects). The class found for a type name is remembered.
- Rasa runs its model graph (the NLU components for each message, the policies for each
  prediction) with dask (`DaskGraphRunner.run`), which works out the sub-graph and the order of
  its nodes again at each run: 7 % of the server's time. Here the order is worked out once per
  list of targets and the same nodes are called with the same arguments.
- The memoization and the rule policies each replay the whole conversation to build its dialogue
  states, at every prediction. The prior trackers' states are worked out once per tracker (until
  an event is added) and each policy gets its own copy to change.
- Rasa deep-copies the dialogue states, events and slots it passes to its debug log lines, several
  times per message, whether or not the debug level is on: those copies are skipped when it is off.
- Every tracker Rasa makes (several per message: copies, the replays behind the dialogue states)
  copies each slot of the domain with `copy.copy`, which goes through the generic
  `__reduce_ex__` protocol. `Slot.__copy__` makes the same shallow copy directly (a new object of
  the same class with the same attributes), about 4 times faster.
- For every message it parses, Rasa checks that the domain is not empty by comparing it, turned
  into a dict, with a newly built empty domain (`Domain.is_empty`). The answer is kept per domain.
- Each action run by the action server opened a new aiohttp session and a new connection
  (`EndpointConfig.session`): 0.3 ms of the Rasa server's and 0.2 ms of the action server's CPU
  per call. One session per endpoint is kept, its connections reused for 2 s at most.

Each patch (`PATCHES`) carries the SHA-256 of the Rasa source it replaces: when Rasa's code differs
(another version), that patch is refused with an error in the log, and the others applied. The
log's status line (`STATUS_LINE`) says how many were applied; `COTESOIN_RASA_SPEEDUPS=off` leaves
Rasa as it is (to compare, or if one of them ever misbehaves). The payload trimming of
bot/action_payload.py is one of these patches (Rasa has no hook for what it sends the action server).
"""
import asyncio
import atexit
import copy
import functools
import hashlib
import importlib
import inspect
import logging
import numbers
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Text

from rasa.shared.core.constants import PREVIOUS_ACTION

from bot import action_payload

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"  # the version the patches were written for (their sources' hashes)


@functools.lru_cache(maxsize=1)
def _action_response_validator():
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@functools.lru_cache(maxsize=1)
def _event_validators():
    """(the answer's schema without the per-event `oneOf`, {event name: validator of its branch}).

    Each branch of the schema's `oneOf` over events fixes `event` to its own name, so an event is
    valid for the `oneOf` exactly when it is valid for the branch of its name: checking that one
    branch says the same as trying all 23."""
    full = _action_response_validator()
    schema = copy.deepcopy(full.schema)
    branches = schema["properties"]["events"]["items"].pop("oneOf")
    cls = type(full)
    return cls(schema), {branch["properties"]["event"]["const"]: cls(branch) for branch in branches}


# The answer's schema without the per-event branches, as Rasa 3.6.21 writes it: `_valid_base`
# checks it directly (jsonschema took 90 µs for an answer of 4 events and 3 responses).
BASE_SCHEMA = {
    "type": "object",
    "properties": {
        "events": {"type": "array", "items": {
            "type": "object",
            "properties": {"event": {"type": "string"}, "timestamp": {"type": ["number", "null"]},
                           "metadata": {"type": ["object", "null"]}},
            "required": ["event"]}},
        "responses": {"type": "array", "items": {"type": "object"}},
    },
}


def _is_number(value) -> bool:
    """JSON Schema's `number` as jsonschema checks it: a number, not a boolean."""
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _valid_base(result) -> bool:
    """jsonschema's verdict on `BASE_SCHEMA` (a property is only checked when present)."""
    if not isinstance(result, dict):
        return False
    events = result.get("events", [])
    if not isinstance(events, list):
        return False
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("event", 0), str):
            return False
        if event.get("timestamp") is not None and not _is_number(event["timestamp"]):
            return False
        if event.get("metadata") is not None and not isinstance(event["metadata"], dict):
            return False
    responses = result.get("responses", [])
    return isinstance(responses, list) and all(isinstance(response, dict) for response in responses)


@functools.lru_cache(maxsize=1)
def _base_check():
    """`_valid_base` when Rasa's schema is the one it was written for, jsonschema's check otherwise."""
    base, _ = _event_validators()
    return _valid_base if base.schema == BASE_SCHEMA else base.is_valid


def _valid_answer(result: Dict[Text, Any]) -> bool:
    if not _base_check()(result):
        return False
    _, branches = _event_validators()
    for event in result.get("events") or []:
        branch = branches.get(event["event"])  # the base checked: an object with a string `event`
        if branch is None or not branch.is_valid(event):
            return False
    return True


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    if _valid_answer(result):
        return True
    error = exceptions.best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    try:
        raise error
    except ValidationError as e:  # the same wording as Rasa's own
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def _graph_plan(schema):
    """(node name, needed names) for every node of `schema`, each after the nodes it needs."""
    plan, seen = [], set()

    def visit(name):
        if name in seen or name not in schema.nodes:  # already placed, or an input of the run
            return
        seen.add(name)
        needs = list(schema.nodes[name].needs.values())
        for need in needs:
            visit(need)
        plan.append((name, needs))

    for name in schema.nodes:
        visit(name)
    return plan


def _run_in_order(self, inputs=None, targets=None):
    """`DaskGraphRunner.run`: same nodes, same arguments, same result and errors; no dask."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    plans = self.__dict__.setdefault("_cotesoin_plans", {})
    plan = plans.get(tuple(run_targets))
    if plan is None:
        plan = plans[tuple(run_targets)] = _graph_plan(self._graph_schema.minimal_graph_schema(run_targets))
    # Like dask: an input is passed on as (name, value), the way each node returns its output.
    results = {name: (name, value) for name, value in (inputs or {}).items()}
    try:
        for name, needs in plan:
            if name not in results:
                results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(results[target] for target in run_targets)


class _Replay:
    """A conversation's prior trackers replayed up to the last of its applied events: the turns
    before each action so far, and the replaying tracker after the last event."""

    __slots__ = ("applied", "tracker", "turns")

    def __init__(self, tracker) -> None:
        self.applied, self.tracker, self.turns = [], tracker.init_copy(), []


def _turn(domain, prior, hidden: bool, omit_unset_slots: bool):
    return (domain.get_active_state(prior, omit_unset_slots=omit_unset_slots), hidden, prior.followup_action,
            prior.latest_action_name, prior.active_loop_name, domain._get_prev_action_sub_state(prior))


def _turns(domain, tracker, omit_unset_slots: bool):
    """What `Domain.states_for_tracker_history` reads of each prior tracker of `tracker` (its state,
    whether the turn is hidden from the policies that learn from stories, its follow-up action,
    latest action and active loop, the previous action's sub-state), as Rasa's
    `generate_all_prior_trackers` replays them: worked out once per tracker as long as no event is
    added, the memoization and rule policies both asking for it at every prediction. When events
    are added (the next prediction of the same message), the replay goes on from where it stopped
    as long as the events applied before are still applied, in the same order (the same objects);
    an undo, a restart or a form's loop that drops one replays the whole conversation again."""
    from rasa.shared.core.events import ActionExecuted

    events = tracker.events
    key = (len(events), id(events[0]) if events else None, id(events[-1]) if events else None, id(domain),
           omit_unset_slots)
    known = tracker.__dict__.get("_cotesoin_turns")
    if known is not None and known[0] == key:
        return known[1]
    applied = tracker.applied_events()
    replays = tracker.__dict__.setdefault("_cotesoin_replays", {})
    replay = replays.get((id(domain), omit_unset_slots))
    if (replay is None or len(replay.applied) > len(applied)
            or any(before is not now for before, now in zip(replay.applied, applied))):
        replay = replays[(id(domain), omit_unset_slots)] = _Replay(tracker)
    for event in applied[len(replay.applied):]:
        if isinstance(event, ActionExecuted):
            replay.turns.append(_turn(domain, replay.tracker, event.hide_rule_turn, omit_unset_slots))
        replay.tracker.update(event)
    replay.applied = applied
    turns = replay.turns + [_turn(domain, replay.tracker, False, omit_unset_slots)]
    tracker._cotesoin_turns = (key, turns)
    return turns


def _copy_state(state):
    """A state's own copy down to its sub-states (their values are strings and tuples)."""
    return {state_type: dict(sub_state) for state_type, sub_state in state.items()}


def _states_for_tracker_history(self, tracker, omit_unset_slots=False, ignore_rule_only_turns=False,
                                rule_only_data=None):
    """Rasa 3.6.21's `Domain.states_for_tracker_history`, from the prior trackers' states replayed
    once (`_turns`); each call gets states of its own, which it may change."""
    states = []
    last_ml_action_sub_state = None
    turn_was_hidden = False
    for state, hidden, followup_action, latest_action_name, active_loop_name, previous_action in _turns(
            self, tracker, omit_unset_slots):
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = previous_action
            if not followup_action and not latest_action_name == active_loop_name:
                turn_was_hidden = hidden
            if turn_was_hidden:
                continue
        state = _copy_state(state)
        if ignore_rule_only_turns:
            self._remove_rule_only_features(state, rule_only_data)
            if states:
                self._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = dict(last_ml_action_sub_state)
        states.append(self._clean_state(state))
    return states


# Rasa modules whose only use of `copy` is deep copies of what they pass to debug log lines.
DEBUG_COPY_MODULES = ("rasa.core.processor", "rasa.core.policies.memoization", "rasa.core.policies.rule_policy")


class _CopyForDebugLines:
    """The `copy` module as those modules see it: their deep copies (of the dialogue states, events
    and slots, several per message) are only made when Rasa logs at the debug level, since the
    lines they are for are dropped otherwise."""

    def __init__(self, module_name: str) -> None:
        self.logger = logging.getLogger(module_name)  # the one Rasa's structlog filters by

    def __getattr__(self, name):
        return getattr(copy, name)

    def deepcopy(self, value, memo=None):
        return copy.deepcopy(value, memo) if self.logger.isEnabledFor(logging.DEBUG) else value


def _copy_slot(self):
    """`copy.copy` of a slot, as its default protocol makes it (slots have no `__slots__` and no
    reduce or state methods of their own): same class, shallow copy of the attributes."""
    copied = self.__class__.__new__(self.__class__)
    copied.__dict__.update(self.__dict__)
    return copied


def _remembered(resolve_by_type):
    """`Event.resolve_by_type`, remembering the class found for each type name (the same class: Rasa's
    event types all have distinct names and are defined at import)."""
    found = {}

    def resolve(type_name, default=None):
        cls = found.get(type_name)
        if cls is None:
            cls = resolve_by_type(type_name, default)
            if cls is not None and cls is not default and getattr(cls, "type_name", None) == type_name:
                found[type_name] = cls
        return cls

    return resolve


def _remembered_per_domain(is_empty):
    """`Domain.is_empty`, worked out once per domain: Rasa compares the whole domain with a newly
    built empty one for every message it parses."""

    def check(self) -> bool:
        known = self.__dict__.get("_cotesoin_is_empty")
        if known is None:
            known = self.__dict__["_cotesoin_is_empty"] = is_empty(self)
        return known

    return check


# Below the 5 s after which the action server (Sanic's default) closes an idle connection, so a kept
# connection is never reused just as the server closes it.
KEEPALIVE_SECONDS = 2.0
_kept_sessions = []


class _Kept:
    """`async with` on a kept session: the session, left open for the next request."""

    def __init__(self, session):
        self.session = session

    async def __aenter__(self):
        return self.session

    async def __aexit__(self, *exc_info) -> None:
        return None


def _kept_session(self):
    """`EndpointConfig.session`, one kept per endpoint and event loop: Rasa opened a new session
    and a new connection to the action server for every action it ran. The session is made as
    Rasa's own (headers, basic auth, timeout), with a connector that drops idle connections sooner."""
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get("_cotesoin_session")
    if kept is None or kept._loop is not loop or kept.closed:
        import aiohttp
        from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        # No cookie jar: the action server sets none, and aiohttp's jar parsed each answer's headers.
        kept = aiohttp.ClientSession(headers=self.headers, auth=auth,
                                     timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                     connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
                                     cookie_jar=aiohttp.DummyCookieJar())
        self._cotesoin_session = kept
        _kept_sessions.append(kept)
    return _Kept(kept)


@atexit.register
def _close_kept_sessions() -> None:
    """Close the kept connections (aiohttp would warn about unclosed sessions at exit)."""
    for session in _kept_sessions:
        try:
            session.connector._close()  # the synchronous part of `await session.close()`
        except Exception:  # noqa: BLE001 - its event loop may be gone already
            pass


@dataclass(frozen=True)
class Patch:
    """One replacement of a Rasa internal, refused when the code it replaces is not the code it was
    written for: the SHA-256 of that code's source (the function, or the class or module named by
    `guards` when the patch adds an attribute or replaces a module's name) must start with `source_sha256`."""

    name: str
    target: str  # "module:Class" or "module"
    attribute: str
    source_sha256: str
    replacement: Callable[[Any], Any]  # the original value -> the value put in its place
    guards: str = "attribute"  # "attribute", or "target" (the class or module itself)

    def owner(self):
        module, _, cls = self.target.partition(":")
        owner = importlib.import_module(module)
        return getattr(owner, cls) if cls else owner

    def guarded_source(self) -> str:
        owner = self.owner()
        return inspect.getsource(owner if self.guards == "target" else getattr(owner, self.attribute))

    def matches_rasa(self) -> bool:
        return hashlib.sha256(self.guarded_source().encode()).hexdigest().startswith(self.source_sha256)

    def install(self) -> None:
        owner = self.owner()
        original = inspect.getattr_static(owner, self.attribute, None)
        if isinstance(original, staticmethod):
            setattr(owner, self.attribute, staticmethod(self.replacement(original.__func__)))
        else:
            setattr(owner, self.attribute, self.replacement(original))


def _debug_copy(module_name: str) -> Patch:
    return Patch(f"copies pour le débogage ({module_name})", module_name, "copy", DEBUG_COPY_SHA256[module_name],
                 lambda _: _CopyForDebugLines(module_name), guards="target")


# Each kept because it saves at least 3 % of the Rasa server's CPU alone (docs/performance.md).
DEBUG_COPY_SHA256 = {"rasa.core.processor": "f42dfbf26e2ffcb6", "rasa.core.policies.memoization": "e4519f1a04ecdcce",
                     "rasa.core.policies.rule_policy": "952d1a13906511ac"}
PATCHES: List[Patch] = [
    Patch("validation des réponses d'actions", "rasa.core.actions.action:RemoteAction", "_validate_action_result",
          "f8cdb4be68123961", lambda _: _validate_action_result),
    Patch("événements récents envoyés aux actions", "rasa.core.actions.action:RemoteAction", "_action_call_format",
          "428795b944f22edb", lambda _: action_payload.action_call_format),
    Patch("types d'événements retenus", "rasa.shared.core.events:Event", "resolve_by_type", "b5cf570fa7f286c7",
          _remembered),
    Patch("domaine vide vérifié une fois", "rasa.shared.core.domain:Domain", "is_empty", "884be90ef485f1d2",
          _remembered_per_domain),
    Patch("copie directe des slots", "rasa.shared.core.slots:Slot", "__copy__", "0a694d68aef36732",
          lambda _: _copy_slot, guards="target"),
    Patch("session gardée vers le serveur d'actions", "rasa.utils.endpoints:EndpointConfig", "session",
          "e55aa13d9d4fb4bc", lambda _: _kept_session),
    Patch("graphe sans dask", "rasa.engine.runner.dask:DaskGraphRunner", "run", "45f0f52f574f3aa9",
          lambda _: _run_in_order),
    Patch("états du dialogue construits une fois", "rasa.shared.core.domain:Domain", "states_for_tracker_history",
          "035111ce73ac90ba", lambda _: _states_for_tracker_history),
    *(_debug_copy(name) for name in DEBUG_COPY_MODULES),
]
_applied: List[str] = []


def disabled(environ=os.environ) -> bool:
    return environ.get("COTESOIN_RASA_SPEEDUPS", "on").lower() in ("off", "0", "false", "non")


def apply() -> List[str]:
    """Install every patch whose original code is the one it was written for, once per process;
    the names of those installed. A patch whose original differs is refused with an error in the
    log; the status line (`STATUS_LINE`) says how many were applied."""
    if _applied:
        return list(_applied)
    if disabled():
        logger.warning("bot.rasa_speedups désactivé (COTESOIN_RASA_SPEEDUPS) : Rasa tel quel")
        return []
    _applied.extend(install(PATCHES))
    logger.info(STATUS_LINE, len(_applied), len(PATCHES), ", ".join(_applied) or "aucun")
    return list(_applied)


def install(patches: List[Patch]) -> List[str]:
    """Install each of `patches` whose original is the code it was written for, refuse the others
    (an error in the log for each); the names of those installed."""
    installed = []
    for patch in patches:
        if patch.matches_rasa():
            patch.install()
            installed.append(patch.name)
        else:
            logger.error("bot.rasa_speedups : %s.%s n'est plus le code de Rasa %s pour lequel le correctif « %s » "
                         "a été écrit : correctif refusé (à revoir pour cette version de Rasa)",
                         patch.target, patch.attribute, RASA_VERSION, patch.name)
    return installed


STATUS_LINE = "bot.rasa_speedups : %d correctifs de Rasa appliqués sur %d (%s)"
