"""Helper of tests/test_speedups.py: parse the held-out messages with a model loaded by Rasa's own
code (`rasa`) or with bot/rasa_speedups.py (`fast`), predict the next action after each as the
first message of a conversation, and write what the model said as JSON.

    python -m tests.speedups_parse MODEL rasa|fast OUTPUT.json
"""
import asyncio
import json
import re
import sys
from pathlib import Path

import yaml

HELDOUT = Path(__file__).resolve().parent / "nlu" / "heldout.yml"
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")


def messages():
    texts = []
    for block in yaml.safe_load(HELDOUT.read_text())["nlu"]:
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(ANNOTATION.sub(r"\1", line[2:].strip()))
    return texts


async def parse_all(agent, texts):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    results = []
    # All at once, as when many people write together: each message must get its own parse.
    parses = await asyncio.gather(*(agent.parse_message(text) for text in texts))
    for text, parsed in zip(texts, parses):
        events = [ActionExecuted("action_listen"), UserUttered(text, parsed["intent"], parsed["entities"])]
        tracker = DialogueStateTracker.from_events("speedups", events, agent.domain.slots)
        prediction = agent.processor.predict_next_with_tracker(tracker)
        results.append({"text": text, "intent": parsed["intent"], "ranking": parsed.get("intent_ranking"),
                        "entities": parsed["entities"],
                        "next": sorted(prediction["scores"], key=lambda s: -s["score"])[:3],
                        "policy": prediction["policy"]})
    return results


def main(model: str, mode: str, output: str) -> None:
    if mode == "fast":
        from bot import rasa_speedups

        rasa_speedups.apply()
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    Path(output).write_text(json.dumps(asyncio.run(parse_all(agent, messages())), ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:4])
