"""Emails: digests (HTML + plain text, Daily Papers layout) and sign-in / confirmation links.

Templates live in `notify/templates/`; the HTML ones are autoescaped, so a hostile
title or abstract is shown as text, never as markup, and an `href` holds only a URL that
passes the test `safe_url` (the web's rule, `untrusted.safe_url`).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from paperscope.config import Settings
from paperscope.notify.entries import DigestItem
from paperscope.untrusted import is_safe_url, safe_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
ABSTRACT_CHARS = 600


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["clip"] = clip
    environment.tests["safe_url"] = is_safe_url  # the web's rule: only http(s) becomes a link
    return environment


def clip(text: str, limit: int = ABSTRACT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def mail_domain(settings: Settings) -> str:
    address = parseaddr(settings.mail_from)[1]
    return address.rpartition("@")[2] or "localhost"


def base(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def _message(settings: Settings, to: str, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def link_message(
    settings: Settings, to: str, purpose: str, link: str, what: str, now: datetime
) -> EmailMessage:
    """A sign-in ("signin") or subscription confirmation ("confirm") link."""
    subject = "Your paperscope sign-in link" if purpose == "signin" else "Confirm your subscription"
    context = {"purpose": purpose, "link": link, "what": what, "base_url": base(settings)}
    environment = _environment()
    message = _message(
        settings,
        to,
        subject,
        environment.get_template("link.txt").render(context),
        environment.get_template("link.html").render(context),
    )
    message["Date"] = format_datetime(now.replace(tzinfo=None), usegmt=False)
    message["Auto-Submitted"] = "auto-generated"
    return message


def digest_message(
    settings: Settings,
    *,
    to: str,
    message_id: str,
    title: str,
    period: str,
    entries: list[DigestItem],
    unsubscribe_url: str,
    manage_url: str,
    now: datetime,
) -> EmailMessage:
    """One digest; an empty `entries` renders the short "nothing new" note."""
    context = {
        "title": title,
        "period": period,
        "entries": entries,
        "base_url": base(settings),
        "unsubscribe_url": unsubscribe_url,
        "manage_url": manage_url,
        "today": now.date(),
    }
    environment = _environment()
    count = len(entries)
    subject = (
        f"paperscope {period} digest: {count} new paper{'s' if count != 1 else ''} — {title}"
        if entries
        else f"paperscope {period} digest: nothing new — {title}"
    )
    message = _message(
        settings,
        to,
        subject,
        environment.get_template("digest.txt").render(context),
        environment.get_template("digest.html").render(context),
    )
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(now, usegmt=False)
    # RFC 8058 one-click needs `<https://…>` intact on the wire: a header object would fold
    # a long URL into an RFC 2047 encoded-word, which mail clients do not decode here. The
    # raw value is written as it is (the mailer's policy never refolds raw values); only a
    # safe URL (no whitespace, no CR/LF) may go there.
    if safe_url(unsubscribe_url) is None:
        raise ValueError(f"not an http(s) unsubscribe URL: {unsubscribe_url!r}")
    message.set_raw("List-Unsubscribe", f"<{unsubscribe_url}>")
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Id"] = f"paperscope {period} digest <{period}.digest.{mail_domain(settings)}>"
    message["Auto-Submitted"] = "auto-generated"
    message["Precedence"] = "bulk"
    return message
