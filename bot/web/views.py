"""The pages of the public site. Data come from `knowledge.queries`, read in a worker thread."""
import asyncio
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List

import aiohttp_jinja2
from aiohttp import web

from knowledge import queries
from knowledge.vocabulary import structure_type_label

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


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
