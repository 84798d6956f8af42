"""Pure helpers of the Telegram channel: text splitting, inline keyboards, short callback data."""
import base64
import hashlib
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_CALLBACK_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
# Where a long text is best cut, best first: between paragraphs, lines, sentences, words.
_BREAKS = ("\n\n", "\n", ". ", " ")


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fits(text: str, limit: int) -> int:
    """How many leading characters of `text` fit in `limit` UTF-16 code units."""
    if telegram_length(text) <= limit:
        return len(text)
    used = count = 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        count += 1
    return count


def split_text(text: str, limit: int = MAX_TEXT) -> List[str]:
    """Cut `text` into messages of at most `limit` characters, on paragraph or line ends when possible.

    Separators stay at the end of their part, so `"".join(parts) == text`; Telegram trims them when
    it displays the message. Parts made only of whitespace are left out (Telegram refuses them).
    """
    parts: List[str] = []
    rest = text
    while rest:
        size = _fits(rest, limit)
        if size < len(rest):
            window = rest[:size]
            for separator in _BREAKS:
                cut = window.rfind(separator)
                if cut > 0:
                    size = cut + len(separator)
                    break
        parts.append(rest[:size])
        rest = rest[size:]
    return [part for part in parts if part.strip()]


class CallbackPayloads:
    """Telegram callback data is at most 64 bytes: longer payloads travel as a short key.

    A short payload is sent as it is. A long one (e.g. `/inform{"commune":"Saint-Brevin-les-Pins",
    "profession":"aide_soignant"}`) becomes `#` + a hash, remembered here (the most recent
    `capacity` ones) and resolved when the button is tapped; None when it is no longer known.
    """

    PREFIX = "#"

    def __init__(self, capacity: int = 10_000):
        self.capacity = capacity
        self._payloads: "OrderedDict[str, str]" = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(self.PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode("utf-8")).digest()
        key = self.PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:32]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.capacity:
            self._payloads.popitem(last=False)
        return key

    def decode(self, data: str) -> Optional[str]:
        if not data.startswith(self.PREFIX):
            return data
        return self._payloads.get(data)


def inline_keyboard(buttons: Iterable[Dict[str, Any]], payloads: CallbackPayloads) -> Optional[InlineKeyboardMarkup]:
    """Rasa buttons as an inline keyboard, one button per row (titles stay readable on a phone)."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        if button.get("url"):
            rows.append([InlineKeyboardButton(title, url=str(button["url"]))])
        else:
            payload = str(button.get("payload") or title)
            rows.append([InlineKeyboardButton(title, callback_data=payloads.encode(payload))])
    return InlineKeyboardMarkup(rows) if rows else None

