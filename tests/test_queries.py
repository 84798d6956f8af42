"""Reading the partner database (tests/data/knowledge) the way the assistant does."""
from datetime import date

import pytest

from knowledge.partners import queries
from knowledge.partners.queries import NotFound

PORNIC_NURSES = [f"off_pornic_{n}" for n in range(1, 8)]  # newest first


def ids(items):
    return [item.id for item in items]


# -- openings ---------------------------------------------------------------------------------------
def test_find_openings_by_profession_and_commune(loaded_db):
    search = queries.find_openings(profession="infirmier", communes=["Pornic"])

    assert search.total == 7
    assert ids(search.openings) == PORNIC_NURSES[:5]  # default page of 5, newest first


@pytest.mark.parametrize("offset, page", [(0, PORNIC_NURSES[:5]), (5, PORNIC_NURSES[5:]), (10, [])])
def test_find_openings_pages_with_limit_and_offset(loaded_db, offset, page):
    search = queries.find_openings(profession="infirmier", communes=["Pornic"], limit=5, offset=offset)

    assert ids(search.openings) == page
    assert search.total == 7


@pytest.mark.parametrize("criteria", [dict(profession="infirmier", communes=["Pornic"]), dict(profession="infirmier"),
                                      dict(communes=["Vue"]), dict()])
def test_a_count_only_search_gives_the_total_and_no_opening(loaded_db, criteria):
    """limit=0, as the commune question and the site ask: the same total as a full search."""
    count_only = queries.find_openings(limit=0, **criteria)

    assert count_only.openings == []
    assert count_only.total == queries.find_openings(limit=1000, **criteria).total > 0


def test_find_openings_with_a_small_limit(loaded_db):
    search = queries.find_openings(profession="infirmier", limit=2, offset=6)

    assert ids(search.openings) == ["off_pornic_7", "off_vue_ide"]
    assert search.total == 8


def test_find_openings_in_several_communes(loaded_db):
    search = queries.find_openings(profession="aide_soignant", communes=["Vue", "Rouans", "Cheix-en-Retz"])

    assert ids(search.openings) == ["off_rouans_as", "off_cheix_as"]
    assert search.total == 2
    assert [o.commune for o in search.openings] == ["Rouans", "Cheix-en-Retz"]


@pytest.mark.parametrize("contract, expected", [
    ("cdi", ["off_rouans_as"]),
    ("cdd", ["off_cheix_as"]),
    ("interim", []),
])
def test_find_openings_by_contract(loaded_db, contract, expected):
    assert ids(queries.find_openings(profession="aide_soignant", contract=contract).openings) == expected


@pytest.mark.parametrize("work_time, expected", [
    ("nuit", ["off_pornic_2"]),
    ("temps_partiel", ["off_pornic_3"]),
    ("temps_plein", ["off_pornic_1", "off_pornic_4", "off_pornic_5", "off_pornic_6"]),
])
def test_find_openings_by_work_time(loaded_db, work_time, expected):
    search = queries.find_openings(profession="infirmier", work_time=work_time, limit=10)
    assert ids(search.openings) == expected


def test_find_openings_with_every_criterion(loaded_db):
    search = queries.find_openings(profession="infirmier", communes=["Pornic"], contract="cdd", work_time="temps_plein")

    assert ids(search.openings) == ["off_pornic_4", "off_pornic_5"]


def test_find_openings_without_criteria_lists_every_open_opening(loaded_db):
    search = queries.find_openings(limit=100)

    assert search.total == 11
    assert len(search.openings) == 11


def test_expired_openings_are_never_returned(loaded_db):
    everything = ids(queries.find_openings(limit=100).openings)
    assert "off_old_pornic" not in everything and "off_old_vue" not in everything

    in_vue = queries.find_openings(profession="aide_soignant", communes=["Vue"])
    assert (in_vue.openings, in_vue.total) == ([], 0)
    assert "off_old_pornic" not in ids(queries.find_openings(profession="infirmier", contract="cdi", limit=10).openings)


def test_an_opening_is_open_until_its_closing_day_included(loaded_db):
    last_day = queries.find_openings(communes=["Vue"], profession="aide_soignant", today=date(2001, 1, 31))
    assert ids(last_day.openings) == ["off_old_vue"]
    assert queries.find_openings(communes=["Vue"], profession="aide_soignant", today=date(2001, 2, 1)).total == 0
    assert queries.find_openings(profession="agent_service_hospitalier", today=date(2099, 2, 1)).total == 0


def test_opening_info_carries_what_the_assistant_shows(loaded_db):
    first, *_ = queries.find_openings(profession="infirmier", communes=["Pornic"]).openings

    assert first == queries.OpeningInfo(
        id="off_pornic_1", title="Infirmier en médecine polyvalente", profession="infirmier",
        structure="Centre hospitalier des Embruns", commune="Pornic", contract="cdi", work_time="temps_plein",
        closes_on=None, contact="recrutement@embruns.test",  # no contact: the structure's e-mail
    )


@pytest.mark.parametrize("opening, contact", [
    ("off_pornic_4", "rh@embruns.test"),  # the opening's own contact
    ("off_rouans_as", "02 40 00 00 03"),  # no contact, no structure e-mail: the structure's phone
])
def test_opening_contact_falls_back_to_the_structure(loaded_db, opening, contact):
    [found] = [o for o in queries.find_openings(limit=100).openings if o.id == opening]
    assert found.contact == contact


# -- territory ----------------------------------------------------------------------------------------
def test_neighbours_are_nearest_first(loaded_db):
    assert queries.neighbours("Vue") == ["Rouans", "Cheix-en-Retz", "Paimbœuf", "Pornic"]
    assert queries.neighbours("Vue", count=2) == ["Rouans", "Cheix-en-Retz"]
    assert queries.neighbours("Vue", count=10) == [
        "Rouans", "Cheix-en-Retz", "Paimbœuf", "Pornic", "Saint-Brevin-les-Pins"]


def test_neighbours_of_an_unknown_commune(loaded_db):
    with pytest.raises(NotFound):
        queries.neighbours("Nantes")


def test_commune_names(loaded_db):
    assert queries.commune_names() == [
        "Cheix-en-Retz", "Paimbœuf", "Pornic", "Rouans", "Saint-Brevin-les-Pins", "Vue"]


# -- counts for proposing alternatives ---------------------------------------------------------------
def test_count_openings_by_commune(loaded_db):
    assert queries.count_openings_by("commune", "aide_soignant", None) == {"Rouans": 1, "Cheix-en-Retz": 1}
    assert queries.count_openings_by("commune", "infirmier", None) == {"Pornic": 7, "Vue": 1}
    assert queries.count_openings_by("commune", "aide_soignant", ["Vue"]) == {}  # the expired one is not counted


def test_count_openings_by_contract(loaded_db):
    assert queries.count_openings_by("contract", "infirmier", ["Pornic"]) == {
        "cdi": 3, "cdd": 2, "interim": 1, "stage": 1}
    assert queries.count_openings_by("contract", "aide_soignant", None) == {"cdi": 1, "cdd": 1}
    assert queries.count_openings_by("contract", "infirmier", ["Pornic"], work_time="temps_plein") == {
        "cdi": 1, "cdd": 2, "interim": 1}
    assert queries.count_openings_by("commune", None, None, contract="cdd") == {
        "Pornic": 2, "Cheix-en-Retz": 1, "Saint-Brevin-les-Pins": 1}


# -- living and discovery resources ----------------------------------------------------------------
def test_find_housing(loaded_db):
    assert set(ids(queries.find_housing())) == {
        "log_pornic_stagiaires", "log_brevin_studio", "log_paimboeuf_coloc", "log_rouans_gite"}
    [intern] = queries.find_housing(["Pornic"])
    assert intern.id == "log_pornic_stagiaires"
    assert intern.details == {"audience": "étudiants et stagiaires en santé",
                              "duration": "court séjour (1 semaine à 3 mois)", "monthly_rent": 150,
                              "stay_months": (0.23, 3.0)}  # read from the duration at import
    assert intern.commune == "Pornic" and intern.contact == "logement@embruns.test"
    assert queries.find_housing(["Rouans"])[0].details["monthly_rent"] is None
    assert ids(queries.find_housing(["Rouans", "Paimbœuf"])) == ["log_paimboeuf_coloc", "log_rouans_gite"]
    assert queries.find_housing(["Vue"]) == []


def test_find_childcare(loaded_db):
    assert ids(queries.find_childcare(["Pornic"])) == ["garde_pornic_hopital", "garde_pornic_creche"]  # atypical first
    assert set(ids(queries.find_childcare(atypical_hours=True))) == {"garde_pornic_hopital", "garde_vue_mam"}
    assert ids(queries.find_childcare(["Saint-Brevin-les-Pins"], atypical_hours=True)) == []
    [mam] = queries.find_childcare(["Vue"])
    assert mam.details == {"min_age_months": 0, "max_age_months": 72, "atypical_hours": True,
                           "opens_at": None, "closes_at": None, "night": None}  # optional columns absent
    assert len(queries.find_childcare()) == 4


@pytest.mark.parametrize("communes, expected", [
    (["Vue"], ["mob_car_retz"]),
    (["Paimbœuf"], ["mob_velo_estuaire"]),
    (["Pornic"], ["mob_covoit_pornic", "mob_car_retz"]),
    (["Vue", "Paimbœuf"], ["mob_car_retz", "mob_velo_estuaire"]),
    (None, ["mob_covoit_pornic", "mob_car_retz", "mob_velo_estuaire"]),
])
def test_find_mobility_serving_a_commune(loaded_db, communes, expected):
    # ordered by name: "Covoiturage…", "Ligne de car…", "Location de vélos…"
    assert ids(queries.find_mobility(communes)) == expected


def test_mobility_lists_every_served_commune(loaded_db):
    [car] = queries.find_mobility(["Rouans"])
    assert car.commune == "Cheix-en-Retz, Pornic, Rouans, Vue"
    assert car.details == {"communes_count": 4}


def test_upcoming_events_exclude_past_ones(loaded_db):
    assert ids(queries.upcoming_events()) == ["evt_visite_rouans", "evt_forum_pornic", "evt_jobdating_brevin"]
    assert ids(queries.upcoming_events(["Pornic"])) == ["evt_forum_pornic"]
    assert ids(queries.upcoming_events(types=["forum", "visite"])) == ["evt_visite_rouans", "evt_forum_pornic"]
    assert ids(queries.upcoming_events(today=date(2001, 1, 1)))[0] == "evt_old_forum"
    [forum] = queries.upcoming_events(["Pornic"])
    assert forum.details == {"date": date(2099, 3, 12)}
    assert forum.contact == "forum@embruns.test"


def test_find_structures_by_type_and_commune(loaded_db):
    assert set(ids(queries.find_structures(types=["ehpad"]))) == {"ehpad_rouans", "ehpad_brevin"}
    assert set(ids(queries.find_structures(communes=["Pornic"]))) == {"hop_pornic", "guichet_pornic"}
    assert ids(queries.find_structures(types=["ehpad"], communes=["Rouans"])) == ["ehpad_rouans"]
    assert ids(queries.find_structures(types=["emploi"])) == ["emploi_paimboeuf"]
    [guichet] = queries.find_structures(types=["guichet_installation"])
    assert (guichet.name, guichet.commune, guichet.contact) == (
        "Guichet Installation Santé Retz", "Pornic", "02 40 00 00 02 · installation@guichet.test")
    assert len(queries.find_structures()) == 7
    assert queries.find_structures(types=["cpts"]) == []


# -- professions -------------------------------------------------------------------------------------
def test_get_profession(loaded_db):
    nurse = queries.get_profession("infirmier")
    assert nurse.label == "Infirmier / infirmière"
    assert "IDE" in nurse.synonyms
    assert nurse.training["duree"] == "3 ans"
    assert queries.get_profession("aide_soignant").bridges == [
        {"vers": "infirmier", "voie": "accès à l'IFSI après 3 ans d'exercice, sur épreuves"}]


def test_get_profession_not_found(loaded_db):
    with pytest.raises(NotFound):
        queries.get_profession("plombier")


def test_bridges_towards_a_profession(loaded_db):
    assert [(p.code, way) for p, way in queries.bridges_towards("aide_soignant")] == [
        ("agent_service_hospitalier", "VAE ou formation d'aide-soignant allégée")]
    assert [p.code for p, _ in queries.bridges_towards("infirmier")] == ["aide_soignant"]
    assert queries.bridges_towards("agent_service_hospitalier") == []
    assert [p.code for p in queries.list_professions()] == ["agent_service_hospitalier", "aide_soignant", "infirmier"]


# -- vocabulary for the normaliser ---------------------------------------------------------------------
def test_naming_vocabulary(loaded_db):
    names = queries.naming_vocabulary()

    assert set(names["profession"]) == {"infirmier", "aide_soignant", "agent_service_hospitalier"}
    assert names["profession"]["infirmier"][0] == "Infirmier / infirmière"
    assert "IDE" in names["profession"]["infirmier"]
    assert {"ASH", "agent des services hospitaliers"} <= set(names["profession"]["agent_service_hospitalier"])
    assert set(names["commune"]) == {
        "Pornic", "Saint-Brevin-les-Pins", "Paimbœuf", "Vue", "Rouans", "Cheix-en-Retz"}
    assert "saint brevin" in names["commune"]["Saint-Brevin-les-Pins"]
    assert "cheix" in names["commune"]["Cheix-en-Retz"]
    assert "le clion sur mer" in names["commune"]["Pornic"]
    assert names["commune"]["Vue"] == []


# -- database round trips ------------------------------------------------------------------------
@pytest.mark.parametrize("search, most", [
    (lambda: queries.find_openings(), 2),  # the count, then the page with structures and communes
    (lambda: queries.find_housing(), 1),
    (lambda: queries.find_childcare(), 1),
    (lambda: queries.find_mobility(), 2),  # the services, then the communes they serve
    (lambda: queries.upcoming_events(today=date(2000, 1, 1)), 1),
    (lambda: queries.find_structures(), 1),
])
def test_a_search_reads_the_database_a_fixed_number_of_times_whatever_it_finds(loaded_db, search, most):
    """Not one more query per result (each answer of the guichet runs one of these searches)."""
    from sqlalchemy import event

    from knowledge import db

    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.get_engine(), "before_cursor_execute", count)
    try:
        found = search()
    finally:
        event.remove(db.get_engine(), "before_cursor_execute", count)
    assert len(getattr(found, "openings", found)) > 1
    assert len(statements) <= most


def test_a_change_made_elsewhere_is_seen_at_the_next_question(loaded_db, database_url):
    """The assistant keeps its connections open: what the console (another process, its own
    connections) changes in between must still show in the next answer."""
    from sqlalchemy import delete

    from knowledge import db
    from knowledge.partners.models import Opening

    assert queries.find_openings(profession="infirmier", communes=["Pornic"]).total == 7
    console = db.make_engine(database_url)
    with console.begin() as connection:
        connection.execute(delete(Opening).where(Opening.id == PORNIC_NURSES[0]))
    console.dispose()
    search = queries.find_openings(profession="infirmier", communes=["Pornic"])
    assert search.total == 6 and PORNIC_NURSES[0] not in ids(search.openings)
