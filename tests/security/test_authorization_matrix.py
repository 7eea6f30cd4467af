"""Every URL pattern, for every shipped role, answers as documented here. An endpoint added
later without an entry (and a role check) fails this suite."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Person
from platform_console import permissions as P
from platform_console.permissions import DEFAULT_ROLES
from tests.factories import ConnectionFactory, MembershipFactory
from tests.security.test_csrf_and_headers import patterns

pytestmark = pytest.mark.django_db

ANY = "any operator"  # signed in and on the team; the page itself decides what it shows
PUBLIC = "public"  # reached through a bearer link or before signing in

# name: (permission to GET, permission to POST). None: the method is not allowed at all.
EXPECTED = {
    "home": (P.VIEW_ACCOUNTS, None),
    "login": (PUBLIC, PUBLIC),
    "login_verify": (PUBLIC, PUBLIC),
    "healthz": (PUBLIC, None),
    "failed_emails": (P.MANAGE_EMAILS, P.MANAGE_EMAILS),
    "logout": (None, PUBLIC),
    "switch_platform": (None, ANY),
    "set_mode": (None, ANY),
    "accounts:list": (P.VIEW_ACCOUNTS, None),
    "accounts:export": (P.EXPORT_ACCOUNTS, None),
    "accounts:create": (P.VIEW_ACCOUNTS, P.CREATE_ACCOUNTS),
    "accounts:detail": (P.VIEW_ACCOUNTS, None),
    "accounts:activity": (P.VIEW_ACCOUNTS, None),
    "accounts:reissue_link": (None, P.CREATE_ACCOUNTS),
    "accounts:onboarding": (P.EDIT_PROFILE, P.EDIT_PROFILE),
    "accounts:profile": (P.VIEW_ACCOUNTS, P.EDIT_PROFILE),
    "accounts:capabilities": (P.VIEW_ACCOUNTS, P.EDIT_CAPABILITIES),
    "accounts:payout_schedule": (P.VIEW_ACCOUNTS, P.EDIT_PAYOUT_SCHEDULE),
    "accounts:person_add": (P.MANAGE_PERSONS, P.MANAGE_PERSONS),
    "accounts:person_edit": (P.MANAGE_PERSONS, P.MANAGE_PERSONS),
    "accounts:person_remove": (P.MANAGE_PERSONS, P.MANAGE_PERSONS),
    "accounts:remove": (P.REMOVE_ACCOUNTS, P.REMOVE_ACCOUNTS),
    "accounts:view_as_start": (None, P.VIEW_AS),
    "view_as:home": (P.VIEW_AS, None),
    "view_as:payouts": (P.VIEW_AS, None),
    "view_as:profile": (P.VIEW_AS, None),
    "view_as:support": (P.VIEW_AS, None),
    "view_as:exit": (None, ANY),
    "money:balances": (P.VIEW_BALANCES, None),
    "money:add_to_balance": (P.ADD_TO_BALANCE, P.ADD_TO_BALANCE),
    "money:topups": (P.VIEW_BALANCES, None),
    "money:transfers": (P.VIEW_BALANCES, None),
    "money:send_funds": (P.SEND_FUNDS, P.SEND_FUNDS),
    "money:destination_search": (P.SEND_FUNDS, None),
    "money:destination_pick": (P.SEND_FUNDS, None),
    "money:transfer_detail": (P.VIEW_BALANCES, None),
    "money:reverse_transfer": (P.REVERSE_TRANSFERS, P.REVERSE_TRANSFERS),
    "money:account_balances": (P.VIEW_BALANCES, None),
    "money:account_panel": (P.VIEW_ACCOUNTS, None),
    "money:pull_funds": (P.PULL_FUNDS, P.PULL_FUNDS),
    "accounts:reject": (P.REJECT_ACCOUNTS, P.REJECT_ACCOUNTS),
    "accounts:pause_payouts": (P.PAUSE_ACCOUNTS, P.PAUSE_ACCOUNTS),
    "accounts:resume_payouts": (P.PAUSE_ACCOUNTS, P.PAUSE_ACCOUNTS),
    "money:debit_consent": (P.PULL_FUNDS, P.PULL_FUNDS),
    "support_cases:issue_link": (None, P.VIEW_SUPPORT_CASES),
    "support_cases:case_detail": (P.VIEW_SUPPORT_CASES, None),
    "support_cases:email_support": (None, P.EMAIL_SUPPORT),
    "support_cases:hosted_entry": (PUBLIC, None),
    "support_cases:hosted_cases": (PUBLIC, None),
    "support_cases:hosted_new_case": (PUBLIC, PUBLIC),
    "support_cases:hosted_case": (PUBLIC, PUBLIC),
    "requirements_engine:requirement": (P.VIEW_ACCOUNTS, None),
    "requirements_engine:submit": (P.SUBMIT_REQUIREMENTS, P.SUBMIT_REQUIREMENTS),
    "requirements_engine:remediation_link": (None, P.CREATE_REMEDIATION_LINKS),
    "requirements_engine:bulk_new": (P.CREATE_REMEDIATION_LINKS, P.CREATE_REMEDIATION_LINKS),
    "money:transfers_export": ((P.EXPORT_ACCOUNTS, P.VIEW_BALANCES), None),
    # A long export's page and file: the export's own permissions, checked by the view (exports.allowed).
    "export_detail": (ANY, None),
    "export_download": (ANY, None),
    "money:activity_export": ((P.EXPORT_ACCOUNTS, P.VIEW_BALANCES), None),
    "requirements_engine:bulk_detail": (P.CREATE_REMEDIATION_LINKS, None),
    "requirements_engine:contact_support": (P.FILE_SUPPORT_TICKETS, P.FILE_SUPPORT_TICKETS),
    "requirements_engine:request": (P.VIEW_ACCOUNTS, P.VIEW_ACCOUNTS),
    "requirements_engine:remediation_home": (PUBLIC, None),
    "requirements_engine:remediation_field": (PUBLIC, PUBLIC),
    "platform_profile": (ANY, P.EDIT_PLATFORM_PROFILE),
    "team": (ANY, P.MANAGE_TEAM),
    "security_settings": (ANY, ANY),
    "accept_invitation": (PUBLIC, PUBLIC),
    "audit_log": (P.VIEW_AUDIT_LOG, None),
    "audit_export": (P.VIEW_AUDIT_LOG, None),
    "onboard_entry": (PUBLIC, None),
    "onboard_done": (PUBLIC, None),
    "onboard_step": (PUBLIC, PUBLIC),
    "remediate_entry": (PUBLIC, None),
}
ROLES = {role["slug"]: set(role["permissions"]) for role in DEFAULT_ROLES}
ALL_PATTERNS = patterns()


def test_every_url_pattern_is_documented():
    assert {name for name, _ in ALL_PATTERNS} == set(EXPECTED)


@pytest.mark.parametrize("name,pattern", ALL_PATTERNS, ids=[n for n, _ in ALL_PATTERNS])
def test_the_view_declares_the_documented_permission(name, pattern):
    get_permission, post_permission = EXPECTED[name]
    declared = getattr(pattern.callback, "required_permission", "public" if getattr(pattern.callback, "is_public", False)
                       else "undeclared")
    expected = {PUBLIC: "public", ANY: None}.get(get_permission or post_permission, get_permission or post_permission)
    if get_permission not in (None, PUBLIC, ANY) and post_permission not in (None, PUBLIC, ANY) and \
            get_permission != post_permission:
        expected = get_permission  # the page is open to readers; the write checks its own permission
    assert declared == expected, f"{name}: declares {declared!r}, documented {expected!r}"


@pytest.fixture
def world(platform):
    connection = ConnectionFactory(platform=platform, custom=True)  # the platform collects its information
    full = ConnectionFactory(platform=platform)  # full Dashboard access: its support cases are shared
    person = Person.objects.create(account=connection.account, first_name="Chen", is_owner=True, percent_ownership=10)
    return {"account_id": connection.account.public_id, "person_id": person.public_id,
            "full_account_id": full.account.public_id}


def url_of(name, pattern, world):
    kwargs = {key: world.get(key, "x" * 24) for key in pattern.pattern.converters}
    if name.startswith("support_cases:") and "account_id" in kwargs:
        kwargs["account_id"] = world["full_account_id"]
    if "step" in kwargs:
        kwargs["step"] = "business_type"
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name,pattern", ALL_PATTERNS, ids=[n for n, _ in ALL_PATTERNS])
def test_each_role_gets_the_documented_outcome(role, name, pattern, platform, world):
    member = MembershipFactory(platform=platform, roles=[role])
    url = url_of(name, pattern, world)
    for method, permission in zip(("get", "post"), EXPECTED[name]):
        client = Client()  # a fresh session per request: some actions change the session (view-as)
        client.force_login(member.user)
        response = getattr(client, method)(url)
        if permission is None:
            assert response.status_code == 405, f"{method.upper()} {name} as {role}: {response.status_code}"
        elif permission in (ANY, PUBLIC) or set(permission if isinstance(permission, tuple) else [permission]) <= ROLES[role]:
            assert response.status_code != 403, f"{method.upper()} {name} as {role} was refused"
        else:
            assert response.status_code == 403, f"{method.upper()} {name} as {role}: {response.status_code}"
