"""Every read of support cases, for the platform's side and for the account's side.

Two rules live here and nowhere else:

- **Visibility to the platform** (domain.md §7.6): `hidden_reasons` decides whether the platform may
  see a connection's cases at all; `operator_cases` and `operator_case` apply it, so the Support
  cases panel, the case page and the email service cannot disagree.
- **Privacy of platform messages**: the account-side readers (`account_side_cases`,
  `account_side_case`) never select platform messages, and return plain view objects rather than
  model instances, so a template cannot reach the private notes through `case.messages.all`.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Connection
from platform_console.ids import matches_prefix

from .errors import CasesHidden
from .models import Message, SupportCase

# The platform sees the cases the account opened in the last 90 days (domain.md §7.6). The
# boundary is inclusive: a case opened exactly 90 days ago is still listed, one opened 90 days and
# one second ago is not (`opened_at >= now - WINDOW`).
WINDOW = timedelta(days=90)
# A bound on the panel's rows; an account opening more cases than this in 90 days is not a real
# case, but the page must not grow without limit if one does.
MAX_LISTED = 100
# The account's own history on its hosted page.
ACCOUNT_SIDE_LIMIT = 50


# --- visibility to the platform ---------------------------------------------------------------


@dataclass(frozen=True)
class HiddenReason:
    code: str
    message: str


REASONS = {
    "multiple_platforms": HiddenReason(
        "multiple_platforms",
        "This account is connected to more than one platform, so its support cases are not shared with you.",
    ),
    "is_platform": HiddenReason(
        "is_platform", "This account is itself a platform, so its support cases are not shared with you."
    ),
    "opted_out": HiddenReason(
        "opted_out", "This account has opted out of sharing its support cases with platforms."
    ),
    # Domain.md §7.6 lists cases only for accounts with full or Express dashboard access. An account
    # with None access has no provider-hosted surface: the platform is its only interface and its
    # support, so it raises no cases with provider support and gets no support link. We say so
    # rather than show an empty list, which would suggest the account simply has no cases.
    "no_dashboard": HiddenReason(
        "no_dashboard",
        "This account has no dashboard access (None), so it does not raise cases with provider support: "
        "your team supports it directly.",
    ),
}


def hidden_reasons(connection: Connection) -> list[HiddenReason]:
    """Why the platform may not see this connection's cases; empty when it may. Every reason that
    applies is listed, so the page can say plainly which ones do."""
    account = connection.account
    reasons = []
    # "Connected to more than one platform" counts every platform ever (domain.md §3.16).
    if account.connected_platforms_count > 1:
        reasons.append(REASONS["multiple_platforms"])
    if account.is_platform:
        reasons.append(REASONS["is_platform"])
    if not account.shares_support_cases:
        reasons.append(REASONS["opted_out"])
    if connection.dashboard_type == Connection.DashboardType.NONE:
        reasons.append(REASONS["no_dashboard"])
    return reasons


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - WINDOW


@dataclass
class OperatorCases:
    """Either the cases the platform may see, or the reasons it may see none."""

    cases: list[SupportCase] = field(default_factory=list)
    reasons: list[HiddenReason] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        return bool(self.reasons)

    @property
    def hidden_title(self) -> str:
        if all(reason.code == "no_dashboard" for reason in self.reasons):
            return "Support cases don't apply to this account"
        return "Support cases are not shared for this account"


def _in_window(connection: Connection, now: datetime | None) -> QuerySet[SupportCase]:
    return SupportCase.objects.filter(
        platform_id=connection.platform_id, connection=connection, opened_at__gte=window_start(now)
    )


def operator_cases(connection: Connection, *, now: datetime | None = None) -> OperatorCases:
    """The connection's cases of the last 90 days, newest first, or why they are hidden."""
    reasons = hidden_reasons(connection)
    if reasons:
        return OperatorCases(reasons=reasons)
    cases = _in_window(connection, now).order_by("-opened_at", "-id")[:MAX_LISTED]
    return OperatorCases(cases=list(cases))


def operator_case(connection: Connection, case_id: str, *, now: datetime | None = None) -> SupportCase:
    """One case for the platform's case page. Raises CasesHidden when the account's cases are not
    shared (checked first, so the answer does not reveal whether the case exists) and Http404 for
    an unknown id, another account's case, or a case opened before the 90-day window."""
    reasons = hidden_reasons(connection)
    if reasons:
        raise CasesHidden(reasons)
    if not matches_prefix(case_id, "case_"):
        raise Http404("No such support case")
    case = _in_window(connection, now).filter(public_id=case_id).first()
    if case is None:
        raise Http404("No such support case")
    case.connection = connection  # already loaded with its account
    return case


def conversation(case: SupportCase) -> list[Message]:
    """The whole conversation for the platform: account, provider and the team's private notes."""
    return list(
        Message.objects.filter(platform_id=case.platform_id, case=case)
        .select_related("membership__user")
        .order_by("created_at", "id")
    )


# --- the account's side ------------------------------------------------------------------------

ACCOUNT_STATUS = {
    SupportCase.Status.OPEN: ("Open", "info"),
    SupportCase.Status.WAITING_ON_ACCOUNT: ("Waiting on you", "warning"),
    SupportCase.Status.WAITING_ON_PROVIDER: ("Waiting on support", "info"),
    SupportCase.Status.CLOSED: ("Closed", "neutral"),
}
ACCOUNT_AUTHOR_LABELS = {Message.Author.ACCOUNT: "You", Message.Author.PROVIDER: "Provider support"}
# The only authors the account may ever read. Platform messages are private (domain.md §3.16).
ACCOUNT_VISIBLE_AUTHORS = (Message.Author.ACCOUNT, Message.Author.PROVIDER)


@dataclass(frozen=True)
class AccountMessage:
    author: str  # "account" or "provider", never "platform"
    author_label: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class AccountCase:
    """A case as the account sees it. `messages` is filled only by account_side_case; `url` is set
    by the view that renders the list (hosted page, View Dashboard As), rows without one are not links."""

    public_id: str
    subject: str
    description: str
    category: str
    category_label: str
    status: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    messages: tuple[AccountMessage, ...] = ()
    url: str = ""

    @property
    def status_label(self) -> str:
        return ACCOUNT_STATUS[self.status][0]

    @property
    def status_tone(self) -> str:
        return ACCOUNT_STATUS[self.status][1]

    @property
    def is_closed(self) -> bool:
        return self.status == SupportCase.Status.CLOSED


def _account_case(case: SupportCase, messages: tuple[AccountMessage, ...] = ()) -> AccountCase:
    return AccountCase(
        public_id=case.public_id,
        subject=case.subject,
        description=case.description,
        category=case.category,
        category_label=case.get_category_display(),
        status=case.status,
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
        messages=messages,
    )


def account_side_cases(connection: Connection, *, limit: int = ACCOUNT_SIDE_LIMIT) -> list[AccountCase]:
    """The account's own cases on this connection, most recently active first (no 90-day window:
    this is the account's history, not the platform's view of it)."""
    cases = SupportCase.objects.filter(platform_id=connection.platform_id, connection=connection).order_by(
        "-updated_at", "-id"
    )[:limit]
    return [_account_case(case) for case in cases]


def account_side_case(connection: Connection, case_id: str) -> AccountCase:
    """One of the account's cases with its conversation, platform messages left out. Http404 for
    an id that is not one of this connection's cases."""
    if not matches_prefix(case_id, "case_"):
        raise Http404("No such support case")
    case = SupportCase.objects.filter(
        platform_id=connection.platform_id, connection=connection, public_id=case_id
    ).first()
    if case is None:
        raise Http404("No such support case")
    rows = Message.objects.filter(
        platform_id=connection.platform_id, case=case, author_kind__in=ACCOUNT_VISIBLE_AUTHORS
    ).order_by("created_at", "id")
    messages = tuple(
        AccountMessage(
            author=row.author_kind,
            author_label=ACCOUNT_AUTHOR_LABELS[row.author_kind],
            body=row.body,
            created_at=row.created_at,
        )
        for row in rows
    )
    return _account_case(case, messages)


def with_urls(cases: list[AccountCase], url_of) -> list[AccountCase]:
    """The same cases, each with `url = url_of(case)` for the list's links."""
    return [replace(case, url=url_of(case)) for case in cases]
