"""From the Connected accounts list filtered to Past due, an Administrator sends remediation links
to every account, follows the progress bar to the summary (issue 20)."""

import pytest
from playwright.sync_api import expect

from accounts.models import AccountLink
from tests.factories import AccountFactory, ConnectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_send_remediation_links_to_every_past_due_account(live_server, page, demo_operator, sign_in):
    platform = demo_operator("admin", "admin@demo.test")
    for n, email in enumerate(["one@example.test", "two@example.test", ""]):
        ConnectionFactory(platform=platform, account=AccountFactory(name=f"Late Shop {n}", email=email),
                          actions_required=True, currently_due_count=1, past_due_count=1)
    ConnectionFactory(platform=platform, account__name="On Time Cafe")
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/")
    page.locator("#filter-needs").select_option("past_due")
    expect(page.get_by_test_id("account-row")).to_have_count(3)

    page.get_by_test_id("bulk-remediation").click()
    expect(page.get_by_role("heading", name="3 accounts match the list's filters")).to_be_visible()
    expect(page.get_by_test_id("bulk-preview")).not_to_contain_text("On Time Cafe")
    page.get_by_test_id("bulk-send").click()

    expect(page.get_by_test_id("bulk-status")).to_have_text("Done")
    expect(page.get_by_test_id("bulk-sent")).to_have_text("2")
    expect(page.get_by_test_id("bulk-skipped")).to_have_text("1")
    expect(page.get_by_test_id("bulk-progress")).to_contain_text("No email address on file")
    assert AccountLink.objects.filter(kind=AccountLink.Kind.REMEDIATION).count() == 2
