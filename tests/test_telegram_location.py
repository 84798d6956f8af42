"""A location shared on Telegram becomes the nearest commune of the territory (knowledge.partners.queries)."""
import pytest

from knowledge.partners import queries
from knowledge.partners.queries import NotFound

# tests/data/knowledge/communes.csv
COMMUNES = {
    "Pornic": (47.1153, -2.1022),
    "Saint-Brevin-les-Pins": (47.2464, -2.1669),
    "Paimbœuf": (47.2869, -2.0300),
    "Vue": (47.1994, -1.8806),
    "Rouans": (47.1842, -1.8575),
    "Cheix-en-Retz": (47.1844, -1.8172),
}


@pytest.mark.parametrize("name", COMMUNES)
def test_a_point_in_a_commune_gives_that_commune(loaded_db, name):
    assert queries.nearest_commune(*COMMUNES[name]) == name


@pytest.mark.parametrize("latitude, longitude, expected", [
    (47.2801, -2.0422, "Paimbœuf"),  # the road from Paimbœuf to Saint-Brevin, nearer Paimbœuf
    (47.1870, -1.8620, "Rouans"),  # between Vue and Rouans, nearer Rouans
    (47.1300, -2.1800, "Pornic"),  # out at sea off Pornic
    (47.2300, -2.1700, "Saint-Brevin-les-Pins"),
])
def test_the_nearest_commune_is_chosen(loaded_db, latitude, longitude, expected):
    assert queries.nearest_commune(latitude, longitude) == expected


def test_a_point_far_away_still_has_a_nearest_commune_unless_a_radius_is_given(loaded_db):
    paris = (48.8566, 2.3522)

    assert queries.nearest_commune(*paris) in COMMUNES
    with pytest.raises(NotFound):
        queries.nearest_commune(*paris, within_km=30)
    assert queries.nearest_commune(47.3000, -2.0000, within_km=30) == "Paimbœuf"


def test_without_communes_there_is_no_nearest_one(database_url):
    with pytest.raises(NotFound):
        queries.nearest_commune(47.2, -2.0)
