"""Gathering an account's facts for the pure evaluation, in a fixed number of queries."""

from accounts import hooks as account_hooks
from accounts.models import Connection, Person
from accounts.onboarding import provided_paths

from .evaluation import Facts, InfoRequestFacts, PersonFacts, Verification
from .models import Document, FieldVerification, InformationRequest, Requirement
from .rules import load

PERSON_ATTRIBUTES = {
    "first_name": "first_name",
    "last_name": "last_name",
    "first_name_kana": "first_name_kana",
    "last_name_kana": "last_name_kana",
    "dob": "dob",
    "email": "email",
    "phone": "phone",
    "address.line1": "address_line1",
    "address.city": "address_city",
    "address.state": "address_state",
    "address.postal_code": "address_postal_code",
    "relationship.title": "title",
}


def person_group(person: Person) -> str:
    """The path prefix a person's fields use: individual, representative, or its own id."""
    if person.is_account_individual:
        return "individual"
    if person.is_representative:
        return "representative"
    return person.public_id


def person_facts(person: Person, documents: set[str]) -> PersonFacts:
    provided = {rel for rel, attr in PERSON_ATTRIBUTES.items() if getattr(person, attr)}
    if person.ssn_last_4_provided or person.id_number_provided:
        provided.add("ssn_last_4")
    if person.id_number_provided:
        provided.add("id_number")
    group = person_group(person)
    for kind in ("document", "additional_document"):
        if f"{group}.verification.{kind}" in documents:
            provided.add(f"verification.{kind}")
    return PersonFacts(
        key=person.public_id,
        provided=frozenset(provided),
        name=person.full_name,
        is_individual=person.is_account_individual,
        is_representative=person.is_representative,
        is_owner=person.is_owner,
        is_director=person.is_director,
        percent_ownership=float(person.percent_ownership) if person.percent_ownership is not None else None,
    )


def gather(connection: Connection) -> Facts:
    account = connection.account
    persons = list(account.persons.all())
    documents = set(Document.objects.filter(connection=connection).values_list("path", flat=True))
    capabilities = list(connection.capabilities.all())
    account_paths = {p for p in provided_paths(connection) if not p.startswith(("individual.", "representative."))}
    if account.vat_id_provided:
        account_paths.add("company.vat_id")
    if account.support_phone:
        account_paths.add("business_profile.support_phone")
    if account.product_description:
        account_paths.add("business_profile.product_description")
    verifications = {
        v.path: Verification(v.status, v.error_code, v.reason)
        for v in FieldVerification.objects.filter(connection=connection)
    }
    first_due = dict(
        Requirement.objects.filter(connection=connection, first_due_at__isnull=False).values_list("path", "first_due_at")
    )
    requests = tuple(
        InfoRequestFacts(r.public_id, r.status, r.due_at, frozenset(r.affected_capabilities))
        for r in InformationRequest.objects.filter(connection=connection)
    )
    volume = sum(provider(connection) for provider in account_hooks.lifetime_volume)
    rejected = connection.disabled_reason if connection.disabled_reason.startswith("rejected.") or (
        connection.disabled_reason == "listed") else ""
    if connection.lifecycle_state == Connection.Lifecycle.REJECTED and not rejected:
        rejected = "rejected.other"
    return Facts(
        country=account.country,
        business_type=account.business_type,
        requested=frozenset(c.name for c in capabilities if c.requested),
        provided=frozenset(account_paths),
        persons=tuple(person_facts(p, documents) for p in persons),
        verifications=verifications,
        first_due=first_due,
        details_submitted=connection.details_submitted,
        volume_reached=volume >= load().threshold_for(account.country),
        held=connection.verifications_held_at is not None,
        payments_paused=connection.payments_paused,
        payouts_paused=connection.payouts_paused,
        rejected_reason=rejected,
        disabled_capabilities={c.name: c.disabled_reason for c in capabilities
                               if c.status == "disabled" and c.requested},
        info_requests=requests,
    )
