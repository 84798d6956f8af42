"""Evaluate the trained NLU model on the held-out French test file (never trained on).

Prints intent accuracy, macro-F1, per-intent precision/recall/F1, entity scores, the most
frequent confusions and the misclassified messages; writes them under results/nlu/.
Exits with status 1 when intent accuracy is under MIN_INTENT_ACCURACY (default 0.90) or the
entity F1 (CRF, micro average over the four entities) under MIN_ENTITY_F1 (default 0.85).
"""
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bot import services
from bot import settings as bot_settings
from bot.cli import seed_demo_if_empty

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
OUT = ROOT / "results" / "nlu"


def table(rows, headers):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda values: "  ".join(str(v).ljust(w) for v, w in zip(values, widths))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def main() -> int:
    min_accuracy = float(os.environ.get("MIN_INTENT_ACCURACY", "0.90"))
    min_entity_f1 = float(os.environ.get("MIN_ENTITY_F1", "0.85"))
    settings = bot_settings.load()
    seed_demo_if_empty()
    model = services.train(settings)
    subprocess.run(
        [services.RASA, "test", "nlu", "--nlu", str(HELDOUT), "--model", str(model), "--domain", "domain",
         "--out", str(OUT), "--no-plot"],
        cwd=ROOT, env=settings.child_environment(), check=True, stdout=subprocess.DEVNULL,
    )
    intents = json.loads((OUT / "intent_report.json").read_text())
    accuracy = intents["accuracy"]
    macro_f1 = intents["macro avg"]["f1-score"]
    per_intent = sorted((k, v) for k, v in intents.items() if isinstance(v, dict) and "support" in v
                        and k not in ("macro avg", "weighted avg", "micro avg"))
    lines = [f"Held-out NLU evaluation ({HELDOUT.relative_to(ROOT)}, model {model.name})",
             f"Intent accuracy: {accuracy:.3f}   macro-F1: {macro_f1:.3f}", "",
             table([(k, f"{v['precision']:.2f}", f"{v['recall']:.2f}", f"{v['f1-score']:.2f}", v["support"])
                    for k, v in per_intent], ["intent", "precision", "recall", "f1", "support"])]

    entities = json.loads((OUT / "CRFEntityExtractor_report.json").read_text())
    entity_f1 = entities["micro avg"]["f1-score"]
    rows = [(k, f"{v['precision']:.2f}", f"{v['recall']:.2f}", f"{v['f1-score']:.2f}", v["support"])
            for k, v in sorted(entities.items()) if isinstance(v, dict) and k not in ("macro avg", "weighted avg")]
    lines += ["", f"Entities (CRF spans), micro-F1 {entity_f1:.3f}:",
              table(rows, ["entity", "precision", "recall", "f1", "support"])]

    errors = json.loads((OUT / "intent_errors.json").read_text()) if (OUT / "intent_errors.json").exists() else []
    pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    lines += ["", "Most frequent confusions (expected -> predicted):"]
    lines += [f"  {a} -> {b}: {n}" for (a, b), n in pairs.most_common(10)]
    lines += ["", f"Misclassified messages ({len(errors)}):"]
    lines += [f"  [{e['intent']} -> {e['intent_prediction']['name']}] {e['text']}" for e in errors]
    summary = "\n".join(lines)
    (OUT / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    print(summary)
    failures = []
    if accuracy < min_accuracy:
        failures.append(f"précision des intentions {accuracy:.3f} < {min_accuracy}")
    if entity_f1 < min_entity_f1:
        failures.append(f"F1 des entités {entity_f1:.3f} < {min_entity_f1}")
    if failures:
        print("\nÉCHEC : " + " ; ".join(failures), file=sys.stderr)
        return 1
    print(f"\nOK : précision des intentions {accuracy:.3f} ≥ {min_accuracy}, "
          f"F1 des entités {entity_f1:.3f} ≥ {min_entity_f1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
