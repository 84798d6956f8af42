"""`cotesoin coordinator add EMAIL`, `… list` and `… remove EMAIL`: the console's accounts."""
import argparse
import getpass
import sys

from knowledge.coordination import accounts


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"Mot de passe ({accounts.MIN_PASSWORD_CHARS} caractères au moins) : ")
    if getpass.getpass("Le même, encore une fois : ") != first:
        raise accounts.AccountError("Les deux mots de passe ne sont pas identiques.")
    return first


def cmd_add(args: argparse.Namespace) -> int:
    try:
        coordinator = accounts.add_coordinator(args.email, _password(args), args.name or "")
    except accounts.AccountError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    print(f"Compte prêt : {coordinator.name} <{coordinator.email}>. Connexion sur /console/connexion.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    coordinators = accounts.list_coordinators()
    for coordinator in coordinators:
        print(f"{coordinator.email}\t{coordinator.name}")
    if not coordinators:
        print("Aucun compte. Créez-en un : cotesoin coordinator add prenom.nom@exemple.fr")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    if not accounts.remove_coordinator(args.email):
        print(f"Aucun compte actif « {args.email} ».", file=sys.stderr)
        return 1
    print(f"Compte {args.email} désactivé ; ses sessions sont fermées.")
    return 0


def register(commands: "argparse._SubParsersAction") -> None:
    coordinator = commands.add_parser("coordinator", help="comptes de la console des coordinateur·rices")
    actions = coordinator.add_subparsers(dest="coordinator_command", required=True)
    add = actions.add_parser("add", help="créer un compte (ou changer son mot de passe et le débloquer)")
    add.add_argument("email")
    add.add_argument("--name", help="nom affiché aux personnes (défaut : tiré de l'adresse)")
    add.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard")
    add.set_defaults(func=cmd_add)
    actions.add_parser("list", help="lister les comptes actifs").set_defaults(func=cmd_list)
    remove = actions.add_parser("remove", help="désactiver un compte et fermer toutes ses sessions")
    remove.add_argument("email")
    remove.set_defaults(func=cmd_remove)
