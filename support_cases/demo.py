"""Demo support cases for a demo platform: accounts with cases inside and outside the 90-day window
(with conversations and a private note), and one account for each reason the platform may not see
an account's cases (connected to several platforms, itself a platform, opted out).

Cases go through the real services (the note is emailed to provider support like any other), then
their timestamps are moved into the past. Running it twice changes nothing: an account that
already has cases is left alone, and the exception flags are set, not toggled.

Called by `seed_demo` after the accounts exist: `support_cases.demo.seed(platform, admin_membership)`.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Connection
from platform_console.models import Membership, Platform, User

from . import services
from .models import Message, SupportCase

STAFF_EMAIL = "provider-support@demo.test"

# (subject, category, description, opened days ago, steps, final status). A step is
# (author, days ago, text); "closed" as final status closes the case at its last step.
CASES = [
    [
        (
            "Payout to my bank account is three days late",
            "payouts",
            (
                "Our payout of $1,240.18 scheduled for Monday still hasn't arrived in our account ending 6789.\n"
                "The bank says nothing is pending on their side. Can you tell us where it is?"
            ),
            4,
            [
                (
                    "provider",
                    3,
                    (
                        "Thanks for reaching out. The payout was sent on Monday and returned by the receiving "
                        "bank with the code account_closed. Could you confirm the account ending 6789 is still "
                        "open, or add a new bank account?"
                    ),
                ),
                (
                    "account",
                    2,
                    "The account is open — we use it every day. Could the bank have made a mistake?",
                ),
                (
                    "platform",
                    2,
                    (
                        "Context from Rocket Rides: this driver changed banks last month. The new account was "
                        "added on our side on the 3rd; the payout may have gone to the old one."
                    ),
                ),
            ],
            None,
        ),
        (
            "Question about the fees on my monthly statement",
            "fees",
            "The statement for last quarter shows a fee line I don't recognise. What is it for?",
            130,
            [
                (
                    "provider",
                    128,
                    (
                        "That line is the monthly active-account fee. It is listed in your pricing page "
                        "under Connect. Let us know if anything else is unclear."
                    ),
                )
            ],
            "closed",
        ),
    ],
    [
        (
            "Card payments were disabled after we sent our documents",
            "account",
            (
                "We uploaded our business registration last week, but card payments are still disabled and the "
                "dashboard says we need to verify our business."
            ),
            6,
            [],
            None,
        ),
        (
            "Customer says a refund never reached their card",
            "disputes",
            (
                "We refunded order A-1042 on the 2nd. The customer says nothing arrived. "
                "Can you send us the ARN so they can ask their bank?"
            ),
            89,
            [
                (
                    "provider",
                    88,
                    (
                        "The refund was processed on the 2nd. The ARN is 74537604221000000000001; refunds can "
                        "take up to 10 business days to appear."
                    ),
                ),
                ("account", 80, "Thank you — the customer found it."),
            ],
            "closed",
        ),
        (
            "Statement descriptor shows the wrong business name",
            "payments",
            "Customers see OLD NAME LLC on their statements. We renamed the business in January.",
            95,
            [("provider", 94, "We updated the statement descriptor to match your new name.")],
            "closed",
        ),
    ],
    [
        (
            "API returns an error when we create a transfer",
            "technical",
            (
                'Since this morning every transfer to this account fails with "insufficient capabilities". '
                "Nothing changed on our side. <b>Urgent</b> — drivers are waiting."
            ),
            1,
            [("provider", 0, "We are looking into it now and will update you within the hour.")],
            None,
        ),
    ],
]

EXCEPTION_CASE = (
    "Help with my account settings",
    "account",
    "I'd like to understand how to change where my payouts go.",
    5,
)


def seed(platform: Platform, admin_membership: Membership) -> dict[str, int]:
    """Create the demo cases on `platform` (live mode); returns what was created."""
    with transaction.atomic():
        return _seed(platform, admin_membership)


def _seed(platform: Platform, admin: Membership) -> dict[str, int]:
    counts = {"cases": 0, "messages": 0, "exceptions": 0}
    staff = _staff_user()
    # A stable choice of accounts: live, connected, with a dashboard, in name order. The flags set
    # below do not change which accounts qualify, so a second run picks the same ones.
    eligible = list(
        Connection.objects.filter(
            platform=platform,
            livemode=True,
            lifecycle_state=Connection.Lifecycle.ACTIVE,
            dashboard_type__in=[Connection.DashboardType.FULL, Connection.DashboardType.EXPRESS],
        )
        .select_related("account", "platform")
        .order_by("account__name", "pk")
    )
    with_cases, exceptions = eligible[: len(CASES)], eligible[len(CASES) : len(CASES) + 3]
    for connection, plans in zip(with_cases, CASES, strict=False):
        if SupportCase.objects.filter(connection=connection).exists():
            continue
        for plan in plans:
            counts["messages"] += _case(connection, admin, staff, *plan)
            counts["cases"] += 1

    flags = [{"connected_platforms_count": 2}, {"is_platform": True}, {"shares_support_cases": False}]
    for connection, change in zip(exceptions, flags, strict=False):
        Account.objects.filter(pk=connection.account_id).update(**change)
        if not SupportCase.objects.filter(connection=connection).exists():
            _case(connection, admin, staff, *EXCEPTION_CASE, [], None)
            counts["cases"] += 1
        counts["exceptions"] += 1
    return counts


def _staff_user() -> User:
    user, created = User.objects.get_or_create(
        email=STAFF_EMAIL, defaults={"full_name": "Provider Support", "is_staff": True}
    )
    if created:
        user.set_unusable_password()  # the author of the demo answers; nobody signs in as it
        user.save(update_fields=["password"])
    return user


def _case(connection, admin, staff, subject, category, description, opened_days, steps, final_status) -> int:
    now = timezone.now()
    case = services.open_case(
        connection=connection, subject=subject, description=description, category=category
    )
    opened = now - timedelta(days=opened_days, hours=3)
    SupportCase.objects.filter(pk=case.pk).update(opened_at=opened, updated_at=opened)
    case.opened_at = opened
    last = opened
    for author, days, text in steps:
        when = now - timedelta(days=days, hours=2)
        if author == "account":
            message = services.account_reply(connection=connection, case_id=case.public_id, body=text)
        elif author == "provider":
            message = services.provider_respond(case=case, staff_user=staff, body=text)
        else:
            message = services.email_support(actor=admin, case=case, body=text)
        Message.objects.filter(pk=message.pk).update(created_at=when)
        last = when
    if final_status:
        services.provider_respond(case=case, staff_user=staff, status=final_status)
    updates = {"updated_at": last}
    if final_status == SupportCase.Status.CLOSED:
        updates["closed_at"] = last
    SupportCase.objects.filter(pk=case.pk).update(**updates)
    return len(steps)
