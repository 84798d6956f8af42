"""A real SMTP server on loopback (aiosmtpd) for the application and alert tests."""
import asyncio
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import List

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Collects every message the server accepted."""

    def __init__(self) -> None:
        self.messages: List[EmailMessage] = []
        self.recipients: List[List[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1:`port`, which the test may stop and start again (SMTP down, then back)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server(monkeypatch):
    """A running SMTP server, and the SMTP_* settings pointing at it (no TLS on loopback)."""
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(server.port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    monkeypatch.setenv("MAIL_FROM", "Côté Soin <guichet@cotesoin.test>")
    yield server
    server.stop()


class DroppingServer:
    """A server on loopback that takes each connection and closes it at once (an SMTP server gone
    wrong), counting the connections."""

    def __init__(self) -> None:
        self.connections = 0
        self._server = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._drop, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _drop(self, reader, writer) -> None:
        self.connections += 1
        writer.close()

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def dropping_smtp(monkeypatch):
    """SMTP_* settings pointing at a DroppingServer."""
    server = DroppingServer()
    await server.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(server.port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    monkeypatch.setenv("MAIL_FROM", "Côté Soin <guichet@cotesoin.test>")
    yield server
    await server.stop()
