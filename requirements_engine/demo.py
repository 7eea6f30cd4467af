"""Demo states driven through the real engine (used by seed_demo): every checked field of a
fully onboarded account is marked verified, then one account per plan loses or fails
something so the badge comes out of the evaluation, not out of a hand-set column."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Connection

from . import services
from .models import FieldVerification, InformationRequest, Requirement
from .verification import is_checked, reason_for

CHECKED = [
    "business_profile.url", "company.name", "company.tax_id", "company.address.line1",
    "representative.dob", "representative.ssn_last_4", "representative.address.line1",
    "individual.dob", "individual.ssn_last_4", "individual.address.line1",
]


def verify_everything(connection: Connection) -> None:
    now = timezone.now()
    for path in CHECKED:
        if is_checked(path):
            FieldVerification.objects.update_or_create(
                connection=connection, path=path,
                defaults={"platform_id": connection.platform_id, "status": "verified", "livemode": connection.livemode,
                          "submitted_at": now, "resolved_at": now, "resolved_by": "demo"},
            )


def apply_plan(connection: Connection, plan: str, *, variant: int = 0) -> None:
    """Bring an onboarded connection into the planned state through the engine."""
    verify_everything(connection)
    services.recompute(connection)
    account = connection.account
    individual = account.business_type == "individual"
    if plan in ("restricted_soon", "restricted"):
        if individual:
            account.persons.filter(is_account_individual=True).update(phone="")
        else:
            account.__class__.objects.filter(pk=account.pk).update(phone="")
        if variant % 2 == 1:
            path = "individual.ssn_last_4" if individual else "company.tax_id"
            if connection.account.country == "US" or path == "company.tax_id":
                FieldVerification.objects.filter(connection=connection, path=path).update(
                    status="failed", error_code="verification_failed_tax_id_match" if not individual else
                    "verification_failed_id_number_match",
                    reason=reason_for("verification_failed_tax_id_match" if not individual else
                                      "verification_failed_id_number_match"),
                )
        services.recompute(connection)
        if plan == "restricted":
            # The items became due long enough ago for their deadline to have passed.
            Requirement.objects.filter(connection=connection, currently_due=True).update(
                first_due_at=timezone.now() - timedelta(days=40)
            )
            services.recompute(connection)
    elif plan == "in_review":
        path = "individual.dob" if individual else "representative.dob"
        FieldVerification.objects.filter(connection=connection, path=path).update(status="pending", resolved_at=None)
        services.recompute(connection)
    if plan == "enabled" and variant % 5 == 3:
        InformationRequest.objects.create(
            platform_id=connection.platform_id, connection=connection, kind=InformationRequest.Kind.BUSINESS_MODEL_REVIEW,
            title="Describe how you deliver your products",
            question="Tell us how and when customers receive what they pay for, and your refund policy.",
            due_at=timezone.now() + timedelta(days=10), affected_capabilities=["card_payments"],
            allowed_paths=["submit", "remediation_link", "contact_support"],
        )
        services.recompute(connection)
