"""Summarise py-spy's collapsed stacks (`bench.py --profile DIR`): where a server spends its time.

    .venv/bin/python scripts/profile_summary.py var/bench/profile/rasa-*.txt [--top 30] [--match tensorflow]

Prints, for the busiest functions, the share of samples in which they are on the stack
(inclusive) and at the top of it (self), idle waits (epoll, select, locks) counted apart.
"""
import argparse
import re
from collections import Counter
from pathlib import Path

IDLE = re.compile(r"^(select|poll|epoll|_run_once|wait|acquire|_worker|sleep|run_forever)\b")
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^:]*):?(?P<line>\d*)\)$")


def short(frame: str) -> str:
    """`function (…/site-packages/rasa/core/processor.py:123)` -> `rasa/core/processor.py:function`."""
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "python3.10/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{match['function']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", help="only functions whose name or file contains this")
    args = parser.parse_args()
    inclusive, own = Counter(), Counter()
    total = idle = 0
    for path in args.files:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            count = int(count)
            frames = [short(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
            if not frames:
                continue
            total += count
            if IDLE.match(frames[-1].rsplit(":", 1)[-1]):
                idle += count
                continue
            for frame in set(frames):
                inclusive[frame] += count
            own[frames[-1]] += count
    busy = total - idle
    print(f"{total} échantillons, {busy} actifs ({100 * busy / max(total, 1):.0f} %), {idle} en attente")
    print(f"{'inclus':>7} {'propre':>7}  fonction (en % des échantillons actifs)")
    rows = [(frame, count) for frame, count in inclusive.most_common() if not args.match or args.match in frame]
    for frame, count in rows[:args.top]:
        print(f"{100 * count / busy:6.1f}% {100 * own[frame] / busy:6.1f}%  {frame}")


if __name__ == "__main__":
    main()
