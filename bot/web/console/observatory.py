"""The observatory in the console: figures over a period, charts, CSV files, questions set aside for review.

- GET /console/observatoire?du=AAAA-MM-JJ&au=AAAA-MM-JJ: the page (last 30 days by default);
- GET /console/observatoire/<table>.csv?du=…&au=…: each table as CSV for the partners' committees
  (UTF-8 with BOM, `;`, masked values kept masked);
- POST /console/observatoire/a-relire: a misunderstood question becomes a candidate training
  example or FAQ entry in var/review/ (knowledge.conversations.review), never straight into nlu/.
The figures come from knowledge.conversations.observatory (aggregates only; counts under 5 masked).
"""
import asyncio
import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.web.console import charts
from bot.web.console.auth import csrf_token, current
from bot.web.console.formatting import duration
from knowledge.conversations import application_stats, observatory, review
from knowledge.conversations.observatory import Period
from knowledge.partners import vocabulary
from knowledge.partners.spreadsheet_cells import inert_row
from knowledge.texts import text as message_text

PAGE = "/console/observatoire"
FLASH = "observatory_notice"
WEEKLY_AFTER_DAYS = 62  # longer periods are charted per week (the CSV stays per day)


def routes(router: web.UrlDispatcher) -> None:
    router.add_get(PAGE, page, name="console_observatory")
    router.add_get(PAGE + "/{table}.csv", csv_export, name="console_observatory_csv")
    router.add_post(PAGE + "/a-relire", set_aside, name="console_observatory_review")


def _period(request: web.Request) -> tuple:
    """(period, error): the asked period, or the last 30 days with the reason in French."""
    try:
        return Period.parse(request.query.get("du"), request.query.get("au")), None
    except ValueError as error:
        return Period.last_days(30), str(error)


def _query(period: Period) -> str:
    return urlencode({"du": period.start.isoformat(), "au": period.end.isoformat()})


def _figures(period: Period) -> Dict[str, Any]:
    """Every figure of the page, the three slowest queries side by side (each in its own thread)."""
    step = "week" if len(period.days) > WEEKLY_AFTER_DAYS else "day"
    with ThreadPoolExecutor(max_workers=3) as pool:
        activity = pool.submit(observatory.activity, period, step)
        unmet = pool.submit(observatory.unmet_demand, period)
        misunderstood = pool.submit(observatory.misunderstood, period, 50)
        by_commune = observatory.demand_by_commune(period)
        figures = {
            "topics": observatory.demand_by_topic(period),
            "professions": observatory.demand_by_profession(period),
            "by_commune": by_commune,
            "handoffs": observatory.handoffs(period),
            "pending": {kind: review.pending(kind) for kind in review.KINDS},
            "activity": activity.result(),
            "unmet": unmet.result(),
            "misunderstood": misunderstood.result(),
            "applications": application_stats.application_figures(period),
            "active_alerts": application_stats.active_alerts(),
            "gaps": observatory.installation_gaps(period),
        }
    figures["communes"] = observatory.communes(period, by_commune, figures["unmet"])
    return figures


def _series(activity: observatory.Activity) -> Dict[str, tuple]:
    series = {}
    for channel in activity.channels:
        values = [row.conversations for row in activity.rows if row.channel == channel]
        series[channel] = (vocabulary.channel_label(channel), values)
    return series


@aiohttp_jinja2.template("console/observatoire.html")
async def page(request: web.Request) -> Dict[str, Any]:
    period, error = _period(request)
    figures = await asyncio.to_thread(_figures, period)
    activity = figures["activity"]
    handoffs = figures["handoffs"]
    return {
        **figures, "period": period, "error": error, "query": _query(period), "csrf": await csrf_token(request),
        "notice": (await get_session(request)).pop(FLASH, None), "number": charts.number, "duration": duration,
        "day_label": charts.day_label, "kinds": review.KINDS,
        "series": charts.time_series(activity.buckets, _series(activity), week=activity.step == "week"),
        "topic_chart": charts.bar_chart([(r.label, r.people) for r in figures["topics"]]),
        "profession_chart": charts.bar_chart([(r.label, r.people) for r in figures["professions"][:15]]),
        "outcome_chart": charts.bar_chart([(r.label, r.people) for r in handoffs.outcomes]),
        "unmet_chart": charts.bar_chart([(" — ".join([r.profession_label,
                                                       r.commune or message_text("console.whole_territory"),
                                                       *([r.contract_label] if r.contract else [])]), r.people)
                                         for r in figures["unmet"].rows[:10]], width=780, label_width=420),
        "map": charts.commune_map(figures["communes"]),
        "presets": [(message_text(f"console.preset.{days}"), _query(Period.last_days(days)))
                    for days in (7, 30, 90, 365)],
    }


# -- CSV ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Callable[[Period], List[Sequence[Any]]]


def _decimal(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _minutes(seconds: Optional[float]) -> str:
    return "" if seconds is None else str(int(round(seconds / 60)))


def _activity_rows(period: Period) -> List[Sequence[Any]]:
    return [(row.start.isoformat(), vocabulary.channel_label(row.channel), row.conversations, row.people)
            for row in observatory.activity(period).rows]


def _channel_rows(period: Period) -> List[Sequence[Any]]:
    activity = observatory.activity(period)
    return [*((vocabulary.channel_label(t.channel), t.conversations, t.people) for t in activity.totals),
            ("total", activity.conversations, activity.people)]


def _handoff_rows(period: Period) -> List[Sequence[Any]]:
    h = observatory.handoffs(period)
    return [("demandes", h.requests), ("en attente", h.waiting), ("closes", h.closed),
            ("attente médiane (minutes)", _minutes(h.waiting_median)),
            ("attente, 90e centile (minutes)", _minutes(h.waiting_p90)),
            ("traitement médian (minutes)", _minutes(h.handling_median)),
            ("traitement, 90e centile (minutes)", _minutes(h.handling_p90))]


TABLES: Dict[str, Table] = {
    "frequentation": Table(("jour", "canal", "conversations", "personnes"), _activity_rows),
    "canaux": Table(("canal", "conversations", "personnes"), _channel_rows),
    "themes": Table(("thème", "personnes"),
                    lambda p: [(r.label, r.people) for r in observatory.demand_by_topic(p)]),
    "metiers": Table(("métier", "code", "personnes"),
                     lambda p: [(r.label, r.value, r.people) for r in observatory.demand_by_profession(p)]),
    "communes": Table(("commune", "EPCI", "latitude", "longitude", "personnes", "personnes sans offre trouvée"),
                      lambda p: [(r.name, r.epci, _decimal(r.latitude), _decimal(r.longitude), r.people,
                                  r.unmet_people) for r in observatory.communes(p)]),
    "demande-non-satisfaite": Table(
        ("métier", "commune", "contrat", "recherches sans résultat", "personnes"),
        lambda p: [(r.profession_label, r.commune or message_text("console.whole_territory"), r.contract_label,
                    r.searches, r.people) for r in observatory.unmet_demand(p).rows]),
    "relais": Table(("indicateur", "valeur"), _handoff_rows),
    "relais-issues": Table(("issue", "demandes"),
                           lambda p: [(r.label, r.people) for r in observatory.handoffs(p).outcomes]),
    "relais-themes": Table(("thème", "demandes"),
                           lambda p: [(r.label, r.people) for r in observatory.handoffs(p).topics]),
    "relais-canaux": Table(("canal", "demandes"),
                           lambda p: [(r.label, r.people) for r in observatory.handoffs(p).channels]),
    "freins-installation": Table(
        ("commune", "besoin", "plans sans rien trouvé"),
        lambda p: [(r.commune, r.label, r.plans) for r in observatory.installation_gaps(p)]),
    "questions-non-comprises": Table(
        ("question (masquée)", "messages", "personnes"),
        lambda p: [(q.text, q.messages, q.people) for q in observatory.misunderstood(p, limit=1000).questions]),
}


# A text cell starting with one of these is read as a formula by spreadsheets (CSV injection);
# decimal numbers written with a comma (« -1,8806 ») are left as they are.



def to_csv(table: Table, period: Period) -> bytes:
    """UTF-8 with a BOM (Excel reads the accents), `;` between fields (French Excel); text cells a
    spreadsheet would run as formulas are made inert (knowledge/partners/spreadsheet_cells.py)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(inert_row(table.header))
    writer.writerows(inert_row(row) for row in table.rows(period))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def csv_export(request: web.Request) -> web.Response:
    table = TABLES.get(request.match_info["table"])
    if table is None:
        raise web.HTTPNotFound()
    period, error = _period(request)
    if error:
        raise web.HTTPBadRequest(text=error)
    body = await asyncio.to_thread(to_csv, table, period)
    name = f"observatoire-{request.match_info['table']}-{period.start.isoformat()}_{period.end.isoformat()}.csv"
    return web.Response(body=body, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- set aside for review -------------------------------------------------------------------------------
def _back_to(value: str) -> str:
    """Only the observatory page itself (no open redirect)."""
    if value.startswith(PAGE + "?") or value == PAGE:
        return value
    return PAGE


async def set_aside(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    kind, text = str(form.get("kind", "")), str(form.get("text", ""))
    messages = str(form.get("messages", ""))
    session = await get_session(request)
    if kind not in review.KINDS or not text.strip():
        session[FLASH] = message_text("console.set_aside_missing")
    else:
        added = await asyncio.to_thread(review.add, kind, text, current(request).id, messages)
        what = review.KINDS[kind][1]
        session[FLASH] = message_text("console.set_aside" if added else "console.set_aside_already", what=what)
    raise web.HTTPSeeOther(_back_to(str(form.get("suite", ""))) + "#a-relire")

