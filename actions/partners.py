"""The partner structures of Côté Soin, and the help desks for setting up a practice."""
import json
from collections import Counter
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, buttons, topic
from actions.formatting import counted, in_commune, resource_line, structure_extra
from actions.messages import say
from actions.pending import Pending, set_pending
from actions.places import answer_places, example_commune
from knowledge.partners import queries, topics, vocabulary
from knowledge.partners.criteria import Criteria
from knowledge.partners.naming import ANY, canonical
from knowledge.partners.normalise import key
from knowledge.partners.topics import Topic
from knowledge.texts import text

PAGE_SIZE = 5
# The listing « voir la suite » continues: {"types": [...], "hiring": profession code or None}.
SEARCH_SLOT = "partners_search"
OFFSET_SLOT = "partners_offset"
# Enough openings to know every structure that recruits a profession.
MAX_OPENINGS = 500


def _named_profession(tracker: Tracker) -> Optional[str]:
    """A profession named in the message itself (« quels cabinets cherchent un médecin ? »)."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "profession":
            code = canonical("profession", entity.get("value"))
            if code and code != ANY:
                return code
    return None


def _structures(types: Optional[List[str]], hiring: Optional[str], communes: Optional[List[str]]):
    """Structures of these types (all when None), only those with an opening for `hiring` when given."""
    found = [s for s in topics.find(Topic.PARTNERS, communes) if not types or s.type in types]
    if hiring is None:
        return found, {}
    openings = queries.find_openings(profession=hiring, communes=communes, limit=MAX_OPENINGS).openings
    counts = Counter(o.structure for o in openings)
    return [s for s in found if counts[s.name]], counts


def _grouped(structures, counts) -> str:
    """Names grouped under their kind: « EHPAD :\n• … »."""
    lines, kind = [], None
    for structure in structures:
        if structure.type != kind:
            kind = structure.type
            label = vocabulary.structure_type_label(kind)
            lines.append(f"{label[:1].upper()}{label[1:]} :")
        extra = counted(counts[structure.name], "opening") if counts else ""
        lines.append(resource_line(structure, extra))
    return "\n".join(lines)


def show_partners(dispatcher: CollectingDispatcher, tracker: Tracker, search: Dict[str, Any],
                  offset: int = 0) -> List[Dict[str, Any]]:
    """One page of the structures asked for, grouped by kind, with « Voir plus » when there are more."""
    types, hiring = search.get("types") or None, search.get("hiring")
    commune = Criteria.from_tracker(tracker).value("commune")
    found, counts = _structures(types, hiring, [commune] if commune else None)
    where = in_commune(commune)
    if commune and not found:
        found, counts = _structures(types, hiring, queries.neighbours(commune))
        where = text("near_commune", commune=commune)
    events = [topic(Topic.PARTNERS), SlotSet(SEARCH_SLOT, json.dumps(search)), set_pending(None)]
    if not found:
        say(dispatcher, "partners_hiring_none" if hiring else "partners_none", where=where,
            profession=_label(hiring))
        return events
    page = found[offset:offset + PAGE_SIZE]
    if not page:
        say(dispatcher, "partners_no_more")
        return events
    if offset == 0:
        say(dispatcher, "partners_hiring" if hiring else "partners_listed", where=where,
            count=counted(len(found), "structure"), profession=_label(hiring))
    dispatcher.utter_message(text=_grouped(page, counts))
    remaining = len(found) - offset - len(page)
    if remaining > 0:
        say(dispatcher, "partners_more", count=counted(remaining, "other_structure"),
            buttons=buttons([(text("button.see_more"), "/ask_more")]))
        return events[:2] + [set_pending(Pending.MORE_PARTNERS), SlotSet(OFFSET_SLOT, float(offset + len(page)))]
    say(dispatcher, "partners_next")
    return events


def _label(code: Optional[str]) -> str:
    if code is None:
        return ""
    try:
        return queries.get_profession(code).label.lower()
    except queries.NotFound:
        return code


def show_more_partners(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    search = json.loads(tracker.get_slot(SEARCH_SLOT) or "{}")
    return show_partners(dispatcher, tracker, search, int(tracker.get_slot(OFFSET_SLOT) or 0))


def _singular(text: str) -> str:
    """The comparison key with each word's plural s dropped (« maisons de santé » → « maison de sante »)."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in key(text).split())


def answer_partners(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    keywords = vocabulary.vocabulary()["structure_keywords"]
    said = f" {_singular(tracker.latest_message.get('text') or '')} "
    types = sorted({kind for word, kinds in keywords.items() if f" {_singular(word)} " in said
                    for kind in ([kinds] if isinstance(kinds, str) else kinds)})
    hiring = _named_profession(tracker)
    if not types and hiring is None and Criteria.from_tracker(tracker).value("commune") is None:
        counts = Counter(vocabulary.structure_type_label(s.type) for s in topics.find(Topic.PARTNERS))
        say(dispatcher, "partners_overview", count=sum(counts.values()), example=example_commune([None]),
                                 kinds=", ".join(f"{label} ({n})" for label, n in counts.most_common()))
        return [topic(Topic.PARTNERS)]
    return show_partners(dispatcher, tracker, {"types": types, "hiring": hiring})


def answer_installation(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    say(dispatcher, "installation_aids")
    answer_places(dispatcher, tracker, "installation", lambda communes: topics.find(Topic.INSTALLATION, communes),
                  lambda r: resource_line(r, structure_extra(r)))
    say(dispatcher, "installation_next")
    return [topic(Topic.INSTALLATION)]


class ActionPartners(AnswerAction):
    action_name = "action_partners"
    answer = staticmethod(answer_partners)


class ActionInstallation(AnswerAction):
    action_name = "action_installation"
    answer = staticmethod(answer_installation)
