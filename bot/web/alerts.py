"""The links of the alert e-mails: confirm an address (double opt-in), stop the alerts in one step
(GET from the link, POST from a mail client's one-click List-Unsubscribe)."""
import asyncio

import aiohttp_jinja2
from aiohttp import web

from knowledge.coordination import alerts

CONFIRM, STOP = "/alertes/confirmer/{token}", "/alertes/arreter/{token}"


def _page(request: web.Request, title: str, text: str, status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template("alertes.html", request, {"title": title, "text": text}, status=status)


async def confirm(request: web.Request) -> web.Response:
    confirmed = await asyncio.to_thread(alerts.confirm, request.match_info["token"])
    if confirmed is None:
        return _page(request, "Lien non valable",
                     "Ce lien de confirmation n'est plus valable : l'alerte a peut-être été arrêtée ou effacée. "
                     "Vous pouvez en demander une nouvelle à l'assistant.", status=404)
    return _page(request, "Alerte confirmée",
                 "C'est confirmé : vous recevrez au plus un e-mail par jour, seulement quand une nouvelle offre "
                 "correspond à vos critères. Chaque e-mail contient un lien pour arrêter.")


async def stop(request: web.Request) -> web.Response:
    stopped = await asyncio.to_thread(alerts.unsubscribe_token, request.match_info["token"])
    if not stopped:
        return _page(request, "Lien non valable", "Ce lien ne correspond à aucune alerte (elle a peut-être été "
                                                  "effacée) : vous ne recevrez rien.", status=404)
    return _page(request, "Alertes arrêtées", "C'est fait : vous ne recevrez plus ces alertes.")


def setup(app: web.Application) -> None:
    app.router.add_get(CONFIRM, confirm, name="alert_confirm")
    app.router.add_get(STOP, stop, name="alert_stop")
    app.router.add_post(STOP, stop)
