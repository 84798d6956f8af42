"""The `cotesoin` command: import partner data, train, run the assistant."""
import argparse
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from bot import privacy_cli, services
from bot import settings as bot_settings
from bot.alerts import cli as alerts_cli
from bot.telegram import cli as telegram_cli
from bot.web.console import cli as console_cli
from knowledge import db, migrate
from knowledge import settings as knowledge_settings
from knowledge.partners import export, importer
from knowledge.settings import DEMO_DIR


def cmd_import(args: argparse.Namespace) -> int:
    try:
        report = importer.import_folder(Path(args.folder), dry_run=args.dry_run)
    except importer.ImportFailed as failure:
        print(f"Import refusé, rien n'a été importé ({len(failure.problems)} problème(s)) :", file=sys.stderr)
        for problem in failure.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"Aperçu de l'import de {args.folder} (rien n'a été écrit) :\n{report.preview()}\n"
              f"Pour importer : cotesoin import {args.folder}")
        return 0
    print(f"Import terminé depuis {args.folder} :\n{report.summary()}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if args.xlsx:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / export.WORKBOOK_FILE
        export.export_workbook(target)
        (folder / importer.METIERS_FILE).write_bytes(export.export_metiers())
        print(f"Export écrit : {target} et {folder / importer.METIERS_FILE}")
    else:
        written = export.export_folder(folder)
        print(f"Export écrit dans {folder} : {', '.join(p.name for p in written)}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    export.export_workbook(Path(args.file), with_rows=False)
    print(f"Modèle vide écrit : {args.file}")
    return 0


def upgrade_database() -> None:
    """Bring the partner database, and our additions to the conversations database, to the current
    schema (knowledge/migrate.py), saying what was done."""
    engine = db.make_engine(knowledge_settings.database_url())
    try:
        before, head = migrate.upgrade(engine), migrate.head()
    finally:
        engine.dispose()
    if before != head:
        print(f"Base de données mise à jour : schéma {before or 'initial'} → {head}.")
    engine = db.make_engine(knowledge_settings.tracker_store_url())
    try:
        before, head = migrate.upgrade_conversations(engine), migrate.conversations_head()
    finally:
        engine.dispose()
    if before != head:
        print(f"Base des conversations mise à jour : index de l'observatoire ({before or 'initial'} → {head}).")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    upgrade_database()
    print(f"Base de données au schéma {migrate.head()} ({knowledge_settings.database_url().split('://')[0]}).")
    return 0


def seed_demo_if_empty() -> None:
    if importer.database_is_empty():
        print(f"Base vide : import des données de démonstration ({DEMO_DIR}).")
        print(importer.import_folder(DEMO_DIR).summary())


def cmd_seed(args: argparse.Namespace) -> int:
    seed_demo_if_empty()
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    seed_demo_if_empty()
    print(f"Modèle : {services.train(bot_settings.load())}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = bot_settings.load()
    services.private_var_folder(settings.var_dir)
    upgrade_database()
    seed_demo_if_empty()
    model = services.train(settings)
    return services.Assistant(settings, model, web=True).serve(
        "Démarrage du serveur d'actions, du serveur Rasa et du site (environ 20 s)…",
        f"\nLe guichet Côté Soin est prêt.\n"
        f"  Ouvrez {settings.web_url} (la page publique et l'assistant)\n"
        f"  Console des coordinateur·rices : {settings.web_url}/console\n"
        f"    (créez un compte : .venv/bin/cotesoin coordinator add prenom.nom@exemple.fr)\n"
        f"  Canal REST : POST {settings.rasa_url}/webhooks/rest/webhook\n"
        f"    curl -s {settings.rasa_url}/webhooks/rest/webhook -H 'Content-Type: application/json' \\\n"
        f"         -d '{{\"sender\": \"moi\", \"message\": \"Bonjour\"}}'\n"
        f"  En ligne de commande : make shell\n"
        f"  API Rasa : {settings.rasa_url} (jeton : RASA_TOKEN, ou le fichier {settings.var_dir / 'rasa_token'})\n"
        f"  Journaux : {settings.var_dir / 'logs'}\n"
        f"Ctrl-C pour tout arrêter.",
    )


def cmd_shell(args: argparse.Namespace) -> int:
    """Talk to the assistant in the terminal (`rasa shell`), with the action server running."""
    settings = bot_settings.load()
    seed_demo_if_empty()
    model = services.train(settings)
    assistant = services.Assistant(settings, model)
    assistant.services = [assistant.actions]
    try:
        assistant.start()
        return subprocess.call(
            # Through bot/rasa_cli.py: log masking and the speed-ups, as the server has them.
            [sys.executable, "-m", "bot.rasa_cli", "shell", "--model", str(model), "--endpoints", "endpoints.yml"],
            cwd=services.PROJECT_ROOT, env=settings.child_environment(),
        )
    except KeyboardInterrupt:
        return 0
    finally:
        assistant.stop()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cotesoin", description="Guichet Côté Soin : données, entraînement, serveurs.")
    commands = root.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="importer un dossier de fichiers CSV et metiers.yml, ou un classeur .xlsx")
    imp.add_argument("folder", help="dossier contenant communes.csv, structures.csv, offres.csv, … ou classeur .xlsx")
    imp.add_argument("--dry-run", action="store_true",
                     help="montrer ce que l'import ajouterait ou changerait, sans rien écrire")
    imp.set_defaults(func=cmd_import)
    exp = commands.add_parser("export", help="écrire la base au format de l'import (CSV UTF-8, ou classeur .xlsx)")
    exp.add_argument("folder", help="dossier où écrire les fichiers")
    exp.add_argument("--xlsx", action="store_true", help=f"un classeur {export.WORKBOOK_FILE} au lieu des CSV")
    exp.set_defaults(func=cmd_export)
    tpl = commands.add_parser("template", help="écrire un classeur .xlsx vide, avec les listes de choix")
    tpl.add_argument("file", help="chemin du classeur à écrire, par exemple modele.xlsx")
    tpl.set_defaults(func=cmd_template)
    seed = commands.add_parser("seed", help="importer les données de démonstration si la base est vide")
    seed.set_defaults(func=cmd_seed)
    commands.add_parser("train", help="entraîner le modèle si les données ont changé").set_defaults(func=cmd_train)
    run = commands.add_parser("run", help="démarrer le guichet (serveur d'actions, serveur Rasa, site web)")
    run.set_defaults(func=cmd_run)
    commands.add_parser("shell", help="discuter avec le guichet dans le terminal").set_defaults(func=cmd_shell)
    database = commands.add_parser("db", help="bases de données").add_subparsers(dest="db", required=True)
    database.add_parser("upgrade", help="mettre les bases au schéma actuel (migrations/)").set_defaults(
        func=cmd_db_upgrade)
    telegram_cli.register(commands)
    console_cli.register(commands)
    privacy_cli.register(commands)
    alerts_cli.register(commands)
    return root


def main(argv: Optional[List[str]] = None) -> int:
    services.private_files()  # databases, logs, tokens: readable by this account only
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
