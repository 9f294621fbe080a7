"""Mail servers that are down, each the way the standard library says so."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """Nothing listens on the SMTP port."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class TimingOutBackend(BaseEmailBackend):
    """The server accepts the connection, then never answers."""

    def send_messages(self, email_messages):
        raise TimeoutError("timed out")


class SMTPErrorBackend(BaseEmailBackend):
    """The server answers, and refuses."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
