"""Writes of the requirements engine: recomputing what is due, recording verification results,
remediation (submit on the account's behalf, remediation links, contact support). The sweeps are
in sweeps.py."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from accounts import field_catalogue as catalogue
from accounts import services as account_services
from accounts.errors import AccountError, NotAllowed
from accounts.links import new_link
from accounts.models import AccountLink, Capability, Connection, Person
from accounts.status import derive_status, facts_of
from platform_console import bulk, permissions
from platform_console.audit import record_audit
from platform_console.celery import enqueue
from platform_console.models import Membership
from platform_console.outbox import queue_email

from . import labels, person_verification
from .evaluation import Evaluation, Facts, evaluate
from .facts import gather_many
from .models import Document, FieldVerification, InformationRequest, RemediationTicket, Requirement
from .rules import load
from .verification import ASYNC_DELAY, is_checked, reason_for, test_mode_outcome

REMEDIATION_LINK_DAYS = 90


# Requirement row columns that recompute writes, beside connection and path (the row's key).
REQUIREMENT_COLUMNS = (
    "group", "currently_due", "eventually_due", "past_due", "pending_verification", "is_future", "payouts_only",
    "deadline", "first_due_at", "capabilities", "error_code", "error_reason", "alternatives",
)
# The requirement summary on Connection, and the status badge that derives from it.
SUMMARY_FIELDS = (
    "currently_due_count", "past_due_count", "eventually_due_count", "pending_verification_count", "future_due_count",
    "current_deadline", "disabled_reason", "charges_enabled", "payouts_enabled", "under_review", "actions_required",
)


def _group(item) -> str:
    if item.future:
        return Requirement.Group.FUTURE
    if item.past_due:
        return Requirement.Group.PAST_DUE
    if item.currently_due:
        return Requirement.Group.CURRENTLY_DUE
    if item.pending_verification:
        return Requirement.Group.PENDING_VERIFICATION
    return Requirement.Group.EVENTUALLY_DUE


def recompute(connection: Connection, *, now=None) -> Evaluation:
    """Evaluate the connection and persist the result: requirement rows, capability statuses,
    the summary on the connection and its status badge. Idempotent; call inside the transaction
    that changed the account's facts."""
    return recompute_many([connection.pk], now=now)[connection.pk]


def recompute_many(connection_ids: Iterable[int], *, now=None) -> dict[int, Evaluation]:
    """`recompute` for many connections, by pk, in a fixed number of queries however many they are
    (the sweeps pass a thousand per transaction): each is evaluated on its own, and what changed is
    written for all of them at once, nothing where nothing changed."""
    now = now or timezone.now()
    ids = sorted(set(connection_ids))
    if not ids:
        return {}
    _resolve_async_checks(ids, now)
    connections = list(Connection.objects.select_related("account").filter(pk__one_of=ids).order_by("pk"))
    facts = gather_many(connections)
    rules = load()
    results = {c.pk: evaluate(facts[c.pk], rules, now) for c in connections}
    _write_requirements(connections, results)
    _write_capabilities(connections, results)
    _write_summaries(connections, results, facts, now)
    _write_person_statuses(connections, facts)
    return results


def _write_person_statuses(connections: list[Connection], facts: dict[int, Facts]) -> None:
    """Each person's verification status follows their identity checks (one UPDATE per status)."""
    changed: dict[str, list[int]] = defaultdict(list)
    for connection in connections:
        checks = {path: v.status for path, v in facts[connection.pk].verifications.items()}
        for person in person_verification.refresh(connection.account.persons.all(), checks):
            changed[person.verification_status].append(person.pk)
    for status, pks in changed.items():
        Person.objects.filter(pk__one_of=pks).update(verification_status=status)


def _resolve_async_checks(connection_ids: list[int], now) -> None:
    """Test-mode checks that complete "asynchronously" whose time has come (domain.md §10)."""
    FieldVerification.objects.filter(
        connection_id__one_of=connection_ids, status=FieldVerification.Status.PENDING, resolves_at__lte=now
    ).update(
        status=Case(When(resolves_to="", then=Value(FieldVerification.Status.VERIFIED)), default=F("resolves_to")),
        resolved_at=now, resolved_by="test mode", resolves_at=None,
    )


def _write_requirements(connections: list[Connection], results: dict[int, Evaluation]) -> None:
    """The connections' rows become the evaluation's items: changed rows are updated, new ones
    inserted, gone ones deleted, each in one statement for all the connections; rows that did not
    change are not written."""
    bulk.sync_rows(
        Requirement,
        key=("connection", "path"),
        fields=REQUIREMENT_COLUMNS,
        extra=("platform",),
        scope="connection",
        scope_ids=[c.pk for c in connections],
        rows=[
            (c.pk, item.path, _group(item), item.currently_due, item.eventually_due, item.past_due,
             item.pending_verification, item.future, item.payouts_only, item.deadline, item.first_due_at,
             sorted(item.capabilities), item.error_code, item.error_reason, list(item.alternatives), c.platform_id)
            for c in connections
            for item in results[c.pk].items
        ],
    )


def _write_capabilities(connections: list[Connection], results: dict[int, Evaluation]) -> None:
    """One UPDATE per distinct outcome (a handful: the statuses and their reasons), whatever the
    number of capabilities that reach it. Updates the prefetched capabilities in memory too."""
    changed: dict[tuple[str, str], list[int]] = defaultdict(list)
    for connection in connections:
        outcomes = results[connection.pk].capabilities
        for capability in connection.capabilities.all():
            outcome = outcomes.get(capability.name)
            wanted = (outcome.status, outcome.disabled_reason) if outcome and capability.requested else ("unrequested", "")
            if (capability.status, capability.disabled_reason) != wanted:
                changed[wanted].append(capability.pk)
                capability.status, capability.disabled_reason = wanted
    for (status, reason), pks in changed.items():
        Capability.objects.filter(pk__one_of=pks).update(status=status, disabled_reason=reason)


def _write_summaries(connections: list[Connection], results: dict[int, Evaluation], facts: dict, now) -> None:
    """The requirement summary and the status badge (decided by accounts.status, as
    accounts.services.refresh_status does), in one UPDATE of the connections where they changed."""
    fields = (*SUMMARY_FIELDS, "status")
    changed = []
    for connection in connections:
        before = tuple(getattr(connection, name) for name in fields)
        for name, value in _summary(results[connection.pk], facts[connection.pk]).items():
            setattr(connection, name, value)
        connection.status = derive_status(facts_of(connection, connection.capabilities.all()), now=now)
        after = tuple(getattr(connection, name) for name in fields)
        if after != before:
            changed.append((connection.pk, *after))
    bulk.update_rows(Connection, fields, changed)


def _summary(result: Evaluation, facts: Facts) -> dict:
    present = [i for i in result.items if not i.future]
    return {
        "currently_due_count": sum(1 for i in present if i.currently_due),
        "past_due_count": sum(1 for i in present if i.past_due),
        "eventually_due_count": sum(1 for i in present if i.eventually_due),
        "pending_verification_count": sum(1 for i in present if i.pending_verification),
        "future_due_count": sum(1 for i in result.items if i.future and i.currently_due),
        "current_deadline": result.current_deadline or result.future_deadline,
        "disabled_reason": result.disabled_reason,
        "charges_enabled": result.charges_enabled,
        "payouts_enabled": result.payouts_enabled,
        "under_review": result.under_review,
        "actions_required": any(r.status == InformationRequest.Status.OPEN for r in facts.info_requests)
        or any(i.currently_due or i.past_due for i in present),
    }


def forget_person(connection: Connection, person_public_id: str) -> None:
    """Hook target: a person was removed; delete what was kept about them (checks, documents)."""
    FieldVerification.objects.filter(connection=connection, path__startswith=f"{person_public_id}.").delete()
    for document in Document.objects.filter(connection=connection, path__startswith=f"{person_public_id}."):
        document.file.delete(save=False)
        document.delete()


# --- verification -------------------------------------------------------------------------

def record_submission(connection: Connection, values: dict) -> None:
    """Hook target: fields were submitted for this connection (inside the writing transaction).
    Checked fields get a verification result: magic values in test mode, the review queue live."""
    now = timezone.now()
    for path, value in values.items():
        if not is_checked(path):
            continue
        defaults = {"platform_id": connection.platform_id, "livemode": connection.livemode, "submitted_at": now,
                    "resolved_at": None, "resolved_by": "", "resolves_at": None, "resolves_to": "",
                    "error_code": "", "reason": ""}
        if connection.livemode:
            defaults["status"] = FieldVerification.Status.PENDING
        else:
            outcome = test_mode_outcome(path, value)
            defaults["status"] = outcome.status
            if outcome.status == "failed":
                defaults.update(error_code=outcome.code, reason=reason_for(outcome.code), resolved_at=now,
                                resolved_by="test mode")
            elif outcome.status == "verified":
                defaults.update(resolved_at=now, resolved_by="test mode")
            elif outcome.later:
                defaults.update(resolves_at=now + ASYNC_DELAY, resolves_to=outcome.later)
            if outcome.hold:
                Connection.objects.filter(pk=connection.pk).update(verifications_held_at=now)
            if outcome.sanctions_alert:
                InformationRequest.objects.create(
                    platform_id=connection.platform_id, connection=connection,
                    kind=InformationRequest.Kind.RISK_REVIEW, status=InformationRequest.Status.UNDER_REVIEW,
                    title="Sanctions screening review",
                    question="A screening alert needs review by provider staff before the account can be verified.",
                    due_at=now + timedelta(days=14), affected_capabilities=["card_payments", "transfers"],
                    allowed_paths=["contact_support"],
                )
        FieldVerification.objects.update_or_create(connection=connection, path=path, defaults=defaults)
        if connection.livemode is False and defaults.get("resolves_at"):
            transaction.on_commit(lambda pk=connection.pk: _schedule_async_resolution(pk))


def _schedule_async_resolution(connection_id: int) -> None:
    from .tasks import resolve_test_verifications

    # After the commit: must not fail the request (see enqueue). A check whose task never ran resolves
    # at the account's next recompute, which resolves every check whose time has come.
    enqueue(resolve_test_verifications, connection_id, countdown=ASYNC_DELAY.total_seconds() + 1)


@transaction.atomic
def resolve_verification(*, verification_id: int, verified: bool, code: str = "", reason: str = "",
                         staff_email: str) -> FieldVerification:
    """Provider staff decide a live-mode check in the back office."""
    check = FieldVerification.objects.select_for_update().get(pk=verification_id)
    check.status = FieldVerification.Status.VERIFIED if verified else FieldVerification.Status.FAILED
    check.error_code = "" if verified else (code or "verification_failed_other")
    check.reason = "" if verified else (reason or reason_for(check.error_code))
    check.resolved_at = timezone.now()
    check.resolved_by = staff_email
    check.save()
    connection = check.connection
    record_audit(actor=None, platform=connection.platform, action="verification.resolved", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 after={"path": check.path, "status": check.status, "code": check.error_code},
                 actor_label=f"provider ({staff_email})")
    recompute(connection)
    return check


# --- remediation ---------------------------------------------------------------------------

def _ensure(actor: Membership, permission: str, connection: Connection) -> None:
    account_services.ensure_can(actor, permission, connection)


def can_submit_for(connection: Connection, path: str) -> bool:
    """domain.md §5: submitting on the account's behalf only where the platform collects
    requirements, and never the terms of service (they must come from the holder)."""
    return connection.is_platform_collected and catalogue.may_provide(path, "operator")


@transaction.atomic
def submit_requirement(*, actor: Membership, connection: Connection, path: str, data: dict,
                       request_meta: dict | None = None) -> None:
    """Record the information for one requirement on the account's behalf, then re-evaluate."""
    _ensure(actor, permissions.SUBMIT_REQUIREMENTS, connection)
    if not can_submit_for(connection, path):
        raise NotAllowed("This information must come from the account holder: send a remediation link instead.")
    save_requirement_values(connection=connection, path=path, data=data, actor=actor, request_meta=request_meta)
    record_audit(actor=actor, action="requirement.submitted", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 after={"requirement": path}, request_meta=request_meta)
    recompute(connection)


def save_requirement_values(*, connection: Connection, path: str, data: dict, actor=None, request_meta=None) -> None:
    """Route the cleaned values of one requirement's form to the service that owns them."""
    from .fields import route

    kind, target, values = route(connection, path, data)
    if kind == "account":
        account_services.save_account_details(connection=connection, data=values, actor=actor, request_meta=request_meta)
    elif kind == "person":
        account_services.save_person_fields(connection=connection, person_key=target, data=values, actor=actor,
                                            request_meta=request_meta)
    elif kind == "attestation":
        account = connection.account
        account_services.confirm_owners(
            connection=connection,
            owners_provided=values.get("owners_provided", account.owners_provided),
            directors_provided=values.get("directors_provided", account.directors_provided),
            actor=actor, request_meta=request_meta,
        )
    elif kind == "external_account":
        account_services.save_payout_account(connection=connection, data=values, actor=actor, request_meta=request_meta)
    elif kind == "document":
        upload = values["document"]
        Document.objects.create(platform_id=connection.platform_id, connection=connection, path=path, file=upload,
                                original_name=upload.name[:200], content_type=upload.content_type or "",
                                size=upload.size)
        token = values.get("test_token") or upload.name
        record_submission(connection, {path: token})
    elif kind == "tos":
        account_services.accept_terms(connection=connection, ip=values.get("ip"), user_agent=values.get("user_agent", ""))
    else:
        raise AccountError("This requirement cannot be submitted here.")


@transaction.atomic
def create_remediation_link(*, actor: Membership, connection: Connection, request_meta: dict | None = None,
                            email: bool = True) -> tuple[AccountLink, str]:
    """An account-specific link to a hosted page asking only for what is outstanding. Valid 90
    days, reusable; one active per account (a new one revokes the old). Emailed to the account
    unless `email` is False (the accounts export hands the links to the platform instead)."""
    _ensure(actor, permissions.CREATE_REMEDIATION_LINKS, connection)
    if connection.lifecycle_state not in (Connection.Lifecycle.ACTIVE, Connection.Lifecycle.INVITED):
        raise AccountError("This account can no longer be remediated.")
    link, token = new_link(connection=connection, kind=AccountLink.Kind.REMEDIATION,
                           lifetime=timedelta(days=REMEDIATION_LINK_DAYS), created_by=actor,
                           sent_to=connection.account.email)
    url = remediation_url(token)
    if email and connection.account.email:
        queue_email(to=connection.account.email, template="requirements_engine/email/remediation_link",
                    platform=connection.platform,
                    context={"url": url, "platform_name": connection.platform.name, "days": REMEDIATION_LINK_DAYS})
    record_audit(actor=actor, action="remediation_link.created", obj=link, account_public_id=connection.account.public_id,
                 livemode=connection.livemode,
                 after={"expires_at": link.expires_at.isoformat(), **({} if email else {"emailed": False})},
                 request_meta=request_meta)
    return link, token


def remediation_url(token: str) -> str:
    return f"{settings.CONSOLE_SITE_URL}/remediate/{token}/"


@transaction.atomic
def contact_support(*, actor: Membership, connection: Connection, subject: str, message: str, path: str = "",
                    information_request: InformationRequest | None = None, request_meta=None) -> RemediationTicket:
    """File a ticket for provider staff, pre-filled with the requirement and its errors. Raises
    NotAllowed for a member who may not contact provider support (View only)."""
    _ensure(actor, permissions.FILE_SUPPORT_TICKETS, connection)
    requirement = Requirement.objects.filter(connection=connection, path=path).first() if path else None
    context = {
        "account": connection.account.public_id,
        "requirement": path,
        "title": labels.title(path, connection) if path else (information_request.title if information_request else ""),
        "error_code": requirement.error_code if requirement else "",
        "error_reason": requirement.error_reason if requirement else "",
        "deadline": requirement.deadline.isoformat() if requirement and requirement.deadline else "",
    }
    ticket = RemediationTicket.objects.create(
        platform_id=connection.platform_id, connection=connection, requirement_path=path,
        information_request=information_request, subject=subject, message=message, context=context, filed_by=actor,
    )
    queue_email(to=settings.SUPPORT_INBOX_EMAIL, template="requirements_engine/email/support_ticket",
                platform=connection.platform,
                context={**context, "subject": subject, "message": message, "platform_name": connection.platform.name,
                         "filed_by": actor.user.email})
    record_audit(actor=actor, action="support_ticket.filed", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 after={"requirement": path, "subject": subject}, request_meta=request_meta)
    return ticket


def exported_remediation_link(actor: Membership, connection: Connection) -> str:
    """A fresh remediation link for the accounts export (not emailed), or "" when the account can
    no longer be remediated."""
    try:
        _, token = create_remediation_link(actor=actor, connection=connection, email=False,
                                           request_meta={"export": "connected-accounts"})
    except AccountError:
        return ""
    return remediation_url(token)
