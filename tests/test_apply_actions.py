"""The apply form's actions: « Postuler » buttons, validation, summary with consent, submit, cancel."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import apply
from actions.jobs import ActionSearchJobs
from knowledge.coordination import applications, cv_files

DOMAIN = {"forms": {"apply_form": {"required_slots": ["apply_opening", "apply_name", "apply_contact",
                                                      "apply_message", "apply_cv", "apply_confirm"]}},
          "slots": {}}
FILLED = {"apply_opening": "off_pornic_4", "apply_name": "Camille Martin",
          "apply_contact": "camille.martin@exemple.fr", "apply_message": "Disponible dès mars."}


@pytest.fixture(autouse=True)
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def texts(dispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def validate(make_tracker, slot, text, slots=None, intent="inform", entities=None):
    tracker = make_tracker(slots={**(slots or {}), "requested_slot": slot}, text=text, intent=intent,
                           entities=entities, active_loop={"name": "apply_form"}, slot_events={slot: text})
    dispatcher = CollectingDispatcher()
    events = await apply.ValidateApplyForm().run(dispatcher, tracker, DOMAIN)
    return dispatcher, slots_of(events)


async def test_every_opening_shown_has_a_postuler_button(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier", "commune": "Pornic"})
    dispatcher = CollectingDispatcher()
    await ActionSearchJobs().run(dispatcher, tracker, {})
    listing = next(m for m in dispatcher.messages if (m.get("text") or "").startswith("• "))
    payloads = [b["payload"] for b in listing["buttons"]]
    assert len(payloads) == listing["text"].count("• ") == 5
    assert all(p.startswith('/apply{"opening_id":"off_pornic_') for p in payloads)
    assert all(b["title"].startswith("Postuler") for b in listing["buttons"])


@pytest.mark.parametrize("text, expected", [
    ("camille.martin@exemple.fr", "camille.martin@exemple.fr"),
    ("mon numéro : 06.12.34.56.78", "06 12 34 56 78"),
    ("je sais pas", None),
])
async def test_contact_is_read_as_in_the_call_back_form(loaded_db, make_tracker, text, expected):
    dispatcher, slots = await validate(make_tracker, "apply_contact", text, FILLED)
    assert slots["apply_contact"] == expected
    if expected is None:
        assert "Je ne reconnais ni une adresse e-mail" in texts(dispatcher)


@pytest.mark.parametrize("slot", ["apply_name", "apply_contact", "apply_message", "apply_cv", "apply_confirm"])
async def test_annuler_at_any_step_ends_the_form(loaded_db, make_tracker, slot):
    _, slots = await validate(make_tracker, slot, "annuler", FILLED)
    assert slots["requested_slot"] is None
    assert all(slots[name] is None for name in apply.FILLED)


async def test_non_skips_the_optional_message(loaded_db, make_tracker):
    _, slots = await validate(make_tracker, "apply_message", "non merci", FILLED)
    assert slots["apply_message"] == apply.NONE


async def test_name_that_is_a_phone_number_is_asked_again(loaded_db, make_tracker):
    dispatcher, slots = await validate(make_tracker, "apply_name", "06 12 34 56 78")
    assert slots["apply_name"] is None
    assert "prénom et votre nom" in texts(dispatcher)


async def test_closed_opening_ends_the_form(loaded_db, make_tracker):
    dispatcher, slots = await validate(make_tracker, "apply_opening", "off_old_pornic")
    assert slots["requested_slot"] is None
    assert "n'est plus en ligne" in texts(dispatcher)


async def test_uploaded_cv_is_taken_only_from_this_conversation(loaded_db, make_tracker):
    token = cv_files.issue_token("candidate-42")
    cv_files.save(token, "cv.pdf", b"%PDF-1.4")
    entities = [{"entity": "cv_token", "value": token}]
    dispatcher, slots = await validate(make_tracker, "apply_cv", f'/inform{{"cv_token":"{token}"}}', FILLED,
                                       entities=entities)
    assert slots["apply_cv"] == token
    assert "CV reçu : cv.pdf" in texts(dispatcher)
    other = cv_files.issue_token("someone-else")
    cv_files.save(other, "cv.pdf", b"%PDF-1.4")
    _, slots = await validate(make_tracker, "apply_cv", "x", FILLED, entities=[{"entity": "cv_token", "value": other}])
    assert slots["apply_cv"] is None


async def test_typed_text_instead_of_a_cv_explains_how(loaded_db, make_tracker):
    dispatcher, slots = await validate(make_tracker, "apply_cv", "le voici", FILLED)
    assert slots["apply_cv"] is None
    assert "passer" in texts(dispatcher)


async def test_modifier_asks_everything_again(loaded_db, make_tracker):
    _, slots = await validate(make_tracker, "apply_confirm", "Modifier", {**FILLED, "apply_cv": "-"})
    assert all(slots[name] is None for name in apply.FILLED)
    assert "requested_slot" not in slots


async def test_summary_names_the_structure_in_the_consent(loaded_db, make_tracker):
    tracker = make_tracker(slots={**FILLED, "apply_cv": "-"})
    dispatcher = CollectingDispatcher()
    events = await apply.ActionAskApplyConfirm().run(dispatcher, tracker, DOMAIN)
    shown = texts(dispatcher)
    assert "Camille Martin" in shown and "camille.martin@exemple.fr" in shown and "Disponible dès mars." in shown
    consent = slots_of(events)["apply_consent"]
    assert "Centre hospitalier des Embruns" in consent and "6 mois" in consent
    assert consent in shown
    assert [b["title"] for b in dispatcher.messages[-1]["buttons"]] == ["Envoyer", "Modifier", "Annuler"]


async def test_cv_question_issues_an_upload_token_for_the_widget(loaded_db, make_tracker):
    dispatcher = CollectingDispatcher()
    await apply.ActionAskApplyCv().run(dispatcher, make_tracker(slots=FILLED), DOMAIN)
    upload = next(m["custom"]["data"]["upload"] for m in dispatcher.messages if m.get("custom"))
    token = upload["url"].rsplit("/", 1)[1]
    assert cv_files.save(token, "cv.pdf", b"%PDF-1.4").sender_id == "candidate-42"


async def submit(make_tracker, **slots):
    tracker = make_tracker(slots={**FILLED, "apply_cv": "-", **slots})
    dispatcher = CollectingDispatcher()
    events = await apply.ActionSubmitApplication().run(dispatcher, tracker, DOMAIN)
    return dispatcher, slots_of(events)


async def test_envoyer_records_the_application_with_its_consent(loaded_db, make_tracker, smtp_server):
    dispatcher, slots = await submit(make_tracker, apply_confirm="send", apply_consent="Je consens (texte).")
    [recorded] = applications.for_sender("candidate-42")
    assert recorded.reference in texts(dispatcher)
    assert "part par e-mail" in texts(dispatcher)
    assert recorded.status == applications.PENDING
    assert recorded.message == "Disponible dès mars."
    assert all(value is None for name, value in slots.items() if name.startswith("apply_"))


async def test_opening_without_email_is_queued_and_the_candidate_told(loaded_db, make_tracker, smtp_server):
    dispatcher, _ = await submit(make_tracker, apply_opening="off_rouans_as", apply_confirm="send",
                                 apply_consent="Je consens.")
    assert "l'équipe de coordination de Côté Soin la lui transmet" in texts(dispatcher)
    assert applications.for_sender("candidate-42")[0].status == applications.QUEUED


async def test_without_smtp_host_the_candidate_is_told_the_coordinators_transmit_it(loaded_db, make_tracker,
                                                                                      monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    dispatcher, _ = await submit(make_tracker, apply_confirm="send", apply_consent="Je consens.")
    said = texts(dispatcher)
    [recorded] = applications.for_sender("candidate-42")
    assert recorded.status == applications.QUEUED and recorded.reference in said
    assert "ne peut pas partir par e-mail pour le moment" in said and "la transmet elle-même" in said
    # Not the structure's fault, and no promise of an e-mail.
    assert "ne reçoit pas les candidatures par e-mail" not in said and "part par e-mail" not in said


async def test_the_consent_shown_is_kept_word_for_word_with_its_date_and_exported(loaded_db, make_tracker,
                                                                                   smtp_server):
    from datetime import datetime, timedelta

    from knowledge.coordination import privacy

    summary = CollectingDispatcher()
    events = await apply.ActionAskApplyConfirm().run(summary, make_tracker(slots={**FILLED, "apply_cv": "-"}), DOMAIN)
    consent = slots_of(events)["apply_consent"]
    assert consent in texts(summary) and "Centre hospitalier des Embruns" in consent and "6 mois" in consent
    before = datetime.utcnow()
    await submit(make_tracker, apply_confirm="send", apply_consent=consent)
    [recorded] = applications.for_sender("candidate-42")
    assert recorded.consent_text == consent
    assert before - timedelta(seconds=1) <= recorded.consent_at <= datetime.utcnow()
    [exported] = privacy.export("candidate-42")["applications"]
    assert (exported["consent_text"], exported["consent_at"]) == (consent, recorded.consent_at.isoformat())


async def test_cancelled_form_keeps_nothing(loaded_db, make_tracker, var_dir, table_counts):
    token = cv_files.issue_token("candidate-42")
    stored = cv_files.save(token, "cv.pdf", b"%PDF-1.4")
    dispatcher, _ = await submit(make_tracker, apply_cv=None, apply_confirm=None)
    assert "Candidature annulée" in texts(dispatcher)
    assert table_counts()["applications"] == 0
    assert table_counts()["cv_uploads"] == 0
    assert not (var_dir / "cv" / stored.path.rsplit("/", 1)[1]).exists()
