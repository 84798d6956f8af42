"""`IndexedRulePolicy`: Rasa's `RulePolicy`, predicting the same actions with less work per message.

Named in config.yml in place of `RulePolicy` (same options, same training, same predictions). Two
of `RulePolicy`'s own methods are overridden:

- `_get_possible_keys`, the rules that match the end of the conversation: Rasa parses each rule
  back from its JSON key and filters every rule at every turn of the whole history, several times
  per message, although a rule longer ago than its own length always passes. Here each rule is
  parsed once, only the rules that require the latest state's previous action and intent (or
  neither) are tried, and only the turns within the longest remaining rule are looked at.
- `_find_action_from_rules`: for every prediction right after a user message, Rasa first searches
  the rules with the message's text in place of its intent and entities (for end-to-end rules
  written with a text), then again with the intent: a third of the policy's time. A rule can only
  match that text state if its last state follows `action_listen` and asks for no intent and no
  entities; when the trained rules have none, the first search finds nothing and is skipped.

Rasa's validator compares policies with `RulePolicy` by identity in two places: it then warns that
"'RulePolicy' is not included" at training (harmless: this class is one) and skips the check of
the rules' options against the domain, which `train` runs here instead.
"""
import functools
import json
from typing import Any, List, Optional, Text

from rasa.core.policies.rule_policy import RULES, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.nlu.constants import ACTION_NAME, ENTITIES, INTENT


def may_match_a_text_state(rule_state) -> bool:
    """Whether a rule's last state could match the state right after a user message featurised by
    its text (Rasa then drops the message's intent and entities): it must follow `action_listen`
    and ask for no intent and no entities (Rasa's `_does_rule_match_state`). Conservative: any
    other condition (slots, active loop) is left to the real search."""
    if (rule_state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME) != ACTION_LISTEN_NAME:
        return False
    user = rule_state.get(USER) or {}
    asks_intent = user.get(INTENT) and user.get(INTENT) != SHOULD_NOT_BE_SET
    return not asks_intent and not user.get(ENTITIES)


@functools.lru_cache(maxsize=4096)
def rule_checks(rule_key: Text):
    """A rule's states, latest first, each as Rasa's `_is_rule_applicable` reads it: whether it has
    a previous action, and the (sub-state, key, value) it requires, lists turned back into tuples."""
    turns = []
    for state in reversed(json.loads(rule_key)):
        checks = tuple(
            (state_type, key, tuple(value) if isinstance(value, list) else value)
            for state_type, sub_state in state.items() for key, value in sub_state.items() if value)
        turns.append((bool(state.get(PREVIOUS_ACTION)), checks))
    return tuple(turns)


def turn_matches(turn, conversation_state) -> bool:
    """Rasa's `_is_rule_applicable` for one turn of a rule within its length."""
    has_previous_action, checks = turn
    if has_previous_action != bool(conversation_state.get(PREVIOUS_ACTION)):
        return False  # one of them is a conversation start, not the other
    if not has_previous_action:
        return True
    for state_type, key, value in checks:
        current = conversation_state.get(state_type, {}).get(key)
        if value == SHOULD_NOT_BE_SET:
            if current and current != SHOULD_NOT_BE_SET:
                return False
        elif current != value:
            return False
    return True


@functools.lru_cache(maxsize=16)
def rule_index(rule_keys: frozenset):
    """The rules, parsed, grouped by the previous action and the intent their latest state requires:
    a rule that requires another one cannot match (Rasa's `_does_rule_match_state`)."""
    index = {}
    for key in rule_keys:
        turns = rule_checks(key)
        required = {(state_type, name): value for state_type, name, value in turns[0][1]} if turns else {}
        action, intent = required.get((PREVIOUS_ACTION, ACTION_NAME)), required.get((USER, INTENT))
        action = None if action == SHOULD_NOT_BE_SET else action
        intent = None if intent == SHOULD_NOT_BE_SET or action is None else intent
        index.setdefault((action, intent), []).append((key, turns))
    return index


def possible_keys(lookup, states: List[dict]) -> set:
    """The keys of `lookup` (rules) whose states match the end of `states`: what Rasa's
    `RulePolicy._get_possible_keys` returns."""
    if not states:
        return set(lookup)
    index = rule_index(frozenset(lookup))
    latest = states[-1]
    action, intent = (latest.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME), (latest.get(USER) or {}).get(INTENT)
    groups = [(None, None)]
    if action is not None:
        groups += [(action, None), (action, intent)] if intent is not None else [(action, None)]
    remaining = [rule for group in groups for rule in index.get(group, ())]
    for position, state in enumerate(reversed(states)):
        if not any(position < len(turns) for _, turns in remaining):
            break
        remaining = [(key, turns) for key, turns in remaining
                     if position >= len(turns) or turn_matches(turns[position], state)]
    return {key for key, _ in remaining}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class IndexedRulePolicy(RulePolicy):
    """`RulePolicy` with its rules indexed (see the module's docstring)."""

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Rasa's validator runs this check for `RulePolicy` itself only (compared by identity).
        self.raise_if_incompatible_with_domain(self.config, domain)
        return super().train(training_trackers, domain, **kwargs)

    def _get_possible_keys(self, lookup, states):
        return possible_keys(lookup, states)

    def _text_rules_possible(self) -> bool:
        """Whether any trained rule could match a state featurised by the message's text (worked
        out once per set of rules)."""
        rules = self.lookup.get(RULES, {})
        known: Optional[tuple] = self.__dict__.get("_text_rules")
        if known is None or known[0] is not rules:
            possible = any(may_match_a_text_state(self._rule_key_to_state(key)[-1]) for key in rules)
            known = self._text_rules = (rules, possible)
        return known[1]

    def _find_action_from_rules(self, tracker, domain, use_text_for_last_user_input):
        if use_text_for_last_user_input and not self._text_rules_possible():
            return None, None, False
        return super()._find_action_from_rules(tracker, domain, use_text_for_last_user_input)
