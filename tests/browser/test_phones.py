"""Phones (issue 20): every console and hosted page at 390 × 844 without sideways scrolling of the
page, the sidebar behind a Menu button, the list's rows as cards, dialogs filling the screen; and
the same pages at 1440 × 900 unchanged (sidebar shown, no Menu button). On the demo's data, which
the real services created: tables with rows, money, support cases."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts import links
from accounts.models import AccountLink, Connection
from money.models import Transfer
from tests.factories import shipped_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def contexts(browser):
    """Browser contexts at a given size, all closed when the test ends (an open page would go on
    asking the live server after the test's database is gone)."""
    made = []

    def new(viewport):
        made.append(browser.new_context(viewport=viewport))
        return made[-1]

    yield new
    for context in made:
        context.close()


@pytest.fixture
def demo(settings):
    settings.CONSOLE_ALLOW_DEMO_SEED = True
    for role in ("admin", "developer", "analyst", "support_specialist", "view_only"):
        shipped_role(role)  # a transactional test starts with the migrations' roles flushed
    call_command("seed_demo", verbosity=0)
    return Connection.objects.filter(platform__name="Rocket Rides", livemode=True)


def console_pages(connections) -> list[str]:
    connection = connections.exclude(lifecycle_state="invited").order_by("created_at").first()
    account = connection.account.public_id
    transfer = Transfer.objects.filter(platform=connection.platform).first()
    return [
        "/", "/accounts/", "/accounts/?q=ro", f"/accounts/{account}/", f"/accounts/{account}/activity/",
        f"/accounts/{account}/balances/", "/balances/", "/balances/transfers/", f"/balances/transfers/{transfer.public_id}/",
        "/balances/top-ups/", "/audit/", "/settings/profile/", "/settings/team/", "/settings/security/",
        "/settings/emails/", "/bulk/remediation-links/?needs=past_due",
    ]


def hosted_links(connections) -> list[str]:
    invited = connections.filter(lifecycle_state="invited").first()
    active = connections.exclude(lifecycle_state="invited").first()
    _, onboarding = links.new_link(connection=invited, kind=AccountLink.Kind.ONBOARDING, lifetime=timedelta(days=1))
    _, remediation = links.new_link(connection=active, kind=AccountLink.Kind.REMEDIATION, lifetime=timedelta(days=1))
    _, support = links.new_link(connection=active, kind=AccountLink.Kind.SUPPORT, lifetime=timedelta(days=1))
    return [f"/onboard/{onboarding}/", f"/remediate/{remediation}/", f"/support-link/{support}/"]


def sideways(page) -> int:
    """How far the page itself scrolls sideways (a table scrolling in its own box does not count)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1440x900"])
def test_no_page_scrolls_sideways(contexts, live_server, demo, sign_in, viewport):
    page = contexts(viewport).new_page()
    wide = {}
    assert page.goto(f"{live_server.url}/login/").ok
    wide["/login/"] = sideways(page)
    sign_in("admin@demo.test", on=page)
    for path in console_pages(demo):
        assert page.goto(f"{live_server.url}{path}").ok, path
        wide[path] = sideways(page)
    hosted = contexts(viewport).new_page()  # the account holder's own browser
    for path in hosted_links(demo):
        assert hosted.goto(f"{live_server.url}{path}").ok, path
        wide[hosted.url.removeprefix(live_server.url)] = sideways(hosted)
    assert {path: px for path, px in wide.items() if px > 0} == {}
    assert len(wide) == 1 + len(console_pages(demo)) + 3


def test_on_a_phone_the_sidebar_is_behind_the_menu_button(contexts, live_server, demo, sign_in):
    page = contexts(PHONE).new_page()
    sign_in("admin@demo.test", on=page)
    sidebar = page.get_by_role("complementary", name="Main navigation")
    expect(sidebar).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sidebar).to_be_visible()
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    sidebar.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(sidebar).to_be_hidden()
    # Sign out stays one tap away, in the account menu of the top bar.
    page.get_by_role("button", name=re.compile("Ada")).click()
    expect(page.get_by_role("menuitem", name="Sign out")).to_be_visible()


def test_on_a_phone_accounts_are_cards_and_dialogs_fill_the_screen(contexts, live_server, demo, sign_in):
    page = contexts(PHONE).new_page()
    sign_in("admin@demo.test", on=page)
    page.goto(f"{live_server.url}/accounts/")
    expect(page.locator("#results thead")).to_be_hidden()
    row = page.get_by_test_id("account-row").first
    box = row.bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] > 80  # stacked, not one line
    labels = row.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert '"Dashboard access: "' in labels and '"Created: "' in labels  # each value says what it is
    page.get_by_test_id("create-button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box["width"] == PHONE["width"] and box["height"] == PHONE["height"]
    expect(dialog.get_by_role("button", name="Continue")).to_be_in_viewport()


def test_on_a_desktop_the_sidebar_shows_and_there_is_no_menu_button(contexts, live_server, demo, sign_in):
    page = contexts(DESKTOP).new_page()
    sign_in("admin@demo.test", on=page)
    expect(page.get_by_role("complementary", name="Main navigation")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    page.goto(f"{live_server.url}/accounts/")
    expect(page.locator("#results thead")).to_be_visible()


def test_the_phone_pages_have_no_serious_accessibility_violations(browser, live_server, demo, sign_in):
    import json
    import os
    from pathlib import Path

    axe = Path(os.environ.get("AXE_CORE_PATH", Path(__file__).resolve().parents[2] / ".ci/cache/node_modules/axe-core/axe.min.js"))
    if not axe.exists():
        pytest.skip("axe-core is not installed (npm install axe-core; see .ci/run)")
    context = browser.new_context(viewport=PHONE, bypass_csp=True)  # axe is injected as a script of its own
    try:
        page = context.new_page()
        sign_in("admin@demo.test", on=page)
        found = {}
        account = demo.exclude(lifecycle_state="invited").first().account.public_id
        for path in ("/accounts/", f"/accounts/{account}/", "/balances/transfers/", "/bulk/remediation-links/?needs=past_due"):
            page.goto(f"{live_server.url}{path}")
            if path == "/accounts/":
                page.get_by_role("button", name="Menu").click()  # the open drawer too
            page.add_script_tag(path=str(axe))
            violations = json.loads(page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)"))
            serious = [f"{v['id']}: {v['nodes'][0]['html'][:100]}" for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                found[path] = serious
        assert found == {}
    finally:
        context.close()


def test_a_dialog_opened_from_the_keyboard_closes_with_esc_and_gives_the_focus_back(contexts, live_server, demo, sign_in):
    page = contexts(DESKTOP).new_page()
    sign_in("admin@demo.test", on=page)
    page.goto(f"{live_server.url}/accounts/")
    create = page.get_by_test_id("create-button")
    create.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")  # the focus is in the dialog
    for _ in range(30):  # Tab never leaves it (the page behind is inert)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement === document.body || document.activeElement.closest('dialog') !== null")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(create).to_be_focused()
