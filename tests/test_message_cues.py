"""Safety words, several needs and children's ages (knowledge/cues.py, components/message_cues.py),
and the policy that answers them before any rule (components/first_answer_policy.py).

Phrasings written for these tests, in the shapes people type (typos, no accents, SMS), distinct
from the lexicon entries where possible.
"""
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from components.first_answer_policy import NEEDS_ACTION, PAY_ACTION, SAFETY_ACTION, first_answer
from components.message_cues import MessageCues
from knowledge import cues


@pytest.mark.parametrize("text", [
    "Il a fait un malaise !!",
    "mon mari a fé un malèse, je fais quoi",
    "ELLE SAIGNE BEAUCOUP",
    "un résident est tombé dans les pommes",
    "ma collegue ne respire plus",
    "il s'est évanoui au travail",
    "douleur à la poitrine depuis une heure",
    "mon patient fait des convulsions",
])
def test_a_medical_emergency_is_recognised(text):
    assert cues.safety(text) == "emergency"


@pytest.mark.parametrize("text", [
    "je suis en burn-out depuis 2 mois",
    "je fais un burnout",
    "je pense à me faire du mal",
    "jen peux plus de tout ca",
    "j'ai envie de mourir",
    "je veux mettre fin à mes jours",
    "je suis à bout, au bout du rouleau",
    "je me sens epuisee et deprimee",
])
def test_distress_is_recognised(text):
    assert cues.safety(text) == "distress"


def test_an_emergency_comes_before_distress():
    assert cues.safety("je suis épuisée et mon collègue a perdu connaissance") == "emergency"


@pytest.mark.parametrize("text", [
    "je cherche un poste d'infirmière à Pornic",
    "un logement pour mon stage",
    "c'est quoi le salaire d'une aide-soignante ?",
    "offres de nuit en EHPAD",
    "je voudrais faire des gardes de nuit",
    "ça consiste en quoi le métier d'ASH ?",
])
def test_ordinary_questions_raise_no_safety_cue(text):
    assert cues.safety(text) is None


def test_needs_are_read_in_the_answering_order():
    text = "on n'a qu'une voiture, il faut un appart et une crèche pour notre fils de 8 mois, et mon conjoint cherche"
    assert cues.needs(text) == ["childcare", "housing", "mobility", "spouse_job"]
    assert cues.children_ages(text) == [8]


@pytest.mark.parametrize("text, ages", [
    ("nos enfants de 3 et 6 ans", [36, 72]),
    ("un bb de 10 mois", [10]),
    ("ma fille a 2 ans et mon fils 5 ans", [24, 60]),
    ("3 ans d'expérience en EHPAD", []),
])
def test_children_ages_in_months(text, ages):
    assert cues.children_ages(text) == ages


def _processed(text, entities=()):
    message = Message(data={"text": text, "entities": list(entities)})
    MessageCues().process([message])
    return [(e["entity"], e["value"]) for e in message.get("entities")]


def test_the_component_adds_cues_and_keeps_the_other_entities():
    profession = {"entity": "profession", "value": "kinesitherapeute", "start": 0, "end": 4}
    found = _processed("kiné, on déménage à Vue, un bébé de 8 mois à faire garder, et sans voiture", [profession])
    assert found == [("profession", "kinesitherapeute"), ("need", "jobs"), ("need", "childcare"),
                     ("need", "housing"), ("need", "mobility"), ("child_age", 8)]


def test_each_cue_has_the_span_of_the_words_it_comes_from():
    text = "Ma collègue a perdu connaissance, et il me faut un appart et une crèche pour mon bébé de 8 mois"
    message = Message(data={"text": text})
    MessageCues().process([message])
    spans = {(e["entity"], e["value"]): text[e["start"]:e["end"]] for e in message.get("entities")}
    assert spans == {("safety", "emergency"): "perdu connaissance", ("need", "childcare"): "crèche",
                     ("need", "housing"): "appart", ("child_age", 8): "8 mois"}


def test_one_need_alone_adds_nothing_and_the_intent_is_never_touched():
    message = Message(data={"text": "une crèche à Vue ?", "intent": {"name": "ask_childcare", "confidence": 0.9}})
    MessageCues().process([message])
    assert message.get("entities", []) == []
    assert message.get("intent") == {"name": "ask_childcare", "confidence": 0.9}


def test_a_profession_with_one_other_need_is_not_a_job_search():
    profession = {"entity": "profession", "value": "infirmier"}
    assert _processed("un logement pour une infirmière", [profession]) == [("profession", "infirmier")]


DOMAIN = Domain.from_dict({"intents": ["inform", "ask_housing"], "entities": ["safety", "need"],
                           "actions": [SAFETY_ACTION, NEEDS_ACTION, "action_follow_up"]})


def _tracker(entities, after=None):
    events = [ActionExecuted("action_listen"),
              UserUttered("…", {"name": "inform", "confidence": 0.9}, entities)]
    if after:
        events.append(ActionExecuted(after))
    return DialogueStateTracker.from_events("someone", events)


def test_the_policy_answers_safety_before_anything_else():
    tracker = _tracker([{"entity": "safety", "value": "emergency"}, {"entity": "need", "value": "housing"},
                        {"entity": "need", "value": "mobility"}])
    assert first_answer(tracker) == SAFETY_ACTION
    assert first_answer(_tracker([{"entity": "safety", "value": "emergency"}], after=SAFETY_ACTION)) == "action_listen"


def test_the_policy_answers_several_needs_then_listens():
    needs = [{"entity": "need", "value": "housing"}, {"entity": "need", "value": "mobility"}]
    assert first_answer(_tracker(needs)) == NEEDS_ACTION
    assert first_answer(_tracker(needs, after=NEEDS_ACTION)) == "action_listen"


def test_the_policy_leaves_ordinary_turns_to_the_rules():
    assert first_answer(_tracker([{"entity": "need", "value": "housing"}])) is None
    assert first_answer(_tracker([], after="action_follow_up")) is None


def test_the_policy_outranks_a_form_in_progress(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from components.first_answer_policy import FirstAnswerPolicy

    policy = FirstAnswerPolicy.create({**FirstAnswerPolicy.get_default_config()}, LocalModelStorage(tmp_path),
                                      Resource("first_answer"), ExecutionContext(GraphSchema({})))
    prediction = policy.predict_action_probabilities(_tracker([{"entity": "safety", "value": "distress"}]), DOMAIN)
    assert DOMAIN.action_names_or_texts[prediction.max_confidence_index] == SAFETY_ACTION
    assert prediction.is_no_user_prediction and prediction.policy_priority == 7
    abstains = policy.predict_action_probabilities(_tracker([]), DOMAIN)
    assert abstains.max_confidence == 0


@pytest.mark.parametrize("phrases, expected", [
    # The earliest phrase in the message wins, whatever its place in the lexicon.
    (["familiale", "Crèche"], "Crèche"),
    # Two phrases starting at the same word: the shorter one, as the lexicon search always did.
    (["crèche familiale", "crèche"], "Crèche"),
    (["creche familiale"], "Crèche  familiale"),
    # Whole words only, accents, case and punctuation ignored; a blank phrase never matches.
    (["che", " ", ""], None),
    (["FAMILIALE!"], "familiale"),
])
def test_the_first_phrase_of_a_lexicon_is_the_earliest_then_the_shortest(phrases, expected):
    text = "Bonjour, une Crèche  familiale à Pornic ?"
    span = cues._first(text, phrases)
    assert (text[span[0]:span[1]] if span else None) == expected


# -- pay and working conditions (issue 23: « vous payez les heures sup ? ») ---------------------------
@pytest.mark.parametrize("text", [
    "vous payez les heures sup ?",
    "Les HEURES SUPPLÉMENTAIRES sont majorées ??",
    "c'est quoi la prime de nuit chez vous",
    "quel salaire à l'ehpad de Paimbœuf pour une AS",
    "on touche un 13e mois ?",
    "ils paient combien les dimanches",
])
def test_a_pay_question_is_recognised(text):
    assert cues.pay_found(text) is not None
    assert ("pay", "pay") in _processed(text)


@pytest.mark.parametrize("text", [
    "la formation d'aide-soignante est payée par la région ?",
    "je cherche un poste d'infirmière à Pornic",
    "des offres de nuit à Vue ?",
    "une crèche pour mon fils",
])
def test_other_questions_raise_no_pay_cue(text):
    assert cues.pay_found(text) is None


PAY = [{"entity": "pay", "value": "pay"}]


def _said(intent, entities, active_loop=None):
    loop = [ActionExecuted(active_loop), ActiveLoop(active_loop)] if active_loop else []
    events = [*loop, ActionExecuted("action_listen"), UserUttered("…", {"name": intent, "confidence": 0.9}, entities)]
    return DialogueStateTracker.from_events("someone", events)


@pytest.mark.parametrize("intent", ["nlu_fallback", "ask_partners", "ask_profession", "out_of_scope", "inform"])
def test_the_policy_answers_a_pay_question_instead_of_a_list(intent):
    assert first_answer(_said(intent, PAY)) == PAY_ACTION
    assert first_answer(DialogueStateTracker.from_events("someone", [
        *_said(intent, PAY).events, ActionExecuted(PAY_ACTION)])) == "action_listen"


@pytest.mark.parametrize("intent, entities, active_loop", [
    ("ask_training", PAY, None),  # « qui paie ma formation ? » keeps the training answer
    ("search_jobs", PAY, None),  # « un poste bien rémunéré » keeps the openings
    ("ask_profession", PAY, "job_search_form"),  # a form in progress keeps its rules
    ("ask_partners", [], None),  # no pay words: the partners as before
])
def test_the_policy_leaves_other_pay_words_to_the_rules(intent, entities, active_loop):
    assert first_answer(_said(intent, entities, active_loop)) is None


def test_safety_still_comes_before_a_pay_question():
    assert first_answer(_said("ask_profession", PAY + [{"entity": "safety", "value": "distress"}])) == SAFETY_ACTION
