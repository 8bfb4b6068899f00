"""Compose notification emails and hand them to SMTP or a local Maildir."""

from __future__ import annotations

import asyncio
import email.policy
import mailbox
import secrets
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import jinja2

from tracker.settings import Settings


@dataclass(frozen=True)
class Letter:
    """What one recipient should read, before it becomes a MIME message."""

    to: str
    template: str
    context: dict[str, Any]
    thread_key: str  # mails sharing a key thread together in mail clients
    unsubscribe_url: str = ""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): do not try again."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code

    @property
    def bad_address(self) -> bool:
        """True when the address itself is refused (no such user), not just this message."""
        return self.code in (550, 551, 553)


class TemporaryFailure(Exception):
    """The message could not be sent now (4xx, timeout, connection): try again later."""


def _domain(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "localhost"


def compose(
    letter: Letter, env: jinja2.Environment, settings: Settings, cte: str | None = None
) -> EmailMessage:
    """Render a letter's text and HTML templates into one multipart message."""
    context = {
        "site_name": settings.site_name,
        "base_url": settings.base_url,
        "unsubscribe_url": letter.unsubscribe_url,
        **letter.context,
    }
    subject = env.get_template(f"email/{letter.template}.subject.txt").render(context)
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = settings.mail_from
    message["To"] = letter.to
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = _domain(settings)
    message["Message-ID"] = make_msgid(domain=domain)
    root = f"<{letter.thread_key}@{domain}>"
    message["In-Reply-To"] = root
    message["References"] = root
    message["List-Id"] = f"{settings.site_name} <{letter.thread_key}.{domain}>"
    if letter.unsubscribe_url:
        # RFC 8058: mail clients offer one-click unsubscribe by POSTing to this address.
        message["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(env.get_template(f"email/{letter.template}.txt").render(context), cte=cte)
    message.add_alternative(
        env.get_template(f"email/{letter.template}.html").render(context), subtype="html", cte=cte
    )
    return message


# Slots are plain letters and digits, so neither Jinja, HTML escaping nor headers change them.
_SLOT = "catalystslot" + secrets.token_hex(8)
SLOT_TO = f"{_SLOT}to@example.invalid"
SLOT_ID = f"{_SLOT}id"
SLOT_UNSUBSCRIBE = f"{_SLOT}unsubscribe"
SLOT_TRACKING = f"{_SLOT}tracking"
# 8bit bodies and long header lines keep every slot on one line, where a byte replace finds it.
_RAW_POLICY = email.policy.SMTP.clone(max_line_length=998)


class Prototype:
    """One rendering of a mail sent to many, with each recipient's details filled in as bytes."""

    def __init__(self, letter: Letter, env: jinja2.Environment, settings: Settings) -> None:
        message = compose(letter, env, settings, cte="8bit")
        del message["Message-ID"]
        message["Message-ID"] = f"<{SLOT_ID}>"
        self.data = message.as_bytes(policy=_RAW_POLICY)
        self.domain = _domain(settings)
        self.sender = parseaddr(settings.mail_from)[1]

    def fill(self, to: str, unsubscribe_url: str, tracking_url: str, key: str) -> tuple[str, bytes]:
        """Return the Message-ID and the bytes of the mail for one recipient."""
        message_id = f"<{key}.{secrets.token_hex(8)}@{self.domain}>"
        data = (
            self.data.replace(SLOT_TO.encode(), to.encode())
            .replace(f"<{SLOT_ID}>".encode(), message_id.encode())
            .replace(SLOT_UNSUBSCRIBE.encode(), unsubscribe_url.encode())
            .replace(SLOT_TRACKING.encode(), tracking_url.encode())
        )
        return message_id, data


def prototype_for(letter: Letter, env: jinja2.Environment, settings: Settings) -> Prototype | None:
    """Build a prototype, or None where the text cannot go as 8bit lines (the slow path then)."""
    try:
        prototype = Prototype(letter, env, settings)
    except ValueError:
        return None
    for slot in (SLOT_TO, f"<{SLOT_ID}>"):
        if prototype.data.count(slot.encode()) != 1:
            return None
    return prototype


class Sender:
    """Send messages over one reused SMTP connection, or into a Maildir when no SMTP is set."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._smtp: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Sender:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except aiosmtplib.SMTPException:
                self._smtp.close()
        self._smtp = None

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        url = urlsplit(self.settings.smtp_url or "")
        tls = url.scheme == "smtps"
        smtp = aiosmtplib.SMTP(
            hostname=url.hostname or "localhost",
            port=url.port or (465 if tls else 25),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=tls,
            start_tls=None,
            tls_context=ssl.create_default_context() if tls else None,
            timeout=self.timeout,
        )
        await smtp.connect()
        self._smtp = smtp
        return smtp

    async def send(self, message: EmailMessage | tuple[str, str, bytes]) -> None:
        """Deliver a message, or (sender, recipient, bytes), or raise Permanent/TemporaryFailure."""
        if self.settings.smtp_url is None:
            await asyncio.to_thread(self._to_maildir, message)
            return
        try:
            smtp = await self._connection()
            if isinstance(message, EmailMessage):
                await smtp.send_message(message)
            else:
                sender, recipient, data = message
                await smtp.sendmail(sender, [recipient], data)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            await self._refused(first.code if first else 550, first.message if first else str(exc))
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as exc:
            await self._refused(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Connection, auth and sender problems are ours to fix, never the recipient's fault.
            await self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    async def _refused(self, code: int, text: str) -> None:
        if code >= 500:
            # The connection stays usable for the next recipient after a per-recipient refusal.
            raise PermanentFailure(code, text)
        await self.close()
        raise TemporaryFailure(f"{code} {text}")

    def _to_maildir(self, message: EmailMessage | tuple[str, str, bytes]) -> None:
        assert self.settings.mail_dir is not None
        self.settings.mail_dir.parent.mkdir(parents=True, exist_ok=True)
        content = message if isinstance(message, EmailMessage) else message[2]
        mailbox.Maildir(self.settings.mail_dir, create=True).add(content)
