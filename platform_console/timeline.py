"""Audit events told in words, for Home and an account's Activity: "Ana Lima sent $50.00 to Tokyo
Ramen Ya", the account a link, the raw action code only in a details disclosure.

Each app says what its own actions mean: `describe(action)` registers a function from the event
(its `after` values) to a sentence with `{account}` where the account's name goes (accounts,
money, requirements_engine and support_cases register theirs in AppConfig.ready). An action no
app describes reads as its code in words ("capabilities updated").
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html

from .models import AuditEvent

Describer = Callable[[AuditEvent], str]
DESCRIBERS: dict[str, Describer] = {}


def describe(action: str, sentence: str | Describer) -> None:
    """Register how `action` reads: a fixed sentence, or a function of the event."""
    DESCRIBERS[action] = sentence if callable(sentence) else (lambda event, text=sentence: text)


@dataclass
class Line:
    """One event of a timeline, ready for the template."""

    event: AuditEvent
    actor: str
    html: str  # the sentence, escaped, the account linked


def lines(events: Iterable[AuditEvent], *, names: dict[str, str], link_accounts: bool = True) -> list[Line]:
    """`names`: account public id -> display name (one query for the page, by the caller)."""
    return [_line(event, names, link_accounts) for event in events]


def _line(event: AuditEvent, names: dict[str, str], link_accounts: bool) -> Line:
    describer = DESCRIBERS.get(event.action)
    sentence = describer(event) if describer else event.action.replace("_", " ").replace(".", " ")
    account_id = event.account_public_id
    name = names.get(account_id, account_id) if account_id else ""
    before, _, after = sentence.partition("{account}")
    if "{account}" not in sentence:
        html = format_html("{}", sentence)
    elif link_accounts and account_id:
        html = format_html('{}<a href="{}">{}</a>{}', before, reverse("accounts:detail", args=[account_id]), name,
                           after)
    else:
        html = format_html("{}{}{}", before, name or "the account", after)
    return Line(event=event, actor=_actor(event), html=html)


def _actor(event: AuditEvent) -> str:
    if event.actor is not None and event.actor.user is not None:
        return event.actor.user.display_name
    return {"system": "The console", "provider": "Provider staff"}.get(event.actor_label, event.actor_label)


# The console's own actions.
for _action, _sentence in {
    "team.invited": "invited a new team member",
    "team.joined": "joined the team",
    "team.member_removed": "removed a team member",
    "team.role_changed": "changed a team member's role",
    "team.invitation_revoked": "revoked an invitation",
    "team.two_step_requirement_changed": "changed the two-step sign-in requirement",
    "sign_in.succeeded": "signed in",
    "session.ended": "ended a session",
    "platform.profile_updated": "updated the platform profile",
    "platform.bootstrapped": "set up the platform",
    "email.retried": "retried a failed email",
}.items():
    describe(_action, _sentence)
