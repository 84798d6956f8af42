"""The console reads a request's criteria as the assistant does (knowledge/partners/criteria.py)."""
from bot.web.console.requests import matching
from knowledge.partners import queries
from knowledge.partners.naming import ANY


def ids(found) -> list:
    return [opening.id for opening in found["openings"].openings]


def test_peu_importe_and_an_empty_criterion_filter_nothing_beside_a_request(loaded_db):
    anywhere = matching({"profession": "infirmier", "commune": ANY, "contract_type": ""}, "housing")
    every_nurse = [opening.id for opening in queries.find_openings(profession="infirmier", limit=10).openings]
    assert ids(anywhere) == every_nurse
    assert {opening.commune for opening in anywhere["openings"].openings} == {"Pornic", "Vue"}
    assert anywhere["resources_title"] == "Logements"


def test_the_criteria_given_filter_the_openings_beside_a_request(loaded_db):
    in_vue = matching({"profession": "infirmier", "commune": "Vue", "contract_type": ANY}, "")
    assert ids(in_vue) and {opening.commune for opening in in_vue["openings"].openings} == {"Vue"}
    fixed_term = matching({"profession": "infirmier", "contract_type": "cdd"}, "")
    assert ids(fixed_term) and {opening.contract for opening in fixed_term["openings"].openings} == {"cdd"}
