"""`python -m bot.rasa_run ARGS…`: `rasa run ARGS… --auth-token $RASA_TOKEN`, with the token kept out
of the command line (`ps` shows every local user the arguments, not the environment).

Rasa 3.6 reads its token from `--auth-token` only, so the argument is added to `sys.argv` inside
this process before Rasa's own command-line entry point parses it. The request body limit of Rasa's
Sanic server is set here too (Sanic reads `SANIC_*` variables): 64 KiB unless
SANIC_REQUEST_MAX_SIZE says otherwise; a larger body gets Sanic's 413 before Rasa reads it.
"""
import os
import sys

REQUEST_MAX_SIZE = 64 * 1024


def rasa_arguments(arguments, environ) -> list:
    """The arguments given to `rasa`: `run`, ours, then the token if there is one."""
    token = environ.get("RASA_TOKEN", "")
    return ["rasa", "run", *arguments, *(["--auth-token", token] if token else [])]


def prepare_environment() -> None:
    """What Rasa's server reads from the environment: Sanic's request body limit (every route of
    Rasa, not only the REST channel that checks its own)."""
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_SIZE))


def main() -> None:
    prepare_environment()
    sys.argv = rasa_arguments(sys.argv[1:], os.environ)
    from bot import rasa_process

    rasa_process.prepare()  # log masking and the speed-ups (bot/rasa_process.py)
    from rasa.__main__ import main as rasa_main  # heavy: imported once the arguments are ready

    rasa_main()


if __name__ == "__main__":
    main()
