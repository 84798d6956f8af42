"""bot/services.Processes.serve: the assistant's servers are stopped whatever signals arrive."""
import os
import signal
import subprocess
import sys
import textwrap
import time

from tests.guichet import free_port

# A server that answers its health check and, asked to stop, takes a moment (as Rasa does).
SLOW_SERVER = textwrap.dedent("""
    import http.server, signal, sys, time
    def slow_stop(*_):
        time.sleep(2)
        sys.exit(0)
    signal.signal(signal.SIGTERM, slow_stop)
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
""")

RUNNER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from bot import services

    class One(services.Processes):
        def __init__(self, port, folder):
            self.services = [services.Service("serveur lent", [sys.executable, "-c", sys.argv[3], str(port)],
                                              f"http://127.0.0.1:{port}/", Path(folder) / "slow.log")]
        def environment(self):
            return {}

    sys.exit(One(int(sys.argv[1]), sys.argv[2]).serve("Démarrage…", "prêt"))
""")


def test_a_second_sigterm_during_the_stop_still_stops_every_server(tmp_path):
    port = free_port()
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, str(port), str(tmp_path), SLOW_SERVER],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    deadline = time.monotonic() + 30
    while runner.stdout.readline().strip() != "prêt":
        assert time.monotonic() < deadline and runner.poll() is None, runner.stderr.read()
    found = subprocess.run(["pgrep", "-f", f"serve_forever.*{port}"], capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split() if int(pid) != runner.pid]
    assert pids, "le serveur lent n'a pas été trouvé"

    runner.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # the runner is now waiting for the slow server to stop
    runner.send_signal(signal.SIGTERM)

    assert runner.wait(30) == 0, runner.stderr.read()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()
