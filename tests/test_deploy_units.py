"""deploy/systemd: one unit per process, restarted on failure, reading the environment file, running
the same modules `cotesoin run` starts (issue 22, point 2)."""
import configparser
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot import services
from bot.settings import load

UNITS = Path(__file__).resolve().parent.parent / "deploy" / "systemd"
SERVICES = ["cotesoin-actions.service", "cotesoin-rasa.service", "cotesoin-web.service"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(UNITS / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize("name", SERVICES)
def test_each_process_has_a_unit_that_restarts_it_with_the_environment_file(name):
    service = unit(name)["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/cotesoin/cotesoin.env"
    assert service["UMask"] == "0077" and service["NoNewPrivileges"] == "yes"
    module = re.search(r"python -m (\S+)", service["ExecStart"]).group(1)
    assert importlib.util.find_spec(module) is not None
    assert "--auth-token" not in service["ExecStart"] and "RASA_TOKEN" not in service["ExecStart"]
    assert unit(name)["Install"]["WantedBy"] == "cotesoin.target"


def test_the_units_run_what_cotesoin_run_runs():
    """Same modules as bot/services.Assistant, so a fix there is a fix in production."""
    assistant = services.Assistant(load(), Path("models/cotesoin.tar.gz"), web=True)
    started = {" ".join(s.command[1:3]) for s in assistant.services}
    in_units = {" ".join(re.search(r"python (-m \S+)", unit(n)["Service"]["ExecStart"]).group(1).split())
                for n in SERVICES}
    assert started == in_units == {"-m rasa_sdk", "-m bot.rasa_run", "-m bot.web"}


def test_the_environment_file_names_every_variable_rasa_expands():
    names = set(re.findall(r"^([A-Z_]+)=", (UNITS / "cotesoin.env.example").read_text(), re.MULTILINE))
    needed = set()
    for config in ("credentials.yml", "endpoints.yml"):
        needed |= set(re.findall(r"\$\{([A-Z_]+)\}", (UNITS.parent.parent / config).read_text()))
    assert needed and needed <= names
    assert {"RASA_TOKEN", "REST_CHANNEL_TOKEN", "CONSOLE_SECRET_KEY", "DATABASE_URL"} <= names


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_systemd_accepts_the_units():
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *SERVICES, "cotesoin.target"], cwd=UNITS,
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if line.strip()
                and "/opt/cotesoin/.venv/bin/python is not executable" not in line]
    assert problems == []
