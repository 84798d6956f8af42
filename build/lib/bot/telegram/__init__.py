"""Telegram channel of the guichet: a custom Rasa input channel built on python-telegram-bot.

- `settings.py`: token, secret and Bot API base URL read from the environment (or credentials.yml).
- `app.py`: the factory building the rate-limited python-telegram-bot `ExtBot`.
- `logs.py`: the channel's logger, and the filter that keeps the token and secret out of all logs.
- `formatting.py`: pure helpers (text splitting, inline keyboards, short callback data).
- `output.py`: `TelegramOutput`, how Rasa's answers reach a chat.
- `updates.py`: what each incoming update becomes (checked secret, commands, buttons, locations).
- `channel.py`: `TelegramInput`, the Rasa input channel declared in credentials.yml.
- `cli.py`: `cotesoin telegram set-webhook` and `cotesoin telegram poll`.
"""
