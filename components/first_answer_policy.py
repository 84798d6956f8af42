"""Rasa policy: what must be answered before any topic rule, read from the message's cues.

Named in config.yml with a priority above RulePolicy's. Right after a user message it predicts
(confidence 1.0, so the priority breaks the tie with a rule or a form in progress):

- `action_safety` when components/message_cues.py marked a `safety` entity (a medical emergency,
  distress), whatever the intent and even inside a form;
- otherwise `action_answer_needs` when the message names two needs or more (`need` entities),
  except inside the installation form, whose answers name needs;
- otherwise `action_pay` for a question about pay or working conditions (a `pay` entity), when no
  form is in progress and the intent is one of knowledge/pay.yml's `answered_for_intents` (a job
  search or a training question keeps its own answer).

After either action it predicts `action_listen`; everywhere else it abstains (all zeros), so the
rules and stories decide as before. Nothing is learnt: training only returns the resource.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from knowledge import cues

SAFETY_ACTION = "action_safety"
NEEDS_ACTION = "action_answer_needs"
PAY_ACTION = "action_pay"
SAFETY_ENTITY = "safety"
NEED_ENTITY = "need"
PAY_ENTITY = "pay"
MIN_NEEDS = 2
# Forms whose questions are about needs: their answers are not several questions (issue 20).
FORMS_ANSWERING_NEEDS = ("plan_form",)


def first_answer(tracker: DialogueStateTracker) -> Optional[Text]:
    """The action that must answer the latest message first, or None to let the others decide."""
    if tracker.latest_action_name in (SAFETY_ACTION, NEEDS_ACTION, PAY_ACTION):
        return ACTION_LISTEN_NAME
    if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.latest_message is None:
        return None
    entities = tracker.latest_message.entities or []
    if any(e.get("entity") == SAFETY_ENTITY for e in entities):
        return SAFETY_ACTION
    in_plan_form = tracker.active_loop_name in FORMS_ANSWERING_NEEDS
    if not in_plan_form and len({e.get("value") for e in entities if e.get("entity") == NEED_ENTITY}) >= MIN_NEEDS:
        return NEEDS_ACTION
    intent = (tracker.latest_message.intent or {}).get("name")
    if (any(e.get("entity") == PAY_ENTITY for e in entities) and tracker.active_loop_name is None
            and intent in cues.pay_intents()):
        return PAY_ACTION
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=True)
class FirstAnswerPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        action = first_answer(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(self._default_predictions(domain))
        # Flagged like RulePolicy's form predictions, which Rasa's ensemble ranks above all others:
        # otherwise a form in progress would take « elle saigne beaucoup » as its answer first.
        return self._prediction(confidence_scores_for(action, 1.0, domain), is_no_user_prediction=True)
