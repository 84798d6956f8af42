"""Partner data in the console: list, create, edit and close openings; the same for events (which
are deleted rather than closed); import uploaded CSV files or a workbook, each with or without
`metiers.yml`, after a preview the coordinator confirms; download the data (workbook, zip of CSV
files) and an empty template.

Validation and writing are `knowledge.partners.editing`'s (the import's rules); these views only turn forms
into calls and answers into pages. Database calls are synchronous, so they run in a worker thread.
"""
import asyncio
import json
import re
import secrets
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.web.console.auth import csrf_token, current
from knowledge.partners import editing, export, importer, spreadsheets, vocabulary
from knowledge.partners.importer import ImportFailed, Problem
from knowledge.partners.queries import NotFound
from knowledge.texts import text

OPENINGS, EVENTS, IMPORT = "/console/offres", "/console/evenements", "/console/import"
NOTICE = "data_notice"  # session key of the message shown once after a change
OPENING_STATES = {state: text(f"console.opening_state.{state}") for state in ("ouvertes", "closes", "toutes")}
EVENT_PERIODS = {period: text(f"console.event_period.{period}") for period in ("a_venir", "tous")}
OPENING_LABELS = {field: text(f"console.opening_field.{field}") for field in (
    "id", "intitule", "metier", "structure_id", "commune", "contrat", "temps_travail", "date_publication",
    "date_limite", "description", "contact")}
EVENT_LABELS = {field: text(f"console.event_field.{field}") for field in (
    "id", "titre", "type", "date", "commune", "description", "inscription")}
IMPORT_FIELD = "fichiers"


def _path(base: str, ident: str, action: str = "") -> str:
    return f"{base}/{quote(ident, safe='')}" + (f"/{action}" if action else "")


async def _notice(request: web.Request, text: str = "") -> Optional[str]:
    """Keep `text` to show on the next page; without text, take the one kept (once)."""
    session = await get_session(request)
    if text:
        session[NOTICE] = text
        return None
    return session.pop(NOTICE, None)


async def _context(request: web.Request, **values: Any) -> Dict[str, Any]:
    return {"csrf": await csrf_token(request), "notice": await _notice(request),
            "event_type_label": vocabulary.event_type_label, **values}


async def _form(request: web.Request, fields: List[str]) -> Dict[str, str]:
    posted = await request.post()
    return {name: str(posted.get(name, "")) for name in fields}


def _render(template: str, request: web.Request, context: Dict[str, Any], status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, context, status=status)


# -- openings -----------------------------------------------------------------------------------------
async def openings_page(request: web.Request) -> web.Response:
    state = request.query.get("etat", "ouvertes")
    state = state if state in OPENING_STATES else "ouvertes"
    profession = request.query.get("metier", "").strip() or None
    commune = request.query.get("commune", "").strip() or None
    openings, choices = await asyncio.gather(
        asyncio.to_thread(editing.list_openings, include_closed=state == "toutes", closed_only=state == "closes",
                          profession=profession, commune=commune),
        asyncio.to_thread(editing.form_choices),
    )
    return _render("console/openings.html", request, await _context(
        request, openings=openings, choices=choices, states=OPENING_STATES,
        filters={"etat": state, "metier": profession or "", "commune": commune or ""}))


def _changes(labels: Dict[str, str], stored: Dict[str, str], yours: Dict[str, str]) -> List[Tuple[str, str, str]]:
    """(label, value now stored, value in the form) for each field the form would change."""
    return [(labels.get(name, name), stored.get(name, ""), yours.get(name, ""))
            for name in labels if name != "id" and stored.get(name, "") != yours.get(name, "")]


async def _edit_form(template: str, request: web.Request, labels: Dict[str, str], values: Dict[str, str],
                     errors: Optional[Dict[str, str]], changed: Optional[editing.Changed], **context) -> web.Response:
    """An opening's or an event's form; after `changed`, the record as it now is beside the form's values."""
    choices = await asyncio.to_thread(editing.form_choices)
    if changed is not None:
        context.update(version=editing.version(changed.current.form()),
                       changes=_changes(labels, changed.current.form(), values))
    status = 409 if changed is not None else 400 if errors else 200
    return _render(template, request, await _context(
        request, values=values, errors=errors or {}, choices=choices, labels=labels, **context), status=status)


async def _opening_form(request: web.Request, values: Dict[str, str], opening_id: Optional[str] = None,
                        errors: Optional[Dict[str, str]] = None, closed: bool = False, version: str = "",
                        changed: Optional[editing.Changed] = None) -> web.Response:
    return await _edit_form("console/openings_form.html", request, OPENING_LABELS, values, errors, changed,
                            opening_id=opening_id, closed=closed, version=version,
                            action=_path(OPENINGS, opening_id) if opening_id else f"{OPENINGS}/nouvelle")


async def _found(get, request: web.Request):
    """The record of the URL's id, read by `get` (editing.get_opening / get_event), or 404."""
    try:
        return await asyncio.to_thread(get, request.match_info["id"])
    except NotFound:
        raise web.HTTPNotFound()


async def _opening_or_404(request: web.Request) -> editing.OpeningRecord:
    return await _found(editing.get_opening, request)


async def new_opening_page(request: web.Request) -> web.Response:
    return await _opening_form(request, {name: "" for name in editing.OPENING_FIELDS})


async def opening_page(request: web.Request) -> web.Response:
    opening = await _opening_or_404(request)
    return await _opening_form(request, opening.form(), opening.id, closed=opening.closed,
                               version=editing.version(opening.form()))


async def _version(request: web.Request) -> str:
    """The version of the record the form was opened on (empty for a new record)."""
    return str((await request.post()).get("version", ""))


async def save_opening(request: web.Request) -> web.StreamResponse:
    opening_id = request.match_info.get("id")
    values, version = await _form(request, editing.OPENING_FIELDS), await _version(request)
    try:
        saved = await asyncio.to_thread(editing.save_opening, values, opening_id, current(request).id,
                                        expected_version=version or None)
    except NotFound:
        raise web.HTTPNotFound()
    except editing.Changed as changed:
        return await _opening_form(request, values, opening_id, closed=changed.current.closed, changed=changed)
    except editing.Invalid as invalid:
        closed = False
        if opening_id is not None:
            closed = (await _opening_or_404(request)).closed
        return await _opening_form(request, values, opening_id, invalid.errors, closed, version)
    await _notice(request, text(("console.opening_created_past" if saved.closed else "console.opening_created")
                                if opening_id is None else
                                ("console.opening_saved_past" if saved.closed else "console.opening_saved"),
                                title=saved.title, id=saved.id))
    raise web.HTTPSeeOther(OPENINGS + ("?etat=closes" if saved.closed else ""))


async def close_opening_page(request: web.Request) -> web.Response:
    opening = await _opening_or_404(request)
    return _render("console/openings_close.html", request, await _context(request, opening=opening))


async def close_opening(request: web.Request) -> web.StreamResponse:
    try:
        closed = await asyncio.to_thread(editing.close_opening, request.match_info["id"], current(request).id)
    except NotFound:
        raise web.HTTPNotFound()
    await _notice(request, text("console.opening_closed", title=closed.title, id=closed.id))
    raise web.HTTPSeeOther(OPENINGS)


# -- events ---------------------------------------------------------------------------------------------
async def events_page(request: web.Request) -> web.Response:
    period = request.query.get("periode", "a_venir")
    period = period if period in EVENT_PERIODS else "a_venir"
    commune = request.query.get("commune", "").strip() or None
    events, choices = await asyncio.gather(
        asyncio.to_thread(editing.list_events, include_past=period == "tous", commune=commune),
        asyncio.to_thread(editing.form_choices),
    )
    return _render("console/events.html", request, await _context(
        request, events=events, choices=choices, periods=EVENT_PERIODS,
        filters={"periode": period, "commune": commune or ""}))


async def _event_form(request: web.Request, values: Dict[str, str], event_id: Optional[str] = None,
                      errors: Optional[Dict[str, str]] = None, version: str = "",
                      changed: Optional[editing.Changed] = None) -> web.Response:
    return await _edit_form("console/events_form.html", request, EVENT_LABELS, values, errors, changed,
                            event_id=event_id, version=version,
                            action=_path(EVENTS, event_id) if event_id else f"{EVENTS}/nouveau")


async def _event_or_404(request: web.Request) -> editing.EventRecord:
    return await _found(editing.get_event, request)


async def new_event_page(request: web.Request) -> web.Response:
    return await _event_form(request, {name: "" for name in editing.EVENT_FIELDS})


async def event_page(request: web.Request) -> web.Response:
    event = await _event_or_404(request)
    return await _event_form(request, event.form(), event.id, version=editing.version(event.form()))


async def save_event(request: web.Request) -> web.StreamResponse:
    event_id = request.match_info.get("id")
    values, version = await _form(request, editing.EVENT_FIELDS), await _version(request)
    try:
        saved = await asyncio.to_thread(editing.save_event, values, event_id, current(request).id,
                                        expected_version=version or None)
    except NotFound:
        raise web.HTTPNotFound()
    except editing.Changed as changed:
        return await _event_form(request, values, event_id, changed=changed)
    except editing.Invalid as invalid:
        return await _event_form(request, values, event_id, invalid.errors, version)
    await _notice(request, text("console.event_created" if event_id is None else "console.event_saved",
                                title=saved.title, id=saved.id))
    raise web.HTTPSeeOther(EVENTS + ("?periode=tous" if saved.past else ""))


async def delete_event_page(request: web.Request) -> web.Response:
    event = await _event_or_404(request)
    return _render("console/events_delete.html", request, await _context(request, event=event))


async def delete_event(request: web.Request) -> web.StreamResponse:
    event = await _event_or_404(request)
    try:
        await asyncio.to_thread(editing.delete_event, event.id, current(request).id)
    except NotFound:
        raise web.HTTPNotFound()
    await _notice(request, text("console.event_deleted", title=event.title, id=event.id))
    raise web.HTTPSeeOther(EVENTS)


# -- import: upload, preview, confirm; export and template ----------------------------------------------
PENDING_KEY = "import_pending"  # session key: the token of the upload waiting for confirmation
PENDING_DIR = Path(tempfile.gettempdir()) / "cotesoin-import-pending"
PENDING_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DOWNLOADS = {
    "donnees.xlsx": ("export_workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "donnees-csv.zip": ("export_zip", "application/zip"),
    "modele.xlsx": ("template_workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _import_context() -> Dict[str, Any]:
    return {"columns": importer.COLUMNS, "field": IMPORT_FIELD, "sheet_name": spreadsheets.sheet_name,
            "metiers_file": importer.METIERS_FILE}


async def import_page(request: web.Request) -> web.Response:
    return _render("console/import.html", request, await _context(request, **_import_context()))


def _read_uploads(parts: List[Any]) -> Dict[str, bytes]:
    """{file name: content} of the form's file fields (a field left empty is no file)."""
    files: Dict[str, bytes] = {}
    for part in parts:
        if isinstance(part, web.FileField) and part.filename:
            data = part.file.read()
            name = part.filename
            while name in files:  # the same name twice: kept apart so that it is reported
                name = f"{name} "
            files[name] = data
    return files


def _keep(files: Dict[str, bytes]) -> str:
    """Keep uploaded files until the coordinator confirms them; return their token."""
    token = secrets.token_urlsafe(24)
    if PENDING_DIR.is_dir():  # previews never confirmed are forgotten after a day
        for old in PENDING_DIR.iterdir():
            if time.time() - old.stat().st_mtime > PENDING_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
    folder = PENDING_DIR / token
    folder.mkdir(parents=True, mode=0o700)
    (folder / "noms.json").write_text(json.dumps(list(files)), encoding="utf-8")
    for index, data in enumerate(files.values()):
        (folder / str(index)).write_bytes(data)
    return token


def _take(token: str) -> Optional[Dict[str, bytes]]:
    """The files kept under `token` (then forgotten), or None when there are none."""
    folder = PENDING_DIR / token
    if not _TOKEN.match(token) or not folder.is_dir():
        return None
    try:
        names = json.loads((folder / "noms.json").read_text(encoding="utf-8"))
        return {name: (folder / str(index)).read_bytes() for index, name in enumerate(names)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def import_files(request: web.Request) -> web.Response:
    """Uploaded files: checked and previewed (nothing written); kept until the coordinator confirms."""
    posted = await request.post()
    files = await asyncio.to_thread(_read_uploads, posted.getall(IMPORT_FIELD, []))
    context = await _context(request, **_import_context(), sent=sorted(n.strip() for n in files))
    try:
        report = await asyncio.to_thread(editing.import_uploaded, files, current(request).id, True)
    except ImportFailed as failure:
        return _render("console/import.html", request, {**context, "problems": failure.problems}, status=400)
    session = await get_session(request)
    previous = session.get(PENDING_KEY)
    if previous:
        await asyncio.to_thread(_take, previous)
    session[PENDING_KEY] = await asyncio.to_thread(_keep, files)
    return _render("console/import.html", request, {**context, "preview": report, "token": session[PENDING_KEY]})


async def confirm_import(request: web.Request) -> web.Response:
    """Import the files previewed (checked again: the database may have changed meanwhile)."""
    posted = await request.post()
    session = await get_session(request)
    token = str(posted.get("jeton", ""))
    context = await _context(request, **_import_context())
    if not token or session.get(PENDING_KEY) != token:
        problem = Problem("-", 0, "-", text("console.import_expired"))
        return _render("console/import.html", request, {**context, "problems": [problem]}, status=400)
    session.pop(PENDING_KEY, None)
    files = await asyncio.to_thread(_take, token)
    if files is None:
        problem = Problem("-", 0, "-", text("console.import_expired"))
        return _render("console/import.html", request, {**context, "problems": [problem]}, status=400)
    context["sent"] = sorted(n.strip() for n in files)
    try:
        report = await asyncio.to_thread(editing.import_uploaded, files, current(request).id)
    except ImportFailed as failure:
        return _render("console/import.html", request, {**context, "problems": failure.problems}, status=400)
    return _render("console/import.html", request, {**context, "report": report})


async def download(request: web.Request) -> web.Response:
    """The database as a workbook or a zip of CSV files, or the empty template workbook."""
    name = request.match_info["name"]
    if name not in DOWNLOADS:
        raise web.HTTPNotFound()
    maker, content_type = DOWNLOADS[name]
    if maker == "export_workbook":
        data = await asyncio.to_thread(export.workbook_bytes)
    elif maker == "export_zip":
        data = await asyncio.to_thread(export.export_zip)
    else:
        data = await asyncio.to_thread(export.workbook_bytes, False)
    filename = f"cotesoin-{date.today().isoformat()}-{name}" if maker != "template_workbook" else "cotesoin-modele.xlsx"
    return web.Response(body=data, content_type=content_type,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def routes(router: web.UrlDispatcher) -> None:
    router.add_get(OPENINGS, openings_page, name="console_openings")
    router.add_get(f"{OPENINGS}/nouvelle", new_opening_page)
    router.add_post(f"{OPENINGS}/nouvelle", save_opening)
    router.add_get(OPENINGS + "/{id}", opening_page)
    router.add_post(OPENINGS + "/{id}", save_opening)
    router.add_get(OPENINGS + "/{id}/cloturer", close_opening_page)
    router.add_post(OPENINGS + "/{id}/cloturer", close_opening)
    router.add_get(EVENTS, events_page, name="console_events")
    router.add_get(f"{EVENTS}/nouveau", new_event_page)
    router.add_post(f"{EVENTS}/nouveau", save_event)
    router.add_get(EVENTS + "/{id}", event_page)
    router.add_post(EVENTS + "/{id}", save_event)
    router.add_get(EVENTS + "/{id}/supprimer", delete_event_page)
    router.add_post(EVENTS + "/{id}/supprimer", delete_event)
    router.add_get(IMPORT, import_page, name="console_import")
    router.add_post(IMPORT, import_files)
    router.add_post(f"{IMPORT}/confirmer", confirm_import)
    router.add_get(IMPORT + "/telecharger/{name}", download)
