"""Changing one's own sign-in security and the team ask for the password: a stale or stolen
session can neither take over two-step sign-in nor invite an accomplice."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from money.models import TopUp
from platform_console import security
from platform_console.models import AuditEvent, Invitation, Membership, Platform
from platform_console.security import SESSION_AUTH_AT
from tests.factories import MembershipFactory, shipped_role

pytestmark = pytest.mark.django_db
SECURITY = reverse("security_settings")
TEAM = reverse("team")
ADD = reverse("money:add_to_balance")


def stale(client, seconds=3600):
    session = client.session
    session[SESSION_AUTH_AT] = int(time.time()) - seconds
    session.save()


def code_for(device, at=None):
    with time_machine.travel(at or timezone.now(), tick=False):
        return f"{totp(device.bin_key):06d}"


def top_up(client, key):
    return client.post(ADD, {"amount": "50.00", "currency": "usd", "description": "", "idempotency_key": key,
                             "source_token": "", "step": "confirm"}, headers={"HX-Request": "true"})


def test_setting_up_two_step_sign_in_asks_for_the_password(operator_client, admin):
    client = operator_client(admin)
    stale(client)
    # The attack: start, then confirm with a code from the shown secret — no password asked.
    refused = client.post(SECURITY, {"action": "start"})
    assert refused.status_code == 422 and not TOTPDevice.objects.filter(user=admin.user).exists()
    assert client.post(SECURITY, {"action": "start", "reauth-password": "guess"}).status_code == 422
    assert not TOTPDevice.objects.filter(user=admin.user).exists()
    # A confirm without an authorised start does nothing either.
    assert client.post(SECURITY, {"action": "confirm", "code": "123456"}).status_code == 302
    assert not security.has_two_factor(admin.user)


def test_setting_up_two_step_sign_in_does_not_count_as_re_authentication(operator_client, admin):
    client = operator_client(admin)
    stale(client)
    client.post(SECURITY, {"action": "start", "reauth-password": "pw"})
    device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    assert client.post(SECURITY, {"action": "confirm", "code": code_for(device)}).status_code == 200
    assert security.has_two_factor(admin.user)
    # Money movement still asks: the session's re-authentication clock did not move.
    assert top_up(client, "k-after-enrol").status_code == 422 and not TopUp.objects.exists()


def test_an_unconfirmed_device_started_in_another_session_cannot_be_confirmed_here(operator_client, admin, client):
    owner = operator_client(admin)
    owner.post(SECURITY, {"action": "start", "reauth-password": "pw"})
    device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    from django.test import Client

    thief = Client()
    thief.force_login(admin.user)
    thief.post(SECURITY, {"action": "confirm", "code": code_for(device)})
    assert not security.has_two_factor(admin.user)


@pytest.fixture
def enrolled(operator_client, admin):
    client = operator_client(admin)
    client.post(SECURITY, {"action": "start", "reauth-password": "pw"})
    device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    client.post(SECURITY, {"action": "confirm", "code": code_for(device)})
    return client, device


@pytest.mark.parametrize("action", ["codes", "replace", "disable"])
def test_changing_an_enrolled_authenticator_asks_for_the_password_and_a_current_code(enrolled, admin, action):
    client, device = enrolled
    old_codes = set(StaticToken.objects.filter(device__user=admin.user).values_list("token", flat=True))
    later = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert client.post(SECURITY, {"action": action, "reauth-password": "pw"}).status_code == 422
        assert client.post(SECURITY, {"action": action, "reauth-password": "wrong",
                                      "reauth-code": code_for(device, later)}).status_code == 422
        assert TOTPDevice.objects.filter(user=admin.user).count() == 1
        response = client.post(SECURITY, {"action": action, "reauth-password": "pw", "reauth-code": code_for(device, later)})
    assert response.status_code in (200, 302)
    if action == "codes":
        codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", response.content.decode())
        assert len(codes) == 10 and StaticToken.objects.filter(device__user=admin.user).count() == 10
        assert old_codes.isdisjoint(c.replace("-", "") for c in codes)  # the old ones are gone
    elif action == "replace":
        assert TOTPDevice.objects.filter(user=admin.user, confirmed=False).exists()
    else:
        assert not security.has_two_factor(admin.user)


def test_replacing_the_authenticator_keeps_the_old_one_until_the_new_one_is_confirmed(enrolled, admin):
    client, old = enrolled
    later = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        client.post(SECURITY, {"action": "replace", "reauth-password": "pw", "reauth-code": code_for(old, later)})
    new = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    assert security.has_two_factor(admin.user)  # the old one still signs in meanwhile
    response = client.post(SECURITY, {"action": "confirm", "code": code_for(new)})
    assert response.status_code == 200
    assert list(TOTPDevice.objects.filter(user=admin.user).values_list("pk", flat=True)) == [new.pk]
    assert AuditEvent.objects.filter(action="two_factor.replaced").count() == 1


@pytest.fixture
def view_only_role(db):
    return shipped_role("view_only")


def team_posts(admin, view_only_role):
    member = MembershipFactory(platform=admin.platform, roles=["analyst"], user__email="colleague@rocket.example")
    admin_role = shipped_role("admin")
    return {
        "invite": ({"action": "invite", "email": "thief@evil.example", "role": admin_role.pk},
                   lambda: Invitation.objects.filter(email="thief@evil.example").exists()),
        "role": ({"action": "role", "member": member.pk, "role": admin_role.pk},
                 lambda: member.roles.filter(slug="admin").exists()),
        "remove": ({"action": "remove", "member": member.pk},
                   lambda: not Membership.objects.filter(pk=member.pk).exists()),
        "two_step": ({"action": "two_step", "required": "on"},
                     lambda: Platform.objects.get(pk=admin.platform_id).require_two_step_auth),
    }


@pytest.mark.parametrize("action", ["invite", "role", "remove", "two_step"])
def test_team_changes_from_a_stale_session_ask_for_the_password_first(operator_client, admin, view_only_role, action):
    data, happened = team_posts(admin, view_only_role)[action]
    client = operator_client(admin)
    stale(client)
    prompt = client.post(TEAM, data)
    html = prompt.content.decode()
    assert prompt.status_code == 422 and not happened()
    assert 'name="reauth-password"' in html and f'name="action" value="{action}"' in html  # re-posts the same change
    assert 'data-testid="reauth-summary"' in html
    assert client.post(TEAM, {**data, "reauth-password": "wrong"}).status_code == 422 and not happened()
    done = client.post(TEAM, {**data, "reauth-password": "pw"})
    assert done.status_code == 302 and happened()


def test_the_prompt_says_what_is_being_confirmed(operator_client, admin, view_only_role):
    data, _ = team_posts(admin, view_only_role)["invite"]
    client = operator_client(admin)
    stale(client)
    assert "Invite thief@evil.example as Administrator." in client.post(TEAM, data).content.decode()


def test_a_fresh_session_changes_the_team_without_asking(operator_client, admin, view_only_role):
    data, happened = team_posts(admin, view_only_role)["invite"]
    assert operator_client(admin).post(TEAM, data).status_code == 302 and happened()


def test_the_re_authentication_page_escapes_what_it_carries(operator_client, admin):
    client = operator_client(admin)
    stale(client)
    html = client.post(TEAM, {"action": "invite", "email": '"><script>x</script>', "role": "1"}).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_anonymous_guessing_at_the_sign_in_page_does_not_block_re_authentication(operator_client, admin, settings):
    from django.test import Client

    for n in range(settings.SIGN_IN_ACCOUNT_FREE_FAILURES + 5):  # someone guesses the admin's password
        Client().post(reverse("login"), {"username": admin.user.email, "password": "guess"}, REMOTE_ADDR=f"192.0.2.{n}")
    client = operator_client(admin)
    stale(client)
    response = client.post(ADD, {"amount": "50.00", "currency": "usd", "description": "", "idempotency_key": "k-own",
                                 "source_token": "", "step": "confirm", "reauth-password": "pw"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 204 and TopUp.objects.count() == 1
