"""Evaluate the trained NLU model on the held-out French test file (never trained on), then on the
external set written outside the team (../shared/eval/nlu_external_dev.yml, beside the clone).

Prints intent accuracy, macro-F1, per-intent precision/recall/F1, entity scores, the most
frequent confusions and the misclassified messages; writes them under results/nlu/ (the external
set's report in results/nlu/external.txt, its predictions in results/nlu/external.json).
Exits with status 1 when the held-out intent accuracy is under MIN_INTENT_ACCURACY (default 0.90),
its entity F1 (CRF, micro average over the four entities) under MIN_ENTITY_F1 (default 0.85), or
the external intent accuracy under MIN_EXTERNAL_INTENT_ACCURACY (default 0.93). When the external set
or its scorer is absent (EXTERNAL_NLU_DATA names another file), it fails too if REQUIRE_EXTERNAL_NLU=1
(set by .ci/run), and is skipped with a message otherwise.
"""
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, Optional, Tuple

from bot import services
from bot import settings as bot_settings
from bot.cli import seed_demo_if_empty

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
OUT = ROOT / "results" / "nlu"
EXTERNAL_DIR = ROOT.parent / "shared" / "eval"
EXTERNAL_SCORER = EXTERNAL_DIR / "eval_external.py"
EXTERNAL_DATA = Path(os.environ.get("EXTERNAL_NLU_DATA", EXTERNAL_DIR / "nlu_external_dev.yml"))


def table(rows, headers):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda values: "  ".join(str(v).ljust(w) for v, w in zip(values, widths))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def external_scores(model: Path, environment: dict, data: Path = EXTERNAL_DATA, scorer: Path = EXTERNAL_SCORER,
                    out: Path = OUT) -> Optional[Dict[str, float]]:
    """The external set's figures (intent_acc, intent_f1, entity_f1) from its own scorer, its report
    written to `out`/external.txt; None when the set or its scorer is absent."""
    missing = [path for path in (data, scorer) if not path.is_file()]
    if missing:
        print(f"\nJeu externe introuvable : {', '.join(map(str, missing))} "
              f"(il est attendu dans ../shared/eval/, à côté du dépôt).")
        return None
    run = subprocess.run(
        [sys.executable, str(scorer), "--model", str(model), "--project", str(ROOT),
         "--data", str(data), "--errors", "--out", str(out / "external.json")],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )
    report = run.stdout.strip()
    out.mkdir(parents=True, exist_ok=True)
    (out / "external.txt").write_text(report + "\n", encoding="utf-8")
    last = report.splitlines()[-1] if report else ""
    scores = dict(re.findall(r"(\w+)=([0-9.]+)", last))
    if run.returncode != 0 or "intent_acc" not in scores:
        raise RuntimeError(f"le jeu externe n'a pas pu être évalué : {last or run.stderr.strip()[-500:]}")
    return {name: float(value) for name, value in scores.items()}


def external_required() -> bool:
    """REQUIRE_EXTERNAL_NLU=1 (set by .ci/run): a missing external set fails instead of being skipped."""
    return os.environ.get("REQUIRE_EXTERNAL_NLU", "").strip().lower() in ("1", "true", "yes", "oui")


def verdict(accuracy: float, entity_f1: float, external: Optional[Dict[str, float]], required: bool,
            min_accuracy: float, min_entity_f1: float, min_external: float) -> Tuple[int, str]:
    """(exit status, French line): 1 under any threshold, or when the external set is required and
    was not scored; 0 otherwise (the external set then skipped only when not required)."""
    failures = []
    if accuracy < min_accuracy:
        failures.append(f"précision des intentions {accuracy:.3f} < {min_accuracy}")
    if entity_f1 < min_entity_f1:
        failures.append(f"F1 des entités {entity_f1:.3f} < {min_entity_f1}")
    if external is None and required:
        failures.append("jeu externe exigé (REQUIRE_EXTERNAL_NLU) mais introuvable")
    if external is not None and external["intent_acc"] < min_external:
        failures.append(f"précision des intentions sur le jeu externe {external['intent_acc']:.3f} < {min_external}")
    if failures:
        return 1, "ÉCHEC : " + " ; ".join(failures)
    return 0, (f"OK : précision des intentions {accuracy:.3f} ≥ {min_accuracy}, "
               f"F1 des entités {entity_f1:.3f} ≥ {min_entity_f1}, "
               + (f"jeu externe {external['intent_acc']:.3f} ≥ {min_external}" if external is not None
                  else "jeu externe ignoré (absent, non exigé)"))


def main() -> int:
    min_accuracy = float(os.environ.get("MIN_INTENT_ACCURACY", "0.90"))
    min_entity_f1 = float(os.environ.get("MIN_ENTITY_F1", "0.85"))
    min_external = float(os.environ.get("MIN_EXTERNAL_INTENT_ACCURACY", "0.93"))
    settings = bot_settings.load()
    seed_demo_if_empty()
    model = services.train(settings)
    subprocess.run(
        [services.RASA, "test", "nlu", "--nlu", str(HELDOUT), "--model", str(model), "--domain", "domain.yml",
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
    external = external_scores(model, settings.child_environment())
    if external is not None:
        lines += ["", f"External set ({EXTERNAL_DATA.name}, written outside the team; details in "
                      f"{(OUT / 'external.txt').relative_to(ROOT)}):",
                  f"Intent accuracy: {external['intent_acc']:.3f}   macro-F1: {external['intent_f1']:.3f}   "
                  f"entity F1: {external['entity_f1']:.3f}"]
    summary = "\n".join(lines)
    (OUT / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    print(summary)
    status, said = verdict(accuracy, entity_f1, external, external_required(), min_accuracy, min_entity_f1,
                           min_external)
    print("\n" + said, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
