"""Queue emails in the business transaction; send them from Celery after the commit.

The row is the truth. The commit queues one task, best-effort (celery.enqueue); after that the
periodic re-dispatch is the only thing that starts an attempt, and only once the row's
`next_attempt_at` has come. So every email has one retry schedule (retry_delay) whoever notices a
failure, an outage cannot start a second chain of attempts, and an email is given up (`failed`,
which the platform's Administrators, or provider staff in the back office, can retry) only when the schedule has run out, more than a
day later.
"""

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from . import permissions
from .audit import record_audit
from .celery import enqueue
from .models import Membership, OutboxEmail, Platform

logger = logging.getLogger(__name__)

# The retry schedule: a minute after the first failure, doubling up to every four hours. The
# fifteenth attempt, the last, comes 28 hours after the first, so a mail server may be down for a
# day without an email being lost.
FIRST_RETRY = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=4)
MAX_ATTEMPTS = 15
# The commit's own dispatch normally sends a new email at once; the re-dispatch leaves it that long.
FIRST_DISPATCH_GRACE = timedelta(seconds=30)
# The bearer link an email may carry in its context.
LINK_KEY = "url"


class OutboxError(Exception):
    """Why a failed email cannot be sent again, in a sentence for the person who asked."""


def retry_delay(attempts: int) -> timedelta:
    """How long an email waits after its `attempts`-th attempt failed (1 <= attempts < MAX_ATTEMPTS)."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), RETRY_CAP)


def lease() -> timedelta:
    """How long a claim holds unless renewed. The sending worker renews it every third of that
    while it talks to the mail server, however long the server takes; a worker that died stops
    renewing, and its email is taken again soon after."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


@contextmanager
def _renewing(email: OutboxEmail):
    """Keep the claim on `email` alive while the block runs (a thread with its own connection)."""
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(lease().total_seconds() / 3):
                try:
                    OutboxEmail.objects.filter(pk=email.pk, status=OutboxEmail.Status.SENDING,
                                               claimed_at=email.claimed_at).update(lease_until=timezone.now() + lease())
                except Exception:  # a database hiccup: try again at the next beat; the lease has slack
                    logger.warning("Outbox email %s: could not renew the claim", email.pk, exc_info=True)
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=renew, name=f"outbox-lease-{email.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def queue_email(*, to: str, template: str, context: dict, platform: Platform | None = None) -> OutboxEmail:
    """Write the email to the outbox and dispatch it once the surrounding transaction commits."""
    email = OutboxEmail.objects.create(platform=platform, to=to, template=template, context=context,
                                       next_attempt_at=timezone.now() + FIRST_DISPATCH_GRACE)
    transaction.on_commit(partial(_dispatch, email.pk))
    return email


def _dispatch(email_id: int) -> None:
    from .tasks import dispatch_outbox_email  # the task module imports this one

    enqueue(dispatch_outbox_email, email_id)


# --- sending ----------------------------------------------------------------------------------


def render_email(email: OutboxEmail) -> tuple[str, str, str]:
    """Subject, plain text and HTML. Only the HTML is escaped: plain text is not HTML, and
    "Bob's <Bakery>" must not arrive as "Bob&#x27;s &lt;Bakery&gt;"."""
    context = {**email.context, "site_url": settings.CONSOLE_SITE_URL}
    subject = _render_plain(f"{email.template}_subject.txt", context)
    text = _render_plain(f"{email.template}.txt", context)
    html = render_to_string(f"{email.template}.html", context)
    # One line: a CR or LF in a header would start another header.
    return " ".join(subject.split()), text, html


def _render_plain(name: str, context: dict) -> str:
    # The Django engine's own template, which takes a Context and so the autoescape switch: one
    # place for every plain-text template, none of which has to remember {% autoescape off %}.
    return get_template(name).template.render(Context(context, autoescape=False))


def message_id(email: OutboxEmail) -> str:
    """The Message-ID of every attempt at this email, and of no other email."""
    _name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = sender.rpartition("@")[2] or urlsplit(settings.CONSOLE_SITE_URL).hostname or "localhost"
    return f"<outbox.{email.pk}.{email.message_uuid.hex}@{domain}>"


def build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    subject, text, html = render_email(email)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[email.to],
                                     headers={"Message-ID": message_id(email)})
    message.attach_alternative(html, "text/html")
    return message


def claim(email_id: int) -> OutboxEmail | None:
    """Take the row for one attempt, or None if that is not for now: it is sent, failed, being
    sent, or waiting for its next attempt. A new row may be taken at once (its first attempt)."""
    now = timezone.now()
    due = OutboxEmail.objects.filter(Q(attempts=0) | Q(next_attempt_at__lte=now), pk=email_id,
                                     status=OutboxEmail.Status.PENDING)
    if due.update(status=OutboxEmail.Status.SENDING, claimed_at=now, lease_until=now + lease(),
                  attempts=F("attempts") + 1) != 1:
        return None
    return OutboxEmail.objects.get(pk=email_id)


def send(email_id: int) -> str:
    """One attempt at the email if it is due. Returns what became of it: "sent", "pending" (its
    next attempt is scheduled), "failed" (given up) or "skipped" (not due, or not ours)."""
    email = claim(email_id)
    if email is None:
        return "skipped"
    try:
        validate_email(email.to)  # one address, no header smuggled in: nothing a later attempt can fix
    except ValidationError as error:
        return _attempt_failed(email, f"Not a valid recipient address: {error.messages[0]}", last=True)
    try:
        message = build_message(email)
        with _renewing(email):
            message.send()
    except Exception as error:  # the server is down, refuses us, times out; a template is missing
        logger.warning("Outbox email %s: attempt %s failed", email.pk, email.attempts, exc_info=True)
        return _attempt_failed(email, repr(error))
    # Even if a re-dispatch took the row meanwhile (our claim lapsed): it has been sent.
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.SENT, sent_at=timezone.now(), subject=message.subject[:200], claimed_at=None,
        lease_until=None, last_error="", **_without_link(email),
    )
    return "sent"


def _attempt_failed(email: OutboxEmail, error: str, *, last: bool = False, retry_at: datetime | None = None) -> str:
    """Schedule the next attempt, or give the email up when the schedule has run out. Changes the
    row only if it is still under the claim this attempt made."""
    now = timezone.now()
    ours = OutboxEmail.objects.filter(pk=email.pk, status=OutboxEmail.Status.SENDING, claimed_at=email.claimed_at)
    if last or email.attempts >= MAX_ATTEMPTS:
        ours.update(status=OutboxEmail.Status.FAILED, last_error=error[:2000], claimed_at=None, lease_until=None,
                    **_without_link(email))
        logger.error("Outbox email %s given up after %s attempts: %s", email.pk, email.attempts, error)
        return "failed"
    ours.update(status=OutboxEmail.Status.PENDING, last_error=error[:2000], claimed_at=None, lease_until=None,
                next_attempt_at=retry_at or now + retry_delay(email.attempts))
    return "pending"


def _without_link(email: OutboxEmail) -> dict:
    """The fields that erase the bearer link: once sent it has done its job, once given up it
    must not wait in the database for nothing."""
    if LINK_KEY not in email.context:
        return {}
    context = {key: value for key, value in email.context.items() if key != LINK_KEY}
    return {"context": context, "link_erased_at": timezone.now()}


# --- the periodic re-dispatch -----------------------------------------------------------------


def release_lapsed_claims() -> int:
    """Claims whose worker died mid-send: the attempt counts as failed, and the next one is due
    now (the lease was the wait), or the email is given up if that was its last."""
    now = timezone.now()
    lapsed = list(OutboxEmail.objects.filter(Q(lease_until__lt=now) | Q(lease_until__isnull=True),
                                             status=OutboxEmail.Status.SENDING)[:500])
    for email in lapsed:
        _attempt_failed(email, "The worker stopped during the attempt.", retry_at=now)
    return len(lapsed)


def due_ids(limit: int = 500) -> list[int]:
    """Pending emails whose next attempt has come, the longest-waiting first."""
    due = OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING, next_attempt_at__lte=timezone.now())
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


# --- failed emails (the platform's Administrators in Settings › Emails; provider staff in the back office)


@transaction.atomic
def retry_email(*, email: OutboxEmail, actor: Membership | None = None, staff_email: str = "") -> OutboxEmail:
    """Give a failed email a new retry schedule, its first attempt at once: by a platform's
    Administrator (`actor`, from Settings › Emails) or provider staff (`staff_email`, from the
    back office). Raises OutboxError if it is no longer failed, or if its one-time link was erased
    when it was given up."""
    if actor is not None and (not actor.can(permissions.MANAGE_EMAILS) or email.platform_id != actor.platform_id):
        raise OutboxError("Only the platform's Administrators can send its emails again.")
    if email.link_erased_at is not None:
        raise OutboxError(f"The email to {email.to} carried a one-time link, erased when it was given up: "
                          "the platform must send a new link.")
    retried = OutboxEmail.objects.filter(pk=email.pk, status=OutboxEmail.Status.FAILED).update(
        status=OutboxEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now() + FIRST_DISPATCH_GRACE,
    )
    if retried != 1:
        raise OutboxError(f"The email to {email.to} is no longer failed.")
    if email.platform_id is not None:
        record_audit(actor=actor, platform=email.platform, action="email.retried", object_type="outboxemail",
                     object_id=str(email.message_uuid), after={"to": email.to, "template": email.template},
                     actor_label="" if actor is not None else f"provider ({staff_email})")
    transaction.on_commit(partial(_dispatch, email.pk))
    email.refresh_from_db()
    return email
