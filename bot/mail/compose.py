"""Build the e-mails of the outbox from the French templates (plain-text and HTML parts): an
application (reply-to the candidate, the CV attached) and an installation plan."""
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import List, Optional

import jinja2

from knowledge.coordination.applications import ApplicationInfo, apply_url, email_address
from knowledge.coordination.plans import PlanInfo
from knowledge.texts import text

TEMPLATES = Path(__file__).resolve().parent / "templates"
_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    keep_trailing_newline=True,
)


def render(name: str, **values) -> str:
    return _environment.get_template(name).render(**values)


def application_message(application: ApplicationInfo, mail_from: str) -> EmailMessage:
    """The e-mail to the opening's contact; its Message-ID is derived from the reference, so a
    recipient can tell a resent copy from a new application."""
    reply_to: Optional[str] = email_address(application.contact)
    message = EmailMessage()
    message["Subject"] = text("mail.application_subject", title=application.opening_title, name=application.name,
                              reference=application.reference)
    message["From"] = mail_from
    message["To"] = email_address(application.recipient)
    if reply_to:
        message["Reply-To"] = formataddr((application.name, reply_to))
    domain = parseaddr(mail_from)[1].partition("@")[2] or "cotesoin.local"
    message["Message-ID"] = f"<{application.reference}.candidature@{domain}>"
    message.set_content(render("application.txt", a=application, reply_to=reply_to))
    message.add_alternative(render("application.html", a=application, reply_to=reply_to), subtype="html")
    if application.cv_path and Path(application.cv_path).is_file():
        maintype, _, subtype = (application.cv_type or "application/octet-stream").partition("/")
        message.add_attachment(Path(application.cv_path).read_bytes(), maintype=maintype, subtype=subtype,
                               filename=application.cv_filename or "cv")
    return message


def plan_message(plan: PlanInfo, situation: List[str], page_url: str, mail_from: str) -> EmailMessage:
    """« Recevoir mon plan » by e-mail: the page's link and every section, with the openings'
    « Postuler » links; its Message-ID is derived from the plan, so a resent copy is recognisable."""
    message = EmailMessage()
    message["Subject"] = text("mail.plan_subject")
    message["From"] = mail_from
    message["To"] = plan.email
    domain = parseaddr(mail_from)[1].partition("@")[2] or "cotesoin.local"
    message["Message-ID"] = f"<plan-{plan.id}-{plan.updated_at:%Y%m%d%H%M%S}@{domain}>"
    values = {"plan": plan, "situation": situation, "page_url": page_url, "apply_url": apply_url,
              "expires": f"{plan.expires_at:%d/%m/%Y}"}
    message.set_content(render("plan.txt", **values))
    message.add_alternative(render("plan.html", **values), subtype="html")
    return message
