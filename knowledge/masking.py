"""Mask what identifies a person in free text: e-mail addresses, telephone numbers, long numbers.

Used wherever a typed message leaves the conversation it belongs to (the observatory, its CSV
files, the review files). Names and addresses are not recognised: only what has a fixed shape.
"""
import re

EMAIL_MASK = "[e-mail masqué]"
PHONE_MASK = "[téléphone masqué]"
NUMBER_MASK = "[numéro masqué]"

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


def mask(text: str) -> str:
    """The text with e-mails, telephone numbers and runs of 6 digits or more replaced by a mark."""
    if not text:
        return ""
    text = EMAIL.sub(EMAIL_MASK, text)
    text = PHONE.sub(PHONE_MASK, text)
    return LONG_NUMBER.sub(NUMBER_MASK, text)
