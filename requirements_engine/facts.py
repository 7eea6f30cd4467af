"""Gathering accounts' facts for the pure evaluation, in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db.models import Model, QuerySet

from accounts import field_catalogue as catalogue
from accounts import hooks as account_hooks
from accounts.models import Capability, Connection, ExternalAccount, Person

from .evaluation import Facts, InfoRequestFacts, PersonFacts, Verification
from .models import Document, FieldVerification, InformationRequest, Requirement
from .rules import load


def person_facts(person: Person, documents: set[str]) -> PersonFacts:
    provided = catalogue.person_provided(person, documents)
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
    """One account's facts: the one-connection case of `gather_many`."""
    return gather_many([connection])[connection.pk]


def gather_many(connections: Sequence[Connection]) -> dict[int, Facts]:
    """The facts of each connection, by pk, in a fixed number of queries however many they are (the
    sweeps gather a thousand at a time). Persons, external accounts and capabilities are prefetched
    onto the connections, where `provided_paths` reads them; the rest is read for all at once."""
    connections = list(connections)
    ids = [c.pk for c in connections]
    accounts = [c.account for c in connections]
    account_ids = {a.pk for a in accounts}
    _prefetch(accounts, "persons", Person.objects.filter(account_id__one_of=account_ids), "account_id")
    _prefetch(accounts, "external_accounts", ExternalAccount.objects.filter(account_id__one_of=account_ids), "account_id")
    _prefetch(connections, "capabilities", Capability.objects.filter(connection_id__one_of=ids), "connection_id")
    documents: dict[int, set[str]] = defaultdict(set)
    for connection_id, path in Document.objects.filter(connection_id__one_of=ids).values_list("connection_id", "path"):
        documents[connection_id].add(path)
    verifications: dict[int, dict[str, Verification]] = defaultdict(dict)
    for connection_id, path, status, code, reason in FieldVerification.objects.filter(connection_id__one_of=ids).values_list(
        "connection_id", "path", "status", "error_code", "reason"
    ):
        verifications[connection_id][path] = Verification(status, code, reason)
    first_due: dict[int, dict[str, datetime]] = defaultdict(dict)
    for connection_id, path, due_at in Requirement.objects.filter(
        connection_id__one_of=ids, first_due_at__isnull=False
    ).values_list("connection_id", "path", "first_due_at"):
        first_due[connection_id][path] = due_at
    requests: dict[int, list[InfoRequestFacts]] = defaultdict(list)
    for connection_id, public_id, status, due_at, affected in InformationRequest.objects.filter(
        connection_id__one_of=ids
    ).values_list("connection_id", "public_id", "status", "due_at", "affected_capabilities"):
        requests[connection_id].append(InfoRequestFacts(public_id, status, due_at, frozenset(affected)))
    volumes: dict[int, int] = defaultdict(int)
    for provider in account_hooks.lifetime_volume:
        for connection_id, volume in provider(connections).items():
            volumes[connection_id] += volume
    rules = load()
    return {
        c.pk: _facts(c, documents[c.pk], verifications[c.pk], first_due[c.pk], tuple(requests[c.pk]),
                     volumes[c.pk] >= rules.threshold_for(c.account.country))
        for c in connections
    }


def _prefetch(instances: list[Model], name: str, related: QuerySet, key: str) -> None:
    """What prefetch_related_objects(instances, name) does, in the same one query, where the
    reverse relation `name` reads it (`instance.<name>.all()`), without the related queryset it
    builds and filters for each instance first (a tenth of a millisecond each)."""
    grouped: dict[int, list[Model]] = defaultdict(list)
    for row in related:
        grouped[getattr(row, key)].append(row)
    for instance in instances:
        cached = QuerySet(related.model)
        cached._result_cache = grouped[instance.pk]
        cached._prefetch_done = True
        instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = cached


def _facts(connection: Connection, documents: set[str], verifications: dict[str, Verification],
           first_due: dict[str, datetime], requests: tuple[InfoRequestFacts, ...], volume_reached: bool) -> Facts:
    account = connection.account
    persons = list(account.persons.all())
    capabilities = list(connection.capabilities.all())
    account_paths = catalogue.account_provided(connection)
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
        volume_reached=volume_reached,
        held=connection.verifications_held_at is not None,
        payments_paused=connection.payments_paused,
        payouts_paused=connection.payouts_paused,
        rejected_reason=rejected,
        disabled_capabilities={c.name: c.disabled_reason for c in capabilities
                               if c.status == "disabled" and c.requested},
        info_requests=requests,
    )
