"""The user side of the hand-over: office hours, the unclaimed reminder, the call-back offer and form."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff as handoff_actions
from actions.contact import means_cancel, parse_contact
from actions.dialogue import ActionNo, ActionYes
from actions.handoff import (
    ActionAskCallbackContact,
    ActionHandoffUnclaimed,
    ActionSaveCallback,
    ValidateCallbackForm,
    request_human,
)
from knowledge import db
from knowledge.coordination import accounts, handoff, office_hours, privacy
from knowledge.coordination.models import CoordinatorRequest
from knowledge.coordination.office_hours import ConfigError
from knowledge.texts import text
from tests.test_actions import slot, texts

PARIS = "Europe/Paris"
# Tuesday 24 November 2026 (winter: Paris = UTC+1) and Wednesday 1 July 2026 (summer: UTC+2).
TUESDAY_10H_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
TUESDAY_18H_PARIS = datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
CHRISTMAS_FRIDAY_10H_PARIS = datetime(2026, 12, 25, 9, 0, tzinfo=timezone.utc)
SATURDAY_11H_PARIS = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
DOMAIN = {"forms": {"callback_form": {"required_slots": ["callback_contact"]}},
          "slots": {"callback_contact": {"type": "text", "mappings": [{"type": "from_text"}]}}}


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


def reminders(events):
    return [e for e in events if e.get("event") == "reminder"]


def stored(request_id: int) -> CoordinatorRequest:
    with db.session_scope() as session:
        request = session.get(CoordinatorRequest, request_id)
        session.expunge(request)
        return request


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "handoff.yml"
    path.write_text(body, encoding="utf-8")
    return path


# -- office hours -----------------------------------------------------------------------------------
@pytest.mark.parametrize("now, is_open", [
    (TUESDAY_10H_PARIS, True),
    (datetime(2026, 11, 24, 7, 59, tzinfo=timezone.utc), False),   # 8:59 in Paris
    (datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc), True),     # 9:00 in Paris, opening
    (datetime(2026, 11, 24, 15, 59, tzinfo=timezone.utc), True),   # 16:59
    (datetime(2026, 11, 24, 16, 0, tzinfo=timezone.utc), False),   # 17:00, closed
    (SATURDAY_11H_PARIS, False),                                     # weekend
    (datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc), False),   # Sunday
    (datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc), True),      # 9:30 in Paris in summer (UTC+2)
    (datetime(2026, 7, 1, 15, 30, tzinfo=timezone.utc), False),    # 17:30 in Paris in summer
    (datetime(2026, 11, 24, 9, 0), True),                            # no time zone: taken as UTC
    (CHRISTMAS_FRIDAY_10H_PARIS, False),                             # public holidays
    (datetime(2026, 5, 14, 8, 0, tzinfo=timezone.utc), False),     # Ascension (Thursday)
    (datetime(2026, 5, 25, 8, 0, tzinfo=timezone.utc), False),     # Whit Monday
    (datetime(2026, 5, 15, 8, 0, tzinfo=timezone.utc), True),      # the Friday after Ascension
])
def test_office_hours_in_paris_time(now, is_open):
    assert office_hours.load().is_open(now) is is_open


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc), "aujourd'hui à 9 h"),
    (TUESDAY_18H_PARIS, "demain à 9 h"),
    (datetime(2026, 11, 27, 17, 0, tzinfo=timezone.utc), "lundi à 9 h"),  # Friday evening
    (SATURDAY_11H_PARIS, "lundi à 9 h"),
    (datetime(2026, 5, 13, 16, 0, tzinfo=timezone.utc), "vendredi à 9 h"),  # Wednesday evening before Ascension
    (datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc), "lundi à 9 h"),    # 1 January is a Friday
])
def test_next_opening_in_french(now, expected):
    assert office_hours.load().describe_next_opening(now) == expected


def test_the_shipped_settings_are_the_defaults():
    shipped = office_hours.load()
    assert shipped == office_hours.defaults()
    assert shipped.describe() == "du lundi au vendredi, de 9 h à 17 h, sauf les jours fériés"
    assert shipped.claim_delay_minutes == 10
    assert str(shipped.timezone) == PARIS


def test_hours_with_a_lunch_break_and_a_saturday_are_described(tmp_path):
    config = office_hours.load(write_config(tmp_path, """
office_hours:
  lundi: "9:00-12:30, 13:30-17:00"
  mardi: "9:00-12:30, 13:30-17:00"
  mercredi: "9:00-12:30, 13:30-17:00"
  jeudi: 9h-17h
  vendredi: "9:00-17:00"
  samedi: "9:00-12:00"
  dimanche: fermé
claim_delay_minutes: 5
"""))
    assert config.describe() == ("du lundi au mercredi, de 9 h à 12 h 30 et de 13 h 30 à 17 h ; "
                                 "le jeudi et le vendredi, de 9 h à 17 h ; le samedi, de 9 h à 12 h, "
                                 "sauf les jours fériés")
    assert not config.is_open(datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc))  # Monday 13:00: lunch
    assert config.is_open(SATURDAY_11H_PARIS)
    assert config.describe_next_opening(datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)) == "aujourd'hui à 13 h 30"
    assert config.claim_delay_minutes == 5


def test_closed_dates_and_public_holidays_can_be_set(tmp_path):
    config = office_hours.load(write_config(tmp_path, """
public_holidays: false
closed_dates:
  - 2026-12-24 au 2027-01-03
  - "2026-08-14"
"""))
    armistice = datetime(2026, 11, 11, 9, 0, tzinfo=timezone.utc)  # a Wednesday
    assert config.is_open(armistice) and config.describe() == "du lundi au vendredi, de 9 h à 17 h"
    assert not config.is_open(datetime(2026, 8, 14, 9, 0, tzinfo=timezone.utc))
    assert not config.is_open(datetime(2027, 1, 1, 9, 0, tzinfo=timezone.utc))
    # A week or more ahead, the date: « lundi » would be the wrong Monday.
    assert config.describe_next_opening(datetime(2026, 12, 23, 17, 0, tzinfo=timezone.utc)) == "le 4 janvier à 9 h"
    assert config.describe_next_opening(datetime(2026, 8, 13, 17, 0, tzinfo=timezone.utc)) == "lundi à 9 h"


@pytest.mark.parametrize("body, problems", [
    ("office_hours: [lundi", ["n'est pas un fichier YAML valide (ligne"]),
    ("- lundi", ["attendu des réglages « clé: valeur »"]),
    ("office_hours:\n  lundi: 9 heures\n  mardi: 17:00-9:00\n  lundy: 9:00-17:00\n",
     ["horaires du lundi illisibles « 9 heures »", "le mardi, la fin (9 h) doit être après le début (17 h)",
      "jour inconnu « lundy »"]),
    ("office_hours:\n  lundi: fermé\n", ["aucun jour d'ouverture"]),
    ("timezone: Europe/Pariss\n", ["fuseau horaire inconnu « Europe/Pariss »"]),
    ("public_holidays: oui\nclosed_dates:\n  - 24/12/2026\n  - 2027-01-03 au 2026-12-24\n",
     ["public_holidays : attendu true (fermé les jours fériés) ou false, trouvé « oui »",
      "closed_dates : date illisible « 24/12/2026 »", "closed_dates : période illisible « 2027-01-03 au 2026-12-24 »"]),
    ("closed_dates: 2026-12-24\n", ["closed_dates : attendu une liste de dates"]),
    ("claim_delay_minutes: dix\nhoraires: 9-17\n",
     ["claim_delay_minutes : attendu un nombre entier de minutes entre 1 et 1440, trouvé « dix »",
      "clé inconnue « horaires »"]),
])
def test_a_malformed_file_is_refused_in_french_with_every_problem(tmp_path, body, problems):
    with pytest.raises(ConfigError) as refused:
        office_hours.load(write_config(tmp_path, body))
    for problem in problems:
        assert problem in str(refused.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="introuvables"):
        office_hours.load(tmp_path / "absent.yml")


def test_the_claim_delay_can_be_set_in_the_environment(monkeypatch):
    monkeypatch.setenv(office_hours.DELAY_ENV, "3")
    assert office_hours.claim_delay_minutes(office_hours.defaults()) == 3
    monkeypatch.setenv(office_hours.DELAY_ENV, "bientôt")
    with pytest.raises(ConfigError, match="HANDOFF_CLAIM_DELAY_MINUTES : attendu un nombre entier"):
        office_hours.claim_delay_minutes(office_hours.defaults())
    monkeypatch.delenv(office_hours.DELAY_ENV)
    assert office_hours.claim_delay_minutes(office_hours.defaults()) == 10


# -- contacts -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("written, contact", [
    ("marie.dupont@exemple.fr", "marie.dupont@exemple.fr"),
    ("Marie.Dupont@Exemple.FR", "Marie.Dupont@exemple.fr"),
    ("mon mail : <jean-luc+cotesoin@orange.fr>.", "jean-luc+cotesoin@orange.fr"),
    ("06 12 34 56 78", "06 12 34 56 78"),
    ("0612345678", "06 12 34 56 78"),
    ("06.12.34.56.78", "06 12 34 56 78"),
    ("02-40-12-34-56", "02 40 12 34 56"),
    ("+33 6 12 34 56 78", "06 12 34 56 78"),
    ("+33612345678", "06 12 34 56 78"),
    ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
    ("0033 6 12 34 56 78", "06 12 34 56 78"),
    ("appelez-moi au 07 98 76 54 32 après 18 h", "07 98 76 54 32"),
])
def test_valid_contacts_are_normalised(written, contact):
    assert parse_contact(written) == contact


@pytest.mark.parametrize("written", [
    "marie.dupont@exemple", "marie@@exemple.fr", "marie..dupont@exemple.fr", "@exemple.fr", "marie @exemple.fr",
    "06 12 34 56 7", "06 12 34 56 789", "6 12 34 56 78", "00 12 34 56 78", "+44 7700 900123", "+33 6 12 34 56",
    "bonjour", "", "oui",
])
def test_invalid_contacts_are_refused(written):
    assert parse_contact(written) is None


@pytest.mark.parametrize("written, intent, cancel", [
    ("annuler", "nlu_fallback", True), ("Annuler !", None, True), ("non", "deny", True),
    ("non merci", "deny", True), ("stop", None, True), ("laisse tomber", None, True), ("/deny", "deny", True),
    ("au revoir", "goodbye", True), ("non c'est plutôt jean@exemple.fr", "deny", False),
    ("06 12 34 56 78", "inform", False), ("je sais pas", "nlu_fallback", False),
])
def test_cancelling_the_call_back(written, intent, cancel):
    assert means_cancel(written, intent) is cancel


# -- asking for a coordinator ----------------------------------------------------------------------------
async def test_during_office_hours_the_request_is_recorded_and_a_reminder_scheduled(loaded_db, make_tracker):
    dispatcher = CollectingDispatcher()
    events = request_human(dispatcher, make_tracker(slots={"topic": "jobs"}), now=TUESDAY_10H_PARIS)
    shown = texts(dispatcher)
    assert "demande n° 1" in shown and "ici même, dans cette conversation" in shown
    assert "continuer à me poser vos questions" in shown
    assert "recontacte" not in shown  # no call back offered yet
    [reminder] = reminders(events)
    assert reminder["intent"] == "EXTERNAL_handoff_unclaimed"
    assert reminder["name"] == "handoff_unclaimed_1"
    assert reminder["kill_on_user_msg"] is False
    assert datetime.fromisoformat(reminder["date_time"]) == TUESDAY_10H_PARIS + timedelta(minutes=10)
    assert reminder["entities"] == [{"entity": "handoff_request", "value": "1"}]
    assert slot(events, "pending") is None
    assert handoff.current_request("candidate-42").status == handoff.OPEN


async def test_the_reminder_delay_comes_from_the_environment(loaded_db, make_tracker, monkeypatch):
    monkeypatch.setenv("HANDOFF_CLAIM_DELAY_MINUTES", "2")
    events = request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_10H_PARIS)
    [reminder] = reminders(events)
    assert datetime.fromisoformat(reminder["date_time"]) == TUESDAY_10H_PARIS + timedelta(minutes=2)


@pytest.mark.parametrize("now, next_opening", [(TUESDAY_18H_PARIS, "demain à 9 h"),
                                               (SATURDAY_11H_PARIS, "lundi à 9 h"),
                                               (CHRISTMAS_FRIDAY_10H_PARIS, "lundi à 9 h")])
async def test_outside_office_hours_the_hours_are_given_and_a_call_back_offered(loaded_db, make_tracker, now,
                                                                                next_opening):
    dispatcher = CollectingDispatcher()
    events = request_human(dispatcher, make_tracker(), now=now)
    recorded, offer = dispatcher.messages
    assert "demande n° 1" in recorded["text"]
    assert "du lundi au vendredi, de 9 h à 17 h, sauf les jours fériés" in recorded["text"]
    assert f"la prochaine permanence commence {next_opening}" in recorded["text"]
    assert "ici même" in recorded["text"]
    months = privacy.retention()["contact_months_after_close"]
    assert offer["text"].startswith("Voulez-vous qu'un·e coordinateur·rice vous recontacte")
    assert "uniquement pour vous recontacter au sujet de cette demande" in offer["text"]
    assert f"supprimé {months} mois après la clôture de la demande" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == ["/affirm", "/deny"]
    assert slot(events, "pending") == "callback"
    assert slot(events, "callback_consent") == offer["text"]
    assert reminders(events) == []


async def test_one_request_per_person_and_the_call_back_offered_again_out_of_hours(loaded_db, make_tracker):
    tracker = make_tracker()
    request_human(CollectingDispatcher(), tracker, now=TUESDAY_10H_PARIS)
    dispatcher = CollectingDispatcher()
    events = request_human(dispatcher, tracker, now=TUESDAY_10H_PARIS)
    assert "déjà entre les mains" in texts(dispatcher) and len(dispatcher.messages) == 1
    assert reminders(events) == [] and slot(events, "pending") is None
    dispatcher = CollectingDispatcher()
    events = request_human(dispatcher, tracker, now=TUESDAY_18H_PARIS)
    assert "déjà entre les mains" in texts(dispatcher) and "recontacte" in texts(dispatcher)
    assert slot(events, "pending") == "callback"
    assert len(handoff.open_requests()) == 1


async def test_yes_after_two_misunderstandings_goes_through_the_same_path(loaded_db, make_tracker, monkeypatch):
    monkeypatch.setattr(office_hours.HandoffConfig, "is_open", lambda self, now=None: False)
    tracker = make_tracker(slots={"pending": "human"}, text="oui", intent="affirm")
    dispatcher, events = await run(ActionYes, tracker)
    assert "demande n° 1" in texts(dispatcher) and "du lundi au vendredi" in texts(dispatcher)
    assert slot(events, "pending") == "callback"


# -- the reminder ---------------------------------------------------------------------------------------------
def reminder_tracker(make_tracker, request_id=1, **slots):
    return make_tracker(slots=slots, text="EXTERNAL: EXTERNAL_handoff_unclaimed", intent="EXTERNAL_handoff_unclaimed",
                        entities=[{"entity": "handoff_request", "value": str(request_id)}])


async def test_an_unclaimed_request_gets_a_call_back_offer(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_10H_PARIS)
    dispatcher, events = await run(ActionHandoffUnclaimed, reminder_tracker(make_tracker))
    unclaimed, offer = dispatcher.messages
    assert "demande n° 1 est toujours en attente" in unclaimed["text"]
    assert "aucun·e coordinateur·rice n'a encore pu la prendre" in unclaimed["text"]
    assert "recontacte" in offer["text"] and offer["buttons"]
    assert slot(events, "pending") == "callback"
    assert slot(events, "callback_consent") == offer["text"]


async def claim_first_request():
    coordinator = accounts.add_coordinator("claire@cotesoin.exemple.fr", "un mot de passe solide", "Claire")
    handoff.claim(1, coordinator.id)
    return coordinator


async def test_a_claimed_request_keeps_the_assistant_silent(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_10H_PARIS)
    await claim_first_request()
    dispatcher, events = await run(ActionHandoffUnclaimed, reminder_tracker(make_tracker))
    assert dispatcher.messages == [] and events == []


async def test_a_closed_request_keeps_the_assistant_silent(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_10H_PARIS)
    coordinator = await claim_first_request()
    handoff.close(1, coordinator.id, "answered")
    dispatcher, events = await run(ActionHandoffUnclaimed, reminder_tracker(make_tracker))
    assert dispatcher.messages == [] and events == []


@pytest.mark.parametrize("situation", ["contact left", "other request", "offer pending", "in a form"])
async def test_the_reminder_is_silent_when_it_has_nothing_to_add(loaded_db, make_tracker, situation):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_10H_PARIS)
    tracker = reminder_tracker(make_tracker, request_id=7 if situation == "other request" else 1,
                               pending="callback" if situation == "offer pending" else None)
    if situation == "contact left":
        handoff.save_contact(1, "06 12 34 56 78", "question")
    if situation == "in a form":
        tracker.active_loop = {"name": "job_search_form"}
    dispatcher, events = await run(ActionHandoffUnclaimed, tracker)
    assert dispatcher.messages == [] and events == []


# -- the call back ---------------------------------------------------------------------------------------------
async def test_no_to_the_call_back_keeps_nothing(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_18H_PARIS)
    tracker = make_tracker(slots={"pending": "callback", "callback_consent": "question"}, text="non", intent="deny")
    dispatcher, events = await run(ActionNo, tracker)
    assert "je ne garde aucun contact" in texts(dispatcher)
    assert "reste dans la file" in texts(dispatcher) and "ici même" in texts(dispatcher)
    assert slot(events, "pending") is None and slot(events, "callback_consent") is None
    request = stored(1)
    assert request.contact is None and request.contact_consent_text is None and request.status == handoff.OPEN


async def test_a_safety_net_starts_the_form_if_yes_reaches_action_yes(loaded_db, make_tracker):
    dispatcher, events = await run(ActionYes, make_tracker(slots={"pending": "callback"}, text="oui", intent="affirm"))
    assert events == [{"event": "followup", "name": "callback_form", "timestamp": None}]


async def test_the_form_asks_with_examples_and_how_to_cancel(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionAskCallbackContact, make_tracker())
    assert "prenom.nom@exemple.fr" in texts(dispatcher) and "06 12 34 56 78" in texts(dispatcher)
    assert "« annuler »" in texts(dispatcher)


def form_tracker(make_tracker, typed, intent="nlu_fallback", attempts=1):
    return make_tracker(
        slots={"pending": "callback", "requested_slot": "callback_contact"}, text=typed, intent=intent,
        active_loop={"name": "callback_form"}, slot_events={"callback_contact": typed},
        user_intents=None if attempts == 1 else ["affirm"] * attempts)


async def test_a_valid_contact_is_normalised_by_the_form(loaded_db, make_tracker):
    tracker = form_tracker(make_tracker, "+33 6 12 34 56 78")
    dispatcher, events = await run(ValidateCallbackForm, tracker)
    assert slot(events, "callback_contact") == "06 12 34 56 78"
    assert dispatcher.messages == []


async def test_an_invalid_contact_is_explained_and_asked_again(loaded_db, make_tracker):
    dispatcher, events = await run(ValidateCallbackForm, form_tracker(make_tracker, "06 12 34"))
    assert slot(events, "callback_contact") is None
    assert slot(events, "requested_slot") == "unset"  # the form asks again
    assert texts(dispatcher) == text("callback_invalid")


async def test_annuler_ends_the_form_with_nothing_kept(loaded_db, make_tracker):
    dispatcher, events = await run(ValidateCallbackForm, form_tracker(make_tracker, "annuler"))
    assert slot(events, "callback_contact") is None and slot(events, "requested_slot") is None


async def test_the_form_gives_up_after_three_unreadable_answers(loaded_db, make_tracker):
    tracker = form_tracker(make_tracker, "je sais pas", attempts=3)
    tracker.events.insert(0, {"event": "active_loop", "name": "callback_form"})
    dispatcher, events = await run(ValidateCallbackForm, tracker)
    assert "j'arrête là" in texts(dispatcher)
    assert slot(events, "callback_contact") is None and slot(events, "requested_slot") is None


async def test_the_contact_is_saved_with_the_consent_and_forgotten_from_the_slots(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_18H_PARIS)
    consent = handoff_actions.consent_question()
    before = datetime.utcnow()
    tracker = make_tracker(slots={"callback_contact": "06 12 34 56 78", "callback_consent": consent,
                                  "pending": "callback"})
    dispatcher, events = await run(ActionSaveCallback, tracker)
    shown = texts(dispatcher)
    assert "vous recontactera au 06 12 34 56 78 au sujet de votre demande n° 1" in shown
    assert "suppression de vos données" in shown
    request = stored(1)
    assert request.contact == "06 12 34 56 78"
    assert request.contact_consent_text == consent
    assert before - timedelta(seconds=1) <= request.contact_consent_at <= datetime.utcnow()
    assert slot(events, "callback_contact") is None and slot(events, "callback_consent") is None
    assert slot(events, "pending") is None
    assert handoff.audit_trail(1)[0]["action"] == "contact_given"


async def test_an_e_mail_is_confirmed_with_its_address(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_18H_PARIS)
    tracker = make_tracker(slots={"callback_contact": "marie@exemple.fr", "callback_consent": "question"})
    dispatcher, _ = await run(ActionSaveCallback, tracker)
    assert "à l'adresse marie@exemple.fr" in texts(dispatcher)


async def test_a_cancelled_form_keeps_nothing(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_18H_PARIS)
    tracker = make_tracker(slots={"callback_contact": None, "callback_consent": "question", "pending": "callback"})
    dispatcher, events = await run(ActionSaveCallback, tracker)
    assert "je ne garde aucun contact" in texts(dispatcher)
    assert stored(1).contact is None
    assert slot(events, "callback_consent") is None and slot(events, "pending") is None


async def test_a_request_closed_meanwhile_keeps_nothing(loaded_db, make_tracker):
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_10H_PARIS)
    coordinator = await claim_first_request()
    handoff.close(1, coordinator.id, "answered")
    tracker = make_tracker(slots={"callback_contact": "06 12 34 56 78", "callback_consent": "question"})
    dispatcher, events = await run(ActionSaveCallback, tracker)
    assert "close entre-temps" in texts(dispatcher)
    assert stored(1).contact is None
    assert slot(events, "callback_contact") is None
