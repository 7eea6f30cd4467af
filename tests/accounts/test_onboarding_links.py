import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from accounts.errors import AccountError, LinkNotUsable, NotAllowed
from accounts.models import AccountLink, Connection
from accounts.services import PRESETS, complete_onboarding, create_account, issue_onboarding_link, open_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(admin):
    connection, token = create_account(actor=admin, livemode=True, country="US", email="holder@acme.example",
                                       dashboard_type="express", **PRESETS["express"])
    return connection, token


def link_of(connection) -> AccountLink:
    return AccountLink.objects.filter(connection=connection).latest("created_at")


def problem_page(client, token):
    return client.get(reverse("onboard_entry", args=[token]))


def test_a_valid_link_opens_onboarding_and_counts_the_visit(client, invited):
    connection, token = invited
    response = problem_page(client, token)
    assert response.status_code == 302 and response["Location"] == reverse("onboard_step", args=["business_type"])
    assert link_of(connection).visit_count == 1


def test_the_link_can_be_opened_again_until_completed(client, invited):
    _, token = invited
    assert problem_page(client, token).status_code == 302
    assert problem_page(client, token).status_code == 302


def test_completing_consumes_the_link(client, invited):
    connection, token = invited
    complete_onboarding(link_id=link_of(connection).pk, ip="127.0.0.1", user_agent="test")
    response = problem_page(client, token)
    assert response.status_code == 410 and "already been used" in response.content.decode()
    with pytest.raises(LinkNotUsable) as problem:
        complete_onboarding(link_id=link_of(connection).pk, ip="127.0.0.1", user_agent="test")
    assert problem.value.state == "used"


def test_the_link_expires_after_seven_days(client, invited):
    connection, token = invited
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        response = problem_page(client, token)
        assert response.status_code == 410 and "expired" in response.content.decode()
        with pytest.raises(LinkNotUsable):
            complete_onboarding(link_id=link_of(connection).pk, ip=None, user_agent="")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert problem_page(client, token).status_code == 302


def test_reissuing_voids_the_old_link(client, admin, invited):
    connection, old = invited
    _, new = issue_onboarding_link(actor=admin, connection=connection)
    assert problem_page(client, old).status_code == 410
    assert problem_page(client, new).status_code == 302
    assert AccountLink.objects.filter(connection=connection, revoked_at__isnull=True).count() == 1


def test_only_admins_and_developers_reissue(analyst, invited):
    with pytest.raises(NotAllowed):
        issue_onboarding_link(actor=analyst, connection=invited[0])


def test_a_connected_account_needs_no_new_link(admin, invited):
    connection, _ = invited
    complete_onboarding(link_id=link_of(connection).pk, ip=None, user_agent="")
    with pytest.raises(AccountError):
        issue_onboarding_link(actor=admin, connection=Connection.objects.get(pk=connection.pk))


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 500])
def test_unknown_and_wrong_tokens_look_alike(client, invited, token):
    response = client.get(f"/onboard/{token}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "This link isn" in html and "t valid" in html and "holder@acme.example" not in html and "Rocket Rides" not in html


def test_a_token_with_a_nul_is_not_found_before_any_lookup(client, invited, django_assert_num_queries):
    # Refused at the edge (platform_console/edge.py) like any path with a control character.
    with django_assert_num_queries(0):
        response = client.get("/onboard/%00/")
    html = response.content.decode()
    assert response.status_code == 404 and "holder@acme.example" not in html and "Rocket Rides" not in html


def test_problem_pages_reveal_nothing_about_the_account(client, invited):
    connection, token = invited
    complete_onboarding(link_id=link_of(connection).pk, ip=None, user_agent="")
    html = problem_page(client, token).content.decode()
    assert connection.account.email not in html and connection.account.public_id not in html
    assert "ask the platform" in html


def test_the_token_is_never_stored(invited):
    _, token = invited
    for row in AccountLink.objects.values():
        assert token not in str(row)


def test_a_removed_connection_makes_its_link_unusable(invited):
    connection, token = invited
    Connection.objects.filter(pk=connection.pk).update(lifecycle_state="removed")
    with pytest.raises(LinkNotUsable):
        open_link(token)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_completions_consume_the_link_once(admin):
    connection, _ = create_account(actor=admin, livemode=True, country="US", email="h@a.example",
                                   dashboard_type="express", **PRESETS["express"])
    link_id = link_of(connection).pk
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit():
        try:
            barrier.wait()
            complete_onboarding(link_id=link_id, ip=None, user_agent="")
            outcomes.append("completed")
        except LinkNotUsable:
            outcomes.append("refused")
        finally:
            db_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["completed", "refused"]
    from platform_console.models import AuditEvent

    assert AuditEvent.objects.filter(action="onboarding.completed").count() == 1


def test_link_tokens_never_reach_the_logs(client, invited, caplog):
    connection, token = invited
    complete_onboarding(link_id=link_of(connection).pk, ip=None, user_agent="")
    with caplog.at_level("INFO"):
        problem_page(client, token)
        client.get("/onboard/unknown-token-value/")
    assert caplog.records, "the 404/410 responses are logged"
    assert token not in caplog.text and "unknown-token-value" not in caplog.text
