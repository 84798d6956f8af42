"""The territory's HR observatory: what people ask the assistant for, and what they do not find.

Figures over a period of Paris days, computed from Rasa's tracker store (`events`) and the
partner database, as plain data for the console and its CSV files. Only aggregates leave this
module: a count between 1 and 4 is replaced by `MASKED` ("< 5"), durations need 5 requests, and
free text (questions the assistant did not understand) is masked (`knowledge.masking`).

How the tracker store is read (Rasa's SQLTrackerStore writes one row per event):
- `type_name` is the event (user, slot, session_started, action…); for a slot event
  `action_name` holds the slot's name; for a user message `intent_name` holds its intent;
  `data` is the event as JSON text (read with the database's JSON functions).
- A conversation is a Rasa session (a `session_started` event); a person is a conversation id
  (`sender_id`: a browser, a Telegram chat); its channel is the `input_channel` of its messages.
- Demand: the people whose conversation set the `topic`, `profession` or `commune` slot.
- Unmet demand: a job search that finds nothing writes a marker of its own, the slot event
  `unmet_search` whose value holds the criteria of that moment (knowledge/conversations/unmet_search.py); each
  marker with a value is one search. Pages of results and their offsets play no part.
  Conversations stored before the marker existed are read as they were: before the store's first
  `unmet_search` event (the moment the new search went live), `jobs_offset` = 0 right after the
  search is a search that found nothing, its criteria the slots' last values before it (the slots
  Rasa copies into a new session, right after `session_started`, are not a new search). Nothing is
  rewritten in Rasa's table.
- Times: `timestamp` is a UTC epoch; days are cut at Paris midnight with the UTC offsets of the
  period computed here (no time-zone support needed in the database).

The indexes these queries need on `events` (Rasa only indexes `sender_id`) are made by a migration
of the conversations database (migrations/conversations/, `cotesoin db upgrade` and `cotesoin run`),
not here.
"""
import logging
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple, Union
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Float, Integer, and_, case, cast, func, inspect, literal, select, type_coerce
from sqlalchemy.engine import Engine

from knowledge import db
from knowledge.conversations import unmet_search
from knowledge.coordination import plans, transcripts
from knowledge.coordination.handoff import OUTCOMES
from knowledge.coordination.models import CoordinatorRequest
from knowledge.masking import mask
from knowledge.partners import name_masking, plan_builder, vocabulary
from knowledge.partners.models import Commune, Profession
from knowledge.partners.naming import ANY
from knowledge.texts import text

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
THRESHOLD = 5
MASKED = "< 5"
Count = Union[int, str]  # an int, or MASKED
MISUNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")
CRITERIA = ("profession", "commune", "contract_type")
OLD_NO_RESULT_SLOT = "jobs_offset"  # how conversations before the marker are read
OTHER = "autre"
MAX_DAYS = 3 * 366
DAY = 86400


def masked(count: int) -> Count:
    """`count`, or "< 5" when it is between 1 and 4 (0 is shown: it concerns nobody)."""
    return MASKED if 0 < count < THRESHOLD else count


# -- the period ---------------------------------------------------------------------------------------
# Dates a period may cover: far enough from date.min/max that no computation overflows.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)


@dataclass(frozen=True)
class Period:
    """From `start` to `end` included, in Paris days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if not (FIRST_DAY <= self.start <= LAST_DAY and FIRST_DAY <= self.end <= LAST_DAY):
            raise ValueError(text("console.period_out_of_bounds", first=f"{FIRST_DAY:%d/%m/%Y}",
                                  last=f"{LAST_DAY:%d/%m/%Y}"))
        if self.end < self.start:
            raise ValueError(text("console.period_reversed"))
        if (self.end - self.start).days >= MAX_DAYS:
            raise ValueError(text("console.period_too_long"))

    @classmethod
    def last_days(cls, days: int = 30, today: Optional[date] = None) -> "Period":
        """The `days` days up to today (Paris) included."""
        today = today or datetime.now(PARIS).date()
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def parse(cls, start: Optional[str], end: Optional[str], today: Optional[date] = None) -> "Period":
        """From the form's AAAA-MM-JJ fields; a missing one defaults to the last 30 days."""
        default = cls.last_days(30, today)
        try:
            first = date.fromisoformat(start) if start else default.start
            last = date.fromisoformat(end) if end else default.end
        except ValueError:
            raise ValueError(text("console.date_invalid")) from None
        return cls(first, last)

    @property
    def days(self) -> List[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> Tuple[float, float]:
        """UTC epoch seconds of the first Paris midnight and of the one after the last day."""
        return _midnight(self.start), _midnight(self.end + timedelta(days=1))

    def utc_bounds(self) -> Tuple[datetime, datetime]:
        """The same as naive UTC datetimes (the partner database stores those)."""
        start, end = self.bounds()
        return (datetime.fromtimestamp(start, timezone.utc).replace(tzinfo=None),
                datetime.fromtimestamp(end, timezone.utc).replace(tzinfo=None))


def _midnight(day: date) -> float:
    return datetime.combine(day, time(), PARIS).timestamp()


def _offset(moment: float) -> int:
    return int(datetime.fromtimestamp(moment, PARIS).utcoffset().total_seconds())


def _offset_segments(start: float, end: float) -> List[Tuple[float, int]]:
    """[(from this UTC second, Paris offset in seconds)] covering [start, end)."""
    segments = [(start, _offset(start))]
    moment = start
    while moment < end:
        step = min(moment + DAY, end)
        if _offset(step) != segments[-1][1]:
            low, high = moment, step  # the change is in (low, high]: bisect to the second
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if _offset(middle) == segments[-1][1] else (low, middle)
            segments.append((high, _offset(high)))
        moment = step
    return segments


# -- SQL helpers (SQLite and PostgreSQL) ---------------------------------------------------------------
def _dialect(engine: Engine) -> str:
    return engine.dialect.name


def _json_text(engine: Engine, column, key: str):
    """`data`'s field `key` as text (SQLite json_extract, PostgreSQL ->>)."""
    if _dialect(engine) == "postgresql":
        return cast(column, JSON)[key].as_string()
    return type_coerce(column, JSON)[key].as_string()


def _json_path_text(engine: Engine, column, *path: str):
    """`data`'s nested field at `path` as text (SQLite json_extract, PostgreSQL #>>)."""
    if _dialect(engine) == "postgresql":
        return cast(column, JSON)[path].as_string()
    return type_coerce(column, JSON)[path].as_string()


def _json_is_object(engine: Engine, column, key: str):
    """`data`'s field `key` is a JSON object (not null, not a string)."""
    if _dialect(engine) == "postgresql":
        return func.json_typeof(cast(column, JSON)[key]) == "object"
    return func.json_type(column, f"$.{key}") == "object"


def _json_is_zero(engine: Engine, column, key: str):
    """`data`'s field `key` is the number 0 (a string or null is not, and is never cast)."""
    if _dialect(engine) == "postgresql":
        field_ = cast(column, JSON)[key]
        return and_(func.json_typeof(field_) == "number", cast(field_.as_string(), Float) == 0)
    path = f"$.{key}"
    return and_(func.json_type(column, path).in_(["integer", "real"]), func.json_extract(column, path) == 0)


def _floor(engine: Engine, expression):
    """floor() of a non-negative number, as an integer."""
    if _dialect(engine) == "postgresql":
        return cast(func.floor(expression), Integer)
    return cast(expression, Integer)  # SQLite truncates, which is floor for positive numbers


def _local_seconds(period: Period, column):
    """`column` (UTC epoch seconds) shifted to Paris wall-clock seconds, with the period's DST changes."""
    segments = _offset_segments(*period.bounds())
    if len(segments) == 1:
        return column + segments[0][1]
    whens = [(column < literal(segments[n + 1][0]), column + segments[n][1]) for n in range(len(segments) - 1)]
    return case(*whens, else_=column + segments[-1][1])


def _bucket(engine: Engine, period: Period, column, step: str):
    """The Paris day (days since 1970-01-01) or week (Monday-based: weeks since 1969-12-29)."""
    local = _local_seconds(period, column)
    if step == "week":
        return _floor(engine, (local + 3 * DAY) / (7 * DAY))
    return _floor(engine, local / DAY)


def _bucket_start(number: int, step: str) -> date:
    if step == "week":
        return date(1969, 12, 29) + timedelta(weeks=number)
    return date(1970, 1, 1) + timedelta(days=number)


def _in_period(period: Period, margin: float = 0):
    start, end = period.bounds()
    column = transcripts.events.c.timestamp
    return and_(column >= start - margin, column < end)


def _tracker_rows(query) -> List[Any]:
    engine = transcripts.engine()
    if not inspect(engine).has_table("events"):
        return []
    with engine.connect() as connection:
        return list(connection.execute(query))


# -- activity -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActivityRow:
    start: date  # the day, or the Monday of the week
    channel: str
    conversations: Count
    people: Count


@dataclass(frozen=True)
class ChannelTotal:
    channel: str
    conversations: Count
    people: Count


@dataclass(frozen=True)
class Activity:
    step: str  # "day" or "week"
    buckets: List[date]
    channels: List[str]
    rows: List[ActivityRow]  # every bucket × channel, zeros included
    totals: List[ChannelTotal]
    conversations: Count
    people: Count


def activity(period: Period, step: str = "day") -> Activity:
    """Conversations (sessions) and people (distinct conversation ids) per channel, per day or week.

    Three grouped queries: the people who wrote in each bucket and the sessions started in each
    bucket (both read only the index on type_name, timestamp, sender_id), and the channel of each
    person, read from their first message of the period (the only JSON read). The per-channel sums
    are made here from those rows (at most people × active days).
    """
    engine, events = transcripts.engine(), transcripts.events
    bucket = _bucket(engine, period, events.c.timestamp, step)

    def per_bucket(type_name: str):
        rows = select(bucket.label("bucket"), events.c.sender_id).where(
            events.c.type_name == type_name, _in_period(period)).subquery()
        return _tracker_rows(select(rows.c.bucket, rows.c.sender_id, func.count())
                             .group_by(rows.c.bucket, rows.c.sender_id))

    first_messages = (select(func.min(events.c.id)).where(events.c.type_name == "user", _in_period(period))
                      .group_by(events.c.sender_id))
    channel_of = {sender_id: channel or OTHER for sender_id, channel in _tracker_rows(
        select(events.c.sender_id, _json_text(engine, events.c.data, "input_channel"))
        .where(events.c.id.in_(first_messages)))}
    people: Counter = Counter()
    for number, sender_id, _ in per_bucket("user"):
        people[(number, channel_of.get(sender_id, OTHER))] += 1
    conversations: Counter = Counter()
    for number, sender_id, count in per_bucket("session_started"):
        if sender_id in channel_of:  # a session where nobody wrote is not a conversation
            conversations[(number, channel_of[sender_id])] += count
    numbers = sorted({_bucket_number(day, step) for day in period.days})
    per_channel = Counter(channel_of.values())
    channels = sorted(per_channel, key=_channel_order)
    rows = [ActivityRow(_bucket_start(n, step), c, masked(conversations[(n, c)]), masked(people[(n, c)]))
            for n in numbers for c in channels]
    sessions: Counter = Counter()
    for (_, channel), count in conversations.items():
        sessions[channel] += count
    totals = [ChannelTotal(c, masked(sessions[c]), masked(per_channel[c])) for c in channels]
    return Activity(step, [_bucket_start(n, step) for n in numbers], channels, rows, totals,
                    masked(sum(sessions.values())), masked(len(channel_of)))


def _bucket_number(day: date, step: str) -> int:
    if step == "week":
        return (day - date(1969, 12, 29)).days // 7
    return (day - date(1970, 1, 1)).days


def _channel_order(channel: str) -> Tuple[int, str]:
    known = list(vocabulary.vocabulary()["channels"])
    return (known.index(channel) if channel in known else len(known), channel)


# -- demand -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemandRow:
    value: str  # topic code, profession code, commune name, or "autre"
    label: str
    people: Count


def _slot_people(slot: str, period: Period) -> Dict[Optional[str], int]:
    """{slot value: people whose conversation set it in the period}."""
    engine, events = transcripts.engine(), transcripts.events
    values = (select(_json_text(engine, events.c.data, "value").label("value"), events.c.sender_id)
              .where(events.c.type_name == "slot", events.c.action_name == slot, _in_period(period))).subquery()
    return dict(_tracker_rows(select(values.c.value, func.count(func.distinct(values.c.sender_id)))
                              .group_by(values.c.value)))


def _profession_labels() -> Dict[str, str]:
    with db.session_scope() as session:
        return dict(session.execute(select(Profession.code, Profession.label)).all())


def _commune_names() -> List[str]:
    with db.session_scope() as session:
        return list(session.scalars(select(Commune.name).order_by(Commune.name)))


def _labelled(counts: Dict[Optional[str], int], labels: Dict[str, str]) -> List[DemandRow]:
    merged: Counter = Counter()
    for value, people in counts.items():
        if value in (None, "", ANY):
            continue
        merged[value if value in labels else OTHER] += people
    rows = [DemandRow(value, labels.get(value, text("console.unrecognised")), people)
            for value, people in merged.items()]
    rows.sort(key=lambda row: (-row.people, row.value == OTHER, row.label))
    return [DemandRow(row.value, row.label, masked(row.people)) for row in rows]


def demand_by_topic(period: Period) -> List[DemandRow]:
    """People per topic the assistant answered (the `topic` slot), most asked first."""
    return _labelled(_slot_people("topic", period), dict(vocabulary.vocabulary()["topics"]))


def demand_by_profession(period: Period) -> List[DemandRow]:
    """People per profession they named (the `profession` slot, canonical codes)."""
    return _labelled(_slot_people("profession", period), _profession_labels())


def demand_by_commune(period: Period) -> List[DemandRow]:
    """People per commune they named, most asked first (communes nobody named are left out)."""
    return _labelled(_slot_people("commune", period), {name: name for name in _commune_names()})


# -- unmet demand -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnmetRow:
    profession: str  # "" when the search was for any profession
    profession_label: str
    commune: str  # "" for the whole territory
    contract: str  # "" for any contract
    contract_label: str
    searches: Count
    people: Count


def _first_marker() -> Optional[float]:
    """When the store's first `unmet_search` event was written (None: none yet)."""
    events = transcripts.events
    rows = _tracker_rows(select(func.min(events.c.timestamp)).where(
        events.c.type_name == "slot", events.c.action_name == unmet_search.SLOT))
    return rows[0][0] if rows else None


def _marked_searches_without_result(period: Period) -> List[Tuple[str, Dict[str, Optional[str]]]]:
    """[(sender_id, criteria)] for each `unmet_search` marker of the period (its reset to None is not one)."""
    engine, events = transcripts.engine(), transcripts.events
    query = select(events.c.sender_id, *[
        _json_path_text(engine, events.c.data, "value", name).label(name) for name in CRITERIA
    ]).where(events.c.type_name == "slot", events.c.action_name == unmet_search.SLOT, _in_period(period),
             _json_is_object(engine, events.c.data, "value"))
    return [(row.sender_id, {name: getattr(row, name) for name in CRITERIA}) for row in _tracker_rows(query)]


def _searches_without_result(period: Period) -> List[Tuple[str, Dict[str, Optional[str]]]]:
    """[(sender_id, criteria)] for each job search of the period that found no opening: the markers,
    and before the first marker of the store, the searches of older conversations as they were read."""
    first = _first_marker()
    start, _ = period.bounds()
    older = _inferred_searches_without_result(period, first) if first is None or first > start else []
    return older + _marked_searches_without_result(period)


def _inferred_searches_without_result(period: Period,
                                      before: Optional[float]) -> List[Tuple[str, Dict[str, Optional[str]]]]:
    """[(sender_id, criteria)] for each job search of the period, before `before` (None: no end),
    that found no opening, as conversations stored before the marker are read.

    One query: each `jobs_offset` = 0 slot event of the period, the event before it that is not a
    slot (an action for a real search, `session_started` when Rasa copies the slots into a new
    session) and the last value of each criterion's slot before it in the same conversation
    (correlated subqueries walking Rasa's `sender_id` index backwards).
    """
    engine, events = transcripts.engine(), transcripts.events
    marker, earlier = events.alias("marker"), events.alias("earlier")
    same_conversation = and_(earlier.c.sender_id == marker.c.sender_id, earlier.c.id < marker.c.id)

    def last(column, *conditions):
        return (select(column).where(same_conversation, *conditions)
                .order_by(earlier.c.id.desc()).limit(1).scalar_subquery())

    start, end = period.bounds()
    query = select(
        marker.c.sender_id,
        last(earlier.c.type_name, earlier.c.type_name != "slot").label("previous"),
        # coalesce(): keeps PostgreSQL on the sender_id index here (it would otherwise AND it with
        # a scan of every event of that slot, for each search)
        *[last(_json_text(engine, earlier.c.data, "value"), earlier.c.type_name == "slot",
               func.coalesce(earlier.c.action_name, "") == name).label(name) for name in CRITERIA],
    ).where(marker.c.type_name == "slot", marker.c.action_name == OLD_NO_RESULT_SLOT, marker.c.timestamp >= start,
            marker.c.timestamp < (end if before is None else min(end, before)),
            _json_is_zero(engine, marker.c.data, "value"))
    return [(row.sender_id, {name: getattr(row, name) for name in CRITERIA})
            for row in _tracker_rows(query) if row.previous != "session_started"]


@dataclass(frozen=True)
class Unmet:
    searches: Count  # job searches that found nothing
    people: Count  # … made by this many people
    rows: List[UnmetRow]
    people_by_commune: Dict[str, Count]  # "" for searches on the whole territory


def _key(criteria: Dict[str, Optional[str]], labels: Dict[str, str], communes: set) -> Tuple[str, str, str]:
    """(profession, commune, contract): "" for any, "autre" for a value the database does not know."""
    def known(value: Optional[str], names) -> str:
        if value in (None, "", ANY):
            return ""
        return value if value in names else OTHER

    return (known(criteria.get("profession"), labels), known(criteria.get("commune"), communes),
            known(criteria.get("contract_type"), vocabulary.contract_types()))


def unmet_demand(period: Period) -> Unmet:
    """Job searches that found nothing, by profession × commune × contract, most people first."""
    searches: Counter = Counter()
    people: Dict[Tuple[str, str, str], set] = defaultdict(set)
    by_commune: Dict[str, set] = defaultdict(set)
    labels, communes = _profession_labels(), set(_commune_names())
    for sender_id, criteria in _searches_without_result(period):
        key = _key(criteria, labels, communes)
        searches[key] += 1
        people[key].add(sender_id)
        by_commune[key[1]].add(sender_id)
    order = sorted(searches, key=lambda k: (-len(people[k]), -searches[k], k))
    rows = [UnmetRow(p, labels.get(p, text("console.unrecognised")) if p else text("console.any_profession"), c, k,
                     (vocabulary.contract_label(k) if k != OTHER else "autre") if k else "tous contrats",
                     masked(searches[(p, c, k)]), masked(len(people[(p, c, k)])))
            for p, c, k in order]
    everyone = set().union(*people.values()) if people else set()
    return Unmet(masked(sum(searches.values())), masked(len(everyone)), rows,
                 {commune: masked(len(who)) for commune, who in by_commune.items()})


# -- communes -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommuneRow:
    name: str
    epci: str
    latitude: float
    longitude: float
    people: Count  # who named the commune
    unmet_people: Count  # who searched a job there and found nothing


def communes(period: Period, demand: Optional[List[DemandRow]] = None,
             unmet: Optional[Unmet] = None) -> List[CommuneRow]:
    """Every commune of the territory with its demand, alphabetically (the table and the map).

    `demand` and `unmet` may be given when already computed for the same period."""
    demand = demand if demand is not None else demand_by_commune(period)
    unmet = unmet if unmet is not None else unmet_demand(period)
    named = {row.value: row.people for row in demand}
    with db.session_scope() as session:
        rows = session.execute(select(Commune.name, Commune.epci, Commune.latitude, Commune.longitude)
                               .order_by(Commune.name)).all()
    return [CommuneRow(name, epci, lat, lon, named.get(name, 0), unmet.people_by_commune.get(name, 0))
            for name, epci, lat, lon in rows]


# -- handoffs -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Handoffs:
    requests: Count
    waiting: Count  # not claimed yet
    closed: Count
    waiting_median: Optional[float]  # seconds from the request to its claim; None under 5 requests
    waiting_p90: Optional[float]
    handling_median: Optional[float]  # seconds from the claim to the close
    handling_p90: Optional[float]
    outcomes: List[DemandRow] = field(default_factory=list)
    topics: List[DemandRow] = field(default_factory=list)
    channels: List[DemandRow] = field(default_factory=list)


def _median_p90(values: List[float]) -> Tuple[Optional[float], Optional[float]]:
    if len(values) < THRESHOLD:
        return None, None
    return statistics.median(values), statistics.quantiles(values, n=10, method="inclusive")[-1]


def handoffs(period: Period) -> Handoffs:
    """Requests for a coordinator made in the period: counts, waiting and handling times, outcomes."""
    start, end = period.utc_bounds()
    model = CoordinatorRequest
    in_period = and_(model.created_at >= start, model.created_at < end)
    with db.session_scope() as session:
        groups = {name: dict(session.execute(select(column, func.count()).where(in_period).group_by(column)).all())
                  for name, column in (("status", model.status), ("outcome", model.outcome), ("topic", model.topic),
                                       ("channel", model.channel))}
        times = session.execute(select(model.created_at, model.claimed_at, model.closed_at)
                                .where(in_period, model.claimed_at.is_not(None))).all()
    waiting = [(claimed - created).total_seconds() for created, claimed, _ in times]
    handling = [(closed - claimed).total_seconds() for _, claimed, closed in times if closed is not None]
    outcome_rows = [DemandRow(code, label, masked(groups["outcome"].get(code, 0))) for code, label in OUTCOMES.items()]
    topic_rows = sorted(((code or "", n) for code, n in groups["topic"].items()), key=lambda item: -item[1])
    channel_rows = sorted(groups["channel"].items(), key=lambda item: -item[1])
    waiting_median, waiting_p90 = _median_p90(waiting)
    handling_median, handling_p90 = _median_p90(handling)
    return Handoffs(
        requests=masked(sum(groups["status"].values())), waiting=masked(groups["status"].get("open", 0)),
        closed=masked(groups["status"].get("closed", 0)), waiting_median=waiting_median, waiting_p90=waiting_p90,
        handling_median=handling_median, handling_p90=handling_p90, outcomes=outcome_rows,
        topics=[DemandRow(code, vocabulary.topic_label(code), masked(n)) for code, n in topic_rows],
        channels=[DemandRow(code, vocabulary.channel_label(code), masked(n)) for code, n in channel_rows],
    )


# -- misunderstood questions --------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    key: str  # the normalised, masked text that groups the variants
    text: str  # the most frequent variant, masked
    messages: Count
    people: Count


@dataclass(frozen=True)
class Misunderstood:
    messages: Count  # messages the assistant did not understand
    rate: Optional[float]  # … out of every message of the period (None without messages)
    questions: List[Question]


_PUNCTUATION = re.compile(r"[^\w\[\]]+")
MAX_QUESTION_CHARS = 2000


def normalise(text: str) -> str:
    """What groups two ways of typing the same question: masked, lower case, no accents or punctuation."""
    stripped = unicodedata.normalize("NFKD", mask(text).lower())
    stripped = "".join(char for char in stripped if not unicodedata.combining(char))
    return " ".join(_PUNCTUATION.sub(" ", stripped).split())


def misunderstood(period: Period, limit: Optional[int] = 100) -> Misunderstood:
    """The messages understood as nlu_fallback or out_of_scope, grouped, most frequent first."""
    engine, events = transcripts.engine(), transcripts.events
    texts = (select(_json_text(engine, events.c.data, "text").label("text"), events.c.sender_id)
             .where(events.c.type_name == "user", _in_period(period),
                    events.c.intent_name.in_(MISUNDERSTOOD_INTENTS))).subquery()
    rows = _tracker_rows(select(texts.c.text, texts.c.sender_id, func.count())
                         .group_by(texts.c.text, texts.c.sender_id))
    total = _tracker_rows(select(func.count()).where(transcripts.events.c.type_name == "user", _in_period(period)))
    messages: Counter = Counter()
    people: Dict[str, set] = defaultdict(set)
    variants: Dict[str, Counter] = defaultdict(Counter)
    for text_value, sender_id, count in rows:
        if not text_value or text_value.startswith(transcripts.EXTERNAL_PREFIX) or text_value.startswith("/"):
            continue
        text_value = text_value[:MAX_QUESTION_CHARS]  # an old 12 KB message: cut before any masking
        key = normalise(text_value)
        if not key:
            continue
        messages[key] += count
        people[key].add(sender_id)
        variants[key][" ".join(mask(text_value).split())] += count
    order = sorted(messages, key=lambda k: (-messages[k], -len(people[k]), k))
    if limit is not None:
        order = order[:limit]
    all_messages = total[0][0] if total else 0
    count = sum(messages.values())
    return Misunderstood(
        masked(count), count / all_messages if all_messages and count >= THRESHOLD else None,
        # Names and street names too (spaCy), on the questions shown only: knowledge/partners/name_masking.py.
        [Question(k, name_masking.mask_one(variants[k].most_common(1)[0][0]), masked(messages[k]),
                  masked(len(people[k]))) for k in order],
    )


# -- installation plans: what they did not find (issue 20) -------------------------------------------
@dataclass(frozen=True)
class GapRow:
    commune: str
    kind: str
    label: str
    plans: Count


def installation_gaps(period: Period) -> List[GapRow]:
    """Plans made in the period that found nothing, per commune and kind of need (most first)."""
    start, end = period.utc_bounds()
    labels = plan_builder.settings()["gap_labels"]
    counts = plans.gap_counts(start, end)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], labels.get(item[0][1], item[0][1])))
    return [GapRow(commune or text("console.commune_unknown"), kind, labels.get(kind, kind), masked(count))
            for (commune, kind), count in ordered]

