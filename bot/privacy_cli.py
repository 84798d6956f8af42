"""`cotesoin privacy export|erase|purge`: personal data on written request, and the retention policy."""
import argparse
import json
import sys
from pathlib import Path

from knowledge.coordination import privacy


def cmd_export(args: argparse.Namespace) -> int:
    data = privacy.export(args.sender)
    if not any(data[key] for key in ("messages", "requests", "applications", "alerts", "plans")):
        print(f"Aucune donnée pour la conversation « {args.sender} ».", file=sys.stderr)
        return 1
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"Export écrit dans {args.out} ({len(data['messages'])} messages, {len(data['requests'])} demande(s)).")
    else:
        print(text)
    return 0


NO_TERMINAL = ("Pas de terminal pour confirmer l'effacement de « {sender} » : rien n'a été effacé. "
               "Ajoutez --yes pour effacer sans confirmation (dans un script, une tâche planifiée…).")


def cmd_erase(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            print(NO_TERMINAL.format(sender=args.sender), file=sys.stderr)
            return 2
        try:
            answer = input(f"Effacer définitivement la conversation « {args.sender} » et ses demandes ? [oui/non] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("oui", "o", "yes", "y"):
            print("Rien n'a été effacé.")
            return 1
    erased = privacy.erase(args.sender)
    print(f"Effacé : {erased.events} événements de conversation, {erased.requests} demande(s) avec leurs "
          f"coordonnées et notes, {erased.applications} candidature(s) avec leur CV, {erased.alerts} alerte(s), "
          f"{erased.plans} plan(s) d'installation et leur page.")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    result = privacy.purge(dry_run=args.dry_run)
    verb = "seraient supprimés" if result.dry_run else "supprimés"
    print(f"Conversations antérieures au {result.conversations_before:%d/%m/%Y} : {result.events} événements "
          f"({result.conversations} conversations) {verb}.")
    print(f"Demandes closes avant le {result.conversations_before:%d/%m/%Y} : {result.requests} {verb}.")
    print(f"Coordonnées de demandes closes avant le {result.contacts_closed_before:%d/%m/%Y} : {result.contacts} "
          f"{'seraient effacées' if result.dry_run else 'effacées'}.")
    print(f"Candidatures (et CV) envoyées ou enregistrées avant le {result.applications_before:%d/%m/%Y} : "
          f"{result.applications} {verb}.")
    print(f"Alertes arrêtées, ou jamais confirmées, depuis plus d'un mois : {result.alerts} {verb}.")
    print(f"Plans d'installation dont la page a expiré : {result.plans} {verb}.")
    print(f"Notes antérieures au {result.conversations_before:%d/%m/%Y} gardées avec leur demande : "
          f"{result.notes_masked} {'seraient masquées' if result.dry_run else 'masquées'} "
          "(noms, adresses, contacts).")
    return 0


def register(commands: "argparse._SubParsersAction") -> None:
    privacy_parser = commands.add_parser("privacy", help="données personnelles : export, effacement, purge")
    actions = privacy_parser.add_subparsers(dest="privacy_command", required=True)
    export = actions.add_parser("export", help="exporter en JSON tout ce qui est gardé d'une conversation")
    export.add_argument("sender", help="identifiant de conversation (telegram-123…, ou celui du site)")
    export.add_argument("--out", help="fichier où écrire (défaut : la sortie standard)")
    export.set_defaults(func=cmd_export)
    erase = actions.add_parser("erase", help="effacer une conversation, ses demandes et coordonnées")
    erase.add_argument("sender")
    erase.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")
    erase.set_defaults(func=cmd_erase)
    purge = actions.add_parser("purge",
                               help="appliquer les durées de conservation (knowledge/coordination/privacy.yml)")
    purge.add_argument("--dry-run", action="store_true", help="compter sans rien supprimer")
    purge.set_defaults(func=cmd_purge)
