"""Mask what identifies a person in free text: e-mail addresses, telephone numbers, long numbers,
street addresses with a house number, and the name a person gives (« je m'appelle Léa Martin »).

Used wherever a typed message leaves the conversation it belongs to (the observatory, its CSV
files, the review files, the logs). Only what has a recognisable shape is found: a name written
without an introduction (« Léa Martin, infirmière ») or an address without a number stays.
"""
import re

EMAIL_MASK = "[e-mail masqué]"
PHONE_MASK = "[téléphone masqué]"
NUMBER_MASK = "[numéro masqué]"
ADDRESS_MASK = "[adresse masquée]"
NAME_MASK = "[nom masqué]"

_SEPARATOR = r"[ \t.\-/]?"
EMAIL = re.compile(r"[\w.+-]+(?:@|\s*\(at\)\s*|\s+arobase\s+)[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# French numbers: 0X XX XX XX XX, 0XXXXXXXXX, 0X.XX.XX.XX.XX, 0X-XX-…, +33 X XX XX XX XX,
# +33 (0)X XX XX XX XX, 0033 X XX XX XX XX, +33XXXXXXXXX.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)[1-9](?:" + _SEPARATOR + r"\d{2}){4}(?!\d)"
)
# Anything else with 6 digits or more (a social security number, an account, a foreign phone);
# a date written with slashes (12/03/2025) is left alone.
LONG_NUMBER = re.compile(r"\+?\d(?:[ \t.\-]?\d){5,}")
# « 12 rue des Lilas », « 3 bis, allée du Port », « 7 bd Thiers » (up to the next punctuation).
ADDRESS = re.compile(
    r"(?<![\w/])\d{1,4}\s*(?:bis|ter)?,?\s+(?:rue|avenue|av\.?|boulevard|bd|chemin|ch\.|impasse|all[ée]e|place|pl\."
    r"|route|rte|quai|cours|square|r[ée]sidence|lotissement|lieu[- ]dit|passage|sentier|rond[- ]point|venelle"
    r"|mail|parvis|esplanade|hameau|village)\b[^,.;:!?()\n]{0,40}", re.IGNORECASE)
# The words that introduce a name, then up to four words of it: « je m'appelle Anne Le Goff ».
NAME = re.compile(
    r"(?P<intro>\b(?:je m['’]appelle|mon (?:pr[ée]nom|nom)(?: de famille)?(?: est| c['’]est|\s*:)|moi c['’]est"
    r"|(?:pr[ée]nom|nom)\s*:)\s+)(?P<name>[^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*){0,3})", re.IGNORECASE)
# Words that end a name (« je m'appelle Léa et je cherche… »).
NOT_A_NAME = {"et", "je", "j'", "j’", "suis", "cherche", "voudrais", "veux", "souhaite", "aimerais", "mais", "ou",
              "à", "pour", "qui", "que", "car", "donc", "avec", "dans", "est", "c'est", "c’est", "merci", "svp",
              "nom", "prénom", "prenom", "infirmier", "infirmière", "médecin", "aide", "auxiliaire", "agent"}


def _name_masked(match: re.Match) -> str:
    parts = re.split(r"([ \t]+)", match["name"])  # words and the spaces between them
    kept = 0
    while kept < len(parts) and parts[kept].lower() not in NOT_A_NAME:
        kept += 2
    if kept == 0:
        return match.group(0)
    return match["intro"] + NAME_MASK + "".join(parts[kept - 1:])  # the words after the name, if any


def mask(text: str) -> str:
    """The text with e-mails, telephone numbers, runs of 6 digits or more, street addresses and
    introduced names replaced by a mark."""
    if not text:
        return ""
    text = EMAIL.sub(EMAIL_MASK, text)
    text = PHONE.sub(PHONE_MASK, text)
    text = LONG_NUMBER.sub(NUMBER_MASK, text)
    text = ADDRESS.sub(ADDRESS_MASK, text)
    for _ in range(3):  # « nom : Martin prénom : Léa »: a name may end where the next one is introduced
        text, found = NAME.subn(_name_masked, text)
        if not found:
            break
    return text
