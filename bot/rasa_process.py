"""What every Rasa process of ours sets up before Rasa's own entry point runs: `prepare()`.

Called by bot/rasa_run.py (the Rasa server `cotesoin run` starts) and bot/rasa_cli.py (`rasa test
core` for the story tests): log masking (knowledge/log_masking.py, every record, since Rasa sets its
handlers up later) and the speed-ups of bot/rasa_speedups.py. Rasa has not set its logging up yet,
so their lines (the status line, a refused patch) go to the process's error output, the log file
`cotesoin run` gives it.

`set_loaded_model_apart` runs once the server has started (a listener of the REST channel's
blueprint, bot/rest_channel.py: Rasa loads the model before the server starts).
"""
import gc
import logging
import sys

from bot import rasa_speedups
from knowledge import log_masking


def prepare() -> None:
    log_masking.mask_every_record()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s"))
    speedups_logger = logging.getLogger(rasa_speedups.__name__)
    speedups_logger.addHandler(handler)
    speedups_logger.setLevel(logging.INFO)
    try:
        rasa_speedups.apply()
    finally:
        speedups_logger.removeHandler(handler)
        speedups_logger.setLevel(logging.NOTSET)


def set_loaded_model_apart(app=None, loop=None) -> None:
    """Take the objects alive once the model is loaded (about 500 000) out of the garbage collector's
    full collections (`gc.freeze`). Each full collection walked all of them: 0.25–0.3 s during which
    no conversation got an answer, once every few hundred messages (docs/performance.md). They
    live as long as the process; a model loaded later (Rasa's HTTP API) is collected as usual."""
    gc.collect()
    gc.freeze()
    logging.getLogger(__name__).info("%s objets du modèle chargé mis à l'écart du ramasse-miettes",
                                     gc.get_freeze_count())
