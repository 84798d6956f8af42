"""`cotesoin alerts list|send [--dry-run]`: the alert subscriptions, and sending what is due now
(confirmation links, then the day's digests) by hand; the web process sends them by itself
(bot/mail/outbox.py)."""
import argparse
import asyncio

from bot.alerts import send
from knowledge.coordination import alerts


def cmd_list(args: argparse.Namespace) -> int:
    subscriptions = alerts.list_subscriptions(active_only=not args.all)
    if not subscriptions:
        print("Aucune alerte active." if not args.all else "Aucune alerte.")
        return 0
    for sub in subscriptions:
        state = "active" if sub.active and sub.confirmed else ("à confirmer" if sub.active else "arrêtée")
        where = f"telegram {sub.chat_id}" if sub.chat_id is not None else sub.email
        last = f", dernier envoi {sub.last_digest_at:%d/%m/%Y %H:%M} UTC" if sub.last_digest_at else ""
        print(f"{sub.id}\t{state}\t{where}\t{send.describe(sub)}\tdepuis le {sub.created_at:%d/%m/%Y}{last}")
    return 0


async def _send(dry_run: bool) -> send.Report:
    report = send.Report()
    await send.send_confirmations(report, dry_run)
    daily = await send.send_daily(dry_run=dry_run)
    for name in ("digests", "openings", "failed", "reconsents"):
        setattr(report, name, getattr(report, name) + getattr(daily, name))
    report.planned += daily.planned
    return report


def cmd_send(args: argparse.Namespace) -> int:
    report = asyncio.run(_send(args.dry_run))
    for line in report.planned:
        print(("Serait envoyé : " if args.dry_run else "") + line)
    if not args.dry_run:
        print(f"Envoyé : {report.confirmations} lien(s) de confirmation, {report.reconsents} demande(s) de nouvel "
              f"accord, {report.digests} message(s) du jour "
              f"({report.openings} offre(s)) ; {report.failed} échec(s), repris au prochain passage.")
    return 1 if report.failed else 0


def register(commands: "argparse._SubParsersAction") -> None:
    parser = commands.add_parser("alerts", help="alertes de nouvelles offres : liste, envoi du jour")
    actions = parser.add_subparsers(dest="alerts_command", required=True)
    listing = actions.add_parser("list", help="les alertes actives (--all : aussi arrêtées ou à confirmer)")
    listing.add_argument("--all", action="store_true")
    listing.set_defaults(func=cmd_list)
    sending = actions.add_parser("send", help="envoyer ce qui est dû : liens de confirmation, messages du jour")
    sending.add_argument("--dry-run", action="store_true", help="montrer ce qui partirait, sans rien envoyer")
    sending.set_defaults(func=cmd_send)
