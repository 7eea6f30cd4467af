import pytest

from platform_console import permissions as P
from platform_console.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_five_roles_ship_as_data():
    assert set(Role.objects.values_list("slug", flat=True)) >= {
        "admin", "developer", "analyst", "support_specialist", "view_only",
    }


@pytest.mark.parametrize(
    "role,permission,allowed",
    [
        ("admin", P.SEND_FUNDS, True),
        ("admin", P.MANAGE_TEAM, True),
        ("developer", P.CREATE_ACCOUNTS, True),
        ("developer", P.SEND_FUNDS, False),
        ("developer", P.EMAIL_SUPPORT, False),
        ("analyst", P.VIEW_BALANCES, True),
        ("analyst", P.EDIT_PROFILE, False),
        ("support_specialist", P.EMAIL_SUPPORT, True),
        ("support_specialist", P.CREATE_ACCOUNTS, False),
        ("support_specialist", P.VIEW_BALANCES, False),
        ("view_only", P.VIEW_ACCOUNTS, True),
        ("view_only", P.EXPORT_ACCOUNTS, False),
        ("view_only", P.FILE_SUPPORT_TICKETS, False),
        ("analyst", P.FILE_SUPPORT_TICKETS, True),
        ("developer", P.FILE_SUPPORT_TICKETS, True),
        ("support_specialist", P.FILE_SUPPORT_TICKETS, True),
    ],
)
def test_shipped_roles_follow_the_permission_matrix(role, permission, allowed):
    assert MembershipFactory(roles=[role]).can(permission) is allowed


def test_permissions_are_the_union_of_roles():
    member = MembershipFactory(roles=["analyst", "support_specialist"])
    assert member.can(P.EXPORT_ACCOUNTS) and member.can(P.EMAIL_SUPPORT) and member.can(P.VIEW_BALANCES)
    assert not member.can(P.SEND_FUNDS)


def test_a_new_role_needs_no_code():
    Role.objects.create(slug="transfer_analyst", name="Transfer Analyst", permissions=[P.VIEW_ACCOUNTS, P.SEND_FUNDS])
    member = MembershipFactory(roles=["transfer_analyst"])
    assert member.can(P.SEND_FUNDS) and not member.can(P.CREATE_ACCOUNTS)
