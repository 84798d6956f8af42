"""Fixes to Rasa 3.6.21's hot path and memory, applied when the Rasa server loads our tracker store.

Profiled under load (docs/performance.md):

- About a third of the Rasa server's time went to checking the action server's answers:
  `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which first
  validates the constant *schema* against the JSON Schema meta-schema, then builds a validator, at
  every action call. Here the schema is checked and its validator built once; each answer is still
  validated against the same schema, and an invalid one raises the same `ValidationError` with the
  same message (what `validate` does: `best_match` over `iter_errors`).
- Every event Rasa reads back (tracker store, action server answers, HTTP API) finds its class with
  `Event.resolve_by_type`, which walks the whole tree of `Event` subclasses each time (90 % of the
  time spent turning stored events into objects). The class found for a type name is remembered.
- Loading DIET trains it one step on an example to create its weights before reading them
  (`RasaModel.load`): tracing the training step (CRF loss, gradients, Adam) took about 24 s of the
  cold start and 470 MB that stay allocated. Here the weights are created by one prediction on the
  example instead (the layers a prediction uses are the ones DIET has), then read from the model
  file, and the label embeddings are recomputed from them. The predictions are the same, to the
  last digit (tests/test_speedups.py compares both loads on the held-out messages). Freed heap is
  then given back to the system (`malloc_trim`).
- Each DIET prediction calls its traced `tf.function` (`RasaModel._rasa_predict`), which first
  canonicalises the arguments against the input signature and looks the traced graph up again
  (a third of TensorFlow's time per message). With a fixed input signature there is one traced
  graph: it is taken once and called with the batch's tensors directly (same graph, same outputs).
- Rasa runs its model graph (the NLU components for each message, the policies for each
  prediction) with dask (`DaskGraphRunner.run`), which works out the sub-graph and the order of
  its nodes again at each run: 7 % of the server's time. Here the order is worked out once per
  list of targets and the same nodes are called with the same arguments.
- Before DIET, each message's sparse features are put side by side with `scipy.sparse.hstack`
  (`Features._combine_sparse_features`), whose general block machinery took 6 % of the server's
  time. Two COO matrices are joined here by concatenating their entries: the same matrix (the
  integer counts and the float features promoted to one type, as scipy does).
- For every message it parses, Rasa checks that the domain is not empty by comparing it, turned
  into a dict, with a newly built empty domain (`Domain.is_empty`). The answer is kept per domain.
- Each action run by the action server opened a new aiohttp session and a new connection
  (`EndpointConfig.session`): 0.3 ms of the Rasa server's and 0.2 ms of the action server's CPU
  per call. One session per endpoint is kept, its connections reused for 2 s at most.
- Rasa understands a message on its event loop's thread, so the loop stood still while DIET's
  TensorFlow graph ran on TensorFlow's own threads (about 2 ms a message). Understanding now runs
  in one worker thread: meanwhile the loop answers the other conversations.

Only applied to the exact Rasa version the project pins (pyproject.toml), so an upgrade does not
carry a patch written for another version; `COTESOIN_RASA_SPEEDUPS=off` leaves Rasa as it is (to
compare, or if one of them ever misbehaves).
"""
import asyncio
import atexit
import ctypes
import functools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Text

import numpy as np
import scipy.sparse

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


def _load_without_training_step(cls, model_file_name, model_data_example, predict_data_example=None,
                                finetune_mode=False, *args, **kwargs):
    """`RasaModel.load` (rasa/utils/tensorflow/models.py) with a prediction, not a training step,
    to create the weights. Only for DIET (the model our pipeline has, checked by tests/test_speedups.py);
    other models (TED, ResponseSelector), fine-tuning or no prediction example keep Rasa's own way."""
    import tensorflow as tf

    if cls.__name__ != "DIET" or finetune_mode or not predict_data_example:
        return _rasa_load.__func__(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                                   *args, **kwargs)
    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get("learning_rate", 0.001)),
                  run_eagerly=config.get("run_eagerly"))
    run_eagerly = model._run_eagerly
    model._run_eagerly = True  # one eager prediction creates the weights (random), nothing traced with them
    model.run_inference(predict_data_example)
    model._run_eagerly = run_eagerly
    status = model.load_weights(model_file_name)
    if hasattr(status, "expect_partial"):
        status.expect_partial()  # the optimizer's state is in the file, not needed to predict
    # Label embeddings from the trained weights, and the prediction traced with them (what Rasa's load does).
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.run_inference(predict_data_example)
    return model


_rasa_load = None
_rasa_predict = None


def _predict_with_traced_graph(self, batch_in):
    """`RasaModel._rasa_predict`, calling the graph Rasa traced (its first call) directly."""
    import tensorflow as tf
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA

    traced = self._tf_predict_step
    if self._run_eagerly or traced is None or not self.prepared_for_prediction:
        return _rasa_predict(self, batch_in)
    graph = self.__dict__.get("_cotesoin_graph")
    if graph is None or graph[0] is not traced:
        graph = (traced, traced.get_concrete_function())
        self._cotesoin_graph = graph
    concrete = graph[1]
    tensors = [tf.convert_to_tensor(array) for array in batch_in]
    outputs = tf_utils.sync_to_numpy_or_python_type(concrete._call_flat(tensors, concrete.captured_inputs))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def _graph_plan(schema):
    """(node name, needed names) for every node of `schema`, each after the nodes it needs."""
    plan, seen = [], set()

    def visit(name):
        if name in seen or name not in schema.nodes:  # already placed, or an input of the run
            return
        seen.add(name)
        needs = list(schema.nodes[name].needs.values())
        for need in needs:
            visit(need)
        plan.append((name, needs))

    for name in schema.nodes:
        visit(name)
    return plan


def _run_in_order(self, inputs=None, targets=None):
    """`DaskGraphRunner.run`: same nodes, same arguments, same result and errors; no dask."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    plans = self.__dict__.setdefault("_cotesoin_plans", {})
    plan = plans.get(tuple(run_targets))
    if plan is None:
        plan = plans[tuple(run_targets)] = _graph_plan(self._graph_schema.minimal_graph_schema(run_targets))
    # Like dask: an input is passed on as (name, value), the way each node returns its output.
    results = {name: (name, value) for name, value in (inputs or {}).items()}
    try:
        for name, needs in plan:
            if name not in results:
                results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(results[target] for target in run_targets)


_rasa_combine_sparse = None


def _combine_sparse_features(self, additional_features) -> None:
    """`Features._combine_sparse_features` for two COO matrices (values of the two types promoted as
    `scipy.sparse.hstack` does); Rasa's own otherwise."""
    left, right = self.features, additional_features.features
    coo = all(scipy.sparse.issparse(matrix) and matrix.format == "coo" for matrix in (left, right))
    if not coo or left.shape[0] != right.shape[0]:
        return _rasa_combine_sparse(self, additional_features)
    entries = (np.concatenate([left.data, right.data]),
               (np.concatenate([left.row, right.row]), np.concatenate([left.col, right.col + left.shape[1]])))
    self.features = scipy.sparse.coo_matrix(entries, shape=(left.shape[0], left.shape[1] + right.shape[1]))
    self._cached_fingerprint = None


def _trimmed_after(load):
    """`load`, then the heap freed while loading given back to the system (glibc)."""

    def load_and_trim(cls, *args, **kwargs):
        model = load(cls, *args, **kwargs)
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass
        return model

    return classmethod(load_and_trim)


def _remembered(resolve_by_type):
    """`Event.resolve_by_type`, remembering the class found for each type name (the same class: Rasa's
    event types all have distinct names and are defined at import)."""
    found = {}

    def resolve(type_name, default=None):
        cls = found.get(type_name)
        if cls is None:
            cls = resolve_by_type(type_name, default)
            if cls is not None and cls is not default and getattr(cls, "type_name", None) == type_name:
                found[type_name] = cls
        return cls

    return resolve


def _remembered_per_domain(is_empty):
    """`Domain.is_empty`, worked out once per domain: Rasa compares the whole domain with a newly
    built empty one for every message it parses."""

    def check(self) -> bool:
        known = self.__dict__.get("_cotesoin_is_empty")
        if known is None:
            known = self.__dict__["_cotesoin_is_empty"] = is_empty(self)
        return known

    return check


# Below the 5 s after which the action server (Sanic's default) closes an idle connection, so a kept
# connection is never reused just as the server closes it.
KEEPALIVE_SECONDS = 2.0
_kept_sessions = []


class _Kept:
    """`async with` on a kept session: the session, left open for the next request."""

    def __init__(self, session):
        self.session = session

    async def __aenter__(self):
        return self.session

    async def __aexit__(self, *exc_info) -> None:
        return None


def _kept_session(self):
    """`EndpointConfig.session`, one kept per endpoint and event loop: Rasa opened a new session
    and a new connection to the action server for every action it ran. The session is made as
    Rasa's own (headers, basic auth, timeout), with a connector that drops idle connections sooner."""
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get("_cotesoin_session")
    if kept is None or kept._loop is not loop or kept.closed:
        import aiohttp
        from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        kept = aiohttp.ClientSession(headers=self.headers, auth=auth,
                                     timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                     connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))
        self._cotesoin_session = kept
        _kept_sessions.append(kept)
    return _Kept(kept)


@atexit.register
def _close_kept_sessions() -> None:
    """Close the kept connections (aiohttp would warn about unclosed sessions at exit)."""
    for session in _kept_sessions:
        try:
            session.connector._close()  # the synchronous part of `await session.close()`
        except Exception:  # noqa: BLE001 - its event loop may be gone already
            pass


def _parse_in_a_thread(parse_message):
    """`MessageProcessor.parse_message`, run by one worker thread of its own: while DIET's graph runs
    (TensorFlow lets go of the GIL), the event loop goes on with the other conversations.

    One thread, so messages are understood one at a time as before. The NLU nodes of Rasa's graph
    share nothing with the policies' but the domain, which nothing changes."""
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rasa-nlu")
    worker_loop = asyncio.new_event_loop()  # only ever run by that one thread

    def parse_here(self, message, tracker, only_output_properties):
        return worker_loop.run_until_complete(parse_message(self, message, tracker, only_output_properties))

    async def parse(self, message, tracker=None, only_output_properties=True):
        if self.http_interpreter:
            return await parse_message(self, message, tracker, only_output_properties)
        return await asyncio.get_running_loop().run_in_executor(
            worker, parse_here, self, message, tracker, only_output_properties)

    return parse


def apply() -> bool:
    """Install the fix once; False (and a warning) on another Rasa version."""
    global _applied
    if _applied:
        return True
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.nlu.training_data.features import Features
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.tensorflow.models import RasaModel

    if os.environ.get("COTESOIN_RASA_SPEEDUPS", "on").lower() in ("off", "0", "false", "non"):
        logger.info("bot.rasa_speedups désactivé (COTESOIN_RASA_SPEEDUPS)")
        return False
    if rasa.__version__ != RASA_VERSION:
        logger.warning("bot.rasa_speedups écrit pour Rasa %s, pas %s : non appliqué", RASA_VERSION, rasa.__version__)
        return False
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_remembered(Event.resolve_by_type))
    Domain.is_empty = _remembered_per_domain(Domain.is_empty)
    EndpointConfig.session = _kept_session
    MessageProcessor.parse_message = _parse_in_a_thread(MessageProcessor.parse_message)
    global _rasa_load, _rasa_predict, _rasa_combine_sparse
    _rasa_load = RasaModel.load
    RasaModel.load = _trimmed_after(_load_without_training_step)
    _rasa_predict = RasaModel._rasa_predict
    RasaModel._rasa_predict = _predict_with_traced_graph
    DaskGraphRunner.run = _run_in_order
    _rasa_combine_sparse = Features._combine_sparse_features
    Features._combine_sparse_features = _combine_sparse_features
    logger.info("Rasa %s : chargement et appel de DIET, graphe sans dask, validation des réponses d'actions "
                "(bot/rasa_speedups.py)", RASA_VERSION)
    _applied = True
    return True
