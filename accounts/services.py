"""Writes on connected accounts. Each service checks the actor's role, runs in one transaction,
writes an audit event, and tells lower apps through accounts.hooks when account data changed."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from platform_console import permissions
from platform_console.audit import record_audit
from platform_console.countries import DEFAULT_CURRENCY
from platform_console.models import Membership
from platform_console.outbox import queue_email

from . import field_catalogue as catalogue
from . import hooks, links
from .errors import AccountError, LinkNotUsable, NotAllowed
from .models import Account, AccountLink, Capability, Connection, ExternalAccount, Person
from .status import derive_status, facts_of
from .validation import card_brand

HOLDER = "account holder"


def ensure_can(actor: Membership, permission: str, connection: Connection | None = None) -> None:
    """The actor's role holds `permission` and, when a connection is given, it belongs to the
    actor's own platform (views reach connections through scoped selectors; services check again
    so that tasks, the shell or a future API cannot cross tenants)."""
    if not actor.can(permission):
        raise NotAllowed("Your role does not allow this action.")
    if connection is not None:
        ensure_same_tenant(actor, connection)


def ensure_same_tenant(actor: Membership, connection: Connection) -> None:
    if connection.platform_id != actor.platform_id:
        raise NotAllowed("This account is not connected to your platform.")


def refresh_status(connection: Connection, *, now=None) -> str:
    """Recompute and store the status badge from the connection's facts; returns the status.

    Call inside the transaction that changed the facts (capabilities, requirement summary,
    lifecycle). Writes only when the badge changed.
    """
    capabilities = list(Capability.objects.filter(connection=connection).only("name", "requested", "status"))
    status = derive_status(facts_of(connection, capabilities), now=now or timezone.now())
    if status != connection.status:
        Connection.objects.filter(pk=connection.pk).update(status=status)
        connection.status = status
    return status


def account_changed(connection: Connection) -> None:
    """After any change to what the account provided: lower apps recompute, then the badge."""
    hooks.account_changed(connection)
    connection.refresh_from_db()
    refresh_status(connection)


# --- creating accounts ---------------------------------------------------------------------

PRESETS = {
    "full": {"fees_payer": "account", "losses_payments": "stripe", "requirement_collection": "stripe"},
    "express": {"fees_payer": "application_express", "losses_payments": "application", "requirement_collection": "stripe"},
    "none": {"fees_payer": "application_custom", "losses_payments": "application", "requirement_collection": "application"},
}


@dataclass(frozen=True)
class Blocker:
    code: str  # "role", "profile", "country"
    message: str


def creation_blockers(actor: Membership) -> list[Blocker]:
    """Why this operator cannot create accounts from the dashboard right now (empty: they can)."""
    platform = actor.platform
    if platform.country == "FR":
        return [Blocker("country", "Accounts of platforms in France are created only through hosted onboarding, "
                                   "not from the dashboard.")]
    blockers = []
    if not actor.can(permissions.CREATE_ACCOUNTS):
        blockers.append(Blocker("role", "Only Administrators and Developers can create connected accounts."))
    if not platform.platform_profile_completed:
        blockers.append(Blocker("profile", "Complete your platform profile before creating connected accounts."))
    return blockers


def controller_problem(*, dashboard_type: str, losses_payments: str, requirement_collection: str) -> str:
    """domain.md §3.3: the valid combinations of controller properties ("" when valid)."""
    if requirement_collection == "application" and (losses_payments != "application" or dashboard_type != "none"):
        return "When the platform collects requirements, it must be liable for negative balances and the account can have no Dashboard."
    if dashboard_type == "express" and losses_payments != "application":
        return "Express accounts need the platform to be liable for negative balances."
    return ""


@transaction.atomic
def create_account(
    *,
    actor: Membership,
    livemode: bool,
    country: str,
    email: str,
    dashboard_type: str,
    fees_payer: str,
    losses_payments: str,
    requirement_collection: str,
    business_type: str = "",
    capabilities: list[str] | None = None,
    metadata: dict[str, str] | None = None,
    request_meta: dict | None = None,
) -> tuple[Connection, str | None]:
    """Create an account connected to the actor's platform. Full and Express accounts start
    invited with a one-time onboarding link (emailed; the token is returned once); None accounts
    start active for the operator to onboard. Raises NotAllowed or AccountError."""
    if blockers := creation_blockers(actor):
        raise NotAllowed(blockers[0].message)
    if problem := controller_problem(
        dashboard_type=dashboard_type, losses_payments=losses_payments, requirement_collection=requirement_collection
    ):
        raise AccountError(problem)
    platform = actor.platform
    capabilities = sorted(set(capabilities or ["card_payments", "transfers"]))
    cross_border = country != platform.country
    if cross_border and capabilities != ["transfers"]:
        raise AccountError("Accounts in another country than the platform's can only receive transfers.")
    if problem := catalogue.capability_problem(country, set(capabilities)):
        raise AccountError(problem)
    now = timezone.now()
    account = Account.objects.create(
        country=country, default_currency=DEFAULT_CURRENCY[country], email=email,
        business_type=business_type, connected_platforms_count=1, created_at=now,
    )
    invited = dashboard_type in ("full", "express")
    connection = Connection.objects.create(
        platform=platform, account=account, livemode=livemode, dashboard_type=dashboard_type, fees_payer=fees_payer,
        losses_payments=losses_payments, requirement_collection=requirement_collection,
        service_agreement="recipient" if cross_border else "full",
        lifecycle_state="invited" if invited else "active", metadata=metadata or {}, created_at=now,
        connected_at=None if invited else now,
    )
    Capability.objects.bulk_create(
        Capability(connection=connection, name=name, requested=True, requested_at=now, status="inactive",
                   disabled_reason="pending.onboarding")
        for name in capabilities
    )
    record_audit(
        actor=actor, action="account.created", obj=account, account_public_id=account.public_id, livemode=livemode,
        after={"country": country, "email": email, "dashboard_type": dashboard_type, "fees_payer": fees_payer,
               "losses_payments": losses_payments, "requirement_collection": requirement_collection,
               "business_type": business_type, "capabilities": capabilities, "metadata": metadata or {}},
        request_meta=request_meta,
    )
    token = None
    if invited:
        _link, token = _issue_onboarding_link(actor=actor, connection=connection, request_meta=request_meta)
    account_changed(connection)
    return connection, token


def _issue_onboarding_link(*, actor: Membership, connection: Connection, request_meta: dict | None) -> tuple[AccountLink, str]:
    account = connection.account
    link, token = links.new_link(
        connection=connection, kind=AccountLink.Kind.ONBOARDING,
        lifetime=timedelta(days=settings.ONBOARDING_LINK_DAYS), created_by=actor, sent_to=account.email,
    )
    queue_email(
        to=account.email, template="accounts/email/onboarding_link", platform=connection.platform,
        context={"url": links.onboarding_url(token), "platform_name": connection.platform.name,
                 "expires_at": link.expires_at.isoformat(), "days": settings.ONBOARDING_LINK_DAYS},
    )
    record_audit(actor=actor, action="onboarding_link.issued", obj=link, account_public_id=account.public_id,
                 livemode=connection.livemode, after={"expires_at": link.expires_at.isoformat(), "sent_to": account.email},
                 request_meta=request_meta)
    return link, token


@transaction.atomic
def issue_onboarding_link(*, actor: Membership, connection: Connection, request_meta: dict | None = None) -> tuple[AccountLink, str]:
    """A fresh onboarding link for an invited account; the earlier one stops working."""
    ensure_can(actor, permissions.CREATE_ACCOUNTS, connection)
    if connection.lifecycle_state != Connection.Lifecycle.INVITED:
        raise AccountError("This account has already connected; it no longer needs an onboarding link.")
    return _issue_onboarding_link(actor=actor, connection=connection, request_meta=request_meta)


# --- hosted onboarding (account holders, no login) ----------------------------------------

def open_link(token: str, kind: str = AccountLink.Kind.ONBOARDING) -> AccountLink:
    """The usable link for `token`, counting the visit; raises LinkNotUsable with its state
    ("used", "expired", "revoked" or "invalid": unknown and wrong tokens look the same)."""
    link = links.find(token, kind)
    if link is None:
        raise LinkNotUsable("invalid")
    state = link.state()
    if link.connection.lifecycle_state not in (Connection.Lifecycle.INVITED, Connection.Lifecycle.ACTIVE):
        state = "invalid"
    if state != "active":
        raise LinkNotUsable(state)
    AccountLink.objects.filter(pk=link.pk).update(visit_count=F("visit_count") + 1, last_visited_at=timezone.now())
    return link


def usable_link(link_id: int, kind: str = AccountLink.Kind.ONBOARDING) -> AccountLink:
    """Re-check a link kept in the holder's session before each step: still active, of the
    expected kind, and for an account that is still connected."""
    link = (
        AccountLink.objects.select_related("connection__account", "connection__platform")
        .filter(pk=link_id, kind=kind)
        .first()
    )
    if link is None or link.connection.lifecycle_state not in (Connection.Lifecycle.INVITED, Connection.Lifecycle.ACTIVE):
        raise LinkNotUsable("invalid")
    if (state := link.state()) != "active":
        raise LinkNotUsable(state)
    return link


def _audit_holder(connection: Connection, action: str, *, before=None, after=None, request_meta=None, actor=None):
    record_audit(
        actor=actor, platform=connection.platform, action=action, obj=connection.account,
        account_public_id=connection.account.public_id, livemode=connection.livemode,
        before=before, after=after, request_meta=request_meta, actor_label="" if actor else HOLDER,
    )


def _ensure_can_edit(actor: Membership | None, connection: Connection) -> None:
    """Operators edit onboarding data only on platform-collected accounts (domain.md §7.7)."""
    if actor is None:
        return
    ensure_can(actor, permissions.EDIT_PROFILE, connection)
    if not connection.is_platform_collected:
        raise NotAllowed("This account provides its own information; send it a link instead.")


ACCOUNT_FIELDS = ("business_type", "legal_name", "legal_name_kana", "name", "url", "product_description", "mcc",
                  "tax_id_registrar", "phone", "address_line1", "address_line2", "address_city", "address_state",
                  "address_postal_code", "support_phone", "support_email", "support_url", "email")
PERSON_FIELDS = ("first_name", "last_name", "first_name_kana", "last_name_kana", "email", "phone", "dob", "title",
                 "address_line1", "address_city", "address_state", "address_postal_code", "is_owner",
                 "percent_ownership", "is_director")


def _paths_of_account(data: dict) -> dict[str, Any]:
    paths = catalogue.paths_by_form("account")
    return {paths[k]: v for k, v in data.items() if k in paths and v not in (None, "")}


def paths_of_person(data: dict) -> dict[str, Any]:
    """Submitted person form values by relative path ("dob", "address.line1", …)."""
    paths = catalogue.paths_by_form("person")
    return {paths[k]: v for k, v in data.items() if k in paths and v not in (None, "")}


# Personal data the audit trail records only as "changed": the trail outlives a removed person, and
# Developers export it (names, titles and ownership stay, as they say who was changed).
REDACTED_PERSON_FIELDS = frozenset({"dob", "email", "phone", "address_line1", "address_city", "address_state",
                                    "address_postal_code"})


def _redact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ("(changed)" if k in REDACTED_PERSON_FIELDS and v else v) for k, v in values.items()}


def _snapshot(obj, fields) -> dict[str, Any]:
    return {f: str(getattr(obj, f)) if getattr(obj, f) is not None else None for f in fields if hasattr(obj, f)}


@transaction.atomic
def save_account_details(*, connection: Connection, data: dict, actor: Membership | None = None, request_meta=None,
                         action: str = "account.details_saved") -> None:
    """Business type or business details from an onboarding step. Secrets (tax id) are kept only as
    'provided' flags after the verification hook has seen them."""
    _ensure_can_edit(actor, connection)
    account = Account.objects.select_for_update().get(pk=connection.account_id)
    before = _snapshot(account, ACCOUNT_FIELDS)
    for field in ACCOUNT_FIELDS:
        if field in data:
            setattr(account, field, data[field])
    if data.get("tax_id"):
        account.tax_id_provided = True
    if data.get("vat_id"):
        account.vat_id_provided = True
    account.save()
    connection.account = account
    hooks.submitted(connection, _paths_of_account(data))
    changed = {k: v for k, v in _snapshot(account, ACCOUNT_FIELDS).items() if before.get(k) != v}
    if data.get("tax_id"):
        changed["tax_id_provided"] = True
    _audit_holder(connection, action, before={k: before.get(k) for k in changed}, after=changed,
                  request_meta=request_meta, actor=actor)
    account_changed(connection)


@transaction.atomic
def save_person(*, connection: Connection, role: str, data: dict, actor: Membership | None = None, request_meta=None) -> Person:
    """The individual (role "individual") or the representative (role "representative")."""
    _ensure_can_edit(actor, connection)
    account = connection.account
    if role == "individual":
        person = account.persons.filter(is_account_individual=True).first() or Person(
            account=account, is_account_individual=True, is_representative=True
        )
    else:
        person = account.persons.filter(is_representative=True, is_account_individual=False).first() or Person(
            account=account, is_representative=True, is_executive=True
        )
    if role == "representative" and "is_owner" in data and not data.get("is_owner"):
        person.percent_ownership = None
    return _write_person(connection, person, group=role, data=data, action=f"{role}.saved", actor=actor,
                         request_meta=request_meta)


@transaction.atomic
def save_person_fields(*, connection: Connection, person_key: str, data: dict, actor: Membership | None = None,
                       request_meta=None) -> Person:
    """Some fields of one person: "individual", "representative" or an existing person's id."""
    if person_key in ("individual", "representative"):
        return save_person(connection=connection, role=person_key, data=data, actor=actor, request_meta=request_meta)
    _ensure_can_edit(actor, connection)
    person = connection.account.persons.filter(public_id=person_key).first()
    if person is None:
        raise AccountError("That person is no longer on this account.")
    return _write_person(connection, person, group=person_key, data=data, action="person.updated", actor=actor,
                         request_meta=request_meta)


def _write_person(connection: Connection, person: Person, *, group: str, data: dict, action: str,
                  actor: Membership | None, request_meta) -> Person:
    """Set the given fields, keep only 'provided' flags (and last four) of identity numbers after the
    verification hook has seen them, audit the before/after and re-evaluate."""
    before = _snapshot(person, PERSON_FIELDS)
    for field in PERSON_FIELDS:
        if field in data:
            setattr(person, field, data[field])
    if data.get("ssn_last_4"):
        person.ssn_last_4_provided = True
    if data.get("id_number"):
        person.id_number_provided = True
        person.id_number_last4 = str(data["id_number"])[-4:]
    person.save()
    hooks.submitted(connection, {f"{group}.{path}": value for path, value in paths_of_person(data).items()})
    if person.is_account_individual:
        Account.objects.filter(pk=connection.account_id).update(legal_name=person.full_name)
    after = {k: v for k, v in _snapshot(person, PERSON_FIELDS).items() if before.get(k) != v}
    _audit_holder(connection, action, before=_redact({k: before.get(k) for k in after}),
                  after=_redact({"person": person.public_id, **after} if group.startswith("person_") else after),
                  request_meta=request_meta, actor=actor)
    account_changed(connection)
    return person


@transaction.atomic
def accept_terms(*, connection: Connection, ip: str | None, user_agent: str, request_meta=None) -> None:
    """The account holder accepts the Services Agreement (never an operator on its behalf)."""
    Connection.objects.filter(pk=connection.pk).update(tos_accepted_at=timezone.now(), tos_ip=ip,
                                                       tos_user_agent=user_agent[:300])
    _audit_holder(connection, "terms.accepted", request_meta=request_meta)
    account_changed(connection)


@transaction.atomic
def add_owner(*, connection: Connection, data: dict, actor: Membership | None = None, request_meta=None) -> Person:
    _ensure_can_edit(actor, connection)
    account = Account.objects.select_for_update().get(pk=connection.account_id)
    share = data.get("percent_ownership")
    total = sum(p.percent_ownership or 0 for p in account.persons.filter(is_owner=True))
    if share is not None and total + share > 100:
        raise AccountError(f"Ownership would total {total + share} %; it can be at most 100 %.")
    person = Person.objects.create(
        account=account, is_owner=share is not None and share > 0, is_director=bool(data.get("is_director")),
        **{f: data.get(f) or "" for f in ("first_name", "last_name", "email", "address_line1", "address_city",
                                           "address_state", "address_postal_code")},
        dob=data.get("dob"), percent_ownership=share, ssn_last_4_provided=bool(data.get("ssn_last_4")),
    )
    hooks.submitted(connection, {f"{person.public_id}.{path}": value for path, value in paths_of_person(data).items()})
    _audit_holder(connection, "person.added", after={"person": person.public_id, "percent_ownership": str(share)},
                  request_meta=request_meta, actor=actor)
    account_changed(connection)
    return person


@transaction.atomic
def remove_added_owner(*, connection: Connection, person_public_id: str, actor: Membership | None = None, request_meta=None) -> None:
    """Onboarding only: take back an owner entered by mistake (never the representative)."""
    _ensure_can_edit(actor, connection)
    deleted, _ = connection.account.persons.filter(
        public_id=person_public_id, is_representative=False, is_account_individual=False
    ).delete()
    if deleted:
        _audit_holder(connection, "person.removed", before={"person": person_public_id}, request_meta=request_meta,
                      actor=actor)
        account_changed(connection)


@transaction.atomic
def confirm_owners(*, connection: Connection, owners_provided: bool, directors_provided: bool, actor=None, request_meta=None) -> None:
    _ensure_can_edit(actor, connection)
    Account.objects.filter(pk=connection.account_id).update(
        owners_provided=owners_provided, directors_provided=directors_provided
    )
    _audit_holder(connection, "owners.confirmed", after={"owners_provided": owners_provided,
                                                           "directors_provided": directors_provided},
                  request_meta=request_meta, actor=actor)
    account_changed(connection)


def fingerprint(kind: str, number: str) -> str:
    """Keyed fingerprint of a full bank account or card number: recognises a number (the test-mode
    magic values, a duplicate) without storing it. Keyed, so it cannot be reversed by hashing every
    possible number."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{digits}".encode(), hashlib.sha256).hexdigest()


# Test-mode debit cards that may not receive instant payouts (domain.md §10).
NOT_INSTANT = {"4000056755665555"}


@transaction.atomic
def save_payout_account(*, connection: Connection, data: dict, actor: Membership | None = None, request_meta=None) -> ExternalAccount:
    """Replace the default payout destination for the account's currency. Only last4, a keyed
    fingerprint and display details are stored: never the full number."""
    _ensure_can_edit(actor, connection)
    if actor is not None:
        ensure_can(actor, permissions.MANAGE_EXTERNAL_ACCOUNTS)
    account = connection.account
    currency = account.default_currency
    ExternalAccount.objects.filter(account=account, currency=currency, default_for_currency=True).update(
        default_for_currency=False
    )
    if data["kind"] == "card":
        number = data["card_number"]
        external = ExternalAccount.objects.create(
            account=account, kind="card", country=account.country, currency=currency, last4=number[-4:],
            fingerprint=fingerprint("card", number), brand=card_brand(number), exp_month=data["exp_month"],
            exp_year=data["exp_year"], supports_instant=number not in NOT_INSTANT, default_for_currency=True,
        )
    else:
        number = data["account_number"]
        external = ExternalAccount.objects.create(
            account=account, kind="bank_account", country=account.country, currency=currency, last4=number[-4:],
            fingerprint=fingerprint("bank_account", number), routing_number=data["routing_number"],
            account_holder_name=data["account_holder_name"], bank_name="", default_for_currency=True,
        )
    _audit_holder(connection, "external_account.added", after={"external_account": external.public_id,
                                                                 "kind": external.kind, "last4": external.last4},
                  request_meta=request_meta, actor=actor)
    account_changed(connection)
    return external


@transaction.atomic
def complete_onboarding(*, link_id: int, ip: str | None, user_agent: str, request_meta=None) -> Connection:
    """The holder agreed to the terms: the link is consumed (once, even under concurrent
    submissions), the account is connected, and the platform's Administrators are emailed."""
    now = timezone.now()
    # The conditional UPDATE is the single-use guard: of two concurrent submissions exactly one
    # sees a row to update.
    claimed = AccountLink.objects.filter(
        pk=link_id, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        link = AccountLink.objects.get(pk=link_id)
        raise LinkNotUsable(link.state(now))
    link = AccountLink.objects.select_related("connection__account", "connection__platform").get(pk=link_id)
    connection = link.connection
    Connection.objects.filter(pk=connection.pk).update(
        tos_accepted_at=now, tos_ip=ip, tos_user_agent=user_agent[:300], details_submitted=True,
        lifecycle_state=Connection.Lifecycle.ACTIVE, connected_at=now,
    )
    connection.refresh_from_db()
    _audit_holder(connection, "onboarding.completed", after={"link": link.public_id}, request_meta=request_meta)
    _email_admins_connected(connection)
    account_changed(connection)
    return connection


def _email_admins_connected(connection: Connection) -> None:
    admins = Membership.objects.filter(platform=connection.platform, roles__slug="admin").select_related("user").distinct()
    account = connection.account
    for membership in admins:
        queue_email(
            to=membership.user.email, template="accounts/email/account_connected", platform=connection.platform,
            context={"account_name": account.display_name, "account_id": account.public_id,
                     "platform_name": connection.platform.name, "livemode": connection.livemode},
        )


@transaction.atomic
def submit_onboarding_for_account(*, actor: Membership, connection: Connection, request_meta=None) -> Connection:
    """None-access (platform-collected) accounts: the operator marks the details submitted after
    filling them in on the account's behalf."""
    _ensure_can_edit(actor, connection)
    Connection.objects.filter(pk=connection.pk).update(details_submitted=True)
    connection.refresh_from_db()
    record_audit(actor=actor, action="onboarding.submitted", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 request_meta=request_meta)
    account_changed(connection)
    return connection
