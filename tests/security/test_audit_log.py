import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_console.audit import record_audit
from platform_console.models import AuditEvent
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LOG = reverse("audit_log")


@pytest.fixture
def events(admin, developer, other_platform):
    now = timezone.now()
    made = [
        record_audit(actor=admin, action="transfer.created", account_public_id="acct_A"),
        record_audit(actor=developer, action="account.created", account_public_id="acct_B"),
        record_audit(actor=admin, action="account.profile_updated", account_public_id="acct_B"),
    ]
    AuditEvent.objects.filter(pk=made[0].pk).update(created_at=now - timedelta(days=10))
    record_audit(actor=MembershipFactory(platform=other_platform, roles=["admin"]), action="transfer.created",
                 account_public_id="acct_THEIRS")
    return made


def rows(response) -> int:
    """Rows on the page, leaving out the sign-in events that logging the test client in wrote."""
    actions = re.findall(r'<span class="event-action">([^<]+)</span>', response.content.decode())
    return sum(1 for action in actions if not action.startswith("sign_in."))


def test_admins_and_developers_read_the_log(operator_client, admin, developer, events):
    for member in (admin, developer):
        response = operator_client(member).get(LOG)
        assert response.status_code == 200 and rows(response) == 3


@pytest.mark.parametrize("role", ["analyst", "support", "viewer"])
def test_other_roles_cannot(operator_client, request, role, events):
    assert operator_client(request.getfixturevalue(role)).get(LOG).status_code == 403
    assert operator_client(request.getfixturevalue(role)).get(reverse("audit_export")).status_code == 403


def test_another_platforms_events_never_show(operator_client, admin, events):
    html = operator_client(admin).get(LOG).content.decode()
    assert "acct_THEIRS" not in html


@pytest.mark.parametrize(
    "params,count",
    [({"actor": "DEVELOPER"}, 1), ({"account": "acct_B"}, 2), ({"action": "account."}, 2),
     ({"action": "transfer.created"}, 1)],
)
def test_filters(operator_client, admin, developer, events, params, count):
    if params.get("actor") == "DEVELOPER":
        params = {"actor": developer.user.email}
    assert rows(operator_client(admin).get(LOG, params)) == count


def test_date_filters(operator_client, admin, events):
    today = timezone.localdate()
    client = operator_client(admin)
    assert rows(client.get(LOG, {"since": today.isoformat()})) == 2
    assert rows(client.get(LOG, {"until": (today - timedelta(days=5)).isoformat()})) == 1
    bad = client.get(LOG, {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()})
    assert bad.status_code == 200 and "before the start date" in bad.content.decode()


def test_pagination_keeps_every_event_once(operator_client, admin, settings):
    settings.CONSOLE_PAGE_SIZE = 2
    for n in range(5):
        record_audit(actor=admin, action=f"test.step{n}")
    client = operator_client(admin)
    seen, params = [], {"action": "test."}
    while True:
        response = client.get(LOG, params)
        seen += [e for e in response.context["page"].items]
        if not response.context["page"].next_cursor:
            break
        params = {"action": "test.", "after": response.context["page"].next_cursor}
    assert len(seen) == 5 and len({e.pk for e in seen}) == 5


def test_csv_export_follows_the_filters_and_defuses_formulas(operator_client, admin, events):
    record_audit(actor=admin, action="account.created", account_public_id="acct_C", after={"name": "=HYPERLINK()"})
    response = operator_client(admin).get(reverse("audit_export"), {"action": "account."})
    body = b"".join(response.streaming_content).decode()
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][:4] == ["id", "time_utc", "actor", "action"]
    assert len(table) == 1 + 3 and all(row[3].startswith("account.") for row in table[1:])
    assert "attachment" in response["Content-Disposition"]
    assert not any(cell.startswith("=") for row in table for cell in row)


def test_live_and_test_events_are_apart_and_the_current_mode_is_the_default(operator_client, admin):
    from platform_console.middleware import SESSION_LIVEMODE

    record_audit(actor=admin, action="account.created", account_public_id="acct_LIVE", livemode=True)
    record_audit(actor=admin, action="account.created", account_public_id="acct_TEST", livemode=False)
    client = operator_client(admin)
    live = client.get(LOG).content.decode()
    assert "acct_LIVE" in live and "acct_TEST" not in live
    session = client.session
    session[SESSION_LIVEMODE] = False
    session.save()
    test = client.get(LOG).content.decode()
    assert "acct_TEST" in test and "acct_LIVE" not in test
    assert '<option value="test" selected>' in test
    both = client.get(LOG, {"mode": "all"}).content.decode()
    assert "acct_TEST" in both and "acct_LIVE" in both
    exported = client.get(reverse("audit_export"), {"mode": "live"}).getvalue().decode()
    assert "acct_LIVE" in exported and "acct_TEST" not in exported
