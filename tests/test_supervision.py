"""`cotesoin run`'s supervision (bot/services.Processes): a crashed server is started again, repeated
crashes stop everything, the stop survives a storm of signals, children die with their parent and
what it writes is private (issue 22, points 2, 11 and 13).

The processes are started here and stopped by their own pid or process group, never by name."""
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot import rasa_run, services

# A server that answers its health check, writes its pid to a file, and takes a moment to stop
# (as Rasa does). With a third argument it crashes that many seconds after starting.
SERVER = textwrap.dedent("""
    import http.server, os, signal, sys, threading, time
    with open(sys.argv[2], "a") as pids:
        pids.write(f"{os.getpid()}\\n")
    def slow_stop(*_):
        time.sleep(1)
        os._exit(0)
    signal.signal(signal.SIGTERM, slow_stop)
    if len(sys.argv) > 3:
        threading.Timer(float(sys.argv[3]), lambda: os._exit(3)).start()
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
""")

RUNNER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from bot import services
    from tests.guichet import free_port

    class Two(services.Processes):
        FIRST_PAUSE = 0.2
        RESTART_LIMIT = 3

        def __init__(self, folder, server, crash_after):
            folder = Path(folder)
            self.services = []
            for name in ("premier", "second"):
                port = free_port()
                extra = [crash_after] if crash_after and name == "second" else []
                self.services.append(services.Service(
                    f"serveur {name}", [sys.executable, "-c", server, str(port), str(folder / f"{name}.pids"), *extra],
                    f"http://127.0.0.1:{port}/", folder / "logs" / f"{name}.log"))

        def environment(self):
            return {}

    services.private_files()
    sys.exit(Two(sys.argv[1], sys.argv[2], sys.argv[3]).serve("Démarrage…", "prêt"))
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read().lower()
    except OSError:
        return False


def _pids(folder: Path, name: str):
    path = folder / f"{name}.pids"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _start_runner(folder: Path, crash_after: str = "") -> subprocess.Popen:
    """The runner in a process group of its own, like `make run` under a supervisor."""
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, str(folder), SERVER, crash_after],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    deadline = time.monotonic() + 30
    while runner.stdout.readline().strip() != "prêt":
        if time.monotonic() > deadline or runner.poll() is not None:
            runner.kill()
            pytest.fail(runner.stderr.read())
    return runner


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _cleanup(runner: subprocess.Popen, folder: Path) -> None:
    if runner.poll() is None:
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
    for name in ("premier", "second"):
        for pid in _pids(folder, name):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_killed_server_is_started_again_and_the_others_keep_running(tmp_path):
    runner = _start_runner(tmp_path)
    try:
        first, second = _pids(tmp_path, "premier")[0], _pids(tmp_path, "second")[0]
        os.kill(second, signal.SIGKILL)
        assert _wait_for(lambda: len(_pids(tmp_path, "second")) == 2 and _alive(_pids(tmp_path, "second")[1]), 15)
        time.sleep(1.5)
        assert runner.poll() is None and _alive(first)
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(30) == 0
        log = runner.stderr.read()
        assert "serveur second arrêté de façon inattendue (code -9) : redémarrage dans 0,2 s (tentative 1/2)" in log
        assert "serveur second redémarré." in log
        assert not _alive(first) and not _alive(_pids(tmp_path, "second")[1])
    finally:
        _cleanup(runner, tmp_path)


def test_a_server_that_keeps_crashing_stops_everything_with_the_reason(tmp_path):
    runner = _start_runner(tmp_path, crash_after="4")  # seen ready first, even on a loaded machine
    try:
        assert runner.wait(60) == 1
        log = runner.stderr.read()
        assert "serveur second : arrêté de façon inattendue (code 3) 3 fois en 10 minutes, abandon" in log
        assert log.count("redémarrage dans") == 2
        assert not any(_alive(pid) for name in ("premier", "second") for pid in _pids(tmp_path, name))
    finally:
        _cleanup(runner, tmp_path)


@pytest.mark.parametrize("first_pause", [0.0, 0.05, 0.3, 0.9])
def test_signalling_the_whole_group_again_and_again_while_it_stops_leaves_no_server(tmp_path, first_pause):
    runner = _start_runner(tmp_path)
    try:
        pids = _pids(tmp_path, "premier") + _pids(tmp_path, "second")
        os.killpg(runner.pid, signal.SIGTERM)
        time.sleep(first_pause)
        deadline = time.monotonic() + 10
        while runner.poll() is None and time.monotonic() < deadline:  # what `make` and supervisors do
            for signum in (signal.SIGTERM, signal.SIGINT):
                try:
                    os.killpg(runner.pid, signum)
                except ProcessLookupError:
                    break
            time.sleep(0.02)
        assert runner.wait(30) == 0, runner.stderr.read()
        assert "Traceback" not in runner.stderr.read()
        assert not [pid for pid in pids if _alive(pid)]
    finally:
        _cleanup(runner, tmp_path)


def test_servers_die_with_a_killed_parent(tmp_path):
    runner = _start_runner(tmp_path)
    try:
        pids = _pids(tmp_path, "premier") + _pids(tmp_path, "second")
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
        assert _wait_for(lambda: not any(_alive(pid) for pid in pids), 10)
    finally:
        _cleanup(runner, tmp_path)


def test_logs_and_their_folder_are_private(tmp_path):
    runner = _start_runner(tmp_path)
    try:
        runner.send_signal(signal.SIGTERM)
        runner.wait(30)
    finally:
        _cleanup(runner, tmp_path)
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "logs" / "premier.log").stat().st_mode) == 0o600


def test_an_old_world_readable_var_folder_is_made_private(tmp_path):
    (tmp_path / "logs").mkdir(mode=0o755)
    for path in (tmp_path / "cotesoin.db", tmp_path / "logs" / "rasa.log"):
        path.write_text("x")
        path.chmod(0o644)
    tmp_path.chmod(0o755)
    services.private_var_folder(tmp_path)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "cotesoin.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs" / "rasa.log").stat().st_mode) == 0o600


def test_the_rasa_token_is_not_on_the_command_line(tmp_path):
    settings = __import__("bot.settings", fromlist=["load"]).load()
    assistant = services.Assistant(settings, tmp_path / "model.tar.gz")
    assert settings.rasa_token not in " ".join(assistant.rasa.command)
    assert "--auth-token" not in assistant.rasa.command
    assert rasa_run.rasa_arguments(["--model", "m"], {"RASA_TOKEN": "secret"}) == [
        "rasa", "run", "--model", "m", "--auth-token", "secret"]


def test_cotesoin_db_upgrade_creates_private_databases(tmp_path):
    """`cotesoin db upgrade` on a fresh var folder, started with the usual umask (022): the SQLite
    files it creates are readable by this account only (bot/cli.main sets the umask first)."""
    var = tmp_path / "var"
    environ = {name: value for name, value in os.environ.items()
               if name not in ("DATABASE_URL", "TRACKER_STORE_URL", "COTESOIN_VAR_DIR")}
    environ.update(COTESOIN_VAR_DIR=str(var), PYTHONPATH=os.getcwd())
    result = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=environ, capture_output=True,
                            text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr[-2000:]
    for created in ("cotesoin.db", "trackers.db"):
        assert stat.S_IMODE((var / created).stat().st_mode) == 0o600, created
