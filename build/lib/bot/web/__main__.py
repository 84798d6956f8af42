"""`python -m bot.web [--host H] [--port P] [--rasa-port R]`: serve the public site.

`cotesoin run` starts it beside the Rasa and action servers (bot/services.py); the options
override WEB_PORT, COTESOIN_HOST and RASA_PORT (the tests run everything on free ports).
"""
import argparse
import logging
from dataclasses import replace
from typing import List, Optional

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot import settings as bot_settings
from bot.web.app import init_app
from bot.web.proxy import PATH as SOCKETIO_PATH
from knowledge import log_masking


class AccessLogger(AbstractAccessLogger):
    """Pages and errors, without the socket.io polling and static files that would drown them."""

    def log(self, request, response, time: float) -> None:
        quiet = request.path.startswith((SOCKETIO_PATH, "/static/")) or request.path.startswith("/healthz")
        if quiet and response.status < 400:
            return
        self.logger.info("%s %s %s %.0f ms", request.method, request.path_qs, response.status, time * 1000)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.web", description="Site public du guichet Côté Soin")
    parser.add_argument("--host", help="interface (défaut : COTESOIN_HOST)")
    parser.add_argument("--port", type=int, help="port du site (défaut : WEB_PORT)")
    parser.add_argument("--rasa-port", type=int, help="port du serveur Rasa (défaut : RASA_PORT)")
    args = parser.parse_args(argv)
    settings = bot_settings.load()
    settings = replace(settings, host=args.host or settings.host, web_port=args.port or settings.web_port,
                       rasa_port=args.rasa_port or settings.rasa_port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_masking.install()
    web.run_app(init_app(settings), host=settings.host, port=settings.web_port, access_log_class=AccessLogger,
                print=lambda *_: logging.info("Site Côté Soin : %s (Rasa : %s)", settings.web_url, settings.rasa_url))


if __name__ == "__main__":
    main()
