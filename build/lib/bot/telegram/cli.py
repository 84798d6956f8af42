"""`cotesoin telegram set-webhook URL` and `cotesoin telegram poll`.

Polling (for a developer without a public HTTPS address) takes the updates with getUpdates and
posts each one, with the secret header, to the running Rasa server's Telegram webhook: the
assistant then goes through exactly the code it uses in production.
"""
import argparse
import asyncio
import contextlib
import sys
from typing import AsyncIterator, Awaitable, Callable, Optional
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import ExtBot

from bot import settings as bot_settings
from bot.telegram import settings as telegram_settings
from bot.telegram.app import make_bot
from bot.telegram.settings import (
    DEFAULT_API_BASE_URL,
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramConfigError,
    TelegramSettings,
)

# The only updates the channel answers; Telegram does not send the others.
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT = 30  # seconds a getUpdates call waits for news
RETRY_DELAY = 5.0


class CommandFailed(RuntimeError):
    """What went wrong, in French, for the person at the terminal."""


def webhook_url(url: str, settings: TelegramSettings) -> str:
    """The full webhook URL: a bare https://host (no path) gets /webhooks/telegram/webhook added."""
    url = (url or "").strip()
    if not url:
        raise CommandFailed("Indiquez l'adresse publique du serveur Rasa : "
                            "cotesoin telegram set-webhook https://exemple.fr (ou TELEGRAM_WEBHOOK_URL).")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise CommandFailed(f"Adresse de webhook invalide : « {url} » (attendu https://…).")
    if parts.scheme != "https" and settings.api_base_url == DEFAULT_API_BASE_URL:
        raise CommandFailed("Telegram n'envoie les mises à jour qu'en HTTPS : donnez une adresse https://…")
    if parts.path in ("", "/"):
        parts = parts._replace(path=WEBHOOK_PATH)
    return urlunsplit(parts)


def _configured() -> TelegramSettings:
    settings = telegram_settings.load()
    if not settings.enabled:
        raise CommandFailed("TELEGRAM_TOKEN n'est pas défini (dans .env ou l'environnement) : "
                            "créez le bot avec @BotFather, voir la section Telegram du README.")
    return settings


@contextlib.asynccontextmanager
async def opened_bot(settings: TelegramSettings) -> AsyncIterator[ExtBot]:
    """A Bot whose token was accepted (getMe), shut down on exit."""
    bot = make_bot(settings)
    try:
        try:
            await bot.initialize()
        except InvalidToken:
            raise CommandFailed("L'API Bot refuse TELEGRAM_TOKEN : vérifiez-le auprès de @BotFather.") from None
        except NetworkError as error:
            raise CommandFailed(f"API Bot injoignable ({settings.api_base_url}) : {error}") from None
        yield bot
    finally:
        await bot.shutdown()


async def set_webhook(settings: TelegramSettings, url: str, drop_pending: bool = False) -> str:
    """Register the webhook with its secret; returns a French summary of what Telegram now has."""
    target = webhook_url(url, settings)
    async with opened_bot(settings) as bot:
        await bot.set_webhook(target, secret_token=settings.secret_token, allowed_updates=ALLOWED_UPDATES,
                              drop_pending_updates=drop_pending)
        info = await bot.get_webhook_info()
        lines = [f"Webhook enregistré pour @{bot.username} : {info.url}",
                 f"  mises à jour en attente : {info.pending_update_count}"]
    if info.last_error_message:
        lines.append(f"  dernière erreur signalée par Telegram : {info.last_error_message}")
    return "\n".join(lines)


Forward = Callable[[dict], Awaitable[None]]


async def poll(bot: ExtBot, forward: Forward, stop: Optional[asyncio.Event] = None,
               timeout: int = POLL_TIMEOUT, retry_delay: float = RETRY_DELAY) -> int:
    """Fetch updates until `stop` is set and forward each one; returns how many were forwarded.

    The webhook is removed first (Telegram refuses getUpdates while one is set). An update is
    acknowledged (offset moved past it) only once forwarded, so none is lost if Rasa is down.
    """
    stop = stop or asyncio.Event()
    await bot.delete_webhook(drop_pending_updates=False)
    offset: Optional[int] = None
    forwarded = 0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        except NetworkError as error:  # includes TimedOut
            print(f"API Bot injoignable ({error}) ; nouvel essai dans {retry_delay:g} s", file=sys.stderr, flush=True)
            await asyncio.sleep(retry_delay)
            continue
        for update in updates:
            await forward(update.to_dict())
            offset = update.update_id + 1
            forwarded += 1
    return forwarded


def webhook_forwarder(session: aiohttp.ClientSession, endpoint: str, secret: str,
                      retry_delay: float = RETRY_DELAY) -> Forward:
    """Posts an update to the Rasa server's Telegram webhook, waiting for the server if it is down."""

    async def forward(update: dict) -> None:
        while True:
            try:
                async with session.post(endpoint, json=update, headers={SECRET_HEADER: secret}) as reply:
                    if reply.status == 200:
                        return
                    if reply.status == 403:
                        raise CommandFailed("Le serveur Rasa refuse le secret : TELEGRAM_SECRET_TOKEN doit être "
                                            "le même pour `make run` et pour cette commande.")
                    if reply.status == 503:
                        raise CommandFailed("Le canal Telegram du serveur Rasa est désactivé : relancez `make run` "
                                            "avec TELEGRAM_TOKEN et TELEGRAM_SECRET_TOKEN définis.")
                    print(f"Le serveur Rasa a répondu {reply.status} ; nouvel essai dans {retry_delay:g} s",
                          file=sys.stderr, flush=True)
            except aiohttp.ClientError:
                print(f"Serveur Rasa injoignable ({endpoint}) : `make run` est-il lancé ? "
                      f"Nouvel essai dans {retry_delay:g} s", file=sys.stderr, flush=True)
            await asyncio.sleep(retry_delay)

    return forward


async def run_polling(settings: TelegramSettings, endpoint: str) -> None:
    async with opened_bot(settings) as bot, aiohttp.ClientSession() as session:
        print(f"Polling de @{bot.username} (webhook retiré) → {endpoint}\nCtrl-C pour arrêter.", flush=True)
        await poll(bot, webhook_forwarder(session, endpoint, settings.secret_token))


# -- the `cotesoin telegram …` commands ----------------------------------------------------------
def _run(coroutine) -> int:
    try:
        result = asyncio.run(coroutine)
    except (CommandFailed, TelegramConfigError) as failure:
        print(f"Erreur : {failure}", file=sys.stderr)
        return 1
    except TelegramError as error:
        print(f"Erreur de l'API Bot : {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nArrêt.", flush=True)
        return 0
    if result:
        print(result)
    return 0


def cmd_set_webhook(args: argparse.Namespace) -> int:
    try:
        settings = _configured()
    except (CommandFailed, TelegramConfigError) as failure:
        print(f"Erreur : {failure}", file=sys.stderr)
        return 1
    return _run(set_webhook(settings, args.url or settings.webhook_url, drop_pending=args.drop_pending))


def cmd_poll(args: argparse.Namespace) -> int:
    try:
        settings = _configured()
    except (CommandFailed, TelegramConfigError) as failure:
        print(f"Erreur : {failure}", file=sys.stderr)
        return 1
    endpoint = (args.rasa_url or bot_settings.load().rasa_url).rstrip("/") + WEBHOOK_PATH
    return _run(run_polling(settings, endpoint))


def register(commands: "argparse._SubParsersAction") -> None:
    """Adds `telegram set-webhook` and `telegram poll` to the `cotesoin` command."""
    telegram = commands.add_parser("telegram", help="canal Telegram : enregistrer le webhook, ou mode polling")
    actions = telegram.add_subparsers(dest="telegram_command", required=True)
    hook = actions.add_parser("set-webhook", help="enregistrer auprès de Telegram l'adresse publique du webhook")
    hook.add_argument("url", nargs="?", help="https://hôte (le chemin /webhooks/telegram/webhook est ajouté) ou "
                                             "l'adresse complète ; par défaut TELEGRAM_WEBHOOK_URL")
    hook.add_argument("--drop-pending", action="store_true", help="oublier les mises à jour en attente")
    hook.set_defaults(func=cmd_set_webhook)
    polling = actions.add_parser("poll", help="sans adresse publique : relever les messages et les passer au "
                                              "serveur Rasa lancé par `make run`")
    polling.add_argument("--rasa-url", help="serveur Rasa (par défaut http://COTESOIN_HOST:RASA_PORT)")
    polling.set_defaults(func=cmd_poll)
