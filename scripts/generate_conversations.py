"""Write a year of realistic conversations into a tracker store, for the observatory's benchmark.

    .venv/bin/python scripts/generate_conversations.py                 # 52 000 conversations, var/bench/observatory/
    .venv/bin/python scripts/generate_conversations.py --conversations 5000 --replace
    .venv/bin/python scripts/generate_conversations.py --tracker-store postgresql://… --database postgresql://…

Events are written exactly as Rasa's SQLTrackerStore writes them (table `events`: type_name,
timestamp, intent_name, action_name = the slot's name for a slot event, data = the event as JSON),
with bulk inserts. Messages are the French training examples of nlu/intents/ with their entities
replaced by professions and communes of the demo data; channels are mixed (site web, Telegram,
REST); job searches find nothing when the demo data has no opening for them (as actions/jobs.py
records it: `jobs_offset` = 0); some people come back later (a new session carries the slots
over); some ask for a coordinator, and those requests are written to the partner database with
waiting and handling times and an outcome. By default both go to var/bench/observatory/, never to the
guichet's own files. The observatory's indexes are added at the end (knowledge.conversations.observatory).
"""
import argparse
import csv
import json
import math
import os
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench" / "observatory"
sys.path.insert(0, str(ROOT))

PARIS = ZoneInfo("Europe/Paris")
DEMO = ROOT / "knowledge" / "partners" / "demo"
ANNOTATION = re.compile(r"\[([^\]]+)\]\(([a-z_]+)\)")
TOPIC_INTENTS = {  # intent → (action, topic)
    "ask_profession": ("action_profession", "profession"), "ask_training": ("action_training", "training"),
    "ask_discovery": ("action_discovery", "discovery"), "ask_housing": ("action_housing", "housing"),
    "ask_childcare": ("action_childcare", "childcare"), "ask_mobility": ("action_mobility", "mobility"),
    "ask_spouse_job": ("action_spouse_job", "spouse_job"), "ask_installation": ("action_installation", "installation"),
    "ask_partners": ("action_partners", "partners"),
}
SCENARIOS = [("jobs", 36), ("topic", 41), ("misunderstood", 9), ("human", 3), ("smalltalk", 11)]
CHANNELS = [("socketio", 68), ("telegram", 27), ("rest", 5)]
OUTCOMES = [("answered", 50), ("called_back", 20), ("oriented", 22), ("no_reply", 8)]
PROFESSION_WEIGHTS = {"aide_soignant": 9, "infirmier": 8, "auxiliaire_de_vie": 6, "agent_service_hospitalier": 5,
                      "aide_a_domicile": 5, "accompagnant_educatif_social": 3, "medecin": 3, "kinesitherapeute": 2,
                      "auxiliaire_de_puericulture": 2, "sage_femme": 1, "ergotherapeute": 1, "orthophoniste": 1}
FALLBACK_TEXTS = [
    "rappelez moi au 06 {a} {b} {c} {d} svp", "mon numero c'est 07{a}{b}{c}{d} appelez moi",
    "vous pouvez m'ecrire a {name}.{surname}@gmail.com", "contactez moi : {name}{a}@orange.fr ou +33 6 {a} {b} {c} {d}",
    "j'ai envoyé mon cv hier, vous l'avez reçu ?", "c'est combien le smic en ce moment", "vous etes un robot ou pas",
    "ma candidature est en attente depuis 3 semaines", "je comprends rien", "bjr je voudrais des infos svp",
    "est ce que je peux venir avec mon chien au travail", "c'est quoi la convention collective 51",
    "faut il un permis pour etre aide a domicile", "le bus pour pornic passe a quelle heure le dimanche",
    "ou est ce que je peux faire une formation secourisme psc1", "quel est le salaire d'un infirmier de nuit",
]
NAMES = ["julie", "marie", "kevin", "sophie", "nadia", "thomas", "lea", "ines", "karim", "camille"]
SURNAMES = ["martin", "bernard", "dubois", "leroy", "moreau", "garcia", "petit", "roux"]


@dataclass
class Examples:
    by_intent: Dict[str, List[str]]

    @classmethod
    def load(cls) -> "Examples":
        by_intent: Dict[str, List[str]] = {}
        for path in sorted((ROOT / "nlu" / "intents").glob("*.yml")):
            for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
                if "intent" in block:
                    lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
                    by_intent.setdefault(block["intent"], []).extend(lines)
        return cls(by_intent)

    def pick(self, intent: str, rng: random.Random, wanted: Dict[str, str], words: Dict[str, str]) -> Tuple[str, Dict]:
        """An example of `intent` with its annotated entities replaced; returns (text, entities found)."""
        candidates = self.by_intent.get(intent) or ["bonjour"]
        kinds = {e: {k for _, k in ANNOTATION.findall(e)} for e in candidates}
        example = rng.choice([e for e in candidates if kinds[e] == set(wanted)]
                             or [e for e in candidates if kinds[e] <= set(wanted)] or candidates)
        entities: Dict[str, str] = {}

        def replace(match: re.Match) -> str:
            kind = match.group(2)
            if kind not in wanted:
                return match.group(1)
            entities[kind] = wanted[kind]
            return words.get(kind, match.group(1))

        return ANNOTATION.sub(replace, example), entities


@dataclass
class Demo:
    communes: List[str]
    commune_weights: List[float]
    professions: Dict[str, List[str]]  # code → ways of writing it
    openings: set  # (profession, commune, contract)

    @classmethod
    def load(cls) -> "Demo":
        with (DEMO / "communes.csv").open(encoding="utf-8") as file:
            communes = [row["nom"] for row in csv.DictReader(file)]
        weights = [6 if c == "Pornic" else 4 if c.startswith("Saint-Brevin") else 2 if c in (
            "Paimbœuf", "Sainte-Pazanne", "Chaumes-en-Retz", "Machecoul-Saint-Même") else 1 for c in communes]
        professions = {p["code"]: [p["libelle"].lower(), *p.get("synonymes", [])[:6]]
                       for p in yaml.safe_load((DEMO / "metiers.yml").read_text(encoding="utf-8"))}
        with (DEMO / "offres.csv").open(encoding="utf-8") as file:
            openings = {(row["metier"], row["commune"], row["contrat"]) for row in csv.DictReader(file)}
        return cls(communes, weights, professions, openings)

    def found(self, profession: str, commune: Optional[str], contract: Optional[str]) -> int:
        return sum(1 for p, c, k in self.openings
                   if p == profession and (commune is None or c == commune) and (contract is None or k == contract))


@dataclass
class Writer:
    """Rows of `events` and of `coordinator_requests`, flushed in bulk."""

    rows: List[Dict[str, Any]] = field(default_factory=list)
    requests: List[Dict[str, Any]] = field(default_factory=list)
    written: int = 0

    def event(self, sender: str, data: Dict[str, Any]) -> None:
        intent = (data.get("parse_data") or {}).get("intent", {}).get("name")
        self.rows.append({"sender_id": sender, "type_name": data["event"], "timestamp": data["timestamp"],
                          "intent_name": intent, "action_name": data.get("name"),
                          "data": json.dumps(data, ensure_ascii=False)})


@dataclass
class Person:
    sender: str
    channel: str
    slots: List[Tuple[str, Any]] = field(default_factory=list)  # every SlotSet of the session, in order


class Generator:
    def __init__(self, rng: random.Random, examples: Examples, demo: Demo, writer: Writer):
        self.rng, self.examples, self.demo, self.writer = rng, examples, demo, writer

    # -- events as Rasa writes them ------------------------------------------------------------------
    def action(self, person: Person, moment: float, name: str, confidence: float = 1.0) -> None:
        self.writer.event(person.sender, {"event": "action", "timestamp": moment, "metadata": {}, "name": name,
                                          "policy": "RulePolicy" if name != "action_listen" else None,
                                          "confidence": confidence, "action_text": None, "hide_rule_turn": False})

    def slot(self, person: Person, moment: float, name: str, value: Any, carried: bool = False) -> None:
        self.writer.event(person.sender, {"event": "slot", "timestamp": moment, "metadata": {}, "name": name,
                                          "value": value})
        if not carried:
            person.slots.append((name, value))

    def start(self, person: Person, moment: float) -> None:
        self.action(person, moment, "action_session_start")
        self.writer.event(person.sender, {"event": "session_started", "timestamp": moment, "metadata": {}})
        for name, value in person.slots:
            self.slot(person, moment, name, value, carried=True)
        self.action(person, moment, "action_listen")

    def user(self, person: Person, moment: float, text: str, intent: str, entities: Dict[str, str]) -> None:
        confidence = round(self.rng.uniform(0.3, 0.44) if intent == "nlu_fallback" else self.rng.uniform(0.6, 0.99), 3)
        ranking = [{"name": intent, "confidence": confidence},
                   {"name": "out_of_scope", "confidence": round((1 - confidence) / 2, 3)},
                   {"name": "help", "confidence": round((1 - confidence) / 4, 3)}]
        message_id = uuid.UUID(int=self.rng.getrandbits(128)).hex
        self.writer.event(person.sender, {
            "event": "user", "timestamp": moment, "metadata": {}, "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "entities": [{"entity": k, "value": v, "extractor": "CRFEntityExtractor"}
                                        for k, v in entities.items()],
                           "text": text, "message_id": message_id, "metadata": {}, "intent_ranking": ranking},
            "input_channel": person.channel, "message_id": message_id})
        for name, value in entities.items():
            self.slot(person, moment, name, value)

    def bot(self, person: Person, moment: float, text: str) -> None:
        self.writer.event(person.sender, {"event": "bot", "timestamp": moment, "metadata": {}, "text": text,
                                          "data": {"elements": None, "quick_replies": None, "buttons": None,
                                                   "attachment": None, "image": None, "custom": None}})

    def answer(self, person: Person, moment: float, action: str, text: str, **slots: Any) -> None:
        self.action(person, moment, action)
        for name, value in slots.items():
            self.slot(person, moment, name, value)
        self.bot(person, moment + 0.05, text)
        self.action(person, moment + 0.06, "action_listen")

    # -- conversations ---------------------------------------------------------------------------------
    def profession(self) -> str:
        codes = [c for c in PROFESSION_WEIGHTS if c in self.demo.professions]
        return self.rng.choices(codes, [PROFESSION_WEIGHTS[c] for c in codes])[0]

    def commune(self) -> str:
        return self.rng.choices(self.demo.communes, self.demo.commune_weights)[0]

    def say(self, person: Person, moment: float, intent: str, wanted: Dict[str, str]) -> Dict[str, str]:
        words = {k: (self.rng.choice(self.demo.professions[v]) if k == "profession" else v) for k, v in wanted.items()}
        text, entities = self.examples.pick(intent, self.rng, wanted, words)
        self.user(person, moment, text, intent, entities)
        return entities

    def conversation(self, person: Person, moment: float, scenario: str) -> float:
        """Write one session; returns when it ended."""
        rng = self.rng
        self.start(person, moment)
        t = moment + rng.uniform(0.5, 3)
        if rng.random() < 0.35:
            self.say(person, t, "greet", {})
            self.answer(person, t + 0.3, "utter_greet", "Bonjour ! Je suis l'assistant de Côté Soin…")
            t += rng.uniform(5, 40)
        if scenario == "jobs":
            t = self.job_search(person, t)
        elif scenario == "topic":
            for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
                intent = rng.choice(list(TOPIC_INTENTS))
                wanted = {"commune": self.commune()} if rng.random() < 0.6 else {}
                if intent in ("ask_profession", "ask_training") or rng.random() < 0.15:
                    wanted["profession"] = self.profession()
                self.say(person, t, intent, wanted)
                action, topic = TOPIC_INTENTS[intent]
                self.answer(person, t + 0.3, action, "Voici ce que j'ai trouvé…", topic=topic)
                t += rng.uniform(20, 240)
        elif scenario == "misunderstood":
            for _ in range(rng.choice([1, 1, 2])):
                if rng.random() < 0.55:
                    self.say(person, t, "out_of_scope", {})
                else:
                    text = rng.choice(FALLBACK_TEXTS).format(
                        a=f"{rng.randrange(100):02d}", b=f"{rng.randrange(100):02d}", c=f"{rng.randrange(100):02d}",
                        d=f"{rng.randrange(100):02d}", name=rng.choice(NAMES), surname=rng.choice(SURNAMES))
                    self.user(person, t, text, "nlu_fallback", {})
                self.answer(person, t + 0.3, "action_misunderstood", "Je n'ai pas bien compris…")
                t += rng.uniform(10, 90)
            if rng.random() < 0.3:
                t = self.ask_human(person, t, "")
        elif scenario == "human":
            t = self.ask_human(person, t, "")
        else:
            intent = rng.choice(["thanks", "bot_challenge", "help", "goodbye"])
            self.say(person, t, intent, {})
            self.answer(person, t + 0.3, f"utter_{intent}", "…")
            t += rng.uniform(5, 60)
        return t

    def job_search(self, person: Person, t: float) -> float:
        rng = self.rng
        profession, commune = self.profession(), self.commune() if rng.random() < 0.85 else "peu_importe"
        contract = rng.choice(["cdi", "cdd", "interim", "vacation", "liberal"]) if rng.random() < 0.25 else None
        wanted = {"profession": profession}
        if rng.random() < 0.55:
            wanted["commune"] = commune
        if contract:
            wanted["contract_type"] = contract
        said = self.say(person, t, "search_jobs", wanted)
        if "profession" not in said:
            said.update(self.say(person, t + 0.1, "inform", {"profession": profession}))
        if "commune" not in said:
            self.action(person, t + 0.3, "job_search_form")
            self.bot(person, t + 0.35, "Dans quelle commune du Pays de Retz souhaitez-vous travailler ?")
            self.action(person, t + 0.36, "action_listen")
            t += rng.uniform(5, 30)
            if commune == "peu_importe":
                self.user(person, t, "peu importe", "inform", {"commune": "peu_importe"})
            else:
                self.say(person, t, "inform", {"commune": commune})
        found = self.demo.found(profession, None if commune == "peu_importe" else commune, contract)
        shown = min(found, 5)
        self.answer(person, t + 0.4, "action_search_jobs", f"J'ai trouvé {found} offre(s)…" if found else
                    "Je n'ai trouvé aucune offre ouverte pour le moment…", topic="jobs", jobs_offset=float(shown),
                    pending=("more_jobs" if found > 5 else None) if found else "human")
        t += rng.uniform(20, 120)
        if not found and rng.random() < 0.08:
            t = self.ask_human(person, t, "jobs", {"profession": profession, "commune": commune,
                                                  **({"contract_type": contract} if contract else {})})
        elif found and rng.random() < 0.3:
            other = self.commune()
            self.say(person, t, "inform", {"commune": other})
            again = self.demo.found(profession, other, contract)
            self.answer(person, t + 0.4, "action_search_jobs", "…", topic="jobs", jobs_offset=float(min(again, 5)),
                        pending=None if again else "human")
            t += rng.uniform(20, 120)
        return t

    def ask_human(self, person: Person, t: float, topic: str, criteria: Optional[Dict[str, str]] = None) -> float:
        self.say(person, t, "request_human", {})
        self.answer(person, t + 0.3, "action_request_human", "C'est noté : votre demande est transmise…",
                    pending="callback")
        self.writer.requests.append({"sender_id": person.sender, "channel": person.channel, "topic": topic,
                                     "criteria": criteria or {}, "created_at": t})
        return t + self.rng.uniform(10, 60)


def moments(rng: random.Random, count: int, end: date, days: int) -> List[float]:
    """Start times over `days` days up to `end`: busier on weekdays and towards the end, 8 h–22 h Paris."""
    first = end - timedelta(days=days - 1)
    day_list = [first + timedelta(days=n) for n in range(days)]
    weights = [(1.0 if d.weekday() < 5 else 0.55) * (0.7 + 0.6 * n / days) * (1.25 if d.month in (3, 4, 9) else 1)
               for n, d in enumerate(day_list)]
    chosen = rng.choices(day_list, weights, k=count)
    hours = [rng.choices(range(24), [0, 0, 0, 0, 0, 0, 1, 2, 5, 7, 8, 7, 6, 7, 8, 8, 7, 6, 6, 6, 7, 6, 3, 1])[0]
             for _ in range(count)]
    return sorted(datetime(d.year, d.month, d.day, h, rng.randrange(60), rng.randrange(60), tzinfo=PARIS).timestamp()
                  for d, h in zip(chosen, hours))


def to_utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc).replace(tzinfo=None)


def handoff_rows(rng: random.Random, requests: List[Dict[str, Any]], now: float) -> List[Dict[str, Any]]:
    """Requests with claim and close times (minutes to days), an outcome; the most recent ones still open."""
    rows = []
    for request in requests:
        created = request["created_at"]
        waiting = rng.lognormvariate(math.log(45 * 60), 1.1)
        handling = rng.lognormvariate(math.log(25 * 60), 0.9)
        row = {**request, "created_at": to_utc(created), "status": "open", "claimed_at": None, "closed_at": None,
               "outcome": None}
        if created + waiting < now:
            row.update(status="claimed", claimed_at=to_utc(created + waiting))
            if created + waiting + handling < now:
                row.update(status="closed", closed_at=to_utc(created + waiting + handling),
                           outcome=rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0])
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=52_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", type=date.fromisoformat, default=datetime.now(PARIS).date(),
                        help="last day (AAAA-MM-JJ), today by default")
    parser.add_argument("--tracker-store", default=f"sqlite:///{BENCH_DIR / 'trackers.db'}")
    parser.add_argument("--database", default=f"sqlite:///{BENCH_DIR / 'cotesoin.db'}")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replace", action="store_true", help="empty the tracker store and the requests first")
    args = parser.parse_args()

    os.environ["DATABASE_URL"], os.environ["TRACKER_STORE_URL"] = args.database, args.tracker_store
    from sqlalchemy import delete, func, insert, select

    from knowledge import db, migrate, settings
    from knowledge.coordination import transcripts
    from knowledge.coordination.models import CoordinatorRequest
    from knowledge.partners import importer
    from knowledge.partners.models import Commune

    with db.session_scope() as session:
        if not session.scalar(select(func.count()).select_from(Commune)):
            importer.import_into(session, settings.DEMO_DIR)
    engine = transcripts.engine()
    transcripts._metadata.create_all(engine)
    with engine.connect() as connection:
        existing = connection.scalar(select(func.count()).select_from(transcripts.events))
    if existing and not args.replace:
        sys.exit(f"La base {args.tracker_store} contient déjà {existing} événements : relancez avec --replace.")
    if args.replace:
        transcripts._metadata.drop_all(engine)
        transcripts._metadata.create_all(engine)
        with db.session_scope() as session:
            session.execute(delete(CoordinatorRequest))

    rng = random.Random(args.seed)
    generator = Generator(rng, Examples.load(), Demo.load(), Writer())
    people: List[Person] = []
    started = time.perf_counter()
    total = 0
    now = datetime.combine(args.end + timedelta(days=1), datetime.min.time(), PARIS).timestamp()
    for moment in moments(rng, args.conversations, args.end, args.days):
        if people and rng.random() < 0.15:
            person = rng.choice(people[-5000:])  # someone coming back (a new session, slots carried over)
        else:
            channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
            sender = {"socketio": lambda: uuid.UUID(int=rng.getrandbits(128)).hex,
                      "telegram": lambda: f"telegram-{rng.randrange(10**8, 10**10)}",
                      "rest": lambda: f"rest-{rng.randrange(10**6)}"}[channel]()
            person = Person(sender, channel)
            people.append(person)
        person.slots = person.slots[-12:]  # Rasa carries the last session's slot events over
        scenario = rng.choices([s for s, _ in SCENARIOS], [w for _, w in SCENARIOS])[0]
        generator.conversation(person, moment, scenario)
        if len(generator.writer.rows) >= 20_000:
            total += flush(engine, transcripts.events, generator.writer.rows, insert)
    total += flush(engine, transcripts.events, generator.writer.rows, insert)
    requests = handoff_rows(rng, generator.writer.requests, now)
    with db.session_scope() as session:
        for first in range(0, len(requests), 5000):
            session.execute(insert(CoordinatorRequest), requests[first:first + 5000])
    written = time.perf_counter() - started
    started = time.perf_counter()
    migrate.upgrade_conversations(engine)  # the observatory's indexes (migrations/conversations/)
    indexed = time.perf_counter() - started
    print(f"{args.conversations} conversations de {len(people)} personnes, {total} événements, "
          f"{len(requests)} demandes de coordinateur·rice, du {args.end - timedelta(days=args.days - 1)} "
          f"au {args.end} ; écrits en {written:.1f} s, index en {indexed:.1f} s")
    print(f"  tracker store : {args.tracker_store}\n  base partenaires : {args.database}")


def flush(engine, table, rows: List[Dict[str, Any]], insert) -> int:
    count = len(rows)
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
    rows.clear()
    return count


if __name__ == "__main__":
    main()
