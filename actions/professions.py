"""Professions: what the job is, pay, training path, bridges and where to train nearby."""
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, buttons, topic
from actions.messages import say
from knowledge.partners import queries, vocabulary
from knowledge.partners.criteria import Criteria
from knowledge.partners.naming import ANY, canonical
from knowledge.partners.normalise import key
from knowledge.partners.topics import Topic
from knowledge.texts import text

# Entity roles of `profession` (annotated in the training data): the job held now, the one aimed at.
CURRENT, TARGET = "current", "target"
TENSION = ["medecin", "infirmier", "aide_soignant", "auxiliaire_de_vie", "agent_service_hospitalier"]


def _ask_which(dispatcher: CollectingDispatcher, intent: str) -> None:
    labels = {p.code: p.label for p in queries.list_professions()}
    choices = [(labels[c], f'/{intent}{{"profession":"{c}"}}') for c in TENSION if c in labels]
    say(dispatcher, "which_profession", buttons=buttons(choices))


def _named(tracker: Tracker, role: Optional[str] = None) -> List[str]:
    """Canonical professions named in the message, those with `role` only when given."""
    return [code for e in tracker.latest_message.get("entities", [])
            if e.get("entity") == "profession" and (role is None or e.get("role") == role)
            for code in [canonical("profession", e.get("value"))] if code and code != ANY]


def _current_and_target(tracker: Tracker) -> Tuple[Optional[str], Optional[str]]:
    """The job held now and the one aimed at, from the entity roles (`current`: « ASH
    aujourd'hui », `target`: « je vise le diplôme d'infirmière »). A message naming two professions
    where the model gave a role to one or none reads in its order, as people write it: the job held
    first, the one aimed at last (« ASH en EHPAD, je vise le diplôme d'aide-soignante »)."""
    current = next(iter(_named(tracker, CURRENT)), None)
    target = next(iter(_named(tracker, TARGET)), None)
    named = list(dict.fromkeys(_named(tracker)))
    if len(named) >= 2 and target is None:
        target = _aimed_at_by_its_words(tracker)
    if len(named) >= 2:
        if current is None:
            current = next((code for code in named if code != target), None)
        if target is None:
            target = next((code for code in reversed(named) if code != current), None)
    return current, target


def _aimed_at_by_its_words(tracker: Tracker) -> Optional[str]:
    """The profession that a word of aim comes just before (« devenir aide-soignante quand on est
    ASH », « je vise le diplôme d'aide-soignante »), among the four words before it in the message
    (where the entity stands, or without offsets where its text is)."""
    raw = tracker.latest_message.get("text") or ""
    aims = set(vocabulary.vocabulary()["profession_aim_words"])
    for e in tracker.latest_message.get("entities", []):
        code = canonical("profession", e.get("value")) if e.get("entity") == "profession" else None
        if not code or code == ANY:
            continue
        if e.get("start") is not None:
            before = key(raw[:e["start"]])
        else:
            said = key(raw)
            before = said[:max(0, said.find(key(str(e.get("value")))))]
        if aims & set(before.split()[-4:]):
            return code
    return None


def current_profession(tracker: Tracker) -> Optional[str]:
    """The profession the person has now (see `_current_and_target`)."""
    return _current_and_target(tracker)[0]


def _profession(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str):
    """The profession asked about: the one aimed at (see `_current_and_target`), else the only one
    named, else the one from the conversation; asks which when there is none."""
    current, target = _current_and_target(tracker)
    named = _named(tracker)
    code = (target or next((c for c in named if c != current), None) or next(iter(named), None)
            or Criteria.from_tracker(tracker).value("profession"))
    if code is None:
        _ask_which(dispatcher, intent)
        return None
    try:
        return queries.get_profession(code)
    except queries.NotFound:
        _ask_which(dispatcher, intent)
        return None


def answer_profession(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    profession = _profession(dispatcher, tracker, "ask_profession")
    if profession is None:
        return [topic(Topic.PROFESSION)]
    # A profession described by no file (a metiers.yml entry without description) is named alone.
    lines = [f"{profession.label} : {profession.description}" if profession.description else profession.label]
    if profession.pay:
        lines.append(text("profession.pay", pay=profession.pay))
    training = profession.training
    if training.get("diplome"):
        lines.append(text("profession.diploma_duration", diploma=training["diplome"], duration=training["duree"])
                     if training.get("duree") else text("profession.diploma", diploma=training["diplome"]))
    if profession.link:
        lines.append(text("profession.learn_more", link=profession.link))
    dispatcher.utter_message(text="\n".join(lines))
    say(dispatcher, "profession_next", buttons=buttons([
        (text("button.the_openings"), f'/search_jobs{{"profession":"{profession.code}"}}'),
        (text("button.train"), f'/ask_training{{"profession":"{profession.code}"}}'),
        (text("button.discover_in_internship"), "/ask_discovery"),
    ]))
    return [topic(Topic.PROFESSION), SlotSet("profession", profession.code)]


def answer_training(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    profession = _profession(dispatcher, tracker, "ask_training")
    if profession is None:
        return [topic(Topic.TRAINING)]
    training = profession.training
    lines = [text("profession.become", label=profession.label)]
    if training.get("texte"):  # written as plain text in metiers.yml: shown as written
        lines.append(training["texte"])
    if training.get("diplome"):
        lines.append(text("profession.training_diploma", diploma=training["diplome"]))
    if training.get("duree"):
        lines.append(text("profession.training_duration", duration=training["duree"]))
    if training.get("parcours"):
        lines.append(text("profession.training_path", path=training["parcours"]))
    places = training.get("ou_se_former") or []
    if places:
        lines.append(text("profession.training_places", places=" ; ".join(places)))
    dispatcher.utter_message(text="\n".join(lines))

    current = current_profession(tracker)
    bridge = _bridge(current, profession.code) if current else None
    if bridge:
        say(dispatcher, "training_your_bridge", current=bridge[0], target=profession.label.lower(), way=bridge[1])
    bridges = [f"• Depuis {source.label.lower()} : {way}" for source, way in queries.bridges_towards(profession.code)]
    labels = {p.code: p.label for p in queries.list_professions()}
    bridges += [f"• {b['texte']}" if "texte" in b  # written as plain text in metiers.yml
                else f"• Vers {labels.get(b['vers'], b['vers']).lower()} : {b.get('voie', '')}"
                for b in profession.bridges]
    if bridges:
        say(dispatcher, "training_bridges", bridges="\n".join(bridges))
    say(dispatcher, "training_next")
    return [topic(Topic.TRAINING), SlotSet("profession", profession.code)]


def _bridge(current: str, target: str) -> Optional[Tuple[str, str]]:
    """(label of `current`, the way) when a bridge leads from `current` to `target`."""
    return next(((source.label.lower(), way) for source, way in queries.bridges_towards(target)
                 if source.code == current), None)


class ActionProfession(AnswerAction):
    action_name = "action_profession"
    answer = staticmethod(answer_profession)


class ActionTraining(AnswerAction):
    action_name = "action_training"
    answer = staticmethod(answer_training)
