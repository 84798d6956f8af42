"""Mask what identifies a person in free text: e-mail addresses, telephone numbers, long numbers,
street addresses with a house number, and the name a person gives (« je m'appelle Léa Martin »).

Used wherever a typed message leaves the conversation it belongs to (the observatory, its CSV
files, the review files, the logs). Only what has a recognisable shape is found: a name written
without an introduction (« Léa Martin, infirmière ») or an address without a number stays (the
observatory and review exports add spaCy's named entities on top: `knowledge.partners.name_masking`).
A machine's address is not a number to mask: the host and port of a URL (« http://10.0.12.34:5432/ »)
and a private or loopback IPv4 address (« 127.0.0.1:5005 ») are left as they are; the rest of the URL
is masked, and a public IPv4 address written alone may be a person's: it is masked as a number.

Linear time, whatever the text (an anonymous visitor chooses it): every pattern is bounded (no
unbounded repetition that can backtrack), and the patterns only run around *triggers* — a digit,
an « @ », « (at) », « arobase », or the words that introduce a name — found by fast scans
(`str.find`, an ASCII digit class).
Every mask contains its trigger and is at most `_REACH` characters from it, so the text between
two distant triggers is copied as is. Texts are cut at `MAX_CHARS` before anything else.
"""
import ipaddress
import re
from typing import Callable, List, Tuple

EMAIL_MASK = "[e-mail masqué]"
PHONE_MASK = "[téléphone masqué]"
NUMBER_MASK = "[numéro masqué]"
ADDRESS_MASK = "[adresse masquée]"
NAME_MASK = "[nom masqué]"
CUT_MARK = " […]"
# Longest text masked (characters); the rest is dropped before any pattern runs.
MAX_CHARS = 1_000_000

_SEPARATOR = r"[ \t.\-/]?"
# Local part (64 characters at most, as in RFC 5321), a separator, a domain of up to 5 labels.
EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}(?:@|\s{0,3}\(at\)\s{0,3}|\s{1,3}arobase\s{1,3})[\w-]{1,63}(?:\.[\w-]{1,63}){0,4}"
    r"\.[a-z]{2,24}", re.IGNORECASE)
# French numbers: 0X XX XX XX XX, 0XXXXXXXXX, 0X.XX.XX.XX.XX, 0X-XX-…, +33 X XX XX XX XX,
# +33 (0)X XX XX XX XX, 0033 X XX XX XX XX, +33XXXXXXXXX.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)[1-9](?:" + _SEPARATOR + r"\d{2}){4}(?!\d)"
)
# Anything else with 6 digits or more (a social security number, an account, a foreign phone);
# a date written with slashes (12/03/2025) is left alone. At most 40 digits a mark: a longer run
# gets several marks.
LONG_NUMBER = re.compile(r"\+?\d(?:[ \t.\-]?\d){5,39}")
# What the number patterns skip: the host (and port) after a URL's « :// » (after its user
# information, which is masked like any text), or an IPv4 address with its port. A host is a
# bracketed IPv6 address, an IPv4 address or a name whose last label starts with a letter
# (« srv-123456.exemple.fr », « localhost »), never digits alone (« http://0240000000 »).
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)"
_HOST_END = r"(?::\d{1,5})?(?![\w-]|\.\w)"
MACHINE_ADDRESS = re.compile(
    rf"://(?:[^\s/?#@]{{1,256}}@)?(?P<host>(?:\[[0-9A-Fa-f:.]{{2,45}}\]|{_IPV4}|(?:[\w-]{{1,63}}\.){{0,8}}"
    rf"[^\W\d_][\w-]{{0,62}}){_HOST_END})"
    rf"|(?P<ip>{_IPV4}{_HOST_END})")
# « 12 rue des Lilas », « 3 bis, allée du Port », « 7 bd Thiers » (up to the next punctuation).
ADDRESS = re.compile(
    r"(?<![\w/])\d{1,4}[ \t]{0,3}(?:bis|ter)?,?\s{1,3}(?:rue|avenue|av\.?|boulevard|bd|chemin|ch\.|impasse"
    r"|all[ée]e|place|pl\.|route|rte|quai|cours|square|r[ée]sidence|lotissement|lieu[- ]dit|passage|sentier"
    r"|rond[- ]point|venelle|mail|parvis|esplanade|hameau|village)\b[^,.;:!?()\n]{0,40}", re.IGNORECASE)
# The words that introduce a name, then up to four words of it: « je m'appelle Anne Le Goff ».
NAME = re.compile(
    r"(?P<intro>\b(?:je m['’]appelle|mon (?:pr[ée]nom|nom)(?: de famille)?(?: est| c['’]est|\s{0,3}:)"
    r"|moi c['’]est|(?:pr[ée]nom|nom)\s{0,3}:)\s{1,3})"
    r"(?P<name>[^\W\d_][\w'’-]{0,40}(?:[ \t]{1,3}[^\W\d_][\w'’-]{0,40}){0,3})", re.IGNORECASE)
# Words that end a name (« je m'appelle Léa et je cherche… »).
NOT_A_NAME = {"et", "je", "j'", "j’", "suis", "cherche", "voudrais", "veux", "souhaite", "aimerais", "mais", "ou",
              "à", "pour", "qui", "que", "car", "donc", "avec", "dans", "est", "c'est", "c’est", "merci", "svp",
              "nom", "prénom", "prenom", "infirmier", "infirmière", "médecin", "aide", "auxiliaire", "agent"}
_SPACES = re.compile(r"([ \t]+)")

# What each kind of mask contains (looked for in the lower-cased text; « prénom » contains « nom »).
# Plain `str.find` and an ASCII class: the fastest scans Python has, so a megabyte of ordinary text
# costs a few milliseconds.
_EMAIL_WORDS = ("@", "(at)", "arobase")
_NAME_WORDS = ("appelle", "nom", "moi c")
_DIGITS = re.compile(r"[0-9]+")
# The farthest a masked span reaches from its trigger (an e-mail: 64 before the « @ », ~400 after).
_REACH = 512


def _name_masked(match: re.Match) -> str:
    parts = _SPACES.split(match["name"])  # words and the spaces between them
    kept = 0
    while kept < len(parts) and parts[kept].lower() not in NOT_A_NAME:
        kept += 2
    if kept == 0:
        return match.group(0)
    return match["intro"] + NAME_MASK + "".join(parts[kept - 1:])  # the words after the name, if any


def _mask_names(text: str) -> str:
    for _ in range(3):  # « nom : Martin prénom : Léa »: a name may end where the next one is introduced
        text, found = NAME.subn(_name_masked, text)
        if not found:
            break
    return text


def _mask_numbers(text: str) -> str:
    """Phones, long numbers and street addresses masked everywhere but in machines' addresses."""
    pieces, done = [], 0
    for match in MACHINE_ADDRESS.finditer(text):
        if match["host"] is None and not _ours(match["ip"]):
            continue
        start, end = match.span("host") if match["host"] is not None else match.span("ip")
        pieces += [_mask_number_shapes(text[done:start]), text[start:end]]
        done = end
    pieces.append(_mask_number_shapes(text[done:]))
    return "".join(pieces)


def _ours(address: str) -> bool:
    """A private or loopback IPv4 address (a server of the deployment, never a visitor's)."""
    ip = ipaddress.IPv4Address(address.split(":")[0])
    return ip.is_private or ip.is_loopback or ip.is_unspecified


def _mask_number_shapes(text: str) -> str:
    text = PHONE.sub(PHONE_MASK, text)
    text = LONG_NUMBER.sub(NUMBER_MASK, text)
    return ADDRESS.sub(ADDRESS_MASK, text)


def _words_at(text: str, words) -> List[Tuple[int, int]]:
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter whose lower case is longer: look everywhere
        return [(0, len(text))]
    found = []
    for word in words:
        index = lowered.find(word)
        while index >= 0:
            found.append((index, index + len(word)))
            index = lowered.find(word, index + 1)
    return sorted(found)


def _digits_at(text: str) -> List[Tuple[int, int]]:
    if not any(digit in text for digit in "0123456789"):  # ten memchr-fast scans beat one class scan
        return []
    return [match.span() for match in _DIGITS.finditer(text)]


def _boundary(text: str, position: int, step: int) -> int:
    """A position near `position` (moving by `step`) just after/before a space, so that no
    pattern's look-around sees a different neighbour; at most `_REACH` further."""
    limit = max(0, min(len(text), position + step * _REACH))
    index = text.rfind(" ", limit, position) if step < 0 else text.find(" ", position, limit)
    if index < 0:
        return limit
    return index + 1 if step < 0 else index


def _regions(text: str, triggers: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Stretches of `text` that may hold a mask: windows of _REACH around the triggers, merged."""
    regions: List[Tuple[int, int]] = []
    for trigger_start, trigger_end in triggers:
        start, end = trigger_start - _REACH, trigger_end + _REACH
        if regions and start <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(end, regions[-1][1]))
        else:
            regions.append((start, end))
    return [(0 if start <= 0 else _boundary(text, start, -1),
             len(text) if end >= len(text) else _boundary(text, end, 1)) for start, end in regions]


def _around(text: str, triggers: List[Tuple[int, int]], masked: Callable[[str], str]) -> str:
    """`masked` applied to the regions around the triggers only; the rest copied as is."""
    pieces, done = [], 0
    for start, end in _regions(text, triggers):
        start = max(start, done)
        pieces.append(text[done:start])
        pieces.append(masked(text[start:end]))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def mask(text: str) -> str:
    """The text with e-mails, telephone numbers, runs of 6 digits or more, street addresses and
    introduced names replaced by a mark; cut at MAX_CHARS characters."""
    if not text:
        return ""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + CUT_MARK
    text = _around(text, _words_at(text, _EMAIL_WORDS), lambda region: EMAIL.sub(EMAIL_MASK, region))
    text = _around(text, _digits_at(text), _mask_numbers)
    return _around(text, _words_at(text, _NAME_WORDS), _mask_names)
