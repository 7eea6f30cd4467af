"""Sessions end after inactivity (sooner for Administrators) and after their lifetime; members see
their sessions and can end the others."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from platform_console import team
from platform_console.models import AuditEvent, Invitation, Membership, OperatorSession, User
from tests.factories import shipped_role

pytestmark = pytest.mark.django_db
HOME = reverse("home")
SECURITY = reverse("security_settings")


def sign_in(member, ip="198.51.100.7", agent="Firefox on a laptop"):
    browser = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    assert browser.post(reverse("login"), {"username": member.user.email, "password": "pw"}).status_code == 302
    return browser


def test_an_administrator_is_signed_out_after_thirty_idle_minutes(admin, settings):
    assert settings.SESSION_IDLE_TIMEOUT_ADMIN == 30 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser = sign_in(admin)
        clock.shift(timedelta(minutes=29))
        assert browser.get(HOME).status_code == 200  # activity resets the clock
        clock.shift(timedelta(minutes=29))
        assert browser.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = browser.get(HOME)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        page = browser.get(response["Location"]).content.decode()
        assert "signed out after 30 minutes without activity" in page
    assert not OperatorSession.objects.filter(user=admin.user).exists()


def test_other_members_get_twelve_hours(analyst, settings):
    assert settings.SESSION_IDLE_TIMEOUT == 12 * 3600
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser = sign_in(analyst)
        clock.shift(timedelta(hours=11))
        assert browser.get(HOME).status_code == 200
        clock.shift(timedelta(hours=12, minutes=1))
        assert browser.get(HOME).status_code == 302


def test_a_session_ends_at_its_lifetime_however_active(analyst, settings):
    settings.SESSION_LIFETIME = 3 * 3600
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser = sign_in(analyst)
        for _ in range(5):
            clock.shift(timedelta(minutes=35))
            assert browser.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=10))
        assert browser.get(HOME).status_code == 302


def test_members_see_their_sessions_and_end_the_others(admin):
    laptop = sign_in(admin, ip="198.51.100.7", agent="Firefox on a laptop")
    phone = sign_in(admin, ip="203.0.113.9", agent="Safari on a phone")
    page = laptop.get(SECURITY).content.decode()
    assert page.count('data-testid="session-row"') == 2
    assert "Safari on a phone" in page and "203.0.113.9" in page and "This session" in page
    other = OperatorSession.objects.get(user=admin.user, user_agent="Safari on a phone")
    assert laptop.post(SECURITY, {"action": "end_session", "session": other.pk}).status_code == 302
    assert phone.get(HOME).status_code == 302  # signed out on its next request
    assert laptop.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="session.ended", actor=admin).count() == 1


def test_nobody_ends_someone_elses_session(admin, analyst):
    mine = sign_in(admin)
    theirs = sign_in(analyst)
    their_row = OperatorSession.objects.get(user=analyst.user)
    mine.post(SECURITY, {"action": "end_session", "session": their_row.pk})
    assert theirs.get(HOME).status_code == 200


def test_sign_out_other_sessions_keeps_this_one(admin):
    browsers = [sign_in(admin, agent=f"Browser {n}") for n in range(3)]
    browsers[0].post(SECURITY, {"action": "end_other_sessions"})
    assert [b.get(HOME).status_code for b in browsers] == [200, 302, 302]
    assert OperatorSession.objects.filter(user=admin.user).count() == 1


def test_signing_out_forgets_the_session(admin):
    browser = sign_in(admin)
    browser.post(reverse("logout"))
    assert not OperatorSession.objects.filter(user=admin.user).exists()


# --- invitations accepted twice at once --------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptance_of_one_invitation_lets_exactly_one_in(admin):
    invitation, token = team.invite(actor=admin, email="newcomer@rocket.example", role=shipped_role("analyst"))
    url = reverse("accept_invitation", args=[token])
    statuses, barrier = [], threading.Barrier(5)

    def accept(n):
        try:
            barrier.wait()
            response = Client().post(url, {"full_name": f"Newcomer {n}", "password": "a-long-passphrase-42"})
            statuses.append((response.status_code, response.content.decode()))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in statuses)
    assert codes == [302, 410, 410, 410, 410]
    assert all("already used" in body for code, body in statuses if code == 410)
    assert User.objects.filter(email="newcomer@rocket.example").count() == 1
    assert Membership.objects.filter(user__email="newcomer@rocket.example").count() == 1
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None


def test_a_failed_user_creation_gives_the_invitation_back(admin):
    invitation, _token = team.invite(actor=admin, email="taken@rocket.example", role=shipped_role("analyst"))
    User.objects.create_user(email="taken@rocket.example", password="x")  # signed up meanwhile
    with pytest.raises(team.TeamError, match="already exists"):
        team.accept_as_new_user(invitation_id=invitation.pk, full_name="Someone", password="a-long-passphrase-42")
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


@pytest.mark.parametrize(("agent", "described"), [
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
     "Safari on macOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0",
     "Edge on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
     "Chrome on Android"),
    ("curl/8.5.0", "curl/8.5.0"),
    ("", "Unknown browser"),
])
def test_sessions_name_the_browser_and_system(agent, described):
    from platform_console.sessions import describe_agent

    assert describe_agent(agent) == described


def test_an_administrator_elsewhere_gets_the_short_timeout_on_every_platform(admin, other_platform):
    from tests.factories import MembershipFactory

    MembershipFactory(user=admin.user, platform=other_platform, roles=["analyst"])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser = sign_in(admin)
        browser.post(reverse("switch_platform"), {"platform": other_platform.pk})
        clock.shift(timedelta(hours=6))  # idle while an Analyst there
        assert browser.get(HOME).status_code == 302


def test_staff_get_the_short_timeout(db):
    from tests.factories import UserFactory

    staff = UserFactory(email="risk@provider.example", password="pw", is_staff=True)
    browser = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser.force_login(staff)
        assert browser.get("/backoffice/").status_code == 200
        clock.shift(timedelta(minutes=31))
        assert browser.get("/backoffice/").status_code == 302


def test_a_session_from_before_the_list_is_listed_on_its_next_use(admin):
    browser = sign_in(admin)
    OperatorSession.objects.all().delete()
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        browser.get(HOME)
    assert OperatorSession.objects.filter(user=admin.user).count() == 1


def test_old_security_records_are_pruned(admin, settings):
    from platform_console.models import SignInAttempt
    from platform_console.tasks import prune_security_records

    sign_in(admin)
    SignInAttempt.objects.create(email="x@y.example", succeeded=False)
    SignInAttempt.objects.update(created_at=timezone.now() - timedelta(days=settings.SECURITY_LOG_DAYS + 1))
    OperatorSession.objects.update(last_seen_at=timezone.now() - timedelta(seconds=settings.SESSION_LIFETIME + 1))
    assert prune_security_records() == {"sign_in_attempts": 2, "sessions": 1}
