"""The public holidays the coordinators do not work (knowledge/coordination/holidays.py)."""
from datetime import date

import pytest

from knowledge.coordination.holidays import easter, french_public_holidays


@pytest.mark.parametrize("year, sunday", [(2008, date(2008, 3, 23)), (2019, date(2019, 4, 21)),
                                          (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                          (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                          (2038, date(2038, 4, 25))])
def test_easter_sunday(year, sunday):
    assert easter(year) == sunday


def test_the_eleven_public_holidays_of_2026():
    assert french_public_holidays(2026) == {
        date(2026, 1, 1): "jour de l'An", date(2026, 4, 6): "lundi de Pâques", date(2026, 5, 1): "fête du Travail",
        date(2026, 5, 8): "Victoire 1945", date(2026, 5, 14): "Ascension", date(2026, 5, 25): "lundi de Pentecôte",
        date(2026, 7, 14): "fête nationale", date(2026, 8, 15): "Assomption", date(2026, 11, 1): "Toussaint",
        date(2026, 11, 11): "Armistice 1918", date(2026, 12, 25): "Noël",
    }
