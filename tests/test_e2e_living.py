"""End to end on the demo data (issue 23, answers that fit the person): a nurse moving for a CDI is
not offered short stays, a night worker only care covering the night, and childcare hours are said.

Needs a trained model (`make train`)."""
import re

import pytest

from knowledge.partners import queries
from tests.test_e2e_rest import Conversation, assistant  # noqa: F401 (the servers, a module fixture)

pytestmark = pytest.mark.e2e


def test_a_nurse_moving_for_a_cdi_is_not_offered_short_stays(assistant):  # noqa: F811
    reply = Conversation(assistant).say("je suis infirmière, je déménage à Pornic pour un CDI, je cherche un logement")
    assert "une installation durable" in reply
    short = [h.name for h in queries.find_housing() if (h.details["stay_months"][1] or 99) < 12]
    assert "Studios meublés de la Résidence du Port (démo)" in short  # 1 week to 3 months, in Pornic
    assert not [name for name in short if name in reply], reply


def test_childcare_hours_are_said_and_a_night_worker_gets_care_covering_the_night(assistant):  # noqa: F811
    hours = Conversation(assistant).say("une crèche à Pornic pour mon bébé")
    assert "ouverte de 6 h 15 à 21 h 30" in hours and "horaires atypiques possibles" not in hours
    night = Conversation(assistant).say("je travaille de nuit, une garde pour mon bébé à Pornic")
    assert "Crèche hospitalière Les P'tits Marins" not in night  # open until 21:30, nuit = non
    assert re.search(r"accueill\w+ (les enfants )?la nuit", night), night  # the night answer, found or not
