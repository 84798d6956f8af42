"""Job search: the openings matching the user's criteria, paged, with alternatives when none."""
from typing import Any, Dict, List, Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, buttons, topic
from actions.formatting import apply_buttons, counted, counts_line, in_commune, openings_list
from actions.messages import say
from actions.pending import Pending, set_pending
from actions.places import example_commune
from knowledge.conversations import unmet_search
from knowledge.partners import queries, vocabulary
from knowledge.partners.criteria import Criteria
from knowledge.partners.naming import ANY
from knowledge.partners.topics import Topic
from knowledge.texts import text

PAGE_SIZE = 5
# Communes offered as buttons to narrow a search down.
NARROW_CHOICES = 3
# Offered after every search, and always when it found nothing (actions/alerts.py).
ALERT_BUTTON = ("button.alert_me_new_openings", "/subscribe_alerts")  # (title's text key, payload)


def alert_button():
    return text(ALERT_BUTTON[0]), ALERT_BUTTON[1]


def _profession_label(code: str) -> str:
    try:
        return queries.get_profession(code).label
    except queries.NotFound:
        return code


def describe(criteria: Criteria) -> str:
    """The criteria in words: "infirmier·ère en CDI à Pornic"."""
    words = []
    if criteria.value("profession"):
        words.append(_profession_label(criteria.value("profession")).lower())
    else:
        words.append(text("piece.any_profession"))
    if criteria.value("contract_type"):
        words.append(text("piece.in_contract", contract=vocabulary.contract_label(criteria.value("contract_type"))))
    if criteria.value("work_time"):
        words.append(vocabulary.work_time_label(criteria.value("work_time")))
    words.append(in_commune(criteria.value("commune")))
    return " ".join(words)


def show_openings(dispatcher: CollectingDispatcher, tracker: Tracker, offset: int = 0) -> List[Dict[str, Any]]:
    """Send one page of openings (or the alternatives when there is none)."""
    criteria = Criteria.from_tracker(tracker)
    search = queries.find_openings(
        profession=criteria.value("profession"),
        communes=criteria.communes(),
        contract=criteria.value("contract_type"),
        work_time=criteria.value("work_time"),
        limit=PAGE_SIZE,
        offset=offset,
    )
    events = [topic(Topic.JOBS), SlotSet("jobs_offset", float(offset + len(search.openings)))]
    if not search.openings:
        if offset:
            say(dispatcher, "jobs_no_more", buttons=buttons([alert_button()]))
            return events + [set_pending(None)]
        propose_alternatives(dispatcher, criteria)
        return unmet_marker(criteria) + events + [set_pending(Pending.HUMAN)]
    if offset == 0:
        say(dispatcher, "jobs_found", count=counted(search.total, "opening"), criteria=describe(criteria))
    dispatcher.utter_message(text=openings_list(search.openings), buttons=apply_buttons(search.openings))
    remaining = search.total - offset - len(search.openings)
    if offset == 0 and criteria.commune is None and search.total > 1:
        offer_to_narrow(dispatcher, criteria)
    if remaining > 0:
        say(dispatcher, "jobs_more", count=counted(remaining, "other_opening"),
            buttons=buttons([(text("button.yes_what_follows"), "/affirm"), (text("button.no_thanks"), "/deny"),
                             alert_button()]))
        return events + [set_pending(Pending.MORE_JOBS)]
    next_step(dispatcher, criteria, [o.commune for o in search.openings])
    return events + [set_pending(None)]


def next_step(dispatcher: CollectingDispatcher, criteria: Criteria, communes_shown: Sequence[str] = ()) -> None:
    """After the openings: how to apply, how to change a criterion, and the alert offered."""
    say(dispatcher, "jobs_next_step", example=example_commune([criteria.value("commune"), *communes_shown]),
        buttons=buttons([alert_button()]))


def decline_more(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """« non » to « voir la suite ? »: the next steps, the alert offered as after any search."""
    next_step(dispatcher, Criteria.from_tracker(tracker))
    return [set_pending(None)]


def unmet_marker(criteria: Criteria) -> List[Dict[str, Any]]:
    """The observatory's record of a search that found nothing (knowledge/conversations/unmet_search.py): the
    criteria of this moment, then the slot reset. Written before `jobs_offset` so that the marker's
    timestamp never follows it (the observatory's cut-over between old and new conversations)."""
    value = unmet_search.marker(**{name: criteria.value(name) for name in unmet_search.FIELDS})
    return [SlotSet(unmet_search.SLOT, value), SlotSet(unmet_search.SLOT, None)]


def offer_to_narrow(dispatcher: CollectingDispatcher, criteria: Criteria) -> None:
    """All the territory's openings were shown (no commune asked): offer the communes that have some."""
    counts = queries.count_openings_by("commune", criteria.value("profession"), None,
                                       criteria.value("contract_type"), criteria.value("work_time"))
    if len(counts) < 2:
        return
    communes = sorted(counts, key=lambda name: (-counts[name], name))[:NARROW_CHOICES]
    say(dispatcher, "jobs_narrow", communes=counts_line(counts, str),
        buttons=buttons([(text("button.in_commune", commune=name), f'/inform{{"commune":"{name}"}}')
                         for name in communes]))


def propose_alternatives(dispatcher: CollectingDispatcher, criteria: Criteria) -> None:
    """No match: say so, then point to neighbouring communes, other contracts and a coordinator."""
    say(dispatcher, "jobs_none", criteria=describe(criteria))
    profession, commune = criteria.value("profession"), criteria.value("commune")
    contract, work_time = criteria.value("contract_type"), criteria.value("work_time")
    options, choices = [], []
    if contract or work_time:
        here = queries.count_openings_by("contract", profession, [commune] if commune else None)
        if here:
            options.append(text("piece.other_contract", where=in_commune(commune),
                                counts=counts_line(here, vocabulary.contract_label)))
            choices.append((text("button.all_contracts"), f'/inform{{"contract_type":"{ANY}","work_time":"{ANY}"}}'))
    if commune:
        neighbours = queries.neighbours(commune)
        nearby = queries.count_openings_by("commune", profession, neighbours, contract, work_time)
        if nearby:
            options.append(text("piece.neighbour_communes", counts=counts_line(nearby, str)))
        elif contract or work_time:
            nearby = queries.count_openings_by("commune", profession, neighbours)
            if nearby:
                options.append(text("piece.neighbour_communes_any_contract", counts=counts_line(nearby, str)))
        if nearby:
            first = max(nearby, key=lambda name: (nearby[name], name))
            choices.append((text("button.see_commune", commune=first), f'/inform{{"commune":"{first}"}}'))
    if options:
        say(dispatcher, "jobs_alternatives", options="\n".join(options))
    choices.append(alert_button())
    choices.append((text("button.talk_to_a_coordinator"), "/request_human"))
    say(dispatcher, "jobs_offer_human", buttons=buttons(choices))


class ActionSearchJobs(AnswerAction):
    action_name = "action_search_jobs"
    answer = staticmethod(show_openings)




def show_more_openings(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    return show_openings(dispatcher, tracker, offset=int(tracker.get_slot("jobs_offset") or 0))
