"""The console reads a request's criteria as the assistant does (knowledge/partners/criteria.py)."""
from bot.web.console.requests import MAX_LISTED, matching
from knowledge.partners import queries, topics, vocabulary
from knowledge.partners.naming import ANY
from knowledge.partners.topics import Topic
from knowledge.texts import text


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


def names(found) -> set:
    return {resource.name for resource in found["resources"]}


def test_beside_a_request_the_console_lists_what_the_assistant_listed_for_its_topic(loaded_db):
    spouse = matching({}, "spouse_job")
    assert names(spouse) == {"Point Emploi Sud Estuaire"}  # not the hospital nor the EHPAD
    installation = matching({}, "installation")
    assert names(installation) == {"Guichet Installation Santé Retz", "Maison de santé du Tenu"}
    assert installation["resources_title"] == text("console.resources.installation")
    for topic in Topic:
        if topics.lists_resources(topic.value):
            assert [r.id for r in matching({}, topic.value)["resources"]] == [
                r.id for r in topics.find(topic)][:MAX_LISTED]


def test_a_topic_that_lists_no_resource_shows_every_partner_structure(loaded_db):
    for topic in ("jobs", "plan", ""):
        found = matching({}, topic)
        assert found["resources_title"] == text("console.resources.other")
        assert len(found["resources"]) == 7


def test_every_topic_has_a_label_for_the_coordinators_and_a_title_beside_requests():
    labels = vocabulary.vocabulary()["topics"]
    assert set(labels) == {topic.value for topic in Topic}
    for topic in Topic:
        if topics.lists_resources(topic.value):
            assert text(f"console.resources.{topic.value}")
    assert set(vocabulary.vocabulary()["topic_structure_types"]) <= {t.value for t in Topic}
