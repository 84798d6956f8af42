"""Masking of e-mails, telephone numbers and long numbers typed in free text."""
import pytest

from knowledge.masking import ADDRESS_MASK, EMAIL_MASK, NAME_MASK, NUMBER_MASK, PHONE_MASK, mask


@pytest.mark.parametrize("phone", [
    "0612345678", "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "06/12/34/56/78", "02 40 00 61 10",
    "+33 6 12 34 56 78", "+33612345678", "+33 (0)6 12 34 56 78", "+33(0)612345678", "0033 6 12 34 56 78",
    "0033612345678", "+33 6.12.34.56.78", "09 70 12 34 56", "02.40.00.00.00", "+33 2 40 00 00 00", "0240000000",
])
def test_french_phone_numbers_in_every_usual_form_are_masked(phone):
    assert mask(f"appelez-moi au {phone} svp") == f"appelez-moi au {PHONE_MASK} svp"
    assert mask(f"tel:{phone}.") == f"tel:{PHONE_MASK}."


@pytest.mark.parametrize("email", [
    "jean.dupont@mail.fr", "Marie-Claire_99@exemple.co.uk", "a+b@sub.domain.org", "JEAN@MAIL.FR",
    "jean.dupont (at) mail.fr", "jean arobase mail.fr",
])
def test_emails_are_masked(email):
    assert mask(f"mon mail : {email}, merci") == f"mon mail : {EMAIL_MASK}, merci"


@pytest.mark.parametrize("text, expected", [
    ("mon numéro de sécu 1 85 05 78 006 084 36", f"mon numéro de sécu {NUMBER_MASK}"),
    ("dossier 123456", f"dossier {NUMBER_MASK}"),
    ("+44 7911 123456", NUMBER_MASK),
    ("IBAN FR76 3000 6000 0112 3456 7890 189", f"IBAN FR{NUMBER_MASK}"),
])
def test_runs_of_six_digits_or_more_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "je cherche un poste à Pornic 44210", "le 12/03/2025 à 14h30", "CDD de 6 mois, 1 500 € par mois",
    "3 enfants de 2, 5 et 8 ans", "bonjour", "ligne 12345", "",
])
def test_ordinary_text_is_left_alone(text):
    assert mask(text) == text


@pytest.mark.parametrize("text", [
    "http://127.0.0.1:8080",
    "Rasa écoute sur http://0.0.0.0:5005 et le site sur http://127.0.0.1:55555/",
    "connexion à 192.168.100.200:5432 refusée",
    "serveur d'actions injoignable (127.0.0.1:5055).",
    "postgresql://cotesoin@10.0.12.34:5432/cotesoin",
    "http://[::ffff:192.168.100.200]:5005/webhooks/rest/webhook",
    "https://srv-123456.exemple.fr/healthz",
    "wss://localhost:5005/socket.io/?EIO=4",
])
def test_ip_addresses_ports_and_url_hosts_are_not_numbers_to_mask(text):
    assert mask(text) == text


@pytest.mark.parametrize("text, expected", [
    ("http://127.0.0.1:8080/webhook?sender=0612345678", f"http://127.0.0.1:8080/webhook?sender={PHONE_MASK}"),
    ("postgresql://lea:0240000000@10.0.12.34:5432/base", f"postgresql://lea:{PHONE_MASK}@10.0.12.34:5432/base"),
    ("rappelez le 02.40.00.00.00 (demande de 127.0.0.1)", f"rappelez le {PHONE_MASK} (demande de 127.0.0.1)"),
    ("https://exemple.fr/dossier/123456789", f"https://exemple.fr/dossier/{NUMBER_MASK}"),
    # Digits alone are no host name, and five groups no IPv4 address.
    ("http://0240000000/", f"http://{PHONE_MASK}/"),
    ("http://02.40.00.00.00", f"http://{PHONE_MASK}"),
    ("+33 2 40 00 00 00 ou 192.168.100.200.5", f"{PHONE_MASK} ou {NUMBER_MASK}"),
    # A public address written alone may be a visitor's own.
    ("mon adresse IP est 93.184.216.34", f"mon adresse IP est {NUMBER_MASK}"),
])
def test_personal_numbers_in_or_beside_a_url_or_an_ip_address_are_still_masked(text, expected):
    assert mask(text) == expected


def test_everything_in_one_message():
    text = "Léa, 06 12 34 56 78 ou lea@mail.fr, dossier 98765432"
    assert mask(text) == f"Léa, {PHONE_MASK} ou {EMAIL_MASK}, dossier {NUMBER_MASK}"
    assert mask(None) == ""


@pytest.mark.parametrize("text, expected", [
    ("j'habite au 12 rue des Lilas, à Pornic", f"j'habite au {ADDRESS_MASK}, à Pornic"),
    ("au 3 bis allée du Port. Merci", f"au {ADDRESS_MASK}. Merci"),
    ("7 BD Thiers 44210 Pornic", f"{ADDRESS_MASK}"),
    ("logement 14 chemin de la Birochère ?", f"logement {ADDRESS_MASK}?"),
    ("bonjour je m'appelle Léa Martin et je cherche", f"bonjour je m'appelle {NAME_MASK} et je cherche"),
    ("Je m’appelle Anne Le Goff", f"Je m’appelle {NAME_MASK}"),
    ("mon nom est Dupont, je suis infirmière", f"mon nom est {NAME_MASK}, je suis infirmière"),
    ("moi c'est marie-claire", f"moi c'est {NAME_MASK}"),
    ("nom : Martin prénom : Léa", f"nom : {NAME_MASK} prénom : {NAME_MASK}"),
    ("mon prénom c'est Zoé merci", f"mon prénom c'est {NAME_MASK} merci"),
])
def test_street_addresses_with_a_number_and_introduced_names_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "une crèche rue de la Gare ?", "quel est le nom de la structure ?", "je m'appelle et je cherche",
    "2 places en crèche à Vue", "on m'a dit que la route de Nantes était bouchée",
])
def test_places_and_names_without_a_recognisable_shape_are_left(text):
    assert mask(text) == text
