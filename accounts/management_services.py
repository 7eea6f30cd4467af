"""Managing a connected account from its details page (issue: profile, business owners,
capabilities, payout schedule, removal, view-as). Same contract as accounts.services: role checked,
one transaction, an audit event, requirements re-evaluated through the hook."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from platform_console import permissions
from platform_console.audit import record_audit
from platform_console.models import Membership

from . import field_catalogue as catalogue
from . import hooks, payout_schedule
from .errors import AccountError, ClearingNeedsConfirmation, NotAllowed
from .models import Account, AccountLink, Capability, Connection, Person
from .services import ACCOUNT_FIELDS, account_changed, ensure_can, paths_of_person, save_account_details

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "dob", "address_line1", "address_city", "address_state",
                 "address_postal_code", "title", "percent_ownership", "is_owner", "is_director", "is_executive",
                 "is_representative")


def profile_editable(connection: Connection) -> bool:
    """domain.md §7.7: only platform-collected accounts are edited by the platform."""
    return connection.is_platform_collected and connection.lifecycle_state in Connection.VISIBLE_STATES


# Profile details that answer a verification requirement, and the email every link and notice
# goes to. Emptying one sends the account back to "currently due" (and, past the deadline, stops
# its payments or payouts): never the side effect of a form that arrived blank.
RELIED_ON_FIELDS = frozenset({"email", *catalogue.paths_by_form("account")})


@transaction.atomic
def update_profile(*, actor: Membership, connection: Connection, data: dict, confirm_clear: bool = False,
                   request_meta=None) -> None:
    """Account information, contact information and business details (audited before/after). Only
    the fields in `data` change. Raises NotAllowed, and ClearingNeedsConfirmation when `data`
    empties a field in RELIED_ON_FIELDS that has a value, unless `confirm_clear`."""
    ensure_can(actor, permissions.EDIT_PROFILE, connection)
    if not profile_editable(connection):
        raise NotAllowed("This account manages its own profile; send it a remediation link to update it.")
    data = {k: v for k, v in data.items() if k in ACCOUNT_FIELDS or (k == "tax_id" and v)}
    current = Account.objects.select_for_update().get(pk=connection.account_id)
    emptied = [f for f in data if f in RELIED_ON_FIELDS and data[f] in ("", None) and getattr(current, f)]
    if emptied and not confirm_clear:
        raise ClearingNeedsConfirmation(emptied)
    save_account_details(connection=connection, data=data, actor=actor, request_meta=request_meta,
                         action="account.profile_updated")


def _ownership_total(connection: Connection, *, excluding: Person | None = None) -> Decimal:
    persons = Person.objects.filter(account=connection.account, is_owner=True)
    if excluding is not None:
        persons = persons.exclude(pk=excluding.pk)
    return persons.aggregate(total=Sum("percent_ownership"))["total"] or Decimal(0)


def _check_person_rules(actor: Membership, connection: Connection, person: Person, data: dict) -> None:
    if data.get("is_representative") and connection.account.business_type == "individual":
        raise AccountError("An individual's account is represented by the individual; it has no separate representative.")
    share = data.get("percent_ownership")
    if data.get("is_owner") and share is not None:
        total = _ownership_total(connection, excluding=person) + share
        if total > 100:
            raise AccountError(f"Ownership would total {total:g} %; the owners of a business can hold at most 100 %.",)
    current = Person.objects.filter(account=connection.account, is_representative=True, is_account_individual=False)
    if person.pk:
        current = current.exclude(pk=person.pk)
    other = current.first()
    # Administrators only (domain.md §7.7)
    if data.get("is_representative") and other is not None and not actor.can(permissions.CHANGE_REPRESENTATIVE):
        raise AccountError(f"{other.full_name or 'Another person'} is the representative. Only an Administrator "
                           "can make someone else the representative.")
    if person.pk and person.is_representative and "is_representative" in data and not data["is_representative"]:
        raise AccountError("An account needs exactly one representative: make another person the representative instead.")


def _persons_editable(actor: Membership, connection: Connection) -> None:
    ensure_can(actor, permissions.MANAGE_PERSONS, connection)
    if not profile_editable(connection):
        raise NotAllowed("This account manages its own business owners; send it a remediation link instead.")


@transaction.atomic
def add_person(*, actor: Membership, connection: Connection, data: dict, request_meta=None) -> Person:
    _persons_editable(actor, connection)
    person = Person(account=connection.account)
    _check_person_rules(actor, connection, person, data)
    if data.get("is_representative"):
        Person.objects.filter(account=connection.account, is_representative=True, is_account_individual=False).update(
            is_representative=False)
    _apply(person, data)
    person.save()
    _submitted(connection, person, data)
    record_audit(actor=actor, action="person.added", obj=person, account_public_id=connection.account.public_id,
                 livemode=connection.livemode, after=_public(person), request_meta=request_meta)
    account_changed(connection)
    return person


@transaction.atomic
def update_person(*, actor: Membership, connection: Connection, person: Person, data: dict, request_meta=None) -> Person:
    _persons_editable(actor, connection)
    person = Person.objects.select_for_update().get(pk=person.pk, account=connection.account)
    _check_person_rules(actor, connection, person, data)
    before = _public(person)
    if data.get("is_representative") and not person.is_representative:
        Person.objects.filter(account=connection.account, is_representative=True, is_account_individual=False).update(
            is_representative=False)
    _apply(person, data)
    person.save()
    _submitted(connection, person, data)
    after = _public(person)
    record_audit(actor=actor, action="person.updated", obj=person, account_public_id=connection.account.public_id,
                 livemode=connection.livemode, before={k: v for k, v in before.items() if after.get(k) != v},
                 after={k: v for k, v in after.items() if before.get(k) != v}, request_meta=request_meta)
    account_changed(connection)
    return person


@transaction.atomic
def remove_person(*, actor: Membership, connection: Connection, person: Person, request_meta=None) -> None:
    """Delete the person and their personal data (cannot be undone). Never the representative."""
    _persons_editable(actor, connection)
    person = Person.objects.select_for_update().get(pk=person.pk, account=connection.account)
    if person.is_representative or person.is_account_individual:
        raise AccountError("The representative cannot be removed. Make another person the representative first.")
    public_id = person.public_id
    person.delete()
    hooks.person_removed(connection, public_id)
    # The audit keeps that a person was removed, not who they were: the data is gone.
    record_audit(actor=actor, action="person.removed", account_public_id=connection.account.public_id,
                 livemode=connection.livemode, before={"person": public_id}, request_meta=request_meta)
    account_changed(connection)


def _apply(person: Person, data: dict) -> None:
    for field in PERSON_FIELDS:
        if field in data:
            setattr(person, field, data[field])
    if not person.is_owner:
        person.percent_ownership = None
    if data.get("id_number"):
        person.id_number_provided = True
        person.id_number_last4 = str(data["id_number"])[-4:]


def _submitted(connection: Connection, person: Person, data: dict) -> None:
    group = catalogue.person_prefix(person)
    hooks.submitted(connection, {f"{group}.{path}": value for path, value in paths_of_person(data).items()})


def _public(person: Person) -> dict:
    """What the audit trail keeps of a person: no id numbers, no dates of birth in full."""
    return {
        "person": person.public_id,
        "name": person.full_name,
        "title": person.title,
        "relationships": person.relationships,
        "percent_ownership": str(person.percent_ownership) if person.percent_ownership is not None else None,
        "id_number_provided": person.id_number_provided,
    }


@transaction.atomic
def set_capabilities(*, actor: Membership, connection: Connection, requested: set[str], request_meta=None) -> None:
    """Request or unrequest capabilities (those the account's country allows; permanent ones stay)."""
    ensure_can(actor, permissions.EDIT_CAPABILITIES, connection)
    if connection.lifecycle_state not in (Connection.Lifecycle.ACTIVE, Connection.Lifecycle.INVITED):
        raise NotAllowed("This account's capabilities can no longer be changed.")
    requested = set(requested)
    existing = {c.name: c for c in Capability.objects.filter(connection=connection)}
    before = {name for name, c in existing.items() if c.requested}
    if problem := catalogue.capability_problem(
        connection.account.country, requested, before=before,
        recipient=connection.service_agreement == Connection.ServiceAgreement.RECIPIENT,
    ):
        raise AccountError(problem)
    now = timezone.now()
    for name in sorted(requested | set(existing)):
        wanted = name in requested
        capability = existing.get(name)
        if capability is None and wanted:
            Capability.objects.create(connection=connection, name=name, requested=True, requested_at=now)
        elif capability is not None and capability.requested != wanted:
            Capability.objects.filter(pk=capability.pk).update(
                requested=wanted, requested_at=now if wanted else capability.requested_at,
                status=capability.status if wanted else Capability.Status.UNREQUESTED,
            )
    record_audit(actor=actor, action="capabilities.updated", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 before={"requested": sorted(before)}, after={"requested": sorted(requested)}, request_meta=request_meta)
    account_changed(connection)


def schedule_editable(connection: Connection) -> tuple[bool, bool]:
    """(interval editable, delay editable): the interval on platform-liable or platform-collected
    accounts, the delay only on platform-liable ones (domain.md §7.9)."""
    return (connection.is_platform_liable or connection.is_platform_collected, connection.is_platform_liable)


@transaction.atomic
def update_payout_schedule(*, actor: Membership, connection: Connection, interval: str, delay_days: int | None,
                           weekly_anchor: str = "", monthly_anchor: int | None = None, request_meta=None) -> None:
    ensure_can(actor, permissions.EDIT_PAYOUT_SCHEDULE, connection)
    interval_ok, delay_ok = schedule_editable(connection)
    if not interval_ok:
        raise NotAllowed("This account sets its own payout schedule in its Dashboard.")
    if delay_days != connection.payout_delay_days and not delay_ok:
        raise AccountError("Only accounts your platform is liable for can have their payout delay changed.")
    minimum = payout_schedule.minimum_delay_days(connection.account.country)
    if delay_days is not None and delay_days < minimum:
        raise AccountError(f"The delay cannot be shorter than {minimum} days in this country.")
    if interval == Connection.PayoutInterval.WEEKLY and not weekly_anchor:
        raise AccountError("Choose the day of the week for weekly payouts.")
    if interval == Connection.PayoutInterval.MONTHLY and not (monthly_anchor and 1 <= monthly_anchor <= 31):
        raise AccountError("Choose a day of the month between 1 and 31 for monthly payouts.")
    before = _schedule_dict(connection)
    connection.payout_interval = interval
    connection.payout_delay_days = delay_days
    connection.payout_weekly_anchor = weekly_anchor if interval == Connection.PayoutInterval.WEEKLY else ""
    connection.payout_monthly_anchor = monthly_anchor if interval == Connection.PayoutInterval.MONTHLY else None
    Connection.objects.filter(pk=connection.pk).update(
        payout_interval=connection.payout_interval, payout_delay_days=connection.payout_delay_days,
        payout_weekly_anchor=connection.payout_weekly_anchor, payout_monthly_anchor=connection.payout_monthly_anchor,
    )
    record_audit(actor=actor, action="payout_schedule.updated", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode, before=before,
                 after=_schedule_dict(connection), request_meta=request_meta)


def _schedule_dict(connection: Connection) -> dict:
    return {"interval": connection.payout_interval, "delay_days": connection.payout_delay_days,
            "weekly_anchor": connection.payout_weekly_anchor, "monthly_anchor": connection.payout_monthly_anchor}


def removal_refusal(connection: Connection) -> str:
    if connection.dashboard_type != Connection.DashboardType.FULL:
        return "Only accounts with full Dashboard access can be removed; this one depends on your platform."
    if connection.lifecycle_state not in (Connection.Lifecycle.ACTIVE, Connection.Lifecycle.INVITED):
        return "This account is no longer connected."
    return ""


@transaction.atomic
def remove_connection(*, actor: Membership, connection: Connection, request_meta=None) -> None:
    """Disconnect a full-Dashboard account from this platform. Its platform-controlled settings
    (metadata, payout schedule, requested capabilities, links) are deleted for good; the business
    (the Account) keeps existing, and a later reconnection starts from fresh settings."""
    ensure_can(actor, permissions.REMOVE_ACCOUNTS, connection)
    connection = Connection.objects.select_for_update().select_related("account").get(pk=connection.pk)
    if refusal := removal_refusal(connection):
        raise AccountError(refusal)
    before = {"metadata": connection.metadata, **_schedule_dict(connection),
              "capabilities": sorted(connection.capabilities.values_list("name", flat=True))}
    Capability.objects.filter(connection=connection).delete()
    AccountLink.objects.filter(connection=connection).delete()
    Connection.objects.filter(pk=connection.pk).update(
        lifecycle_state=Connection.Lifecycle.REMOVED, removed_at=timezone.now(), metadata={},
        payout_interval=Connection.PayoutInterval.DAILY, payout_delay_days=None, payout_weekly_anchor="",
        payout_monthly_anchor=None, actions_required=False,
    )
    record_audit(actor=actor, action="account.removed", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 before=before, after={"lifecycle_state": "removed"}, request_meta=request_meta)


# --- Reject account, Pause payouts ------------------------------------------------------------

REJECT_REASONS = {"fraud": "Fraud", "terms_of_service": "Terms of service", "other": "Other"}


def rejection_refusal(connection: Connection) -> str:
    if connection.lifecycle_state == Connection.Lifecycle.REJECTED:
        return "This account has already been rejected."
    if connection.lifecycle_state not in (Connection.Lifecycle.ACTIVE, Connection.Lifecycle.INVITED):
        return "This account is no longer connected."
    return ""


def payouts_pause_refusal(connection: Connection, *, pause: bool) -> str:
    if connection.lifecycle_state != Connection.Lifecycle.ACTIVE:
        return "Only an active account's payouts can be paused or resumed."
    if pause and connection.payouts_paused:
        return "Payouts to this account are already paused."
    if not pause and not connection.payouts_paused:
        return "Payouts to this account are not paused."
    return ""


@transaction.atomic
def reject_account(*, actor: Membership, connection: Connection, reason: str, request_meta=None) -> None:
    """Reject the account for good (Stripe's reject: fraud, terms of service, other): its
    capabilities are disabled, and it can't receive transfers or payouts any more. Irreversible."""
    ensure_can(actor, permissions.REJECT_ACCOUNTS, connection)
    if reason not in REJECT_REASONS:
        raise AccountError("Choose why the account is rejected.")
    connection = Connection.objects.select_for_update().select_related("account").get(pk=connection.pk)
    if refusal := rejection_refusal(connection):
        raise AccountError(refusal)
    Connection.objects.filter(pk=connection.pk).update(lifecycle_state=Connection.Lifecycle.REJECTED,
                                                      disabled_reason=f"rejected.{reason}")
    record_audit(actor=actor, action="account.rejected", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 before={"lifecycle_state": connection.lifecycle_state},
                 after={"lifecycle_state": "rejected", "reason": reason}, request_meta=request_meta)
    connection.refresh_from_db()
    account_changed(connection)


@transaction.atomic
def set_payouts_paused(*, actor: Membership, connection: Connection, paused: bool, request_meta=None) -> None:
    """Pause payouts to the account (its balance stays and keeps receiving transfers), or resume them."""
    ensure_can(actor, permissions.PAUSE_ACCOUNTS, connection)
    connection = Connection.objects.select_for_update().select_related("account").get(pk=connection.pk)
    if refusal := payouts_pause_refusal(connection, pause=paused):
        raise AccountError(refusal)
    Connection.objects.filter(pk=connection.pk).update(payouts_paused=paused)
    record_audit(actor=actor, action="payouts.paused" if paused else "payouts.resumed", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 before={"payouts_paused": not paused}, after={"payouts_paused": paused}, request_meta=request_meta)
    connection.refresh_from_db()
    account_changed(connection)
