"""The coordinators' console over HTTP: login, CSRF, lockout, queue, claim, reply, note, close.

Rasa is replaced by a fake HTTP API on loopback that records the events the console appends;
the tracker store is a SQLite file the tests fill like Rasa does.
"""
import asyncio
import html
import json
import logging
import re
import time

import pytest
from sqlalchemy import insert

from knowledge.coordination import accounts, handoff, transcripts
from tests.console_helpers import PASSWORD, console_client, csrf_of, log_in


@pytest.fixture
def tracker_store(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    transcripts.dispose()
    transcripts._metadata.create_all(transcripts.engine())
    yield
    transcripts.dispose()


def store(sender: str, *events: dict) -> None:
    """Write events into the tracker store as Rasa's SQLTrackerStore does."""
    with transcripts.engine().begin() as connection:
        for event in events:
            connection.execute(insert(transcripts.events).values(
                sender_id=sender, type_name=event["event"], timestamp=event.get("timestamp", time.time()),
                data=json.dumps(event)))


@pytest.fixture
async def console(loaded_db, tracker_store, rasa):
    accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    accounts.add_coordinator("lou.bernard@cotesoin.fr", PASSWORD, "Lou")
    client = await console_client(rasa.port)
    yield client
    await client.close()


@pytest.fixture
async def other(console, rasa):
    """A second coordinator, in their own browser."""
    client = await console_client(rasa.port)
    yield client
    await client.close()


def page_text(body: str) -> str:
    return html.unescape(body)


# -- login, CSRF, lockout ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/console", "/console/file", "/console/demandes/1", "/console/flux"])
async def test_nothing_under_console_is_visible_without_logging_in(console, path):
    response = await console.get(path, headers={"Accept": "text/html"}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/console/connexion?suite=")
    fragment = await console.get(path, allow_redirects=False)
    assert fragment.status == 401


async def test_login_with_the_right_password_opens_the_queue(console):
    await log_in(console, "Camille.Martin@cotesoin.fr")
    response = await console.get("/console", headers={"Accept": "text/html"})
    body = page_text(await response.text())
    assert response.status == 200 and "File d'attente" in body and "Se déconnecter (Camille)" in body
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.cookies.get("cotesoin_console") or next(iter(console.session.cookie_jar))
    assert cookie["httponly"] and cookie["samesite"] == "Strict"


async def test_a_wrong_password_is_refused_with_a_french_message(console):
    token = await csrf_of(console)
    response = await console.post("/console/connexion", data={"email": "camille.martin@cotesoin.fr",
                                                               "password": "mauvais", "csrf": token})
    assert response.status == 401
    assert "Adresse e-mail ou mot de passe incorrect." in page_text(await response.text())
    assert (await console.get("/console", allow_redirects=False)).status == 401


async def test_a_post_without_the_csrf_token_is_refused(console):
    response = await console.post("/console/connexion", data={"email": "camille.martin@cotesoin.fr",
                                                               "password": PASSWORD})
    assert response.status == 403
    token = await log_in(console, "camille.martin@cotesoin.fr")
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    for sent in ({}, {"csrf": "pas-le-bon"}):
        refused = await console.post(f"/console/demandes/{request_id}/prendre", data=sent, allow_redirects=False)
        assert refused.status == 403
    assert handoff.get_request(request_id).status == "open"
    assert token


async def test_five_wrong_passwords_slow_down_the_next_attempt_even_with_the_right_one(console, monkeypatch):
    real_delay = accounts._delay  # 2 s after the fifth failure: a loaded machine could outlast it
    monkeypatch.setattr(accounts, "_delay", lambda failures, longest: 15 * real_delay(failures, longest))
    token = await csrf_of(console)
    for _ in range(accounts.MAX_FAILURES):
        await console.post("/console/connexion", data={"email": "lou.bernard@cotesoin.fr", "password": "non",
                                                       "csrf": token})
    response = await console.post("/console/connexion", data={"email": "lou.bernard@cotesoin.fr",
                                                              "password": PASSWORD, "csrf": token})
    assert response.status == 401
    shown = page_text(await response.text())
    assert re.search(r"Trop d'essais manqués : réessayez dans (2\d|30) seconde\(s\)\.", shown)
    trail = [a["action"] for a in handoff.audit_trail()]
    assert trail.count("login_failed") == accounts.MAX_FAILURES and trail[0] == "login_throttled"


async def test_logout_ends_the_session(console):
    token = await log_in(console, "camille.martin@cotesoin.fr")
    response = await console.post("/console/deconnexion", data={"csrf": token}, allow_redirects=False)
    assert response.status == 303
    assert (await console.get("/console", allow_redirects=False)).status == 401
    assert [a["action"] for a in handoff.audit_trail()][:2] == ["logout", "login"]


async def test_an_old_cookie_no_longer_opens_the_console_after_logout(console, rasa):
    token = await log_in(console, "camille.martin@cotesoin.fr")
    stolen = {cookie.key: cookie.value for cookie in console.session.cookie_jar}
    elsewhere = await console_client(rasa.port)  # the same account, logged in on another computer
    try:
        await log_in(elsewhere, "camille.martin@cotesoin.fr")
        await console.post("/console/deconnexion", data={"csrf": token}, allow_redirects=False)
        replayed = await console.get("/console", cookies=stolen, allow_redirects=False)
        assert replayed.status == 401
        assert (await elsewhere.get("/console", allow_redirects=False)).status == 401
    finally:
        await elsewhere.close()


@pytest.mark.parametrize("change", [
    lambda: accounts.add_coordinator("camille.martin@cotesoin.fr", "un tout nouveau mot de passe"),
    lambda: accounts.remove_coordinator("camille.martin@cotesoin.fr"),
], ids=["password-reset", "account-removed"])
async def test_a_password_reset_or_an_account_removal_ends_open_sessions(console, change):
    await log_in(console, "camille.martin@cotesoin.fr")
    assert (await console.get("/console", allow_redirects=False)).status == 200
    change()
    assert (await console.get("/console", allow_redirects=False)).status == 401


async def test_unknown_accounts_and_wrong_passwords_get_the_same_answer(console):
    token = await csrf_of(console)
    answers = []
    for email in ("camille.martin@cotesoin.fr", "personne@cotesoin.fr"):
        response = await console.post("/console/connexion", data={"email": email, "password": "faux", "csrf": token})
        answers.append((response.status, page_text(await response.text()).replace(email, "ADRESSE")))
    assert answers[0] == answers[1] and answers[0][0] == 401 and "incorrect" in answers[0][1]


async def test_the_next_page_after_login_stays_on_the_console(console):
    token = await csrf_of(console)
    response = await console.post("/console/connexion", allow_redirects=False, data={
        "email": "camille.martin@cotesoin.fr", "password": PASSWORD, "csrf": token, "suite": "https://evil.example"})
    assert response.headers["Location"] == "/console"


# -- the queue -------------------------------------------------------------------------------------
async def test_the_queue_lists_open_requests_oldest_first_with_channel_topic_and_criteria(console):
    first, _ = handoff.record_request("web-1", "socketio", "jobs", {"profession": "infirmier", "commune": "Pornic"})
    second, _ = handoff.record_request("telegram-42", "telegram", "housing", {"commune": "<script>alert(1)</script>"})
    await log_in(console, "camille.martin@cotesoin.fr")
    body = await (await console.get("/console/file")).text()
    assert body.index(f'data-request="{first}"') < body.index(f'data-request="{second}"')
    text = page_text(body)
    assert "site web" in text and "Telegram" in text
    assert "offres d'emploi" in text and "logement" in text
    assert "métier : infirmier" in text.lower() and "commune : Pornic" in text
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


# -- claim, reply, note, close -------------------------------------------------------------------------
async def test_claiming_pauses_the_assistant_and_tells_the_user_through_rasa(console, rasa):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    response = await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token},
                                  allow_redirects=False)
    assert response.status == 303
    assert handoff.get_request(request_id).status == "claimed"
    [call] = rasa.calls
    assert call["query"] == {"output_channel": "latest", "execute_side_effects": "true", "token": "jeton-de-test"}
    pause, signal, joined = call["events"]
    assert pause == {"event": "pause"}
    assert joined["event"] == "bot" and "Camille" in joined["text"] and "a rejoint la conversation" in joined["text"]
    # Before the joining message, so that the widget shows it as the coordinator's, and stops
    # saying « écrit… »; with the coordinator's name for the widget's header.
    assert signal["data"] == {"custom": {"data": {"handoff": "joined", "coordinator": "Camille"}}}


async def test_a_request_claimed_by_someone_else_cannot_be_taken(console, other, rasa):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    mine = await log_in(console, "camille.martin@cotesoin.fr")
    theirs = await log_in(other, "lou.bernard@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": mine})
    response = await other.post(f"/console/demandes/{request_id}/prendre", data={"csrf": theirs})
    body = page_text(await response.text())
    assert "Demande déjà prise en charge par Camille." in body
    assert "Prise par Camille" in page_text(await (await other.get("/console/file")).text())
    assert handoff.get_request(request_id).claimed_by == "Camille"
    assert len(rasa.calls) == 1
    refused = await other.post(f"/console/demandes/{request_id}/repondre", data={"csrf": theirs, "message": "Bonjour"},
                               headers={"X-Requested-With": "fetch"})
    assert refused.status == 409
    assert "pas (ou plus) entre vos mains" in (await refused.json())["error"]


async def test_claim_is_undone_when_rasa_cannot_be_reached(console, rasa):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    rasa.status = 500
    response = await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    assert "L'assistant a refusé l'envoi" in page_text(await response.text())
    assert handoff.get_request(request_id).status == "open"


async def test_a_reply_reaches_the_user_through_rasa_and_is_audited(console, rasa):
    request_id, _ = handoff.record_request("telegram-42", "telegram", "jobs", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    response = await console.post(f"/console/demandes/{request_id}/repondre", headers={"X-Requested-With": "fetch"},
                                  data={"csrf": token, "message": "Bonjour, je regarde les offres à Pornic."})
    assert (response.status, await response.json()) == (200, {"ok": True, "error": ""})
    said = rasa.events("telegram-42")[-1]
    assert said == {"event": "bot", "text": "Bonjour, je regarde les offres à Pornic.",
                    "metadata": {"coordinator": "Camille"}}
    assert [a["action"] for a in handoff.audit_trail(request_id)] == ["reply", "claim", "request_created"]


@pytest.mark.parametrize("message, error", [("   ", "Le message est vide"), ("x" * 2001, "Message trop long")],
                         ids=["empty", "too-long"])
async def test_an_empty_or_too_long_reply_is_not_sent(console, rasa, message, error):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    response = await console.post(f"/console/demandes/{request_id}/repondre", headers={"X-Requested-With": "fetch"},
                                  data={"csrf": token, "message": message})
    assert response.status == 409 and error in (await response.json())["error"]
    assert len(rasa.calls) == 1


async def test_closing_with_an_outcome_hands_back_to_the_assistant(console, rasa):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    no_outcome = await console.post(f"/console/demandes/{request_id}/clore", data={"csrf": token})
    assert "Choisissez l'issue" in page_text(await no_outcome.text())
    response = await console.post(f"/console/demandes/{request_id}/clore", data={"csrf": token, "outcome": "answered"},
                                  allow_redirects=False)
    assert response.status == 303
    left, signal, resume = rasa.events("web-1")[-3:]
    assert "Camille a quitté la conversation" in left["text"] and resume == {"event": "resume"}
    # « closed »: the widget may start a new conversation again (« left » keeps the request open).
    assert signal["data"] == {"custom": {"data": {"handoff": "closed", "coordinator": "Camille"}}}
    closed = handoff.get_request(request_id)
    assert (closed.status, closed.outcome) == ("closed", "answered")
    assert request_id not in [r.id for r in handoff.open_requests()]


async def test_what_the_person_wrote_during_the_pause_does_not_change_the_assistants_slots(console, rasa):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    # Written to the coordinator, yet Rasa filled slots from it (action_extract_slots runs while paused).
    rasa.trackers["web-1"] = {"slots": {"commune": "Pornic", "profession": "établissement", "work_time": "nuit"},
                              "slots_at_pause": {"commune": "Pornic", "profession": "infirmier", "work_time": None}}
    await console.post(f"/console/demandes/{request_id}/clore", data={"csrf": token, "outcome": "answered"})
    restored = rasa.events("web-1")[-5:-3]
    assert restored == [{"event": "slot", "name": "profession", "value": "infirmier"},
                        {"event": "slot", "name": "work_time", "value": None}]
    assert rasa.events("web-1")[-1] == {"event": "resume"}
    pause_time = [n for n, e in enumerate(rasa.events("web-1"), start=1) if e["event"] == "pause"][-1]
    assert float(rasa.reads[-1]["query"]["until"]) == pause_time


async def test_putting_a_request_back_in_the_queue_resumes_the_assistant(console, other, rasa):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    await console.post(f"/console/demandes/{request_id}/rendre", data={"csrf": token})
    assert rasa.events("web-1")[-1] == {"event": "resume"}
    assert rasa.events("web-1")[-2]["data"] == {"custom": {"data": {"handoff": "left", "coordinator": "Camille"}}}
    assert handoff.get_request(request_id).status == "open"
    theirs = await log_in(other, "lou.bernard@cotesoin.fr")
    await other.post(f"/console/demandes/{request_id}/prendre", data={"csrf": theirs})
    assert handoff.get_request(request_id).claimed_by == "Lou"


async def test_the_request_page_shows_transcript_criteria_openings_and_notes_escaped(console):
    request_id, _ = handoff.record_request("web-1", "socketio", "jobs", {"profession": "infirmier"})
    store("web-1",
          {"event": "user", "text": "Je cherche un poste <script>alert('x')</script>",
           "parse_data": {"intent": {"name": "search_jobs"}}},
          {"event": "bot", "text": "Voici les offres…",
           "data": {"buttons": [{"title": "Parler à un coordinateur", "payload": "/request_human"}]}},
          {"event": "user", "text": "/request_human", "parse_data": {"intent": {"name": "request_human"}}},
          {"event": "bot", "data": {"custom": {"data": {"handoff": "joined"}}}, "metadata": {"coordinator": "Camille"}},
          {"event": "user", "text": "EXTERNAL: EXTERNAL_handoff_unclaimed"},
          {"event": "pause"},
          {"event": "bot", "text": "Je m'en occupe", "metadata": {"coordinator": "Camille"}})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/note", data={"csrf": token, "note": "A rappeler <b>lundi</b>"})
    body = await (await console.get(f"/console/demandes/{request_id}", headers={"Accept": "text/html"})).text()
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    assert "&lt;b&gt;lundi&lt;/b&gt;" in body
    text = page_text(body)
    assert "Voici les offres…" in text and "Je m'en occupe" in text and "EXTERNAL" not in text
    assert "Bouton « Parler à un coordinateur »" in text and "/request_human" not in text and "[bouton]" not in text
    assert "Conversation suspendue" in text
    assert "Offres correspondantes" in text and "infirmier" in text.lower()
    assert "note ajoutée" in text


async def test_the_live_stream_announces_the_queue(console):
    handoff.record_request("web-1", "socketio", "jobs", {})
    await log_in(console, "camille.martin@cotesoin.fr")
    response = await console.get("/console/flux")
    assert response.headers["Content-Type"].startswith("text/event-stream")
    first = await response.content.readuntil(b"\n\n")
    assert first == b"event: queue\ndata: 1\n\n"
    response.close()


# -- what a coordinator reads after acting, and the closed requests ------------------------------------
HTML = {"Accept": "text/html"}


async def test_each_action_is_confirmed_and_a_closed_request_is_found_again(console, rasa):
    request_id, _ = handoff.record_request("web-9", "socketio", "", {"profession": "aide_soignant",
                                                                     "commune": "Saint-Brevin-les-Pins"})
    handoff.save_contact(request_id, "06 12 34 56 78", "Voulez-vous être rappelé·e ?")
    token = await log_in(console, "camille.martin@cotesoin.fr")
    queue = page_text(await (await console.get("/console", headers={"Accept": "text/html"})).text())
    # The topic comes from what the person said about themselves, never « non précisé ».
    assert "non précisé" not in queue and "à Saint-Brevin-les-Pins" in queue
    claimed = await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    assert f"Demande n° {request_id} prise en charge" in page_text(await claimed.text())
    noted = await console.post(f"/console/demandes/{request_id}/note", data={"csrf": token, "note": "Rappeler lundi"})
    assert "Note enregistrée." in page_text(await noted.text())
    closed = await console.post(f"/console/demandes/{request_id}/clore",
                                data={"csrf": token, "outcome": "called_back"})
    text = page_text(await closed.text())
    assert f"Demande n° {request_id} close (Rappelé·e)" in text and "Demandes traitées" in text
    # Shown once only.
    again = page_text(await (await console.get("/console", headers={"Accept": "text/html"})).text())
    assert f"Demande n° {request_id} close" not in again

    treated = page_text(await (await console.get("/console/traitees", headers={"Accept": "text/html"})).text())
    assert "06 12 34 56 78" in treated and "Rappelé·e" in treated and "1 demande trouvée" in treated
    for query, found in [("issue=called_back", True), ("issue=answered", False),
                         ("metier=aide_soignant", True), ("metier=infirmier", False),
                         ("commune=Saint-Brevin-les-Pins", True), ("commune=Pornic", False),
                         ("du=2000-01-01&au=2199-12-31", True), ("du=2199-01-01", False)]:
        body = page_text(await (await console.get(f"/console/traitees?{query}", headers=HTML)).text())
        assert ("06 12 34 56 78" in body) is found, query
        if not found:
            assert "Aucune demande traitée ne correspond à cette recherche." in body
    bad = page_text(await (await console.get("/console/traitees?du=hier", headers={"Accept": "text/html"})).text())
    assert "Date illisible" in bad
    beyond = page_text(await (await console.get("/console/traitees?du=2999-01-01", headers=HTML)).text())
    assert "Date hors des limites" in beyond and "06 12 34 56 78" in beyond  # the date is left out

    page = page_text(await (await console.get(f"/console/demandes/{request_id}", headers=HTML)).text())
    assert "demande créée par la personne" in page and "Close le" in page


async def test_a_long_list_of_treated_requests_says_it_is_cut(console, rasa, monkeypatch):
    """More closed requests than the page lists: the count says how many match and that the list is cut."""
    from bot.web.console import requests as request_pages

    monkeypatch.setattr(request_pages, "MAX_TREATED", 3)
    coordinator = accounts.add_coordinator("lea.morin@cotesoin.fr", PASSWORD, "Léa Morin")
    closed = []
    for n, commune in enumerate(["Pornic", "Pornic", "Vue", "Pornic", "Pornic"]):
        request_id, _ = handoff.record_request(f"web-cut-{n}", "socketio", "", {"commune": commune})
        handoff.claim(request_id, coordinator.id)
        handoff.close(request_id, coordinator.id, "answered")
        closed.append(request_id)
    await log_in(console, "camille.martin@cotesoin.fr")

    body = await (await console.get("/console/traitees", headers=HTML)).text()
    text = " ".join(page_text(body).split())
    assert "Les 3 plus récentes sur 5 demandes trouvées : affinez la recherche" in text
    assert "5 demandes trouvées." not in text
    assert re.findall(r'data-request="(\d+)"', body) == [str(i) for i in reversed(closed[-3:])]

    body = await (await console.get("/console/traitees?commune=Vue", headers=HTML)).text()
    assert "1 demande trouvée." in page_text(body) and "affinez" not in page_text(body)
    body = await (await console.get("/console/traitees?commune=Pornic", headers=HTML)).text()
    assert "Les 3 plus récentes sur 4 demandes trouvées" in page_text(body)
    assert str(closed[2]) not in re.findall(r'data-request="(\d+)"', body)


def test_closed_requests_are_counted_beyond_the_ones_listed(loaded_db):
    coordinator = accounts.add_coordinator("lea.morin@cotesoin.fr", PASSWORD, "Léa Morin")
    for n, profession in enumerate(["infirmier", "aide_soignant", "infirmier"]):
        request_id, _ = handoff.record_request(f"web-count-{n}", "socketio", "", {"profession": profession})
        handoff.claim(request_id, coordinator.id)
        handoff.close(request_id, coordinator.id, "answered" if n else "called_back")
    found = handoff.closed_requests(limit=2)
    assert (len(found.shown), found.total, found.cut) == (2, 3, True)
    found = handoff.closed_requests(profession="infirmier", limit=2)
    assert (len(found.shown), found.total, found.cut) == (2, 2, False)
    found = handoff.closed_requests(profession="infirmier", outcome="answered")
    assert (len(found.shown), found.total) == (1, 1) and found.shown[0].criteria == {"profession": "infirmier"}
    assert handoff.closed_requests(commune="Vue").total == 0


async def test_putting_back_in_the_queue_is_confirmed(console, rasa):
    request_id, _ = handoff.record_request("web-8", "socketio", "housing", {})
    token = await log_in(console, "camille.martin@cotesoin.fr")
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    released = await console.post(f"/console/demandes/{request_id}/rendre", data={"csrf": token})
    assert f"Demande n° {request_id} remise dans la file" in page_text(await released.text())


async def test_a_page_that_goes_away_closes_its_stream_without_an_error_in_the_log(console, caplog):
    await log_in(console, "camille.martin@cotesoin.fr")
    cookie = "; ".join(f"{c.key}={c.value}" for c in console.session.cookie_jar)
    for n in range(3):  # a browser tab closed: the connection is reset, not politely closed
        reader, writer = await asyncio.open_connection(console.host, console.port)
        writer.write(f"GET /console/flux HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
        await writer.drain()
        assert b"200" in await reader.readline()
        await asyncio.wait_for(reader.readuntil(b"event: queue"), 10)  # the stream is open
        writer.transport.abort()
        handoff.record_request(f"web-{n}", "socketio", "jobs", {})  # the stream has news to write
    await asyncio.sleep(2.5)  # it writes within a poll or two, and finds nobody
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
