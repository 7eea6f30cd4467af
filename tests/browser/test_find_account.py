import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import AccountFactory, ConnectionFactory, MembershipFactory, PlatformFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_signs_in_searches_metadata_and_opens_an_account(live_server, page):
    platform = PlatformFactory(name="Rocket Rides")
    user = UserFactory(email="admin@demo.test", password="demo")
    MembershipFactory(user=user, platform=platform, roles=["admin"])
    target = ConnectionFactory(
        platform=platform,
        account=AccountFactory(name="Acme Bakery", email="owner@acme.example"),
        metadata={"order_ref": "A-1042"},
    )
    ConnectionFactory.create_batch(4, platform=platform, metadata={"order_ref": "B-7"})

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Connected accounts").first.click()
    expect(page.get_by_role("heading", name="Connected accounts")).to_be_visible()
    expect(page.get_by_test_id("account-row")).to_have_count(5)

    page.locator("#id_q").fill("order_ref:A-1042")
    expect(page.get_by_test_id("account-row")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/accounts/\?.*q=order_ref%3AA-1042"))

    page.get_by_role("link", name="Acme Bakery").click()
    expect(page.get_by_test_id("account-name")).to_have_text("Acme Bakery")
    expect(page.get_by_text(target.account.public_id).first).to_be_visible()
    expect(page.get_by_test_id("metadata-section")).to_contain_text("A-1042")


def test_export_takes_the_filters_chosen_on_the_page(live_server, page, demo_operator):
    platform = demo_operator("admin", "admin@demo.test")
    ConnectionFactory(platform=platform, account__name="Acme Bakery", account__country="US")
    ConnectionFactory(platform=platform, account__name="Berlin Bikes", account__country="DE")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/accounts/")
    page.locator("#filter-country").select_option("DE")
    expect(page.get_by_test_id("account-row")).to_have_count(1)
    page.get_by_test_id("export-menu").locator("summary").click()  # an Administrator may add remediation links
    with page.expect_download() as download:
        page.get_by_test_id("export-accounts").click()
    text = Path(download.value.path()).read_text()
    assert "Berlin Bikes" in text and "Acme Bakery" not in text


def test_a_short_search_says_what_it_matches_and_a_bounded_one_searches_on(live_server, page, demo_operator, monkeypatch, sign_in):
    from datetime import timedelta

    from django.utils import timezone

    from accounts import selectors

    platform = demo_operator("admin", "admin@demo.test")
    now = timezone.now()
    for n in range(8):  # newest first: "Match" at 0 and 6
        name = f"Match Bakery {n}" if n in (0, 6) else f"Other Cafe {n}"
        ConnectionFactory(platform=platform, account__name=name, created_at=now - timedelta(hours=n))
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/")

    page.locator("#id_q").fill("ot")
    expect(page.get_by_test_id("search-note")).to_contain_text("start of a name")
    expect(page.get_by_test_id("account-row")).to_have_count(6)

    # A common word far between, as at a million accounts: each page examines 3 rows.
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 1)
    monkeypatch.setattr(selectors, "SCAN_ROWS", 3)
    page.locator("#id_q").fill("match")
    expect(page.get_by_test_id("search-partial")).to_contain_text("next 3 accounts")
    expect(page.get_by_test_id("account-row")).to_have_count(1)
    page.get_by_role("link", name="Search older accounts →").click()  # rows 3–5: none
    expect(page.get_by_test_id("empty-state")).to_contain_text("No matches among the next 3 accounts")
    page.get_by_test_id("search-older").click()  # rows 6–7: the other one
    expect(page.get_by_test_id("account-row")).to_have_count(1)
    expect(page.get_by_role("link", name="Match Bakery 6")).to_be_visible()
