"""Two fixes to Rasa 3.6.21's hot path, applied when the Rasa server loads our tracker store.

Profiled under load (docs/performance.md):

- About a third of the Rasa server's time went to checking the action server's answers:
  `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which first
  validates the constant *schema* against the JSON Schema meta-schema, then builds a validator, at
  every action call. Here the schema is checked and its validator built once; each answer is still
  validated against the same schema, and an invalid one raises the same `ValidationError` with the
  same message (what `validate` does: `best_match` over `iter_errors`).
- `SpacyNLP` runs every component of the spaCy model but the parser, including its named-entity
  recogniser, whose output nothing in our pipeline reads (DIET finds the entities; the tokenizer and
  featurizers read tokens, lemmas and vectors, which do not depend on it: tests/test_speedups.py).
  It is switched off at run time: a third of spaCy's time per message.

Only applied to the exact Rasa version the project pins (pyproject.toml), so an upgrade does not
carry a patch written for another version.
"""
import functools
import logging
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"
_applied = False


@functools.lru_cache(maxsize=1)
def _action_response_validator():
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    try:
        raise error
    except ValidationError as e:  # the same wording as Rasa's own
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def _spacy_without_ner(load_model):
    def load(spacy_model_name):
        spacy_model = load_model(spacy_model_name)
        if "ner" in spacy_model.model.pipe_names:
            spacy_model.model.disable_pipe("ner")
        return spacy_model

    return load


def apply() -> bool:
    """Install the fix once; False (and a warning) on another Rasa version."""
    global _applied
    if _applied:
        return True
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    if rasa.__version__ != RASA_VERSION:
        logger.warning("bot.rasa_speedups écrit pour Rasa %s, pas %s : non appliqué", RASA_VERSION, rasa.__version__)
        return False
    RemoteAction._validate_action_result = _validate_action_result
    SpacyNLP.load_model = staticmethod(_spacy_without_ner(SpacyNLP.load_model))
    logger.info("Rasa %s : validation des réponses d'actions et spaCy sans NER accélérés (bot/rasa_speedups.py)",
                RASA_VERSION)
    _applied = True
    return True
