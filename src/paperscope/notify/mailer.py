"""SMTP through the standard library: none, STARTTLS or SSL, optional auth (Settings.smtp_*).

`Connection.deliver` sends one message in two phases so that the caller can record
"sending" in its database *after* the whole body is on the wire and *before* the final
`.` that makes the server accept it (see docs/digests.md): a crash before the dot leaves
nothing delivered (the server drops an unfinished DATA); the only ambiguous moment is
between the caller's commit and the one write of the dot.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from types import TracebackType

from paperscope.config import Settings
from paperscope.errors import ConfigError

SECURITY = ("none", "starttls", "ssl")
WIRE_POLICY = SMTP_POLICY.clone(refold_source="none")
"""CRLF and folded headers, except a raw header value (`set_raw`), which is written as it
is: List-Unsubscribe keeps its `<https://…>` on one line (see messages.digest_message)."""
TIMEOUT = 30.0


class SendError(Exception):
    """The server refused the message or could not be reached; `temporary` for 4xx/network."""

    def __init__(
        self,
        message: str,
        *,
        temporary: bool = True,
        ambiguous: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.ambiguous = ambiguous
        """The final dot was sent but no reply came: the server may have accepted it."""
        self.unreachable = unreachable


class Abandoned(Exception):
    """The caller declined to finish the message (someone else already claimed it)."""


class MailConnection:
    """One SMTP session; use as a context manager."""

    def __init__(self, settings: Settings) -> None:
        if settings.smtp_security not in SECURITY:
            raise ConfigError(f"smtp_security must be one of {', '.join(SECURITY)}")
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> MailConnection:
        settings = self.settings
        try:
            if settings.smtp_security == "ssl":
                context = ssl.create_default_context()
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.smtp_host, settings.smtp_port, timeout=TIMEOUT, context=context
                )
            else:
                smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
                if settings.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo_or_helo_if_needed()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
        except (OSError, smtplib.SMTPException) as error:
            raise SendError(
                f"cannot reach SMTP server {settings.smtp_host}:{settings.smtp_port}: {error}",
                unreachable=True,
            ) from error
        self.smtp = smtp
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def deliver(
        self, message: EmailMessage, before_commit: Callable[[], bool] | None = None
    ) -> str:
        """Send `message`; `before_commit` runs after the body, before the final dot.

        If it returns False the session is dropped without the dot (nothing is delivered)
        and Abandoned is raised. Returns the server's reply to the dot.
        """
        smtp = self.smtp
        if smtp is None:
            raise RuntimeError("not connected")
        sender = parseaddr(str(message["From"]))[1]
        recipient = parseaddr(str(message["To"]))[1]
        body = message.as_bytes(policy=WIRE_POLICY)
        body = re.sub(rb"(?m)^\.", b"..", body)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        dot_sent = False
        try:
            self._expect(smtp.mail(sender), 250, "MAIL FROM")
            self._expect(smtp.rcpt(recipient), (250, 251), "RCPT TO")
            smtp.putcmd("data")
            self._expect(smtp.getreply(), 354, "DATA")
            smtp.send(body)
            if before_commit is not None and not before_commit():
                smtp.close()
                self.smtp = None
                raise Abandoned
            smtp.send(b".\r\n")
            dot_sent = True
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise SendError(f"SMTP error: {error}", ambiguous=dot_sent) from error
        if code != 250:
            smtp.rset()
            raise SendError(
                f"server refused the message: {code} {reply.decode(errors='replace')}",
                temporary=400 <= code < 500,
            )
        return f"{code} {reply.decode(errors='replace')}"

    def _expect(self, reply: tuple[int, bytes], codes: int | tuple[int, ...], step: str) -> None:
        wanted = (codes,) if isinstance(codes, int) else codes
        code, text = reply
        if code not in wanted:
            smtp = self.smtp
            if smtp is not None:
                try:
                    smtp.rset()
                except (OSError, smtplib.SMTPException):
                    self.close()
            raise SendError(
                f"{step} refused: {code} {text.decode(errors='replace')}",
                temporary=400 <= code < 500 or code < 200,
            )


def send_one(settings: Settings, message: EmailMessage) -> None:
    """Send a transactional message (sign-in or confirmation link); SendError on failure."""
    with MailConnection(settings) as connection:
        connection.deliver(message)
