"""`scripts/bench.py --repeat K`: the table gives each figure's median over the turns and each ratio
as the median of the turns' ratios; the ratio of messages per second is also printed turn by turn
(what `make bench` reports); a problem in any turn shows."""
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
_spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def turn(stock_rate, ours_rate, ours_cold=None):
    return {"Rasa d'origine": {"msg/s": stock_rate, "cold": 5.0},
            "Côté Soin": {"msg/s": ours_rate, "cold": ours_cold}}


def test_each_figure_is_its_median_over_the_turns():
    columns = bench.medians([turn(200, 100, 9.0), turn(100, 90, 7.0), turn(150, 180, None)])
    assert columns["Rasa d'origine"] == {"msg/s": 150, "cold": 5.0}
    # A turn without a figure (a running assistant has no cold start) does not count for it.
    assert columns["Côté Soin"] == {"msg/s": 100, "cold": 8.0}


def rate_row(capsys) -> list:
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("messages par seconde"))
    return row.split()[-3:]


def test_a_problem_in_any_turn_shows_in_the_table():
    turns = [turn(200, 100), turn(100, 90), turn(150, 180)]
    turns[1]["Côté Soin"]["errors"] = 2.0
    turns[0]["Côté Soin"]["errors"] = turns[2]["Côté Soin"]["errors"] = 0.0
    assert bench.medians(turns)["Côté Soin"]["errors"] == 2.0


def test_a_single_turn_is_printed_as_measured(capsys):
    bench.print_table([turn(200.0, 150.0)])
    assert rate_row(capsys) == ["200.0", "150.0", "0.75"]


def test_the_ratio_is_the_median_of_the_turns_ratios_not_of_two_medians(capsys):
    # Ratios 0.85, 0.74, 1.06: median 0.85; the medians of the columns (189.3, 139.9) would give 0.74.
    bench.print_table([turn(160.0, 136.0), turn(189.3, 139.9), turn(200.0, 212.0)])
    assert rate_row(capsys) == ["189.3", "139.9", "0.85"]


def test_the_ratio_is_printed_turn_by_turn(capsys):
    bench.print_turn_ratios([turn(200, 100), turn(100, 90), turn(150, 180)])
    assert "tour par tour : 0.50, 0.90, 1.20" in capsys.readouterr().out
