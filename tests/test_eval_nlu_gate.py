"""The CI gate of scripts/eval_nlu.py on the external NLU set: its figures read from the scorer's last
line, exit 1 under MIN_EXTERNAL_INTENT_ACCURACY, and a missing set fails when REQUIRE_EXTERNAL_NLU=1
(as .ci/run sets it), skipped only otherwise. A fake scorer stands for ../shared/eval/eval_external.py;
the external set itself is never read here."""
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("eval_nlu", ROOT / "scripts" / "eval_nlu.py")
eval_nlu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(eval_nlu)

# The default thresholds of the script: held-out intent, held-out entities, external intent.
THRESHOLDS = dict(min_accuracy=0.90, min_entity_f1=0.85, min_external=0.93)
HELDOUT = dict(accuracy=0.95, entity_f1=0.98)


def fake_scorer(tmp_path: Path, intent_acc: str) -> Path:
    """A scorer printing a report whose last line holds the figures, like the external one."""
    scorer = tmp_path / "fake_scorer.py"
    scorer.write_text("print('97 messages')\n"
                      f"print('intent_acc={intent_acc} intent_f1=0.910 entity_f1=0.970')\n", encoding="utf-8")
    return scorer


def scored(tmp_path: Path, intent_acc: str):
    data = tmp_path / "set.yml"
    data.write_text("version: '3.1'\nnlu: []\n", encoding="utf-8")
    return eval_nlu.external_scores(tmp_path / "model.tar.gz", dict(os.environ), data=data,
                                    scorer=fake_scorer(tmp_path, intent_acc), out=tmp_path / "out")


@pytest.mark.parametrize("intent_acc, status", [("0.920", 1), ("0.929", 1), ("0.930", 0), ("0.955", 0)])
@pytest.mark.parametrize("required", [False, True])
def test_the_external_gate_is_0_93(tmp_path, intent_acc, status, required):
    external = scored(tmp_path, intent_acc)
    assert external == {"intent_acc": float(intent_acc), "intent_f1": 0.91, "entity_f1": 0.97}
    assert (tmp_path / "out" / "external.txt").read_text(encoding="utf-8").startswith("97 messages")
    code, said = eval_nlu.verdict(**HELDOUT, external=external, required=required, **THRESHOLDS)
    assert code == status
    assert ("jeu externe" in said and "< 0.93" in said) if status else "jeu externe 0.9" in said


def test_a_missing_set_fails_when_required(tmp_path):
    external = eval_nlu.external_scores(tmp_path / "model.tar.gz", dict(os.environ), data=tmp_path / "absent.yml",
                                        scorer=fake_scorer(tmp_path, "0.990"), out=tmp_path / "out")
    assert external is None
    code, said = eval_nlu.verdict(**HELDOUT, external=None, required=True, **THRESHOLDS)
    assert code == 1 and "REQUIRE_EXTERNAL_NLU" in said


def test_a_missing_set_is_skipped_only_when_not_required():
    code, said = eval_nlu.verdict(**HELDOUT, external=None, required=False, **THRESHOLDS)
    assert code == 0 and "ignoré" in said


def test_the_held_out_thresholds_still_fail_on_their_own():
    code, said = eval_nlu.verdict(accuracy=0.89, entity_f1=0.98, external={"intent_acc": 0.96}, required=True,
                                  **THRESHOLDS)
    assert code == 1 and "0.890 < 0.9" in said


@pytest.mark.parametrize("value, required", [("1", True), ("oui", True), ("", False), ("0", False)])
def test_require_external_nlu_is_read_from_the_environment(monkeypatch, value, required):
    monkeypatch.setenv("REQUIRE_EXTERNAL_NLU", value)
    assert eval_nlu.external_required() is required


def test_ci_requires_the_external_set():
    assert "export REQUIRE_EXTERNAL_NLU=1" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_a_failing_scorer_is_an_error_not_a_pass(tmp_path):
    scorer = tmp_path / "broken.py"
    scorer.write_text("import sys; print('modèle introuvable'); sys.exit(2)\n", encoding="utf-8")
    data = tmp_path / "set.yml"
    data.write_text("nlu: []\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="n'a pas pu être évalué"):
        eval_nlu.external_scores(tmp_path / "m.tar.gz", dict(os.environ), data=data, scorer=scorer, out=tmp_path)
