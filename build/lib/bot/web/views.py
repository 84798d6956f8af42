"""The pages of the public site. Data come from `knowledge.partners.queries`, read in a worker thread."""
import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from knowledge import db
from knowledge.partners import queries
from knowledge.partners.models import Commune
from knowledge.partners.vocabulary import structure_type_label

logger = logging.getLogger(__name__)

# Order in which the kinds of partners are listed on the page.
PARTNER_ORDER = ["hopital", "ehpad", "ssiad", "saad", "msp", "cpts", "cabinet_liberal", "institut_formation",
                 "emploi", "guichet_installation", "collectivite"]


@dataclass
class Profession:
    label: str
    summary: str
    pay: str
    openings: int


def _first_sentence(text: str) -> str:
    text = " ".join((text or "").split())
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _safe_link(url: str) -> str:
    """A partner's web site, only when it is an http(s) address."""
    url = (url or "").strip()
    return url if url.startswith(("https://", "http://")) else ""


def home_data() -> Dict[str, Any]:
    professions = [
        Profession(p.label, _first_sentence(p.description), p.pay,
                   queries.find_openings(profession=p.code, limit=0).total)
        for p in queries.list_professions()
    ]
    professions.sort(key=lambda p: (-p.openings, p.label))
    by_commune = queries.count_openings_by("commune", None, None)
    communes = [{"name": name, "openings": by_commune.get(name, 0)} for name in queries.commune_names()]
    groups: Dict[str, List[Dict[str, str]]] = defaultdict(list)
    structures = queries.find_structures()
    for s in structures:
        groups[s.type].append({"name": s.name, "commune": s.commune, "website": _safe_link(s.details.get("website"))})
    order = {code: index for index, code in enumerate(PARTNER_ORDER)}
    partners = [{"type": code, "label": _capitalised(structure_type_label(code)), "structures": groups[code]}
                for code in sorted(groups, key=lambda c: (order.get(c, len(order)), c))]
    return {
        "professions": professions,
        "communes": communes,
        "partners": partners,
        "partner_count": len(structures),
        "opening_count": sum(p.openings for p in professions),
    }


@aiohttp_jinja2.template("index.html")
async def home(request: web.Request) -> Dict[str, Any]:
    return await asyncio.to_thread(home_data)


@aiohttp_jinja2.template("confidentialite.html")
async def privacy(request: web.Request) -> Dict[str, Any]:
    return {}


HEALTH_TIMEOUT_SECONDS = 5.0


def _database_answers() -> None:
    """A real read of the partner database (a damaged SQLite file still answers `SELECT 1`)."""
    with db.session_scope() as session:
        session.execute(select(func.count()).select_from(Commune)).scalar()


async def health(request: web.Request) -> web.Response:
    """200 when the site and the partner database answer; 503 saying which part does not."""
    try:
        await asyncio.wait_for(asyncio.to_thread(_database_answers), HEALTH_TIMEOUT_SECONDS)
    except (SQLAlchemyError, asyncio.TimeoutError) as error:
        logger.warning("contrôle de santé : base des partenaires indisponible (%s)", error.__class__.__name__)
        return web.json_response({"status": "dégradé", "database": "indisponible"}, status=503,
                                 dumps=_french_json)
    return web.json_response({"status": "ok", "database": "ok"})


async def process_health(request: web.Request) -> web.Response:
    """The site's process answers (what `cotesoin run` waits for, whatever the database's state)."""
    return web.json_response({"status": "ok"})


def _french_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
