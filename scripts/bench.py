"""Benchmark: N simulated users holding French conversations over the REST channel.

Starts the action server and the Rasa server on the trained model (or uses --url), runs each
user's conversation closed-loop (next message when the previous answer arrives), and prints
p50/p95/p99 latency per message, messages per second and errors.

    .venv/bin/python scripts/bench.py --users 10 --rounds 5
"""
import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

import aiohttp

from bot import services
from bot import settings as bot_settings
from bot.cli import seed_demo_if_empty

# Realistic conversations: custom actions, the form and the database on most turns.
CONVERSATIONS = [
    ["bonjour", "je cherche un poste d'aide soignante", "a pornic", "oui", "merci"],
    ["salut", "un logement pour mon stage a paimboeuf ?", "et a vue ?", "au revoir"],
    ["offres IDE de nuit a st brevin", "et en cdd ?", "je voudrais parler a un conseiller"],
    ["c'est quoi le metier d'ASH", "comment devenir aide-soignant ?", "il y a des forums bientot ?"],
    ["une creche avec horaires decales a pornic", "pas de voiture, comment venir ?", "mon mari cherche du travail"],
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def user(session, url, index, rounds, latencies, errors):
    for round_ in range(rounds):
        sender = f"bench-{index}-{round_}-{uuid.uuid4().hex[:6]}"
        for message in CONVERSATIONS[(index + round_) % len(CONVERSATIONS)]:
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": message}) as response:
                    body = await response.json()
                    if response.status != 200 or not body:
                        errors.append(f"{response.status} {message!r}")
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                errors.append(f"{type(error).__name__} {message!r}")
            latencies.append((time.perf_counter() - started) * 1000)


async def drive(url, users, rounds):
    latencies, errors = [], []
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(user(session, url, i, rounds, latencies, errors) for i in range(users)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def report(users, latencies, errors, elapsed):
    print(f"{users} utilisateurs, {len(latencies)} messages en {elapsed:.1f} s")
    print(f"  latence p50 {statistics.median(latencies):.0f} ms · p95 {percentile(latencies, 0.95):.0f} ms"
          f" · p99 {percentile(latencies, 0.99):.0f} ms")
    print(f"  débit {len(latencies) / elapsed:.1f} messages/s · erreurs {len(errors)}")
    for error in errors[:5]:
        print(f"    {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="conversations per user")
    parser.add_argument("--url", help="REST webhook of a running assistant (default: start one)")
    args = parser.parse_args()
    if args.url:
        latencies, errors, elapsed = asyncio.run(drive(args.url, args.users, args.rounds))
        report(args.users, latencies, errors, elapsed)
        return 0
    settings = bot_settings.load()
    seed_demo_if_empty()
    assistant = services.Assistant(settings, services.train(settings))
    started = time.perf_counter()
    with assistant:
        print(f"Démarrage jusqu'au premier accueil : {time.perf_counter() - started:.1f} s")
        url = f"{settings.rasa_url}/webhooks/rest/webhook"
        asyncio.run(drive(url, 1, 1))  # warm-up
        latencies, errors, elapsed = asyncio.run(drive(url, args.users, args.rounds))
        report(args.users, latencies, errors, elapsed)
        for service in assistant.services:
            print(f"  mémoire max du {service.name} : {peak_rss_mb(service.process.pid):.0f} Mo")
    return 0


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
