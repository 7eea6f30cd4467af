"""Writes of the requirements engine: recomputing what is due, recording verification results,
remediation (submit on the account's behalf, remediation links, contact support), and the sweeps."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.errors import AccountError, NotAllowed
from accounts.links import new_link
from accounts.models import AccountLink, Capability, Connection
from platform_console import permissions
from platform_console.audit import record_audit
from platform_console.celery import enqueue
from platform_console.models import Membership
from platform_console.outbox import queue_email

from . import labels
from .evaluation import Evaluation, evaluate
from .facts import gather
from .models import Document, FieldVerification, InformationRequest, RemediationTicket, Requirement
from .rules import load
from .verification import ASYNC_DELAY, is_checked, reason_for, test_mode_outcome

REMEDIATION_LINK_DAYS = 90


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
    now = now or timezone.now()
    _resolve_async_checks(connection, now)
    connection = Connection.objects.select_related("account").get(pk=connection.pk)
    result = evaluate(gather(connection), load(), now)

    Requirement.objects.filter(connection=connection).delete()
    Requirement.objects.bulk_create(
        Requirement(
            platform_id=connection.platform_id, connection=connection, path=item.path, group=_group(item),
            currently_due=item.currently_due, eventually_due=item.eventually_due, past_due=item.past_due,
            pending_verification=item.pending_verification, is_future=item.future, payouts_only=item.payouts_only,
            deadline=item.deadline, first_due_at=item.first_due_at, capabilities=sorted(item.capabilities),
            error_code=item.error_code, error_reason=item.error_reason, alternatives=list(item.alternatives),
        )
        for item in result.items
    )
    for capability in Capability.objects.filter(connection=connection):
        outcome = result.capabilities.get(capability.name)
        status, reason = (outcome.status, outcome.disabled_reason) if outcome and capability.requested else ("unrequested", "")
        if (capability.status, capability.disabled_reason) != (status, reason):
            Capability.objects.filter(pk=capability.pk).update(status=status, disabled_reason=reason)

    present = [i for i in result.items if not i.future]
    open_requests = InformationRequest.objects.filter(connection=connection, status__in=InformationRequest.OPEN_STATES)
    has_requests = open_requests.filter(status=InformationRequest.Status.OPEN).exists()
    summary = {
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
        "actions_required": has_requests or any(i.currently_due or i.past_due for i in present),
    }
    Connection.objects.filter(pk=connection.pk).update(**summary)
    for key, value in summary.items():
        setattr(connection, key, value)
    account_services.refresh_status(connection, now=now)
    return result


def _resolve_async_checks(connection: Connection, now) -> None:
    for check in FieldVerification.objects.filter(connection=connection, status="pending", resolves_at__lte=now):
        FieldVerification.objects.filter(pk=check.pk, status="pending").update(
            status=check.resolves_to or "verified", resolved_at=now, resolved_by="test mode", resolves_at=None
        )


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
    return connection.is_platform_collected and not path.startswith("tos_acceptance.")


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
def create_remediation_link(*, actor: Membership, connection: Connection, request_meta: dict | None = None) -> tuple[AccountLink, str]:
    """An account-specific link to a hosted page asking only for what is outstanding. Valid 90
    days, reusable; one active per account (a new one revokes the old)."""
    _ensure(actor, permissions.CREATE_REMEDIATION_LINKS, connection)
    if connection.lifecycle_state not in (Connection.Lifecycle.ACTIVE, Connection.Lifecycle.INVITED):
        raise AccountError("This account can no longer be remediated.")
    link, token = new_link(connection=connection, kind=AccountLink.Kind.REMEDIATION,
                           lifetime=timedelta(days=REMEDIATION_LINK_DAYS), created_by=actor,
                           sent_to=connection.account.email)
    url = remediation_url(token)
    if connection.account.email:
        queue_email(to=connection.account.email, template="requirements_engine/email/remediation_link",
                    platform=connection.platform,
                    context={"url": url, "platform_name": connection.platform.name, "days": REMEDIATION_LINK_DAYS})
    record_audit(actor=actor, action="remediation_link.created", obj=link, account_public_id=connection.account.public_id,
                 livemode=connection.livemode, after={"expires_at": link.expires_at.isoformat()},
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


# --- sweeps (Celery beat; also management commands) -----------------------------------------

def deadline_sweep(*, now=None, batch: int = 500) -> int:
    """Currently-due items whose deadline passed become past due and disable what they affect.
    Only connections whose stored deadline has passed are re-evaluated; running it twice changes
    nothing the second time (their new deadline is empty or in the future)."""
    now = now or timezone.now()
    ids = list(
        Connection.objects.filter(currently_due_count__gt=0, current_deadline__lte=now,
                                  lifecycle_state__in=Connection.VISIBLE_STATES).values_list("pk", flat=True)
    )
    return _recompute_ids(ids, now)


def promote_future_requirements(*, now=None) -> int:
    """Future requirements whose date has come merge into the requirements."""
    now = now or timezone.now()
    ids = list(
        Connection.objects.filter(future_due_count__gt=0, current_deadline__lte=now,
                                  lifecycle_state__in=Connection.VISIBLE_STATES).values_list("pk", flat=True)
    )
    effective = [r.effective_at for r in load().future_rules if r.effective_at and r.effective_at <= now]
    if effective:
        # Accounts whose future items were never counted (created after the rule was written).
        ids += list(
            Requirement.objects.filter(is_future=True, deadline__lte=now).values_list("connection_id", flat=True)
        )
    return _recompute_ids(sorted(set(ids)), now)


def hold_inactive_verifications(*, now=None) -> tuple[int, int]:
    """Connections without activity for 540 days get their verifications put on hold; ones with
    activity again are released. Returns (held, released). Idempotent."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=load().inactivity_days)
    active_states = Connection.VISIBLE_STATES
    to_hold = Connection.objects.filter(verifications_held_at__isnull=True, lifecycle_state__in=active_states).filter(
        last_activity_at__lte=cutoff
    ) | Connection.objects.filter(
        verifications_held_at__isnull=True, lifecycle_state__in=active_states, last_activity_at__isnull=True,
        connected_at__lte=cutoff,
    )
    hold_ids = list(to_hold.values_list("pk", flat=True))
    release_ids = list(
        Connection.objects.filter(verifications_held_at__isnull=False, last_activity_at__gt=cutoff).values_list("pk", flat=True)
    )
    with transaction.atomic():
        Connection.objects.filter(pk__in=hold_ids, verifications_held_at__isnull=True).update(verifications_held_at=now)
        Connection.objects.filter(pk__in=release_ids).update(verifications_held_at=None)
        for connection_id in hold_ids:
            _audit_system(connection_id, "verifications.held")
        for connection_id in release_ids:
            _audit_system(connection_id, "verifications.resumed")
    _recompute_ids(hold_ids + release_ids, now)
    return len(hold_ids), len(release_ids)


def _audit_system(connection_id: int, action: str) -> None:
    connection = Connection.objects.select_related("account", "platform").get(pk=connection_id)
    record_audit(actor=None, platform=connection.platform, action=action, obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode, actor_label="system")


def _recompute_ids(ids: list[int], now) -> int:
    for connection_id in ids:
        with transaction.atomic():
            connection = Connection.objects.select_for_update().select_related("account").get(pk=connection_id)
            recompute(connection, now=now)
    return len(ids)
