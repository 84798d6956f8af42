"""Typed keys of the web application's shared state."""
import weakref

import aiohttp
from aiohttp import web

# Base URL of the Rasa server whose socket.io channel `/socket.io/` is passed on to.
RASA_URL = web.AppKey("rasa_url", str)
# One client session for the proxy, made and closed with the application.
HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)
# The page's open WebSockets, closed when the application shuts down.
WEBSOCKETS = web.AppKey("websockets", weakref.WeakSet)
# Appended to static URLs so a new deployment is never served from a stale cache.
STATIC_VERSION = web.AppKey("static_version", str)
