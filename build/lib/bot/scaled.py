"""Several Rasa processes behind HAProxy, sharing a PostgreSQL tracker store and a Redis lock store.

`make run-scaled` (deploy/run-scaled) starts PostgreSQL and Redis, then this module: N pairs of
(action server, Rasa server) on their own ports, HAProxy in front of them on FRONT_PORT with
deploy/haproxy.cfg (each conversation always reaches the same process), and the web site pointed
at HAProxy. The benchmark starts the same thing with `bench.py --scaled 1 2`.

    .venv/bin/python -m bot.scaled            # settings from deploy/scaled.env, .env and the environment
"""
import argparse
import os
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional

from dotenv import dotenv_values

from bot import services
from bot import settings as bot_settings
from knowledge.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
HAPROXY_CONFIG = DEPLOY / "haproxy.cfg"
ENDPOINTS = DEPLOY / "endpoints-scaled.yml"
ENV_FILE = DEPLOY / "scaled.env"


def scaled_environment(overrides: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """deploy/scaled.env, under what .env and the environment already set."""
    values = {k: v for k, v in dotenv_values(ENV_FILE).items() if v is not None}
    values.update({k: v for k, v in os.environ.items() if k in values})
    values.update(overrides or {})
    return values


def haproxy_config(processes: int, folder: Path) -> Path:
    """deploy/haproxy.cfg as is for 2 processes; otherwise with one `server` line per process."""
    if processes == 2:
        return HAPROXY_CONFIG
    text = HAPROXY_CONFIG.read_text()
    servers = "".join(f'    server rasa{i} "${{COTESOIN_HOST}}:${{RASA{i}_PORT}}" check inter 2s\n'
                      for i in range(1, processes + 1))
    backend = re.compile(r"(backend conversations\n(?:    (?!server).*\n)*)((?:    server .*\n)+)")
    text = backend.sub(lambda m: m.group(1) + servers, text)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"haproxy-{processes}.cfg"
    path.write_text(text)
    return path


class ScaledAssistant(services.Processes):
    """N (action server, Rasa server) pairs, HAProxy in front, and optionally the web site."""

    def __init__(self, settings: bot_settings.Settings, model: Path, rasa_ports: List[int], action_ports: List[int],
                 front_port: int, env: Dict[str, str], web: bool = False):
        logs = settings.var_dir / "logs"
        self.settings = replace(settings, rasa_port=front_port)
        self.env = {**settings.child_environment(), **env, "SANIC_HOST": settings.host,
                    "COTESOIN_HOST": settings.host, "FRONT_PORT": str(front_port),
                    "RASA_PROCESSES": str(len(rasa_ports))}
        self.pairs: List[services.Service] = []
        self.rasa: List[services.Service] = []
        processes = len(rasa_ports)
        for i, (rasa_port, action_port) in enumerate(zip(rasa_ports, action_ports), start=1):
            self.env[f"RASA{i}_PORT"] = str(rasa_port)
            actions = services.Service(
                f"serveur d'actions {i}",
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
                f"http://{settings.host}:{action_port}/health", logs / f"actions-{i}.log")
            rasa = services.Service(
                f"serveur Rasa {i}",
                [sys.executable, "-m", "bot.rasa_run", "--model", str(model), "--enable-api",
                 "--interface", settings.host, "--port", str(rasa_port),
                 "--credentials", "credentials.yml", "--endpoints", str(ENDPOINTS)],
                f"http://{settings.host}:{rasa_port}/", logs / f"rasa-{i}.log")
            rasa.extra_env = {"ACTION_ENDPOINT_URL": f"http://{settings.host}:{action_port}/webhook"}
            self.pairs += [actions, rasa]
            self.rasa.append(rasa)
        config = haproxy_config(processes, settings.var_dir)
        # Ready once HAProxy has every Rasa process in rotation (deploy/haproxy.cfg, monitor-uri).
        self.haproxy = services.Service("HAProxy", [shutil.which("haproxy") or "haproxy", "-db", "-f", str(config)],
                                        f"http://{settings.host}:{front_port}/haproxy-ready", logs / "haproxy.log")
        self.web = services.web_service(settings, front_port)
        self.services = [*self.pairs, self.haproxy, *([self.web] if web else [])]

    def environment(self) -> dict:
        return self.env

    def start(self, timeout: float = 600) -> None:
        super().start(timeout)


def from_settings(web: bool = True, processes: Optional[int] = None) -> ScaledAssistant:
    env = scaled_environment()
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "TRACKER_STORE_URL")})
    settings = bot_settings.load()
    from bot.cli import seed_demo_if_empty

    seed_demo_if_empty()
    model = services.train(settings)
    processes = processes or int(env["RASA_PROCESSES"])
    numbers = range(1, processes + 1)
    return ScaledAssistant(settings, model, [int(env["RASA_BASE_PORT"]) + i for i in numbers],
                           [int(env["ACTION_BASE_PORT"]) + i for i in numbers], int(env["FRONT_PORT"]), env, web=web)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, help="Rasa processes (default: RASA_PROCESSES of deploy/scaled.env)")
    args = parser.parse_args(argv)
    assistant = from_settings(web=True, processes=args.processes)
    return assistant.serve(
        f"Démarrage de {len(assistant.rasa)} serveurs Rasa, de leurs serveurs d'actions, de HAProxy et du site…",
        f"\nLe guichet Côté Soin est prêt ({len(assistant.rasa)} processus Rasa derrière HAProxy).\n"
        f"  Site : {assistant.settings.web_url}\n"
        f"  Canal REST et API Rasa : {assistant.settings.rasa_url} (HAProxy)\n"
        f"  Processus Rasa : {', '.join(s.health_url for s in assistant.rasa)}\n"
        f"  Journaux : {assistant.settings.var_dir / 'logs'}\nCtrl-C pour tout arrêter.")


if __name__ == "__main__":
    sys.exit(main())
