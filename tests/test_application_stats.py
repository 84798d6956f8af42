"""Applications in the observatory: counts per opening, profession and commune, masked below 5."""
from datetime import date, datetime

from sqlalchemy import update

from knowledge import db
from knowledge.conversations import application_stats
from knowledge.conversations.observatory import MASKED, Period
from knowledge.coordination import applications
from knowledge.coordination.models import Application


def record(opening_id, sender, when):
    recorded = applications.record(opening_id, sender, "rest", "Léa Durand", "lea@exemple.fr", "", "J'accepte.")
    with db.session_scope() as session:
        session.execute(update(Application).where(Application.id == recorded.id).values(created_at=when))


def test_counts_per_opening_profession_and_commune_masked_below_five(loaded_db, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    for n in range(6):
        record("off_pornic_4", f"p{n}", datetime(2025, 3, 28, 10, n))
    for n in range(2):
        record("off_rouans_as", f"r{n}", datetime(2025, 3, 29, 10, n))
    record("off_rouans_as", "outside", datetime(2025, 5, 1, 10))  # after the period

    figures = application_stats.application_figures(Period(date(2025, 3, 25), date(2025, 4, 5)))

    assert figures.total == 8
    assert [(r.label, r.applications) for r in figures.by_commune] == [("Pornic", 6), ("Rouans", MASKED)]
    assert [(r.label, r.applications) for r in figures.by_profession] == [("Infirmier / infirmière", 6),
                                                                          ("Aide-soignant / aide-soignante", MASKED)]
    assert figures.by_opening[0].label.startswith("Infirmier remplacement congé maternité — Centre hospitalier")
    assert figures.by_opening[1].applications == MASKED


def test_active_alerts_by_profession_and_commune_masked_below_five(loaded_db):
    from knowledge.coordination import alerts

    for n in range(5):
        alerts.subscribe(f"telegram-{n}", "telegram", "J'accepte.", profession="infirmier", communes=["Pornic"])
    alerts.subscribe("telegram-9", "telegram", "J'accepte.", profession="aide_soignant")
    alerts.subscribe("web-1", "socketio", "J'accepte.", profession="aide_soignant", email="a@exemple.fr")  # unconfirmed
    stopped = alerts.subscribe("telegram-8", "telegram", "J'accepte.", profession="infirmier", communes=["Pornic"])
    alerts.unsubscribe_token(stopped.unsubscribe_token)

    rows = [(r.profession_label, r.commune, r.alerts) for r in application_stats.active_alerts()]
    assert rows == [("Infirmier / infirmière", "Pornic", 5), ("Aide-soignant / aide-soignante", "", MASKED)]
