"""A person's verification status (domain.md §3.8) follows the checks of their identity fields:
test-mode magic values, or provider staff's review in live mode. Derived here, in one place, each
time the account is re-evaluated."""

from collections.abc import Iterable

from accounts import field_catalogue as catalogue
from accounts.models import Person


def status_of(checks: dict[str, str]) -> str:
    """`checks`: relative identity path ("dob", "ssn_last_4", "verification.document", …) -> status
    of its check ("pending", "verified" or "failed"). Verified once the person's identity was
    matched (date of birth, or an identity document) and no identity check failed or waits."""
    statuses = set(checks.values())
    if "pending" in statuses:
        return Person.Verification.PENDING
    if "failed" not in statuses and (checks.get("dob") == "verified"
                                     or checks.get("verification.document") == "verified"):
        return Person.Verification.VERIFIED
    return Person.Verification.UNVERIFIED


def identity_paths() -> frozenset[str]:
    return frozenset(rel for rel, entry in catalogue.load().person.items() if entry.identity)


def refresh(persons: Iterable[Person], verifications: dict[str, str]) -> list[Person]:
    """Set each person's status from `verifications` (path -> status of the account's checks);
    returns the persons whose status changed (for one bulk update)."""
    identity = identity_paths()
    changed = []
    for person in persons:
        group = catalogue.person_prefix(person)
        checks = {rel: verifications[f"{group}.{rel}"] for rel in identity if f"{group}.{rel}" in verifications}
        status = status_of(checks)
        if status != person.verification_status:
            person.verification_status = status
            changed.append(person)
    return changed
