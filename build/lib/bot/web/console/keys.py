"""Typed keys of the console's request and application state."""
import asyncio

from aiohttp import web

from bot.web.console.rasa import RasaConversations
from knowledge.coordination.accounts import CoordinatorInfo

# The logged-in coordinator, set on the request by auth.guard.
COORDINATOR = web.AppKey("coordinator", CoordinatorInfo)
# Talks to Rasa's HTTP API on behalf of the coordinators (pause, messages, resume).
RASA = web.AppKey("rasa_conversations", RasaConversations)
# Set when the application shuts down: the live streams end.
STOPPING = web.AppKey("console_stopping", asyncio.Event)
# Reverse proxies whose X-Forwarded-For is believed (bot/settings.py: trusted_proxies).
TRUSTED_PROXIES = web.AppKey("console_trusted_proxies", tuple)
