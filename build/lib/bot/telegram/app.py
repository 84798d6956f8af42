"""The factory of the python-telegram-bot client: base URL and token from the settings, rate-limited.

Telegram's limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
about 30 messages per second overall, 20 per minute in a group, and about one per second in a
chat, short bursts allowed. `AIORateLimiter` (python-telegram-bot[rate-limiter]) applies the first
two and retries on `RetryAfter`; `ChatPacedRateLimiter` adds the per-chat pace for private chats.
"""
import contextlib
from typing import Any, Dict, Optional

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.telegram import logs
from bot.telegram.documents import file_base_url
from bot.telegram.settings import TelegramSettings

# Replies of one turn go out at once up to this many, then at about one per second.
CHAT_BURST = 3
RETRIES_ON_FLOOD = 3


class ChatPacedRateLimiter(AIORateLimiter):
    """AIORateLimiter, plus a leaky bucket per private chat (CHAT_BURST messages, then 1 per second)."""

    def __init__(self, chat_burst: int = CHAT_BURST, chat_period: Optional[float] = None, **kwargs: Any):
        super().__init__(max_retries=RETRIES_ON_FLOOD, **kwargs)
        self._chat_burst = chat_burst
        self._chat_period = chat_burst / FloodLimit.MESSAGES_PER_SECOND_PER_CHAT if chat_period is None else chat_period
        self._chat_limiters: Dict[int, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: Any):
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return contextlib.nullcontext()
        if chat <= 0 or not (self._chat_burst and self._chat_period):
            return contextlib.nullcontext()  # groups: AIORateLimiter's group limit applies
        if len(self._chat_limiters) > 1024:  # forget idle chats
            for key, limiter in list(self._chat_limiters.items()):
                if key != chat and limiter.has_capacity(limiter.max_rate):
                    del self._chat_limiters[key]
        if chat not in self._chat_limiters:
            self._chat_limiters[chat] = AsyncLimiter(self._chat_burst, self._chat_period)
        return self._chat_limiters[chat]

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        async with self._chat_limiter(data.get("chat_id")):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def make_bot(settings: TelegramSettings, rate_limiter: Optional[AIORateLimiter] = None,
             read_timeout: float = 10.0) -> ExtBot:
    """An ExtBot talking to `settings.api_base_url` with `settings.token`, its secrets hidden from logs."""
    if not settings.enabled:
        raise ValueError("Telegram désactivé : pas de TELEGRAM_TOKEN")
    logs.hide([settings.token, settings.secret_token])
    return ExtBot(
        settings.token,
        base_url=settings.api_base_url,
        base_file_url=file_base_url(settings.api_base_url),
        request=HTTPXRequest(connection_pool_size=16, read_timeout=read_timeout),
        # getUpdates long-polls: its read timeout is raised per call by python-telegram-bot.
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=read_timeout),
        rate_limiter=rate_limiter if rate_limiter is not None else ChatPacedRateLimiter(),
    )
