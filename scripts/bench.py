"""Benchmark: our assistant against a stock Rasa 3.6 assistant, on this machine, in one run.

For each assistant (one after the other, never both at once): cold start to the first answer, N
closed-loop users over the REST channel (p50/p95/p99 latency, messages per second, errors), a
check that every conversation was stored in order with nothing lost, and the peak resident memory
of the Rasa process; then the ratios of ours to each stock assistant. With `--repeat K` the
assistants take turns K times and the table gives each figure's median: one run lasts a few
seconds, and on a shared host a single pair of runs put the ratio anywhere between 0.55 and 1.07
(docs/performance.md); each ratio is then the median of the turns' ratios (ours and the other
assistant of the same turn), not the ratio of two medians taken from different turns. The stock
assistant is `rasa init`'s data with our config.yml, trained once into var/bench/stock/; in the
N-user run a second one has the design card's stack (spaCy, DIET, TED:
scripts/bench_design_card.yml), in var/bench/design_card/ (scripts/bench_targets.py); ours is the
latest trained model with the action server and the demo partner data, in var/bench/ours/.

    .venv/bin/python scripts/bench.py                     # 10 users × 10 conversations each
    .venv/bin/python scripts/bench.py --repeat 3          # the assistants take turns 3 times: medians
    .venv/bin/python scripts/bench.py --long 600          # latency of message k in one conversation
    .venv/bin/python scripts/bench.py --messages 20000 --only ours   # soak: memory over time
    .venv/bin/python scripts/bench.py --url http://127.0.0.1:8000 --token … --pids 11 12   # running setup
"""
import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_load as load  # noqa: E402
import bench_targets as targets  # noqa: E402

from bot import services  # noqa: E402
from bot import settings as bot_settings  # noqa: E402

LONG_MARKS = (5, 50, 100, 300, 600, 1000)


def load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def start_profilers(target: targets.Target, folder: Path) -> List[subprocess.Popen]:
    """py-spy on each server process while the users run (collapsed stacks, one file per process)."""
    folder.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).with_name("py-spy")
    profilers = []
    for name, pid in target.service_pids():
        kind = "rasa" if "Rasa" in name else "actions" if "actions" in name else name.split()[0].lower()
        output = folder / f"{kind}-{pid}.txt"
        profilers.append(subprocess.Popen([str(py_spy), "record", "--pid", str(pid), "--rate", "100", "--format", "raw",
                                           "--output", str(output), "--idle"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1)
    return profilers


def stop_profilers(profilers: List[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        profiler.wait(30)


def run_load(target: targets.Target, args, conversations) -> Dict[str, float]:
    asyncio.run(load.drive(target.webhook, 2, conversations, rounds=1, prefix="warmup"))
    profilers = start_profilers(target, args.profile) if args.profile else []
    results = load.Results()
    samples: List = []

    async def measured():
        stop = asyncio.Event()
        sampler = asyncio.create_task(load.sample_memory(target.rasa_pids(), results, args.sample_every, stop, samples))
        try:
            await load.drive(target.webhook, args.users, conversations, rounds=args.rounds,
                             total_messages=args.messages, prefix="bench", results=results)
        finally:
            stop.set()
            await sampler
        # The CPU the messages cost, before the order check reads every conversation back.
        cpu.update({pid: (load.cpu_seconds(pid) - before) * 1000 / max(results.messages, 1)
                    for pid, before in cpu_before.items()})
        return await load.check_order(target.api_url, target.token, results.sent,
                                      every_message_answered=target.every_message_answered)

    cpu: Dict[int, float] = {}
    cpu_before = {pid: load.cpu_seconds(pid) for _, pid in target.service_pids()}
    order_problems = asyncio.run(measured())
    stop_profilers(profilers)
    figures = results.figures()
    figures["conversations"] = float(len(results.sent))
    figures["order"] = float(len(order_problems))
    figures["unexpected"] = float(len(results.unexpected))
    figures["rss"] = max(load.memory_mb(pid) for pid in target.rasa_pids())
    figures["cold"] = target.cold_start
    figures["cpu"] = sum(cpu[pid] for pid in target.rasa_pids())
    figures["cpu_all"] = sum(cpu.values())
    print(f"\n{target.name} : {results.messages} messages, {len(results.sent)} conversations, {args.users} "
          f"utilisateurs, en {results.elapsed:.1f} s (charge {load_average()})")
    for name, pid in target.service_pids():
        print(f"  {name} : mémoire max {load.memory_mb(pid):.0f} Mo (à la fin {load.memory_mb(pid, 'VmRSS'):.0f} Mo), "
              f"CPU {cpu[pid]:.1f} ms par message")
    for problem in (results.errors + order_problems + results.unexpected)[:8]:
        print(f"  ! {problem}")
    if args.messages:
        print("  mémoire du serveur Rasa au fil des messages :")
        for seconds, messages, rss in samples:
            print(f"    {seconds:6.0f} s  {messages:6d} messages  RSS {rss:6.0f} Mo")
    return figures


def run_long(target: targets.Target, count: int, messages: List[str]) -> Dict[str, float]:
    latencies = asyncio.run(load.long_conversation(target.webhook, messages, count))
    marks = {k: load.at_message(latencies, k) for k in LONG_MARKS if k <= count}
    print(f"\n{target.name} : une conversation de {count} messages (charge {load_average()})")
    print("  " + " · ".join(f"message {k} : {ms:.0f} ms" for k, ms in marks.items()))
    if 300 in marks:
        print(f"  message 300 / message 5 : {marks[300] / marks[5]:.2f}")
    return {f"k{k}": ms for k, ms in marks.items()}


ROWS = [("cold", "démarrage → 1re réponse (s)", "{:.1f}"), ("p50", "latence p50 (ms)", "{:.0f}"),
        ("p95", "latence p95 (ms)", "{:.0f}"), ("p99", "latence p99 (ms)", "{:.0f}"),
        ("msg/s", "messages par seconde", "{:.1f}"), ("errors", "erreurs", "{:.0f}"),
        ("order", "conversations perdues ou dans le désordre", "{:.0f}"),
        ("unexpected", "réponses sans le texte attendu", "{:.0f}"), ("rss", "RSS max du processus Rasa (Mo)", "{:.0f}"),
        ("cpu", "CPU Rasa par message (ms)", "{:.1f}"),
        ("cpu_all", "CPU de tous les serveurs par message (ms)", "{:.1f}")]
ROWS += [(f"k{k}", f"conversation longue, message {k} (ms)", "{:.0f}") for k in LONG_MARKS]


def print_table(turns: List[Dict[str, Dict[str, float]]]) -> None:
    """One column per assistant, ours last, each figure the median of the turns; then its ratio to
    each of the others, the median of the turns' ratios."""
    columns = medians(turns)
    names = list(columns)
    bases = names[:-1]
    header = f"\n{'':44}" + "".join(f"{name:>20}" for name in names)
    print(header + "".join(f"{f'rapport {n}':>11}" for n in range(1, len(bases) + 1)))
    for key, label, fmt in ROWS:
        values = [columns[name].get(key) for name in names]
        if all(value is None for value in values):
            continue
        line = f"{label:44}" + "".join(f"{fmt.format(v) if v is not None else '-':>20}" for v in values)
        for base in bases:
            ratios = turn_ratios(turns, base, key)
            line += f"{statistics.median(ratios):>11.2f}" if ratios else f"{'':>11}"
        print(line)
    for n, base in enumerate(bases, 1):
        print(f"(rapport {n} = {names[-1]} / {base})")


def turn_ratios(turns: List[Dict[str, Dict[str, float]]], base: str, key: str) -> List[float]:
    """Ours (the last column) / `base` for the figure `key`, turn by turn, where both have it."""
    ours = list(turns[0])[-1]
    return [turn[ours][key] / turn[base][key] for turn in turns
            if turn[base].get(key) and turn[ours].get(key) is not None]


# Figures where the worst turn is the one to show: a problem in any turn, the peak memory.
WORST_OF_TURNS = ("errors", "order", "unexpected", "rss")


def medians(turns: List[Dict[str, Dict[str, float]]]) -> Dict[str, Dict[str, float]]:
    """Each assistant's figures over the turns: the median, or the worst for WORST_OF_TURNS (a
    single turn: its figures)."""
    columns: Dict[str, Dict[str, float]] = {}
    for name in turns[0]:
        keys = {key for turn in turns for key in turn[name]}
        columns[name] = {}
        for key in keys:
            values = [turn[name][key] for turn in turns if turn[name].get(key) is not None]
            pick = max if key in WORST_OF_TURNS else statistics.median
            columns[name][key] = pick(values) if values else None
    return columns


def print_turn_ratios(turns: List[Dict[str, Dict[str, float]]]) -> None:
    """Ours / each other assistant in messages per second, turn by turn."""
    print()
    for n, base in enumerate(list(turns[0])[:-1], 1):
        ratios = turn_ratios(turns, base, "msg/s")
        if ratios:
            print(f"rapport {n} des messages par seconde, tour par tour : " + ", ".join(f"{r:.2f}" for r in ratios))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10, help="simultaneous closed-loop users (10)")
    parser.add_argument("--rounds", type=int, default=10, help="conversations per user (10)")
    parser.add_argument("--messages", type=int, help="soak: send this many messages in all, memory sampled")
    parser.add_argument("--sample-every", type=float, default=15, help="seconds between memory samples (15)")
    parser.add_argument("--long", type=int, metavar="N", help="also one conversation of N messages")
    parser.add_argument("--only", choices=["ours", "stock", "design-card"], help="one assistant only")
    parser.add_argument("--without-design-card", action="store_true",
                        help="skip the design card's stock assistant (spaCy + DIET + TED) in the N-user run")
    parser.add_argument("--no-load", action="store_true", help="skip the N-user run (with --long)")
    parser.add_argument("--model", type=Path, help="our model (default: the latest in models/)")
    parser.add_argument("--tracker-store-url", help="our tracker store (default: a fresh SQLite file)")
    parser.add_argument("--scaled", type=int, nargs="+", metavar="N",
                        help="compare N Rasa processes behind HAProxy (needs deploy/run-scaled --infra-only)")
    parser.add_argument("--scaled-database", default="postgresql://cotesoin:cotesoin@127.0.0.1:5432/cotesoin_bench",
                        help="PostgreSQL database for --scaled (emptied at each run)")
    parser.add_argument("--url", help="instead of starting ours: a running assistant (Rasa or load balancer)")
    parser.add_argument("--token", help="with --url: its RASA_TOKEN (the order check reads the conversations)")
    parser.add_argument("--pids", type=int, nargs="*", default=[], help="with --url: its Rasa processes (memory)")
    parser.add_argument("--name", default="Côté Soin", help="with --url: the column's name")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="the assistants take turns K times; the table gives the medians (1)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record the servers with py-spy during the run (collapsed stacks in DIR)")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.repeat < 1:
        print("--repeat : au moins 1 tour.", file=sys.stderr)
        return 2
    print(f"Charge de la machine au départ : {load_average()} ({os.cpu_count()} cœurs)")
    stock_db = targets.demo_database(targets.BENCH_DIR / "demo.db")  # for our normaliser in the stock pipeline
    plans = []
    if args.scaled:
        model = args.model or services.latest_model(bot_settings.load())
        for processes in args.scaled:
            def make_scaled(n=processes):
                return targets.Scaled(model, n, args.scaled_database)
            plans.append((f"scaled-{processes}", make_scaled, load.OURS, load.LONG_OURS))
    else:
        if args.only in (None, "stock"):
            plans.append(("stock", lambda: targets.Stock(stock_db), load.STOCK, load.LONG_STOCK))
        # The design card's stack (issue 17: ours at least 3 times its throughput), in the N-user run only.
        design_card = args.only is None and not (args.without_design_card or args.long or args.messages)
        if args.only == "design-card" or design_card:
            plans.append(("design-card", lambda: targets.DesignCardStock(stock_db), load.STOCK, load.LONG_STOCK))
    if args.only in (None, "ours") and not args.scaled:
        if args.url:
            def make_ours():
                return targets.Remote(args.name, args.url, args.token or "", args.pids)
        else:
            model = args.model or services.latest_model(bot_settings.load())
            if model is None:
                print("Aucun modèle entraîné : lancez `make train`.", file=sys.stderr)
                return 1

            def make_ours():
                return targets.Ours(model, tracker_store_url=args.tracker_store_url)
        plans.append(("ours", make_ours, load.OURS, load.LONG_OURS))
    turns: List[Dict[str, Dict[str, float]]] = []
    for turn in range(1, args.repeat + 1):
        if args.repeat > 1:
            print(f"\n=== Tour {turn} sur {args.repeat}")
        columns: Dict[str, Dict[str, float]] = {}
        for _, make, conversations, long_messages in plans:
            target = make()
            with target:
                if target.cold_start is not None:
                    print(f"\n{target.name} : démarrage jusqu'à la première réponse {target.cold_start:.1f} s")
                figures: Dict[str, float] = {"cold": target.cold_start}
                if not args.no_load:
                    figures.update(run_load(target, args, conversations))
                if args.long:
                    figures.update(run_long(target, args.long, long_messages))
                figures["rss"] = max(load.memory_mb(pid) for pid in target.rasa_pids()) if target.rasa_pids() else None
                columns[target.name] = figures
            time.sleep(1)
        turns.append(columns)
    if args.repeat > 1:
        print_turn_ratios(turns)
        print(f"\nMédianes sur {args.repeat} tours :")
    print_table(turns)
    print(f"Charge de la machine à la fin : {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
