"""Read how to call someone back: an e-mail address or a French phone number, normalised."""
import re
from typing import Optional

from unidecode import unidecode

MAX_EMAIL_LENGTH = 254
# A usual address: no quotes, no IP literal; the domain has a dot and a top-level name of letters.
_EMAIL = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
# 10 digits starting with 0 (not 00), or +33 / 0033 then 9 digits, the « (0) » of « +33 (0)6 » allowed;
# spaces, dots and dashes between the pairs of digits.
_SEP = r"[\s.\-]?"
_PHONE = re.compile(
    rf"(?<![\d+])(?:(?P<intl>(?:\+|00)\s?33{_SEP}(?:\(0\){_SEP})?)|0)(?P<first>[1-9])"
    rf"(?P<rest>(?:{_SEP}\d{{2}}){{4}})(?![\d])"
)
_TRIM = "<>()[]{}«»\"'“”‘’,;:!?."
CANCEL_WORDS = {
    "annuler", "annule", "annulez", "j'annule", "annulation", "non", "non merci", "nan", "stop", "arreter",
    "arrete", "laisse tomber", "laissez tomber", "pas maintenant", "non finalement", "finalement non", "rien",
    "je ne veux pas", "je veux pas", "/deny",
}
CANCEL_INTENTS = {"deny", "goodbye"}


def parse_email(text: str) -> Optional[str]:
    """The address written alone or in a sentence, domain in lower case; None when there is none."""
    for word in text.split():
        word = word.strip(_TRIM)
        if word.lower().startswith("mailto:"):
            word = word[len("mailto:"):]
        match = _EMAIL.match(word)
        if match and len(word) <= MAX_EMAIL_LENGTH and ".." not in word:
            return f"{match.group('local')}@{match.group('domain').lower()}"
    return None


def parse_phone(text: str) -> Optional[str]:
    """A French number in the usual form « 06 12 34 56 78 »; None when there is none."""
    match = _PHONE.search(text)
    if match is None:
        return None
    digits = "0" + match.group("first") + re.sub(r"\D", "", match.group("rest"))
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


def parse_contact(text: str) -> Optional[str]:
    """An e-mail address or a French phone number found in `text`, normalised; None otherwise."""
    text = text or ""
    return parse_email(text) or parse_phone(text)


def means_cancel(text: str, intent: Optional[str] = None) -> bool:
    """« annuler », « non », « stop »… (or a no / goodbye understood by the NLU, without a contact in it)."""
    words = re.sub(r"[^a-z'/ ]+", " ", unidecode(text or "").lower()).split()
    said = " ".join(words)
    if said in CANCEL_WORDS or (words and words[0] in {"annuler", "annule", "stop"}):
        return True
    return intent in CANCEL_INTENTS and parse_contact(text) is None
