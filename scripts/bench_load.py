"""The benchmark's load side: closed-loop users over the REST channel, figures, checks, memory.

Each simulated user holds conversations one message at a time (the next message leaves when the
previous answer has arrived). Afterwards every conversation is read back through Rasa's HTTP API
and checked: the stored user messages must be exactly the ones sent, in the same order, each
followed by an answer (nothing lost, duplicated or reordered).
"""
import asyncio
import itertools
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import aiohttp

# A turn: what the person writes, and a few words the answer must contain ("" = any answer).
Turn = Tuple[str, str]

# Ours: French written the way people write (no accents, SMS style, typos), on the topics the
# guichet answers from the partner database: job search (form, commune, contract), housing,
# childcare, mobility, professions, training, discovery, a coordinator (a request in the database).
OURS: List[List[Turn]] = [
    [("bonjour", "Côté Soin"), ("je cherche un poste d'aide soignante", "commune"), ("a rouans", "Rouans"),
     ("et en cdd ?", ""), ("merci", "")],
    [("salut", "Côté Soin"), ("un logement pour mon stage a paimboeuf ?", "Paimbœuf"), ("et a vue ?", "Vue"),
     ("au revoir", "")],
    [("offres IDE de nuit a st brevin", "Saint-Brevin"), ("et a pornic ?", "Pornic"),
     ("je voudrais parler a un conseiller", "demande n°")],
    [("c'est quoi le metier d'ASH", ""), ("comment devenir aide-soignant ?", ""),
     ("il y a des forums bientot ?", "")],
    [("jbosse de nuit, il me faut une creche a pornic", "Pornic"), ("pas de voiture, comment venir a paimboeuf ?", ""),
     ("mon mari cherche du travail", "")],
    [("je suis infirmiere et je veux m'installer en liberal", ""), ("quelles aides a st brevin ?", ""),
     ("ok merci beaucoup", "")],
]

# Stock: the data of `rasa init` (the "moodbot", in English).
STOCK: List[List[Turn]] = [
    # « I am sad », not « I am feeling very sad »: with our config.yml and rasa init's few examples,
    # the stock assistant reads the longer one as mood_great, and then has nothing to say to « yes ».
    [("hello", ""), ("I am sad", ""), ("yes", ""), ("goodbye", "")],
    [("hi there", ""), ("i'm great", ""), ("are you a bot?", ""), ("bye", "")],
    [("good morning", ""), ("my day was horrible", ""), ("no", ""), ("see you later", "")],
    [("hey", ""), ("I am amazing", ""), ("am I talking to a human?", ""), ("have a nice day", "")],
]

# One long conversation: questions answered by custom actions and the database, no form left open.
LONG_OURS: List[str] = [
    "je cherche un poste d'aide soignante a rouans", "et a pornic ?", "un logement a paimboeuf",
    "c'est quoi le metier d'ASH", "une creche a st brevin", "merci",
]
# rasa init's "anytime" rules answer these whatever came before.
LONG_STOCK: List[str] = ["are you a bot?", "bye", "am I talking to a human?", "see you later", "are you a human?",
                         "goodbye"]


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@dataclass
class Results:
    latencies: List[float] = field(default_factory=list)  # ms, one per message
    errors: List[str] = field(default_factory=list)  # HTTP errors, timeouts, empty answers
    unexpected: List[str] = field(default_factory=list)  # answers without the expected words
    sent: Dict[str, List[str]] = field(default_factory=dict)  # sender -> messages, in order
    elapsed: float = 0.0

    @property
    def messages(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.messages / self.elapsed if self.elapsed else 0.0

    def figures(self) -> Dict[str, float]:
        return {"p50": statistics.median(self.latencies), "p95": percentile(self.latencies, 0.95),
                "p99": percentile(self.latencies, 0.99), "msg/s": self.throughput,
                "errors": float(len(self.errors))}


def _texts(body) -> str:
    parts = []
    for reply in body or []:
        parts.append(reply.get("text") or "")
        parts.extend(button.get("title", "") for button in reply.get("buttons") or [])
    return "\n".join(parts)


async def say(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> Tuple[float, str, str]:
    """Send one message; (latency in ms, answer texts, error or "")."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": message}) as response:
            body = await response.json(content_type=None)
            error = "" if response.status == 200 and body else f"HTTP {response.status}, réponse {str(body)[:80]!r}"
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as failure:
        body, error = None, f"{type(failure).__name__} {failure}"
    return (time.perf_counter() - started) * 1000, _texts(body), error


class Budget:
    """How many messages are left to send (soak mode); None: no limit."""

    def __init__(self, total: Optional[int]):
        self.left = total

    def take(self, count: int) -> bool:
        if self.left is None:
            return True
        if self.left <= 0:
            return False
        self.left -= count
        return True


async def _user(session, url, index, conversations, rounds, budget: Budget, results: Results, prefix: str):
    for round_ in (range(rounds) if budget.left is None else itertools.count()):
        conversation = conversations[(index + round_) % len(conversations)]
        if not budget.take(len(conversation)):
            return
        sender = f"{prefix}-{index}-{round_}-{uuid.uuid4().hex[:6]}"
        results.sent[sender] = []
        for message, expected in conversation:
            latency, answer, error = await say(session, url, sender, message)
            results.latencies.append(latency)
            results.sent[sender].append(message)
            if error:
                results.errors.append(f"{sender} « {message} » : {error}")
            elif expected and expected not in answer:
                results.unexpected.append(f"{sender} « {message} » : « {expected} » absent de {answer[:120]!r}")


async def drive(url: str, users: int, conversations: List[List[Turn]], rounds: int = 3,
                total_messages: Optional[int] = None, prefix: str = "bench",
                results: Optional[Results] = None) -> Results:
    """`users` closed-loop users, each holding `rounds` conversations (or until `total_messages`)."""
    results = results if results is not None else Results()
    budget = Budget(total_messages)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120), connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(_user(session, url, i, conversations, rounds, budget, results, prefix)
                               for i in range(users)))
        results.elapsed = time.perf_counter() - started
    return results


async def long_conversation(url: str, messages: List[str], count: int) -> List[float]:
    """One conversation of `count` messages; the latency of each, in ms."""
    sender = f"long-{uuid.uuid4().hex[:8]}"
    latencies = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for k in range(count):
            latency, _, error = await say(session, url, sender, messages[k % len(messages)])
            if error:
                raise RuntimeError(f"message {k + 1} : {error}")
            latencies.append(latency)
    return latencies


def at_message(latencies: List[float], k: int, window: int = 5) -> float:
    """Latency of message k (1-based): median of the `window` messages ending at k (cuts noise)."""
    chunk = latencies[max(0, k - window):k]
    return statistics.median(chunk)


async def check_order(api_url: str, token: str, sent: Dict[str, List[str]], parallel: int = 8,
                      every_message_answered: bool = True) -> List[str]:
    """Read each conversation back (HTTP API) and compare with what was sent; the problems found.

    `every_message_answered`: each message must be followed by an answer (not so for the stock
    moodbot, which stays silent off its stories)."""
    problems: List[str] = []
    semaphore = asyncio.Semaphore(parallel)

    async def one(session, sender, messages):
        async with semaphore:
            async with session.get(f"{api_url}/conversations/{sender}/tracker",
                                   params={"token": token, "include_events": "ALL"}) as response:
                if response.status != 200:
                    problems.append(f"{sender} : conversation illisible (HTTP {response.status})")
                    return
                events = (await response.json())["events"]
        stored, answered = [], []
        for event in events:
            if event["event"] == "user" and not (event.get("text") or "").startswith("EXTERNAL"):
                stored.append(event.get("text"))
                answered.append(False)
            elif event["event"] == "bot" and answered:
                answered[-1] = True
        if stored != messages:
            problems.append(f"{sender} : envoyés {messages} ; enregistrés {stored}")
        elif every_message_answered and not all(answered):
            missing = [m for m, ok in zip(stored, answered) if not ok]
            problems.append(f"{sender} : sans réponse enregistrée : {missing}")

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(one(session, sender, messages) for sender, messages in sent.items()))
    return problems


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def memory_mb(pid: int, field_name: str = "VmHWM") -> float:
    """Resident memory of a process from /proc, in MB: VmHWM (peak) or VmRSS (now)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def sample_memory(pids: List[int], results: Results, every: float, stop: asyncio.Event,
                        samples: List[Tuple[float, int, float]]) -> None:
    """Every `every` seconds: (seconds, messages so far, RSS in MB summed over `pids`)."""
    started = time.perf_counter()
    while not stop.is_set():
        samples.append((time.perf_counter() - started, results.messages, sum(memory_mb(p, "VmRSS") for p in pids)))
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass
    samples.append((time.perf_counter() - started, results.messages, sum(memory_mb(p, "VmRSS") for p in pids)))
