"""components/indexed_rule_policy.py: Rasa's RulePolicy with its rules indexed, predicting the same."""
import json

import pytest
from rasa.core.policies.rule_policy import RulePolicy

from components import indexed_rule_policy
from components.indexed_rule_policy import IndexedRulePolicy

LISTEN = {"action_name": "action_listen"}


@pytest.mark.parametrize("state, may_match", [
    ({"user": {"intent": "greet"}, "prev_action": LISTEN}, False),
    ({"user": {"entities": ("commune",)}, "prev_action": LISTEN}, False),
    ({"user": {"intent": "should_not_be_set"}, "prev_action": LISTEN}, True),
    ({"prev_action": LISTEN, "active_loop": {"name": "job_search_form"}}, True),
    ({"user": {"text": "bonjour"}, "prev_action": LISTEN}, True),
    ({"user": {"intent": "greet"}, "prev_action": {"action_name": "utter_greet"}}, False),
    ({"user": {"intent": "greet"}}, False),
])
def test_a_rule_is_searched_by_text_only_if_its_last_state_could_match_a_text(state, may_match):
    assert indexed_rule_policy.may_match_a_text_state(state) is may_match


def test_the_search_by_text_is_skipped_only_when_no_rule_could_match_it(monkeypatch):
    calls = []

    def rasa_search(policy, tracker, domain, use_text):
        calls.append(use_text)
        return "utter_greet", "rule", False

    monkeypatch.setattr(RulePolicy, "_find_action_from_rules", rasa_search)

    def policy(rules):
        made = IndexedRulePolicy.__new__(IndexedRulePolicy)
        made.lookup = {"rules": {json.dumps(states): action for states, action in rules}}
        return made

    by_intent = policy([([{}, {"user": {"intent": "greet"}, "prev_action": LISTEN}], "utter_greet")])
    assert by_intent._find_action_from_rules(None, None, True) == (None, None, False)
    assert by_intent._find_action_from_rules(None, None, False) == ("utter_greet", "rule", False)
    assert calls == [False]
    # A rule written with a text (end to end), then the same policy retrained with one: Rasa searches.
    by_text = policy([([{"user": {"text": "salut"}, "prev_action": LISTEN}], "utter_greet")])
    assert by_text._find_action_from_rules(None, None, True) == ("utter_greet", "rule", False)
    by_intent.lookup = by_text.lookup
    assert by_intent._find_action_from_rules(None, None, True) == ("utter_greet", "rule", False)
    assert calls == [False, True, True]


def test_config_names_the_indexed_policy_in_place_of_rasas():
    import yaml

    with open("config.yml") as file:
        names = [policy["name"] for policy in yaml.safe_load(file)["policies"]]
    assert "components.indexed_rule_policy.IndexedRulePolicy" in names and "RulePolicy" not in names


def _rasa_get_possible_keys(policy, lookup, states):
    """Rasa 3.6.21's RulePolicy._get_possible_keys."""
    possible_keys = set(lookup.keys())
    for i, state in enumerate(reversed(states)):
        possible_keys = set(filter(lambda _key: policy._is_rule_applicable(_key, i, state), possible_keys))
    return possible_keys


def _random_state(rng):
    """A dialogue state as Rasa builds them, with the values rules test in every way they can."""
    state = {}
    if rng.random() < 0.85:
        state["prev_action"] = rng.choice([{"action_name": "action_listen"}, {"action_name": "action_jobs"},
                                           {"action_text": "bonjour"}, {"action_name": "job_search_form"}])
    if rng.random() < 0.7:
        state["user"] = {k: v for k, v in {
            "intent": rng.choice(["greet", "search_jobs", "should_not_be_set", None]),
            "entities": rng.choice([("commune",), ["commune"], ("commune", "profession"), (), None]),
        }.items() if v is not None}
    if rng.random() < 0.5:
        state["slots"] = {"commune": rng.choice([(1.0,), [1.0], (0.0,), "should_not_be_set"]),
                          "pending": rng.choice([(1.0, 0.0), (0.0, 1.0), "should_not_be_set", (0.0, 0.0)])}
    if rng.random() < 0.4:
        state["active_loop"] = {"name": rng.choice(["job_search_form", "should_not_be_set"])}
    return state


def test_the_rules_that_match_a_conversation_are_the_ones_rasa_finds():
    import random

    rng = random.Random(7)
    policy = RulePolicy.__new__(RulePolicy)
    indexed = IndexedRulePolicy.__new__(IndexedRulePolicy)
    for _ in range(300):
        lookup = {json.dumps([_random_state(rng) for _ in range(rng.randint(0, 4))]): "action"
                  for _ in range(rng.randint(1, 30))}
        assert indexed_rule_policy.possible_keys(lookup, []) == set(lookup)
        # Conversations made of the rules' own states (so that many match) and of random ones.
        for _ in range(10):
            states = [_random_state(rng) for _ in range(rng.randint(0, 3))]
            states += json.loads(rng.choice(list(lookup)))
            states = [{k: {kk: tuple(vv) if isinstance(vv, list) else vv for kk, vv in v.items()}
                       for k, v in s.items()} for s in states]
            if states and rng.random() < 0.5:
                states[-1] = _random_state(rng)
            assert indexed._get_possible_keys(lookup, states) == _rasa_get_possible_keys(
                policy, lookup, states)


