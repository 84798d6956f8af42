"""Time each observatory query on a tracker store made by scripts/generate_conversations.py.

    .venv/bin/python scripts/generate_conversations.py          # once: 52 000 conversations in var/bench/observatory/
    .venv/bin/python scripts/bench_observatory.py               # 30 days and 12 months up to today
    .venv/bin/python scripts/bench_observatory.py --tracker-store postgresql://… --database postgresql://…

Each query runs `--runs` times on each period; the first run and the best are printed, in
milliseconds, then the whole page (every query, as the console runs them). Nothing is asserted.
"""
import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench" / "observatory"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracker-store", default=f"sqlite:///{BENCH_DIR / 'trackers.db'}")
    parser.add_argument("--database", default=f"sqlite:///{BENCH_DIR / 'cotesoin.db'}")
    parser.add_argument("--end", type=date.fromisoformat, default=datetime.now(ZoneInfo("Europe/Paris")).date())
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"], os.environ["TRACKER_STORE_URL"] = args.database, args.tracker_store

    from sqlalchemy import func, select

    from bot.web.console.observatory import TABLES, _figures, to_csv
    from knowledge import migrate
    from knowledge.conversations import observatory
    from knowledge.conversations.observatory import Period
    from knowledge.coordination import transcripts

    with transcripts.engine().connect() as connection:
        events = connection.scalar(select(func.count()).select_from(transcripts.events))
        sessions = connection.scalar(select(func.count()).where(transcripts.events.c.type_name == "session_started"))
    print(f"{events} événements, {sessions} conversations ({transcripts.engine().dialect.name}) ; "
          f"{os.cpu_count()} cœurs, charge {'/'.join(f'{v:.2f}' for v in os.getloadavg())}")
    started = time.perf_counter()
    migrate.upgrade_conversations(transcripts.engine())
    print(f"index (déjà là ou créés) : {(time.perf_counter() - started) * 1000:.0f} ms")
    queries = {
        "activity (par jour)": lambda p: observatory.activity(p),
        "activity (par semaine)": lambda p: observatory.activity(p, "week"),
        "demand_by_topic": observatory.demand_by_topic,
        "demand_by_profession": observatory.demand_by_profession,
        "demand_by_commune": observatory.demand_by_commune,
        "unmet_demand": observatory.unmet_demand,
        "handoffs": observatory.handoffs,
        "misunderstood": observatory.misunderstood,
        "la page entière": _figures,
        "tous les CSV": lambda p: [to_csv(table, p) for table in TABLES.values()],
    }
    for days in (30, 365):
        period = Period(args.end - timedelta(days=days - 1), args.end)
        print(f"\nPériode de {days} jours ({period.start} → {period.end}) : première / meilleure (ms)")
        for name, query in queries.items():
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                query(period)
                times.append((time.perf_counter() - started) * 1000)
            print(f"  {name:<24} {times[0]:8.0f} {min(times):8.0f}   (médiane {statistics.median(times):.0f})")


if __name__ == "__main__":
    main()
