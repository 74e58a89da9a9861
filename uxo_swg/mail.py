"""Sending the queued e-mails over SMTP (smtplib), each at most once, after the job that queued them committed."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any, Mapping

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .models import OutgoingEmail, utcnow

#: An e-mail that failed this many times is no longer tried (its error stays on the row).
MAX_ATTEMPTS = 5


def mail_configured(config: Mapping[str, Any]) -> bool:
    """Return whether an SMTP host is set (otherwise notices stay in the application)."""
    return bool(config.get("SMTP_HOST"))


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    host, port, tls = config["SMTP_HOST"], int(config["SMTP_PORT"]), config.get("SMTP_TLS", "starttls")
    if tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=30)
        if tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USER"):
        smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
    return smtp


def _message(email: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message.set_content(email.body)
    return message


def deliver_pending(*, session: Session, config: Mapping[str, Any]) -> tuple[int, list[str]]:
    """Send every queued e-mail; return how many were sent and the errors met.

    Each e-mail is claimed first (`sent_at` set where it was empty, committed), so two
    processes never send the same one; a failed send clears the claim and keeps the error,
    and the next run tries again.
    """
    if not mail_configured(config):
        return 0, []
    pending = session.exec(select(OutgoingEmail.id).where(col(OutgoingEmail.sent_at).is_(None),
                                                          OutgoingEmail.attempts < MAX_ATTEMPTS)
                           .order_by(OutgoingEmail.id)).all()
    if not pending:
        return 0, []
    sent, errors = 0, []
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        return 0, [f"could not reach the SMTP server {config['SMTP_HOST']}:{config['SMTP_PORT']}: {error}"]
    with smtp:
        for email_id in pending:
            claimed = session.execute(sa.update(OutgoingEmail)
                                      .where(OutgoingEmail.id == email_id, col(OutgoingEmail.sent_at).is_(None))
                                      .values(sent_at=utcnow(), attempts=OutgoingEmail.attempts + 1)).rowcount
            session.commit()
            if not claimed:
                continue  # another process sent it
            email = session.get(OutgoingEmail, email_id, populate_existing=True)
            try:
                smtp.send_message(_message(email, config["MAIL_FROM"]))
            except (OSError, smtplib.SMTPException) as error:
                errors.append(f"e-mail to {email.recipient} not sent: {error}")
                session.execute(sa.update(OutgoingEmail).where(OutgoingEmail.id == email_id)
                                .values(sent_at=None, error=str(error)[:500]))
                session.commit()
            else:
                sent += 1
    return sent, errors
