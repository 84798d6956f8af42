"""The tracker store keeps every event but gives Rasa only the recent part of a long conversation,
with the same state (slots, form, pause) as the whole conversation would give."""
import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from sqlalchemy import delete, func, select

from bot import tracker_store as module
from bot.tracker_store import KEEP_TURNS, MAX_TURNS, WindowedSQLTrackerStore
from knowledge.coordination import transcripts

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [search_jobs, inform]
entities: [commune]
slots:
  commune:
    type: text
    mappings: [{type: from_entity, entity: commune}]
  profession:
    type: text
    mappings: [{type: custom}]
  pending:
    type: categorical
    values: [callback, erase]
    mappings: [{type: custom}]
forms:
  job_form:
    required_slots: [commune]
responses:
  utter_ok: [{text: "ok"}]
""")


def drop_conversation_tables(url):
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for table in ("tracker_windows", "events"):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


@pytest.fixture
def store(database_url):
    """On SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set (tables made afresh)."""
    if not database_url.startswith("sqlite"):
        drop_conversation_tables(database_url)
    store_ = WindowedSQLTrackerStore(domain=DOMAIN, host=database_url)
    yield store_
    store_.engine.dispose()
    if not database_url.startswith("sqlite"):
        drop_conversation_tables(database_url)


def stored(store_, sender):
    with store_.session_scope() as session:
        return session.query(store_.SQLEvent).filter(store_.SQLEvent.sender_id == sender).count()


def window_row(store_, sender):
    with store_.engine.connect() as connection:
        return connection.execute(select(transcripts.windows).where(transcripts.windows.c.sender_id == sender)).first()


def turn(k):
    """The events of user message k: what Rasa appends in one turn (slots, a form, a pause)."""
    events = [UserUttered(f"message {k}", {"name": "inform", "confidence": 1.0}),
              ActionExecuted("action_answer"), BotUttered(f"réponse {k}")]
    if k % 7 == 0:
        events.append(SlotSet("commune", f"commune {k}"))
    if k == 3:
        events.append(SlotSet("profession", "infirmier"))
    if k == 12:
        events.append(SlotSet("pending", "callback"))
    if k == 33:
        events.append(ActiveLoop("job_form"))
    if k == 36:
        events.append(ConversationPaused())
    if k == 38:
        events.append(ConversationResumed())
    return events + [ActionExecuted("action_listen")]


async def talk(store_, sender, turns, start=0):
    appended = 0
    for k in range(start, start + turns):
        tracker = await store_.get_or_create_tracker(sender, append_action_listen=False)
        for event in turn(k):
            tracker.update(event)
            appended += 1
        await store_.save(tracker)
    return tracker, appended


def state(tracker):
    return (tracker.current_slot_values(), tracker.active_loop_name, tracker.is_paused(),
            tracker.latest_message.text, tracker.latest_action_name)


async def test_a_long_conversation_is_stored_whole_and_loaded_in_part(store):
    _, appended = await talk(store, "long", 50)
    assert stored(store, "long") == appended
    full = await store.retrieve_full_tracker("long")
    recent = await store.retrieve("long")
    assert len(full.events) == appended
    users = [e.text for e in recent.events if isinstance(e, UserUttered)]
    assert KEEP_TURNS <= len(users) < MAX_TURNS
    assert users == [f"message {k}" for k in range(50 - len(users), 50)]
    assert state(recent) == state(full)
    assert recent.get_slot("profession") == "infirmier" and recent.get_slot("pending") == "callback"
    assert recent.active_loop_name == "job_form"


async def test_the_state_is_the_same_at_every_message(store):
    for k in range(45):
        await talk(store, "each", 1, start=k)
        full = await store.retrieve_full_tracker("each")
        recent = await store.retrieve("each")
        assert state(recent) == state(full), k
        assert len(recent.events) <= MAX_TURNS * 6 + 5


async def test_a_paused_conversation_stays_paused_across_the_window(store):
    await talk(store, "paused", 37)  # paused at message 36, resumed at 38
    assert (await store.retrieve("paused")).is_paused()
    await talk(store, "paused", 30, start=37)
    assert not (await store.retrieve("paused")).is_paused()


async def test_a_new_session_after_the_window_starts_afresh(store):
    await talk(store, "session", 30)
    assert window_row(store, "session") is not None
    tracker = await store.retrieve("session")
    for event in (ActionExecuted("action_session_start"), SessionStarted(), SlotSet("profession", "aide_soignant"),
                  ActionExecuted("action_listen")):
        tracker.update(event)
    await store.save(tracker)
    await talk(store, "session", 2, start=100)
    again = await store.retrieve("session")
    assert isinstance(again.events[0], SessionStarted)
    assert again.get_slot("profession") == "aide_soignant" and again.get_slot("pending") is None
    assert stored(store, "session") == len((await store.retrieve_full_tracker("session")).events)


async def test_a_short_conversation_loads_as_rasa_would_load_it(store):
    """Before any window: the same events as Rasa's own SQL store, from the latest session on."""
    from rasa.core.tracker_store import SQLTrackerStore

    await talk(store, "short", 4)
    assert [e.as_dict() for e in (await store.retrieve("short")).events] == [
        e.as_dict() for e in (await SQLTrackerStore.retrieve(store, "short")).events]
    tracker = await store.retrieve("short")
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    await store.save(tracker)
    await talk(store, "short", 3, start=10)
    ours, rasa = await store.retrieve("short"), await SQLTrackerStore.retrieve(store, "short")
    assert isinstance(ours.events[0], SessionStarted)
    assert len(ours.events) == 2 + sum(len(turn(k)) for k in range(10, 13))
    assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasa.events]


async def test_a_window_whose_first_event_was_purged_is_dropped(store):
    await talk(store, "purged", 30)
    first = window_row(store, "purged").first_event_id
    with store.engine.begin() as connection:
        connection.execute(delete(transcripts.events).where(transcripts.events.c.id <= first))
    tracker = await store.retrieve("purged")
    assert window_row(store, "purged") is None
    assert len(tracker.events) == stored(store, "purged")  # Rasa's own loading: what is left
    assert state(tracker)[3] == "message 29"


async def test_erasing_the_conversation_drops_its_window(store):
    tracker, _ = await talk(store, "erased", 30)
    tracker.update(UserUttered("oui", {"name": "affirm"}))
    tracker.update(SlotSet(module.ERASED_SLOT, True))
    await store.save(tracker)
    assert stored(store, "erased") == 0 and window_row(store, "erased") is None
    assert await store.retrieve("erased") is None


async def test_a_tracker_saved_twice_stores_each_event_once(store):
    tracker, appended = await talk(store, "twice", 25)
    tracker.update(UserUttered("encore", {"name": "inform"}))
    await store.save(tracker)
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    with store.engine.connect() as connection:
        count = connection.scalar(select(func.count()).where(transcripts.events.c.sender_id == "twice"))
    assert count == appended + 2


async def test_privacy_erasure_and_purge_drop_the_windows(tmp_path, monkeypatch, loaded_db):
    from knowledge.coordination import privacy

    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    transcripts.dispose()
    store_ = WindowedSQLTrackerStore(domain=DOMAIN, host=url)
    await talk(store_, "a", 25)
    await talk(store_, "b", 25)
    try:
        privacy.erase_messages("a")
        assert window_row(store_, "a") is None and window_row(store_, "b") is not None
        with store_.engine.begin() as connection:  # the whole conversation is older than the retention
            connection.execute(transcripts.events.update().values(timestamp=0))
            connection.execute(transcripts.windows.update().values(timestamp=0))
        privacy.purge()
        assert window_row(store_, "b") is None and stored(store_, "b") == 0
    finally:
        transcripts.dispose()


# The tracker saved last, given back at the next message (bot/recent_trackers.py) ------------------

def other_process(store_):
    """A second Rasa process on the same database (the scaled setup): a store of its own."""
    return WindowedSQLTrackerStore(domain=DOMAIN, host=str(store_.engine.url))


async def test_the_next_message_gets_the_tracker_saved_last_when_nothing_else_wrote(store):
    tracker, _ = await talk(store, "kept", 3)
    again = await store.retrieve("kept")
    assert again is tracker
    loaded = await other_process(store).retrieve("kept")
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in loaded.events]


async def test_a_new_model_drops_the_kept_trackers(store):
    """A model loaded (Rasa sets the store's domain) may have other slots: the tracker is loaded again."""
    tracker, _ = await talk(store, "model", 3)
    store.domain = Domain.from_dict(DOMAIN.as_dict())
    again = await store.retrieve("model")
    assert again is not tracker and store.domain is not DOMAIN
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]


async def test_another_process_writing_to_the_conversation_is_seen(store):
    await talk(store, "shared", 3)
    other = other_process(store)
    try:
        await talk(other, "shared", 1, start=3)  # the next message went to the other process
        tracker = await store.retrieve("shared")
        assert tracker.latest_message.text == "message 3"
        assert len(tracker.events) == stored(store, "shared")
        await talk(store, "shared", 1, start=4)
        assert stored(store, "shared") == sum(len(turn(k)) for k in range(5))
    finally:
        other.engine.dispose()


async def test_events_appended_by_the_console_through_the_http_api_are_seen(store):
    """Rasa's HTTP API appends to the full tracker (`retrieve_full_tracker`) and saves it."""
    await talk(store, "console", 3)
    other = other_process(store)
    try:
        full = await other.retrieve_full_tracker("console")
        full.update(BotUttered("Bonjour, ici la coordinatrice."))
        full.update(ConversationPaused())
        await other.save(full)
        tracker = await store.retrieve("console")
        assert tracker.is_paused() and tracker.latest_bot_utterance.text == "Bonjour, ici la coordinatrice."
    finally:
        other.engine.dispose()


async def test_a_conversation_erased_elsewhere_then_written_again_is_not_mistaken(store):
    """Erased by another process, then as many events written again (SQLite may give the same ids)."""
    tracker, appended = await talk(store, "again", 2)
    other = other_process(store)
    try:
        with other.engine.begin() as connection:
            connection.execute(delete(transcripts.events).where(transcripts.events.c.sender_id == "again"))
        await talk(other, "again", 2, start=49)  # as many events as before: turn(49) sets a slot as turn(0)
        assert stored(store, "again") == appended
        tracker = await store.retrieve("again")
        assert tracker.latest_message.text == "message 50" and tracker.get_slot("commune") == "commune 49"
    finally:
        other.engine.dispose()


async def test_messages_erased_by_the_privacy_module_are_not_given_back(store):
    await talk(store, "privacy", 3)
    with store.engine.begin() as connection:  # as knowledge/privacy.erase_messages does
        connection.execute(delete(transcripts.events).where(transcripts.events.c.sender_id == "privacy"))
    assert await store.retrieve("privacy") is None


async def test_an_erasure_asked_in_the_conversation_forgets_the_kept_tracker(store):
    tracker, _ = await talk(store, "asked", 3)
    tracker = await store.retrieve("asked")
    tracker.update(UserUttered("oui", {"name": "affirm"}))
    tracker.update(SlotSet(module.ERASED_SLOT, True))
    await store.save(tracker)
    assert await store.retrieve("asked") is None


async def test_a_message_that_failed_before_its_save_leaves_nothing_behind(store):
    await talk(store, "failed", 3)
    tracker = await store.retrieve("failed")
    tracker.update(UserUttered("perdu", {"name": "inform"}))  # then an error: Rasa never saves it
    again = await store.retrieve("failed")
    assert again is not tracker and again.latest_message.text == "message 2"


async def test_a_new_session_or_a_moved_window_is_loaded_from_the_database(store):
    """Kept only if loading would give the same events: not after a session start that follows
    other events, nor once the window moved."""
    tracker, _ = await talk(store, "fresh", 2)
    tracker = await store.retrieve("fresh")
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    await store.save(tracker)
    loaded = await store.retrieve("fresh")
    assert loaded is not tracker and isinstance(loaded.events[0], SessionStarted)
    await store.save(loaded)
    assert await store.retrieve("fresh") is loaded  # a session's start first: as loading gives it
    tracker, _ = await talk(store, "moved", MAX_TURNS)
    assert window_row(store, "moved") is not None
    loaded = await store.retrieve("moved")
    assert loaded is not tracker and len(loaded.events) < len(tracker.events)
