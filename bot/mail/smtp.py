"""Send one message through the SMTP server of the settings (aiosmtplib)."""
import asyncio
from email.message import EmailMessage

import aiosmtplib

from knowledge.coordination import mail_settings

TIMEOUT_SECONDS = 30
# The server could not be reached, did not answer in time or dropped the connection (aiosmtplib's
# connection and timeout errors are OSErrors): every other message of the same pass would wait as
# long, so a sender stops its pass at the first one and the others go at a later pass. A message
# the server refused (a recipient, its content) does not stop the others.
UNREACHABLE = (OSError, asyncio.TimeoutError)


async def deliver(message: EmailMessage, smtp: mail_settings.SmtpSettings) -> None:
    """Send `message` (raises on any SMTP or network error)."""
    await aiosmtplib.send(
        message, hostname=smtp.host, port=smtp.port, username=smtp.user or None,
        password=smtp.password or None, start_tls=smtp.starttls, timeout=TIMEOUT_SECONDS,
    )
