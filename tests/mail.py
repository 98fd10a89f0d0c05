"""A real SMTP server on loopback (aiosmtpd), and the site's real worker as another process, for the
newsletter's tests."""

import email
import email.policy
import subprocess
import sys
import threading

from aiosmtpd.controller import Controller

from .serving import ROOT, free_port


class Mailbox:
    """Keeps every message the server accepts, parsed. ``hold_at`` (a count) makes the server stop
    before answering that message, until ``release()``: the moment a sender can die mid-send."""

    def __init__(self, hold_at=None, refuse=()):
        self.messages = []
        self.lock = threading.Lock()
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.released = threading.Event()
        self.refuse = {address.lower() for address in refuse}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
            count = len(self.messages)
        if self.hold_at is not None and count == self.hold_at:
            self.holding.set()
            self.released.wait(60)
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [message for recipients, message in self.messages if address in recipients]

    def release(self):
        self.released.set()


class SMTPServer:
    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.port = free_port()
        self.controller = Controller(mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.mailbox.release()
        self.controller.stop()

    def settings(self):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    def environment(self):
        return {name: str(value) for name, value in self.settings().items()}


def start_worker(environment):
    """``manage.py worker``, as production runs it, in its own process."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def text_part(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message):
    return message.get_body(preferencelist=("html",)).get_content()
