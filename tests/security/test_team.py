import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from platform_console.models import AuditEvent, Invitation, Membership, Platform, Role, User
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
TEAM = reverse("team")


def role(slug):
    return Role.objects.get(slug=slug)


def invite(client, email="new@ops.example", slug="analyst"):
    return client.post(TEAM, {"action": "invite", "email": email, "role": role(slug).pk})


def invitation_token() -> str:
    return re.search(r"/invite/([^/\s]+)/", mail.outbox[-1].body).group(1)


@pytest.mark.parametrize("member", ["developer", "analyst", "support", "viewer"])
def test_everyone_sees_the_team_but_only_administrators_change_it(operator_client, request, admin, member):
    client = operator_client(request.getfixturevalue(member))
    html = client.get(TEAM).content.decode()
    assert admin.user.email in html and "Only Administrators can invite" in html
    assert invite(client).status_code == 403 and not Invitation.objects.exists()


def test_an_invitation_is_emailed_and_accepted_once(operator_client, admin, run_on_commit):
    with run_on_commit():
        response = invite(operator_client(admin))
    assert response.status_code == 302
    token = invitation_token()
    assert token not in str(Invitation.objects.values().get())
    newcomer = Client()
    page = newcomer.get(reverse("accept_invitation", args=[token]))
    assert page.status_code == 200 and "Analyst" in page.content.decode()
    response = newcomer.post(reverse("accept_invitation", args=[token]),
                             {"full_name": "Nia New", "password": "a-long-passphrase-42"})
    assert response.status_code == 302
    member = Membership.objects.get(user__email="new@ops.example")
    assert member.platform == admin.platform and member.role_names == ["Analyst"]
    assert newcomer.get(reverse("accounts:list")).status_code == 200
    again = Client().get(reverse("accept_invitation", args=[token]))
    assert again.status_code == 410 and "already used" in again.content.decode()
    assert AuditEvent.objects.filter(action="team.joined").exists()


def test_an_invitation_expires_after_seven_days(operator_client, admin, run_on_commit):
    with run_on_commit():
        invite(operator_client(admin))
    token = invitation_token()
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        response = Client().post(reverse("accept_invitation", args=[token]),
                                 {"full_name": "Late", "password": "a-long-passphrase-42"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not User.objects.filter(email="new@ops.example").exists()


def test_a_new_invitation_revokes_the_earlier_one(operator_client, admin, run_on_commit):
    client = operator_client(admin)
    with run_on_commit():
        invite(client)
    first = invitation_token()
    with run_on_commit():
        invite(client, slug="developer")
    assert Client().get(reverse("accept_invitation", args=[first])).status_code == 410
    assert Client().get(reverse("accept_invitation", args=[invitation_token()])).status_code == 200


def test_an_existing_user_accepts_while_signed_in(operator_client, admin, other_platform, run_on_commit):
    elsewhere = MembershipFactory(platform=other_platform, roles=["admin"], user__email="known@ops.example")
    with run_on_commit():
        invite(operator_client(admin), email="known@ops.example")
    token = invitation_token()
    anonymous = Client().get(reverse("accept_invitation", args=[token])).content.decode()
    assert "Sign in as known@ops.example" in anonymous
    known = Client()
    known.force_login(elsewhere.user)
    known.post(reverse("accept_invitation", args=[token]))
    assert Membership.objects.filter(user=elsewhere.user, platform=admin.platform).exists()


def test_unknown_invitation_tokens_reveal_nothing(client):
    response = client.get(reverse("accept_invitation", args=["nope"]))
    assert response.status_code == 404 and "isn" in response.content.decode()


def test_members_already_on_the_team_are_not_invited(operator_client, admin, analyst):
    response = invite(operator_client(admin), email=analyst.user.email)
    assert response.status_code == 422 and "already on the team" in response.content.decode()


def test_change_a_role(operator_client, admin, analyst):
    operator_client(admin).post(TEAM, {"action": "role", "member": analyst.pk, "role": role("developer").pk})
    assert Membership.objects.get(pk=analyst.pk).role_names == ["Developer"]
    assert AuditEvent.objects.filter(action="team.role_changed").exists()


def test_remove_a_member(operator_client, admin, analyst):
    operator_client(admin).post(TEAM, {"action": "remove", "member": analyst.pk})
    assert not Membership.objects.filter(pk=analyst.pk).exists()


def test_the_last_administrator_can_be_neither_demoted_nor_removed(operator_client, admin):
    client = operator_client(admin)
    demote = client.post(TEAM, {"action": "role", "member": admin.pk, "role": role("analyst").pk})
    assert demote.status_code == 422 and "last Administrator" in demote.content.decode()
    remove = client.post(TEAM, {"action": "remove", "member": admin.pk})
    assert remove.status_code == 422 and Membership.objects.get(pk=admin.pk).role_names == ["Administrator"]


def test_with_a_second_administrator_one_can_step_down(operator_client, admin, platform):
    MembershipFactory(platform=platform, roles=["admin"])
    operator_client(admin).post(TEAM, {"action": "role", "member": admin.pk, "role": role("developer").pk})
    assert Membership.objects.get(pk=admin.pk).role_names == ["Developer"]


def test_members_of_other_platforms_cannot_be_touched(operator_client, admin, other_platform):
    stranger = MembershipFactory(platform=other_platform, roles=["admin"])
    assert operator_client(admin).post(TEAM, {"action": "remove", "member": stranger.pk}).status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()


def test_administrators_can_require_two_step_authentication(operator_client, admin):
    operator_client(admin).post(TEAM, {"action": "two_step", "required": "on"})
    assert Platform.objects.get(pk=admin.platform_id).require_two_step_auth
