"""CPU time the Rasa side spends per message, measured in this process, variants taking turns.

    .venv/bin/python scripts/bench_inprocess.py [--rounds 12] [--long] [--variants FILE.py] [--cprofile FILE]

Starts the action server on the demo partner data as `scripts/bench.py` does, loads the latest
model here into an agent with our tracker store (a fresh SQLite file) and sends the benchmark's
conversations one message at a time. This process's CPU time per message is then Rasa's own work,
without HTTP, Sanic or other users waiting, so that a change of a few percent shows through the
host's noise (docs/performance.md). `--variants` names a Python file that defines
`VARIANTS = {name: function(agent)}`, each function putting its variant in place (for example one
of Rasa's functions back to its own code); the variants take turns, in reverse order every other
round. Prints, per variant, the median and every round, and the action server's CPU per message.
`--cprofile FILE` also records the measured rounds (not the warm-up) with cProfile, for
`python -m pstats FILE` (cProfile's own cost inflates the figures: compare variants without it).
"""
import argparse
import asyncio
import cProfile
import logging
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import bench_load as load  # noqa: E402
import bench_targets as targets  # noqa: E402

from bot import services  # noqa: E402
from bot import settings as bot_settings  # noqa: E402


async def send_all(agent, conversations, times: int) -> int:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    sent = 0
    for _ in range(times):
        for conversation in conversations:
            sender = uuid.uuid4().hex
            for text, _ in conversation:
                output = CollectingOutputChannel()
                await agent.handle_message(UserMessage(text, output, sender))
                if not output.messages:
                    raise RuntimeError(f"pas de réponse à « {text} »")
                sent += 1
    return sent


async def measure(agent, action_pid: int, variants, conversations, rounds: int,
                  profiler: Optional[cProfile.Profile] = None):
    """{variant: [(Rasa CPU ms per message, action server CPU ms per message) per round]}."""
    await send_all(agent, conversations, 3)  # warm-up
    if profiler is not None:
        profiler.enable()
    figures = {name: [] for name in variants}
    for round_ in range(rounds):
        for name in (list(variants) if round_ % 2 == 0 else list(variants)[::-1]):
            variants[name](agent)
            cpu, action_cpu = time.process_time(), load.cpu_seconds(action_pid)
            sent = await send_all(agent, conversations, 5)
            figures[name].append(((time.process_time() - cpu) * 1000 / sent,
                                  (load.cpu_seconds(action_pid) - action_cpu) * 1000 / sent))
    if profiler is not None:
        profiler.disable()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--long", action="store_true", help="one 30-message conversation instead")
    parser.add_argument("--variants", type=Path, help="a Python file defining VARIANTS = {name: function(agent)}")
    parser.add_argument("--cprofile", type=Path, help="record the measured rounds with cProfile into this file")
    args = parser.parse_args()
    variants = {"tel quel": lambda agent: None}
    if args.variants:
        scope = {}
        exec(args.variants.read_text(), scope)
        variants = scope["VARIANTS"]

    from rasa.core.agent import Agent
    from rasa.shared.core.domain import Domain
    from rasa.utils import common, log_utils
    from rasa.utils.endpoints import EndpointConfig

    from bot import rasa_process
    from bot.tracker_store import WindowedSQLTrackerStore

    rasa_process.prepare()  # as bot/rasa_run.py: log masking, the speed-ups

    common.configure_logging_and_warnings(logging.INFO)  # as `rasa run`: no debug lines
    log_utils.configure_structlog(logging.INFO)
    model = services.latest_model(bot_settings.load())
    target = targets.Ours(model)
    target.assistant.services = [target.assistant.actions]
    target.assistant.start()
    try:
        store = WindowedSQLTrackerStore(Domain.load("domain.yml"), dialect="sqlite",
                                        db=str(target.var_dir / "inprocess.db"))
        endpoint = EndpointConfig(target.settings.action_endpoint_url, enable_selective_domain=True)
        agent = Agent.load(str(model), action_endpoint=endpoint, tracker_store=store)
        conversations = [[(text, "") for text in load.LONG_OURS * 5]] if args.long else load.OURS
        profiler = cProfile.Profile() if args.cprofile else None
        figures = asyncio.run(measure(agent, target.assistant.actions.process.pid, variants, conversations,
                                      args.rounds, profiler))
        if profiler is not None:
            profiler.dump_stats(str(args.cprofile))
    finally:
        target.assistant.stop()
    for name, rounds in figures.items():
        rasa = sorted(f[0] for f in rounds)
        print(f"{name} : Rasa {statistics.median(rasa):.2f} ms de CPU par message (médiane ; "
              f"{' '.join(f'{x:.2f}' for x in rasa)}), serveur d'actions "
              f"{statistics.median(f[1] for f in rounds):.2f} ms")


if __name__ == "__main__":
    main()
