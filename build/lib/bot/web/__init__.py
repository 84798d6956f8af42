"""The public web site of the guichet: the page with the chat widget, served by aiohttp.

- `app.py`: `init_app(settings)`, the factory (templates, static files, HTTP client, shutdown).
- `keys.py`: the typed `web.AppKey`s the handlers share.
- `routes.py`: every URL of the site; `views.py`: the pages, filled from `knowledge.partners.queries`.
- `middlewares.py`: French 404/500 pages (never a stack trace) and the security headers.
- `proxy.py`: `/socket.io/` passed on to the Rasa server, so the page has a single origin.
- `channel.py`: `SocketIOInput`, the Rasa socket.io channel the widget talks to (credentials.yml).
- `templates/` (Jinja2, autoescaped), `static/` (`widget.js`, `widget.css`, `site.css`, and
  `vendor/socket.io.min.js`, the socket.io client 4.8.4 from the npm registry, MIT).
- `__main__.py`: `python -m bot.web`, started by `cotesoin run` beside Rasa and the action server.
"""
