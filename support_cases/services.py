"""Every write on support cases. Each runs in one transaction, writes an audit event and queues its
emails in the outbox inside it.

Who writes:
- the account, on its hosted support page (`open_case`, `account_reply`);
- provider support staff, in the back office (`provider_respond`);
- the platform's team (`email_support`, `issue_support_link`), role-checked here, not only in views.

Audit events of the account and of provider support carry the case id but no account id and no
text: the account's Activity tab is read by the platform, which may not be allowed to see this
account's cases (selectors.hidden_reasons), so those events must not surface there.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts import links
from accounts.errors import LinkNotUsable
from accounts.models import AccountLink, Connection
from platform_console import permissions
from platform_console.audit import record_audit
from platform_console.models import Membership, User
from platform_console.outbox import queue_email

from . import selectors
from .errors import CaseClosed, CasesHidden, NotAllowed, SupportCaseError
from .models import Message, SupportCase

SUBJECT_MAX = 200
# Long enough for a detailed explanation with a pasted log excerpt; short enough that one message
# cannot flood provider support's inbox.
BODY_MAX = 5000
# Support links follow the remediation-link rules (domain.md §9): 90 days, reusable, one active
# per account (a new one revokes the old), stored hashed.
SUPPORT_LINK_LIFETIME = timedelta(days=90)
HOLDER = "account holder"
PROVIDER = "provider"
# Connections whose holder can use a support link: not removed, rejected or deleted.
LINKABLE_STATES = (Connection.Lifecycle.INVITED, Connection.Lifecycle.ACTIVE)


def ensure_can(actor: Membership, *required: str) -> None:
    if not all(actor.can(permission) for permission in required):
        raise NotAllowed("Your role does not allow this action.")


def clean_text(value: str, *, limit: int, what: str) -> str:
    """The text as stored: stripped, non-empty, at most `limit` characters. HTML is kept as typed
    (it is text, escaped when rendered)."""
    text = (value or "").strip()
    if not text:
        raise SupportCaseError(f"Write the {what}.")
    if len(text) > limit:
        raise SupportCaseError(f"The {what} is at most {limit:,} characters.")
    if "\x00" in text:
        raise SupportCaseError(f"The {what} contains a character that cannot be stored.")
    return text


def _lock(case: SupportCase) -> SupportCase:
    # One writer at a time per case: a status change and a reply racing must not undo each other.
    return (
        SupportCase.objects.select_for_update()
        .select_related("connection__account", "platform")
        .get(pk=case.pk)
    )


def _audit_outside(
    case: SupportCase,
    action: str,
    *,
    label: str,
    after: dict,
    before: dict | None = None,
    request_meta: dict | None = None,
) -> None:
    record_audit(
        actor=None,
        actor_label=label,
        platform=case.platform,
        action=action,
        obj=case,
        livemode=case.connection.livemode,
        before=before,
        after=after,
        request_meta=request_meta,
    )


# --- the account ----------------------------------------------------------------------------------


CASES_PER_DAY = 20


@transaction.atomic
def open_case(
    *, connection: Connection, subject: str, description: str, category: str, request_meta: dict | None = None
) -> SupportCase:
    """The account opens a case with provider support. Raises SupportCaseError with a sentence."""
    if connection.dashboard_type == Connection.DashboardType.NONE:
        raise SupportCaseError("This account is supported by its platform directly.")
    if category not in SupportCase.Category.values:
        raise SupportCaseError("Choose what the case is about.")
    now = timezone.now()
    # A bearer link is all it takes to open cases: cap them so a leaked link cannot flood support.
    if SupportCase.objects.filter(connection=connection, opened_at__gte=now - timedelta(days=1)).count() >= CASES_PER_DAY:
        raise SupportCaseError("You opened many cases today. Add to an open case, or try again tomorrow.")
    case = SupportCase.objects.create(
        platform_id=connection.platform_id,
        connection=connection,
        subject=clean_text(subject, limit=SUBJECT_MAX, what="subject"),
        description=clean_text(description, limit=BODY_MAX, what="description"),
        category=category,
        opened_at=now,
        updated_at=now,
    )
    case.connection = connection
    _audit_outside(
        case, "support_case.opened", label=HOLDER, after={"category": category}, request_meta=request_meta
    )
    return case


@transaction.atomic
def account_reply(
    *, connection: Connection, case_id: str, body: str, request_meta: dict | None = None
) -> Message:
    """The account answers on one of its cases; support is then the one to act."""
    case = SupportCase.objects.filter(
        platform_id=connection.platform_id, connection=connection, public_id=case_id
    ).first()
    if case is None:
        raise SupportCaseError("This case does not exist.")
    case = _lock(case)
    if case.is_closed:
        raise CaseClosed("This case is closed. Open a new case if you still need help.")
    now = timezone.now()
    message = Message.objects.create(
        case=case,
        platform_id=case.platform_id,
        author_kind=Message.Author.ACCOUNT,
        author_label=connection.account.display_name,
        body=clean_text(body, limit=BODY_MAX, what="reply"),
        created_at=now,
    )
    before = case.status
    if case.status == SupportCase.Status.WAITING_ON_ACCOUNT:
        case.status = SupportCase.Status.WAITING_ON_PROVIDER
    case.updated_at = now
    case.save(update_fields=["status", "updated_at"])
    _audit_outside(
        case,
        "support_case.account_replied",
        label=HOLDER,
        after={"message": message.pk, "status": case.status, "status_before": before},
        request_meta=request_meta,
    )
    return message


# --- provider support (the back office) ---------------------------------------------------------


@transaction.atomic
def provider_respond(
    *, case: SupportCase, staff_user: User, body: str = "", status: str | None = None
) -> Message | None:
    """Provider staff answer and/or set the status, in one step. A reply without an explicit status
    hands the case to the account (waiting on account) unless it is closed; an explicit status wins.
    Returns the message, if one was written."""
    if not staff_user.is_staff:
        raise NotAllowed("Only provider staff answer support cases.")
    if status is not None and status not in SupportCase.Status.values:
        raise SupportCaseError("Unknown status.")
    case = _lock(case)
    now = timezone.now()
    message = None
    if body and body.strip():
        message = Message.objects.create(
            case=case,
            platform_id=case.platform_id,
            author_kind=Message.Author.PROVIDER,
            author_label=Message.Author.PROVIDER.label,
            staff_user=staff_user,
            body=clean_text(body, limit=BODY_MAX, what="reply"),
            created_at=now,
        )
        _audit_outside(case, "support_case.provider_replied", label=PROVIDER, after={"message": message.pk})
        if status is None and case.status in (
            SupportCase.Status.OPEN,
            SupportCase.Status.WAITING_ON_PROVIDER,
        ):
            status = SupportCase.Status.WAITING_ON_ACCOUNT
    before = case.status
    status_changed = status is not None and status != before
    if status_changed:
        case.status = status
        case.closed_at = now if status == SupportCase.Status.CLOSED else None
        _audit_outside(
            case,
            "support_case.status_changed",
            label=PROVIDER,
            before={"status": before},
            after={"status": status},
        )
    if message is not None or status_changed:
        case.updated_at = now
        case.save(update_fields=["status", "closed_at", "updated_at"])
    return message


# --- the platform's team ---------------------------------------------------------------------------


@transaction.atomic
def email_support(
    *, actor: Membership, case: SupportCase, body: str, request_meta: dict | None = None
) -> Message:
    """Send provider support private context on a case: stored as a platform message that the
    account never sees, and emailed to provider support's inbox once the transaction commits."""
    ensure_can(actor, permissions.VIEW_SUPPORT_CASES, permissions.EMAIL_SUPPORT)
    if case.platform_id != actor.platform_id:
        raise NotAllowed("This case belongs to another platform.")
    case = _lock(case)
    connection = case.connection
    if reasons := selectors.hidden_reasons(connection):
        raise CasesHidden(reasons)
    if case.opened_at < selectors.window_start():
        raise NotAllowed("Cases older than 90 days are no longer shared with your platform.")
    text = clean_text(body, limit=BODY_MAX, what="message")
    now = timezone.now()
    message = Message.objects.create(
        case=case,
        platform_id=case.platform_id,
        author_kind=Message.Author.PLATFORM,
        membership=actor,
        author_label=actor.user.display_name,
        body=text,
        created_at=now,
    )
    # updated_at is left alone: the account sees it ("updated 2 minutes ago"), and a private note
    # must not show through as activity on the account's side.
    account = connection.account
    queue_email(
        to=settings.SUPPORT_INBOX_EMAIL,
        template="support_cases/email/platform_note",
        platform=case.platform,
        context={
            "case_id": case.public_id,
            "case_subject": case.subject,
            "case_status": case.get_status_display(),
            "account_id": account.public_id,
            "account_name": account.display_name,
            "platform_name": case.platform.name,
            "platform_id": case.platform.public_id,
            "livemode": connection.livemode,
            "author_name": actor.user.display_name,
            "author_email": actor.user.email,
            "body": text,
            "backoffice_path": reverse("admin:support_cases_supportcase_change", args=[case.pk]),
        },
    )
    record_audit(
        actor=actor,
        action="support_case.platform_message_sent",
        obj=case,
        account_public_id=account.public_id,
        livemode=connection.livemode,
        after={"message": message.pk, "to": settings.SUPPORT_INBOX_EMAIL, "characters": len(text)},
        request_meta=request_meta,
    )
    return message


def support_link_refusal(connection: Connection) -> str:
    """Why no support link can be sent to this account, or ""."""
    if connection.dashboard_type == Connection.DashboardType.NONE:
        return "Accounts without dashboard access are supported by your team directly."
    if connection.lifecycle_state not in LINKABLE_STATES:
        return "This account is no longer connected."
    return ""


def support_url(token: str) -> str:
    return f"{settings.CONSOLE_SITE_URL}{reverse('support_cases:hosted_entry', args=[token])}"


@transaction.atomic
def issue_support_link(
    *, actor: Membership, connection: Connection, request_meta: dict | None = None
) -> tuple[AccountLink, str]:
    """A fresh support link for the account, emailed to it; the earlier one stops working. Returns
    the link and its token (shown once, never stored). [P] Issuing needs the roles that both read
    support cases and generate remediation links, whose rules the link follows."""
    ensure_can(actor, permissions.VIEW_SUPPORT_CASES, permissions.CREATE_REMEDIATION_LINKS)
    if connection.platform_id != actor.platform_id:
        raise NotAllowed("This account belongs to another platform.")
    if refusal := support_link_refusal(connection):
        raise SupportCaseError(refusal)
    account = connection.account
    link, token = links.new_link(
        connection=connection,
        kind=AccountLink.Kind.SUPPORT,
        lifetime=SUPPORT_LINK_LIFETIME,
        created_by=actor,
        sent_to=account.email,
    )
    if account.email:
        queue_email(
            to=account.email,
            template="support_cases/email/support_link",
            platform=connection.platform,
            context={
                "url": support_url(token),
                "platform_name": connection.platform.name,
                "days": SUPPORT_LINK_LIFETIME.days,
                "expires_at": link.expires_at.isoformat(),
            },
        )
    record_audit(
        actor=actor,
        action="support_link.issued",
        obj=link,
        account_public_id=account.public_id,
        livemode=connection.livemode,
        after={"expires_at": link.expires_at.isoformat(), "sent_to": account.email},
        request_meta=request_meta,
    )
    return link, token


# --- the hosted page's link ---------------------------------------------------------------------


def _check(link: AccountLink | None) -> AccountLink:
    if link is None or link.kind != AccountLink.Kind.SUPPORT:
        raise LinkNotUsable("invalid")
    if link.connection.lifecycle_state not in LINKABLE_STATES:
        raise LinkNotUsable("invalid")
    if (state := link.state()) != "active":
        raise LinkNotUsable(state)
    return link


def open_support_link(token: str) -> AccountLink:
    """The usable support link for `token`, counting the visit (reusable: any number of visits until
    it expires or is replaced). Raises LinkNotUsable with its state; unknown tokens are "invalid"."""
    link = _check(links.find(token, AccountLink.Kind.SUPPORT))
    AccountLink.objects.filter(pk=link.pk).update(
        visit_count=F("visit_count") + 1, last_visited_at=timezone.now()
    )
    return link


def usable_support_link(link_id: int) -> AccountLink:
    """Re-check the link kept in the holder's session before each hosted page."""
    return _check(
        AccountLink.objects.select_related("connection__account", "connection__platform")
        .filter(pk=link_id)
        .first()
    )
