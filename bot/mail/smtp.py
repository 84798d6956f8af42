"""Send one message through the SMTP server of the settings (aiosmtplib)."""
from email.message import EmailMessage

import aiosmtplib

from knowledge.coordination import mail_settings


async def deliver(message: EmailMessage, smtp: mail_settings.SmtpSettings) -> None:
    """Send `message` (raises on any SMTP or network error)."""
    await aiosmtplib.send(
        message, hostname=smtp.host, port=smtp.port, username=smtp.user or None,
        password=smtp.password or None, start_tls=smtp.starttls, timeout=30,
    )
