"""Send one message through the SMTP server of the settings (aiosmtplib)."""
import asyncio
from email.message import EmailMessage
from typing import Optional

import aiosmtplib

from knowledge.coordination import mail_settings
from knowledge.texts import text

TIMEOUT_SECONDS = 30
# The server could not be reached, did not answer in time or dropped the connection (aiosmtplib's
# connection and timeout errors are OSErrors).
UNREACHABLE = (OSError, asyncio.TimeoutError)
# Every way one message can fail to go: refused by the server, or the server unreachable.
SEND_ERRORS = (aiosmtplib.SMTPException, *UNREACHABLE)


async def deliver(message: EmailMessage, smtp: mail_settings.SmtpSettings) -> None:
    """Send `message` (raises on any SMTP or network error)."""
    await aiosmtplib.send(
        message, hostname=smtp.host, port=smtp.port, username=smtp.user or None,
        password=smtp.password or None, start_tls=smtp.starttls, timeout=TIMEOUT_SECONDS,
    )


class ServerUnreachable(ConnectionError):
    """Not tried: the server proved unreachable earlier in the same pass."""


class SmtpPass:
    """The e-mails of one pass of a sender (bot/mail/outbox.py, bot/alerts/send.py). Once the server
    proved unreachable, each other try would wait as long (up to TIMEOUT_SECONDS): `deliver` then
    raises ServerUnreachable at once, which the senders handle as any failure (back-off, or owed for
    the next pass). A message the server refused (a recipient, its content) does not stop the others."""

    def __init__(self, smtp: mail_settings.SmtpSettings):
        self.smtp = smtp
        self._unreachable: Optional[str] = None

    async def deliver(self, message: EmailMessage) -> None:
        if self._unreachable is not None:
            raise ServerUnreachable(text("mail.not_tried", reason=self._unreachable))
        try:
            await deliver(message, self.smtp)
        except UNREACHABLE as error:
            self._unreachable = str(error) or type(error).__name__
            raise
