"""End to end, issue 20: the installation form and its plan over the REST channel, with the trained
model and the action server, on partner data made for these tests (tests/data/knowledge_plan)."""
import re
from pathlib import Path

import pytest

from knowledge.coordination import plans
from tests.guichet import running_guichet
from tests.test_e2e_dialogue import replies
from tests.test_e2e_rest import Conversation

pytestmark = pytest.mark.e2e

FOLDER = Path(__file__).parent / "data" / "knowledge_plan"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    with running_guichet(var_dir, f"sqlite:///{var_dir / 'cotesoin.db'}", f"sqlite:///{var_dir / 'trackers.db'}",
                         folder=FOLDER) as assistant:
        yield assistant


def test_the_form_reuses_what_was_said_skips_and_gives_the_plan(assistant):
    chat = Conversation(assistant)
    chat.say("je suis kiné à Vue")
    start = "\n".join(text for text, _ in replies(chat, "/plan_move"))
    assert "« passer »" in start and "vue" in start.lower()
    assert "Pour quel mois" in start  # profession and commune were not asked again
    assert "De nuit" in [b for _, buttons in replies(chat, "en mars") for b in buttons]
    assert "enfants" in chat.say("jour et nuit").lower()  # mixed hours: extended hours first
    assert "voiture" in chat.say("un bébé de 8 mois et un grand de 7 ans").lower()
    assert "conjoint" in chat.say("non, pas de voiture").lower()
    assert "logement" in chat.say("passer").lower()
    asked = chat.say("courte durée")
    assert "libéral" in asked
    said = replies(chat, "en libéral")
    plan = said[0][0]
    assert plan.startswith("Votre plan d'installation (Vue et autour)")
    assert "Micro-crèche Les Petits Galets" in plan and "Location de voitures du Tenu" not in plan
    assert "Guichet Installation Jade" in plan and "Emploi de votre conjoint" not in plan
    assert "aucun mode de garde aux horaires décalés pour un enfant de 7 ans" in plan
    assert said[-1][1] == ["Recevoir mon plan", "Confier mon projet à un·e coordinateur·rice"]
    link = chat.say("/plan_receive")
    token = re.search(r"/plan/([A-Za-z0-9_-]+)", link).group(1)
    assert plans.by_token(token).situation["children"] == [8, 84]


def test_an_answer_not_understood_is_asked_again_and_the_form_goes_on(assistant):
    chat = Conversation(assistant)
    assert "métier" in chat.say("/plan_move").lower()
    assert "Je n'ai pas compris" in chat.say("blablabla zut")
    assert "Où pensez-vous" in chat.say("infirmière")


def test_a_second_start_offers_to_resume_or_change_and_changing_asks_again(assistant):
    chat = Conversation(assistant)
    chat.say("je suis kiné à Vue")
    chat.say("/plan_move")
    for _ in range(8):  # every question left, skipped, until the plan
        said = replies(chat, "passer")
        if said[0][0].startswith("Votre plan d'installation"):
            break
    assert said[0][0].startswith("Votre plan d'installation (Vue et autour)")
    again = replies(chat, "/plan_move")
    assert again[-1][1] == ["Reprendre mon plan", "Modifier mes réponses"]
    assert replies(chat, "/plan_resume")[0][0].startswith("Votre plan d'installation (Vue et autour)")
    replies(chat, "/plan_move")
    restart = "\n".join(text for text, _ in replies(chat, "/plan_change"))
    assert "« passer »" in restart and "Vue" in restart
    assert "Pour quel mois" in restart  # the old answers forgotten, profession and commune re-read
