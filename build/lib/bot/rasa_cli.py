"""`python -m bot.rasa_cli ARGS…`: Rasa's command line (`rasa ARGS…`) in a prepared process
(bot/rasa_process.py: log masking, the speed-ups), so that `make test-stories` (`rasa test core`)
tests the dialogue as the server runs it."""
import sys


def main() -> None:
    from bot import rasa_process

    rasa_process.prepare()
    sys.argv = ["rasa", *sys.argv[1:]]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
