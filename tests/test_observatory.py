"""The observatory's figures on a small hand-made tracker store and the fixture partner database.

The tracker store follows the partner database: a SQLite file, or the same PostgreSQL database
when TEST_POSTGRES_URL is set (as a deployment may do), so the SQL is checked on both.
"""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from knowledge import db
from knowledge.conversations import observatory, unmet_search
from knowledge.conversations.observatory import MASKED, Period
from knowledge.coordination import transcripts
from knowledge.coordination.models import CoordinatorRequest
from tests.observatory_helpers import Conversations, at

PERIOD = Period(date(2025, 3, 25), date(2025, 4, 5))  # summer time starts on 30 March


@pytest.fixture
def tracker_store(loaded_db, tmp_path, monkeypatch):
    url = loaded_db.url if loaded_db.url.startswith("postgresql") else f"sqlite:///{tmp_path / 'trackers.db'}"
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    transcripts.dispose()
    transcripts._metadata.drop_all(transcripts.engine())
    transcripts._metadata.create_all(transcripts.engine())
    yield Conversations()
    transcripts._metadata.drop_all(transcripts.engine())
    transcripts.dispose()


def job_seekers(store: Conversations, count: int, day: str = "2025-03-28", channel: str = "socketio",
                profession: str = "aide_soignant", commune: str = "Vue", found: int = 0, prefix: str = "web") -> None:
    for n in range(count):
        sender, moment = f"{prefix}-{profession}-{commune}-{n}", at(f"{day} 10:00") + n * 60
        store.start(sender, moment)
        store.user(sender, moment + 1, "je cherche un poste d'aide soignante", "search_jobs", channel,
                   profession=profession)
        store.user(sender, moment + 2, f"à {commune}", "inform", channel, commune=commune)
        store.search(sender, moment + 3, found)


# -- the period ----------------------------------------------------------------------------------------
def test_a_period_is_cut_at_paris_midnight_and_checked():
    start, end = Period(date(2025, 3, 30), date(2025, 3, 30)).bounds()
    assert (start, end) == (at("2025-03-30 00:00"), at("2025-03-31 00:00"))
    assert end - start == 23 * 3600  # the day summer time starts
    assert Period.parse("", "", today=date(2025, 4, 5)) == Period(date(2025, 3, 7), date(2025, 4, 5))
    assert Period.parse("2025-01-01", "2025-01-31").days[-1] == date(2025, 1, 31)
    for start_text, end_text in (("2025-02-01", "2025-01-01"), ("01/02/2025", ""), ("2020-01-01", "2025-01-01")):
        with pytest.raises(ValueError):
            Period.parse(start_text, end_text)


def test_counts_under_five_are_masked_but_zero_is_not():
    assert [observatory.masked(n) for n in (0, 1, 4, 5, 120)] == [0, MASKED, MASKED, 5, 120]


# -- activity ------------------------------------------------------------------------------------------
def test_conversations_and_people_per_channel_and_paris_day(tracker_store):
    job_seekers(tracker_store, 6)  # 28 March, on the site
    for n in range(5):  # 30 March 00:30 Paris is still 29 March in UTC
        tracker_store.start(f"telegram-{n}", at("2025-03-30 00:30"))
        tracker_store.user(f"telegram-{n}", at("2025-03-30 00:31"), "bonjour", "greet", "telegram")
    tracker_store.start("telegram-0", at("2025-03-31 00:10"))  # a second conversation, the next night
    tracker_store.user("telegram-0", at("2025-03-31 00:11"), "re", "greet", "telegram")
    tracker_store.start("rest-1", at("2025-04-01 12:00"))
    tracker_store.user("rest-1", at("2025-04-01 12:00"), "bonjour", "greet", "rest")
    tracker_store.start("web-before", at("2025-03-24 23:59"))
    tracker_store.user("web-before", at("2025-03-24 23:59"), "trop tôt", "greet")
    tracker_store.save()

    result = observatory.activity(PERIOD)
    assert result.buckets == PERIOD.days and result.channels == ["socketio", "telegram", "rest"]
    rows = {(row.start, row.channel): (row.conversations, row.people) for row in result.rows}
    assert len(rows) == 12 * 3
    assert rows[(date(2025, 3, 28), "socketio")] == (6, 6)
    assert rows[(date(2025, 3, 30), "telegram")] == (5, 5)
    assert rows[(date(2025, 3, 29), "telegram")] == (0, 0)
    assert rows[(date(2025, 3, 31), "telegram")] == (MASKED, MASKED)
    assert rows[(date(2025, 4, 1), "rest")] == (MASKED, MASKED)
    totals = {t.channel: (t.conversations, t.people) for t in result.totals}
    assert totals == {"socketio": (6, 6), "telegram": (6, 5), "rest": (MASKED, MASKED)}
    assert (result.conversations, result.people) == (13, 12)

    weekly = observatory.activity(PERIOD, step="week")
    assert weekly.buckets == [date(2025, 3, 24), date(2025, 3, 31)]
    week_rows = {(row.start, row.channel): (row.conversations, row.people) for row in weekly.rows}
    assert week_rows[(date(2025, 3, 24), "telegram")] == (5, 5)
    assert week_rows[(date(2025, 3, 31), "telegram")] == (MASKED, MASKED)


def test_an_empty_or_missing_tracker_store_gives_empty_figures(tracker_store):
    assert observatory.activity(PERIOD).conversations == 0
    transcripts._metadata.drop_all(transcripts.engine())
    assert observatory.activity(PERIOD).rows == [] and observatory.activity(PERIOD).buckets == PERIOD.days
    assert observatory.misunderstood(PERIOD).questions == []
    assert observatory.unmet_demand(PERIOD).rows == []


def test_the_indexes_are_added_once_to_rasas_table_by_a_migration(tracker_store):
    """Made by the conversations database's migration (`cotesoin db upgrade`, `cotesoin run`), not by
    the observatory at first use; on Rasa's table as Rasa made it, with its rows kept."""
    from knowledge import migrate

    job_seekers(tracker_store, 3)
    tracker_store.save()
    before = _event_count()
    observatory.activity(PERIOD)
    assert {index["name"] for index in inspect(transcripts.engine()).get_indexes("events")} == {"ix_events_sender_id"}
    try:
        assert migrate.upgrade_conversations(transcripts.engine()) is None
        names = {index["name"] for index in inspect(transcripts.engine()).get_indexes("events")}
        assert {"ix_events_type_name_timestamp_sender_id", "ix_events_type_name_action_name_timestamp",
                "ix_events_type_name_intent_name_timestamp"} <= names
        assert migrate.upgrade_conversations(transcripts.engine()) == migrate.conversations_head()  # once
        assert _event_count() == before > 0
    finally:
        with transcripts.engine().begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {migrate.CONVERSATIONS_VERSION_TABLE}"))


def _event_count() -> int:
    with transcripts.engine().connect() as connection:
        return connection.scalar(select(func.count()).select_from(transcripts.events))


# -- demand --------------------------------------------------------------------------------------------
def test_demand_by_topic_profession_and_commune_counts_people(tracker_store):
    job_seekers(tracker_store, 6)
    job_seekers(tracker_store, 2, profession="infirmier", commune="Pornic", found=3)
    for n in range(7):
        sender = f"telegram-housing-{n}"
        tracker_store.start(sender, at("2025-04-02 09:00"))
        tracker_store.user(sender, at("2025-04-02 09:01"), "un logement à pornic", "ask_housing", "telegram",
                           commune="Pornic")
        tracker_store.action(sender, at("2025-04-02 09:01"), "action_housing", topic="housing")
        tracker_store.action(sender, at("2025-04-02 09:02"), "action_housing", topic="housing")  # counted once
    tracker_store.user("web-x", at("2025-04-02 10:00"), "plombier à Nantes", "search_jobs",
                       profession="plombier", commune="Nantes")
    tracker_store.user("web-y", at("2025-04-02 10:00"), "peu importe", "inform", commune="peu_importe")
    tracker_store.save()

    topics = {row.value: (row.label, row.people) for row in observatory.demand_by_topic(PERIOD)}
    assert topics == {"jobs": ("offres d'emploi", 8), "housing": ("logement", 7)}
    professions = observatory.demand_by_profession(PERIOD)
    assert [(r.value, r.label, r.people) for r in professions] == [
        ("aide_soignant", "Aide-soignant / aide-soignante", 6), ("infirmier", "Infirmier / infirmière", MASKED),
        ("autre", "autre (non reconnu)", MASKED)]
    communes = {row.value: row.people for row in observatory.demand_by_commune(PERIOD)}
    assert communes == {"Pornic": 9, "Vue": 6, "autre": MASKED}


def test_the_commune_table_lists_every_commune_of_the_territory(tracker_store):
    job_seekers(tracker_store, 6)
    tracker_store.save()
    rows = {row.name: row for row in observatory.communes(PERIOD)}
    assert len(rows) == 6 and rows["Vue"].people == 6 and rows["Vue"].unmet_people == 6
    assert rows["Pornic"].people == 0 and rows["Pornic"].unmet_people == 0
    assert rows["Vue"].latitude == pytest.approx(47.1994)


# -- unmet demand --------------------------------------------------------------------------------------
def test_searches_that_found_nothing_by_profession_commune_and_contract(tracker_store):
    job_seekers(tracker_store, 6)  # aide-soignant·e at Vue: nothing
    job_seekers(tracker_store, 3, profession="infirmier", commune="Pornic", found=5)  # found: not unmet
    sender = "web-cdd"
    tracker_store.start(sender, at("2025-03-26 14:00"))
    tracker_store.user(sender, at("2025-03-26 14:00"), "infirmier en cdd", "search_jobs",
                       profession="infirmier", contract_type="cdd")
    tracker_store.user(sender, at("2025-03-26 14:01"), "peu importe", "inform", commune="peu_importe")
    tracker_store.search(sender, at("2025-03-26 14:01"), 0)
    tracker_store.user(sender, at("2025-03-26 14:02"), "et à Rouans ?", "inform", commune="Rouans")
    tracker_store.search(sender, at("2025-03-26 14:02"), 0)
    # The next day Rasa starts a new session and copies the slots: not a new search.
    tracker_store.start(sender, at("2025-03-27 09:00"), profession="infirmier", contract_type="cdd",
                        commune="Rouans", topic="jobs", jobs_offset=0.0, pending="human")
    tracker_store.user(sender, at("2025-03-27 09:00"), "merci", "thanks")
    # Outside the period.
    job_seekers(tracker_store, 2, day="2025-04-06", prefix="later")
    tracker_store.save()

    unmet = observatory.unmet_demand(PERIOD)
    rows = [(r.profession, r.commune, r.contract, r.contract_label, r.searches, r.people) for r in unmet.rows]
    assert rows == [("aide_soignant", "Vue", "", "tous contrats", 6, 6),
                    ("infirmier", "", "cdd", "CDD", MASKED, MASKED),
                    ("infirmier", "Rouans", "cdd", "CDD", MASKED, MASKED)]
    assert unmet.rows[1].profession_label == "Infirmier / infirmière"
    assert (unmet.searches, unmet.people) == (8, 7)
    assert unmet.people_by_commune == {"Vue": 6, "": MASKED, "Rouans": MASKED}


def test_the_job_search_writes_the_unmet_marker_with_its_criteria_then_resets_it(loaded_db, make_tracker):
    """The marker the observatory counts (knowledge/conversations/unmet_search.py), written by actions/jobs.py
    itself."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.jobs import show_openings

    events = show_openings(CollectingDispatcher(), make_tracker(
        slots={"profession": "agent_service_hospitalier", "commune": "Cheix-en-Retz", "contract_type": "liberal",
               "work_time": "peu_importe"}))
    markers = [e["value"] for e in events if e.get("name") == unmet_search.SLOT]
    assert markers == [{"profession": "agent_service_hospitalier", "commune": "Cheix-en-Retz",
                        "contract_type": "liberal", "work_time": None}, None]
    # before jobs_offset: the first marker of a store is the cut-over between old and new conversations
    names = [e.get("name") for e in events]
    assert names.index(unmet_search.SLOT) < names.index("jobs_offset")
    found = show_openings(CollectingDispatcher(), make_tracker(slots={"profession": "infirmier"}))
    assert [e for e in found if e.get("name") == unmet_search.SLOT] == []


def test_a_later_page_or_another_page_size_writes_no_other_marker(loaded_db, make_tracker, monkeypatch):
    from rasa_sdk.executor import CollectingDispatcher

    from actions import jobs

    slots = {"profession": "infirmier"}
    # « voir la suite » past the last opening: nothing more to show, but not a search that found nothing
    past_the_end = jobs.show_openings(CollectingDispatcher(), make_tracker(slots=slots), offset=500)
    assert [e for e in past_the_end if e.get("name") == unmet_search.SLOT] == []
    empty = {"profession": "agent_service_hospitalier", "commune": "Cheix-en-Retz", "contract_type": "liberal"}
    markers = []
    for page_size in (5, 2, 20):
        monkeypatch.setattr(jobs, "PAGE_SIZE", page_size)
        events = jobs.show_openings(CollectingDispatcher(), make_tracker(slots=empty))
        markers.append([e["value"] for e in events if e.get("name") == unmet_search.SLOT])
    assert markers[0] == markers[1] == markers[2] and markers[0][0]["profession"] == "agent_service_hospitalier"


def test_an_unmet_search_is_counted_from_its_marker_not_from_the_pagination(tracker_store):
    job_seekers(tracker_store, 5)  # aide-soignant·e at Vue: nothing, 5 markers
    job_seekers(tracker_store, 5, profession="infirmier", commune="Pornic", found=5)
    tracker_store.save()
    before = observatory.unmet_demand(PERIOD)
    assert [(r.profession, r.commune, r.searches, r.people) for r in before.rows] == [("aide_soignant", "Vue", 5, 5)]

    # The infirmier·ères ask for the next page (« voir la suite ») and find nothing more; with another
    # page size, their offset goes back to 0 (a pagination that restarts): no new search, no marker.
    for n in range(5):
        sender = f"web-infirmier-Pornic-{n}"
        tracker_store.search(sender, at("2025-03-28 11:00") + n, 0, offset=5)
        tracker_store.slots(sender, at("2025-03-28 11:01") + n, jobs_offset=0.0)
    tracker_store.save()
    after = observatory.unmet_demand(PERIOD)
    assert (after.searches, after.people, after.rows) == (before.searches, before.people, before.rows)
    assert (after.searches, after.people) == (5, 5)


def test_conversations_stored_before_the_marker_are_read_as_they_were(tracker_store):
    """A store with both kinds: before its first marker, `jobs_offset` = 0 after a search; after, the markers."""
    for n in range(5):  # before the change: aide-soignant·e at Vue, on 26 March
        sender, moment = f"old-{n}", at("2025-03-26 10:00") + n * 60
        tracker_store.start(sender, moment)
        tracker_store.user(sender, moment + 1, "aide soignante", "search_jobs", profession="aide_soignant")
        tracker_store.user(sender, moment + 2, "à Vue", "inform", commune="Vue")
        tracker_store.old_search(sender, moment + 3, 0)
    job_seekers(tracker_store, 6, day="2025-03-28")  # after the change: the same search, with markers
    # An old conversation that comes back after the change: Rasa copies the slots, then a new search.
    tracker_store.start("old-0", at("2025-03-29 09:00"), profession="aide_soignant", commune="Vue",
                        topic="jobs", jobs_offset=0.0, pending="human")
    tracker_store.user("old-0", at("2025-03-29 09:01"), "à Vue ?", "inform", commune="Vue")
    tracker_store.search("old-0", at("2025-03-29 09:01"), 0)
    tracker_store.save()

    unmet = observatory.unmet_demand(PERIOD)
    assert [(r.profession, r.commune, r.searches, r.people) for r in unmet.rows] == [("aide_soignant", "Vue", 12, 11)]
    # only the old part, only the new part
    assert observatory.unmet_demand(Period(date(2025, 3, 26), date(2025, 3, 26))).searches == 5
    assert observatory.unmet_demand(Period(date(2025, 3, 28), date(2025, 3, 29))).searches == 7


def test_a_store_without_any_marker_is_read_with_the_old_inference(tracker_store):
    job_seekers(tracker_store, 5)
    for n in range(5):
        sender, moment = f"old-{n}", at("2025-03-26 10:00") + n * 60
        tracker_store.start(sender, moment)
        tracker_store.user(sender, moment + 1, "infirmier en cdd", "search_jobs", profession="infirmier",
                           contract_type="cdd")
        tracker_store.old_search(sender, moment + 3, 0)
    tracker_store.rows = [row for row in tracker_store.rows if row["action_name"] != unmet_search.SLOT]
    tracker_store.save()
    unmet = observatory.unmet_demand(PERIOD)
    assert [(r.profession, r.commune, r.contract, r.searches) for r in unmet.rows] == [
        ("aide_soignant", "Vue", "", 5), ("infirmier", "", "cdd", 5)]


# -- handoffs ------------------------------------------------------------------------------------------
def test_handoffs_count_times_and_outcomes(loaded_db):
    base = datetime(2025, 3, 27, 9, 0)
    with db.session_scope() as session:
        for n in range(6):
            created = base + timedelta(hours=n)
            session.add(CoordinatorRequest(
                sender_id=f"web-{n}", channel="socketio" if n else "telegram", topic="jobs" if n < 5 else "housing",
                criteria={}, status="closed", created_at=created, claimed_at=created + timedelta(minutes=n + 1),
                closed_at=created + timedelta(minutes=n + 1, hours=1), outcome="answered" if n < 5 else "oriented"))
        session.add(CoordinatorRequest(sender_id="web-open", channel="socketio", topic="jobs", criteria={},
                                       status="open", created_at=base))
        session.add(CoordinatorRequest(sender_id="web-old", channel="socketio", topic="jobs", criteria={},
                                       status="open", created_at=datetime(2025, 1, 1)))

    result = observatory.handoffs(PERIOD)
    assert (result.requests, result.waiting, result.closed) == (7, MASKED, 6)
    assert result.waiting_median == 210 and result.waiting_p90 == pytest.approx(330)
    assert result.handling_median == 3600 and result.handling_p90 == 3600
    assert [(o.value, o.people) for o in result.outcomes] == [
        ("answered", 5), ("called_back", 0), ("oriented", MASKED), ("no_reply", 0)]
    assert [(t.value, t.people) for t in result.topics] == [("jobs", 6), ("housing", MASKED)]
    assert [(c.label, c.people) for c in result.channels] == [("site web", 6), ("Telegram", MASKED)]


def test_handoff_times_need_five_requests(loaded_db):
    with db.session_scope() as session:
        session.add(CoordinatorRequest(sender_id="web-1", channel="socketio", topic="jobs", criteria={},
                                       status="claimed", created_at=datetime(2025, 3, 27, 9),
                                       claimed_at=datetime(2025, 3, 27, 9, 5)))
    result = observatory.handoffs(PERIOD)
    assert result.requests == MASKED and result.waiting_median is None and result.handling_p90 is None


# -- misunderstood questions ---------------------------------------------------------------------------
def test_misunderstood_questions_are_grouped_and_masked(tracker_store):
    weather = ["Quel temps fait-il à Pornic ?", "quel temps fait il a pornic", "Quel temps fait-il à Pornic ?",
               "QUEL TEMPS FAIT IL À PORNIC", "quel temps fait-il a Pornic ??", "quel temps fait il a pornic"]
    for n, question in enumerate(weather):
        tracker_store.user(f"web-{n}", at("2025-03-28 10:00") + n, question, "out_of_scope")
    tracker_store.user("web-0", at("2025-03-28 11:00"), "quel temps fait il à pornic", "out_of_scope")
    tracker_store.user("web-9", at("2025-03-28 12:00"), "rappelez moi au 06 12 34 56 78 ou jean.dupont@mail.fr",
                       "nlu_fallback")
    tracker_store.user("web-10", at("2025-03-28 12:30"), "rappelez moi au +33 7 98 76 54 32 ou a.b@exemple.org",
                       "nlu_fallback")
    tracker_store.user("web-11", at("2025-03-28 13:00"), "je cherche un poste", "search_jobs")
    tracker_store.user("web-12", at("2025-03-28 13:00"), "EXTERNAL: coordinateur", "nlu_fallback")
    tracker_store.user("web-13", at("2025-04-07 13:00"), "hors période", "nlu_fallback")
    tracker_store.save()

    result = observatory.misunderstood(PERIOD)
    assert [(q.messages, q.people) for q in result.questions] == [(7, 6), (MASKED, MASKED)]
    weather_group, callback = result.questions
    assert weather_group.text in weather and weather_group.key == "quel temps fait il a pornic"
    assert callback.text == "rappelez moi au [téléphone masqué] ou [e-mail masqué]"
    assert "06 12" not in repr(result) and "dupont" not in repr(result) and "98 76" not in repr(result)
    assert result.messages == 9 and result.rate == pytest.approx(9 / 11)
    assert observatory.misunderstood(PERIOD, limit=1).questions == [weather_group]


def test_misunderstood_rate_is_not_given_under_five_messages(tracker_store):
    tracker_store.user("web-1", at("2025-03-28 10:00"), "blabla", "nlu_fallback")
    tracker_store.save()
    result = observatory.misunderstood(PERIOD)
    assert result.messages == MASKED and result.rate is None and result.questions[0].messages == MASKED


def test_queries_only_read_the_tracker_store(tracker_store):
    job_seekers(tracker_store, 6)
    tracker_store.save()
    with transcripts.engine().connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM events")).scalar()
    observatory.activity(PERIOD), observatory.unmet_demand(PERIOD), observatory.misunderstood(PERIOD)
    with transcripts.engine().connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == before
