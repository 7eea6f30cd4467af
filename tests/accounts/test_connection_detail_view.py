import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from platform_console.audit import record_audit
from tests.factories import CapabilityFactory, ConnectionFactory, PersonFactory

pytestmark = pytest.mark.django_db


def detail_url(connection):
    return reverse("accounts:detail", args=[connection.account.public_id])


def test_it_requires_login(client, connection):
    assert client.get(detail_url(connection)).status_code == 302


def test_shows_the_header_sections_and_persons(operator_client, viewer, connection):
    CapabilityFactory(connection=connection, name="card_payments", status="inactive")
    PersonFactory(account=connection.account, first_name="Maria", last_name="Garcia", is_representative=True)
    html = operator_client(viewer).get(detail_url(connection)).content.decode()
    for text in ["Acme Bakery", connection.account.public_id, "Profile", "Capabilities", "Card payments",
                 "Business owners", "Maria Garcia", "Representative", "Balances", "Support cases", "Enabled"]:
        assert text in html


def test_the_account_individual_is_not_listed_as_an_owner(operator_client, viewer, connection):
    PersonFactory(account=connection.account, first_name="Solo", is_account_individual=True)
    assert "Solo" not in operator_client(viewer).get(detail_url(connection)).content.decode()


def test_another_platforms_account_is_not_found(operator_client, admin, other_platform):
    theirs = ConnectionFactory(platform=other_platform)
    assert operator_client(admin).get(detail_url(theirs)).status_code == 404
    activity = reverse("accounts:activity", args=[theirs.account.public_id])
    assert operator_client(admin).get(activity).status_code == 404


def test_the_other_modes_account_says_so_and_offers_the_switch(operator_client, admin, platform):
    test_account = ConnectionFactory(platform=platform, livemode=False)
    client = operator_client(admin)
    response = client.get(detail_url(test_account))
    html = response.content.decode()
    assert response.status_code == 404 and "This account is in test mode" in html
    assert 'name="mode" value="test"' in html and f'name="next" value="{detail_url(test_account)}"' in html
    assert test_account.account.name not in html  # nothing of it is shown in live mode
    switched = client.post(reverse("set_mode"), {"mode": "test", "next": detail_url(test_account)})
    assert switched.status_code == 302 and switched["Location"] == detail_url(test_account)
    assert client.get(detail_url(test_account)).status_code == 200


def test_another_platforms_test_account_stays_a_plain_404(operator_client, admin, other_platform):
    theirs = ConnectionFactory(platform=other_platform, livemode=False)
    response = operator_client(admin).get(detail_url(theirs))
    assert response.status_code == 404 and "test mode" not in response.content.decode()


def test_a_removed_account_says_so(operator_client, admin, platform):
    removed = ConnectionFactory(platform=platform, lifecycle_state="removed")
    response = operator_client(admin).get(detail_url(removed))
    assert response.status_code == 410 and "This account was removed" in response.content.decode()


@pytest.mark.parametrize("bad_id", ["person_abc", "acct_", "acct_abc", "acct_" + "x" * 60, "acct_<script>xxxxxxxxxxxxxxxx"])
def test_malformed_ids_are_not_found(operator_client, admin, bad_id):
    assert operator_client(admin).get(f"/accounts/{bad_id}/").status_code == 404


def test_html_in_account_fields_is_escaped(operator_client, admin, platform):
    connection = ConnectionFactory(
        platform=platform, account__name="<img src=x onerror=alert(1)>", metadata={"<k>": "<v>"}
    )
    html = operator_client(admin).get(detail_url(connection)).content.decode()
    assert "<img src=x" not in html and "<k>" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_details_page_runs_a_fixed_number_of_queries(operator_client, admin, platform):
    client = operator_client(admin)
    small = ConnectionFactory(platform=platform)
    CapabilityFactory(connection=small, name="transfers")
    PersonFactory(account=small.account)
    big = ConnectionFactory(platform=platform)
    for name in ["card_payments", "transfers", "card_issuing", "treasury", "klarna_payments"]:
        CapabilityFactory(connection=big, name=name)
    PersonFactory.create_batch(8, account=big.account)
    client.get(detail_url(small))
    with CaptureQueriesContext(db_connection) as few:
        client.get(detail_url(small))
    with CaptureQueriesContext(db_connection) as many:
        client.get(detail_url(big))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_activity_tab_lists_the_accounts_audit_events(operator_client, admin, connection):
    record_audit(actor=admin, action="account.updated", obj=connection.account, account_public_id=connection.account.public_id)
    record_audit(actor=admin, action="account.elsewhere", account_public_id="acct_someoneelse")
    html = operator_client(admin).get(reverse("accounts:activity", args=[connection.account.public_id])).content.decode()
    assert "account.updated" in html and "account.elsewhere" not in html
    assert admin.user.email in html
