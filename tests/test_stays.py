"""The stays a housing allows, read from the free text of `duree` (knowledge/partners/stays.py)."""
import pytest

from knowledge.partners.stays import UNKNOWN, fits, stay_months

WEEK = 0.23


@pytest.mark.parametrize("text, stay", [
    ("court séjour (1 semaine à 3 mois)", (WEEK, 3.0)),
    ("1 mois à 2 ans", (1.0, 24.0)),
    ("bail mobilité 1 à 10 mois", (1.0, 10.0)),
    ("durée de la formation (10 à 12 mois)", (10.0, 12.0)),
    ("de 6 à 24 mois", (6.0, 24.0)),
    ("entre 3 et 6 mois", (3.0, 6.0)),
    ("3-12 mois", (3.0, 12.0)),
    ("deux à six mois", (2.0, 6.0)),
    ("avril à octobre", (None, 7.0)),  # a season: at most its months
    ("de novembre à février", (None, 4.0)),
    ("6 mois renouvelable", (6.0, None)),
    ("1 à 3 mois renouvelable", (1.0, None)),
    ("jusqu'à 6 mois", (None, 6.0)),
    ("6 mois maximum", (None, 6.0)),
    ("à partir de 3 mois", (3.0, None)),
    ("au moins 1 an", (12.0, None)),
    ("3 mois", (3.0, 3.0)),
    ("longue durée", (12.0, None)),
    ("Bail classique", (12.0, None)),
    ("bail mobilité", (1.0, 10.0)),
    ("court séjour", (None, 3.0)),
])
def test_the_stays_partners_write_are_read_in_months(text, stay):
    assert stay_months(text) == stay


@pytest.mark.parametrize("text", ["", None, "selon disponibilités", "nous consulter", "variable"])
def test_a_text_that_says_no_stay_is_unknown(text):
    assert stay_months(text) == UNKNOWN


@pytest.mark.parametrize("stay, wanted, expected", [
    ((WEEK, 3.0), (12.0, None), False),  # student rooms are not a long-term home
    ((1.0, 10.0), (12.0, None), False),  # a bail mobilité ends within 10 months
    ((1.0, 24.0), (12.0, None), True),
    ((6.0, None), (12.0, None), True),  # renewable
    ((12.0, None), (None, 6.0), False),  # a classic lease is too long for a short mission
    ((None, 4.0), (None, 6.0), True),  # a summer season for a short mission
    (UNKNOWN, (12.0, None), True),  # unread text is never filtered out
    (UNKNOWN, (None, 6.0), True),
])
def test_a_housing_fits_when_its_stays_meet_the_wanted_one(stay, wanted, expected):
    assert fits(stay, wanted) is expected
