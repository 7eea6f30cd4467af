import re
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import AccountFactory, ConnectionFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = reverse("accounts:list")


def row_ids(response) -> list[str]:
    return re.findall(r'href="/accounts/(acct_[A-Za-z0-9]+)/"', response.content.decode())


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_role_can_see_the_list(operator_client, admin, developer, analyst, support, viewer, connection):
    for member in (admin, developer, analyst, support, viewer):
        response = operator_client(member).get(URL)
        assert response.status_code == 200
        assert connection.account.public_id in row_ids(response)


def test_the_full_page_has_the_frame_and_the_table(operator_client, admin, connection):
    response = operator_client(admin).get(URL)
    html = response.content.decode()
    assert "<nav" in html and 'id="results"' in html and "Acme Bakery" in html
    assert response["Vary"].count("HX-Request") == 1


def test_an_htmx_request_gets_only_the_results(operator_client, admin, connection):
    response = operator_client(admin).get(URL, {"q": "acme"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<nav class=\"tabs\"" not in html and "Acme Bakery" in html


def test_the_same_url_without_htmx_gives_the_full_page(operator_client, admin, connection):
    response = operator_client(admin).get(URL, {"q": "acme"})
    html = response.content.decode()
    assert "<!doctype html>" in html and 'value="acme"' in html and "Acme Bakery" in html


def test_no_match_shows_a_helpful_empty_state(operator_client, admin, connection):
    response = operator_client(admin).get(URL, {"q": "zebra"})
    html = response.content.decode()
    assert "No accounts match" in html and "zebra" in html


def test_a_platform_without_accounts_shows_the_first_run_empty_state(operator_client, admin):
    assert "No connected accounts yet" in operator_client(admin).get(URL).content.decode()


def test_a_malformed_search_shows_a_hint_not_an_error(operator_client, admin, connection):
    for text in [":", "key:", "x" * 10_000, "<b>bold</b>:1", "'; --"]:
        response = operator_client(admin).get(URL, {"q": text})
        assert response.status_code == 200


def test_html_in_names_and_queries_is_escaped(operator_client, admin, platform):
    ConnectionFactory(platform=platform, account__name="<script>alert('x')</script>")
    html = operator_client(admin).get(URL, {"q": "<script>"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_invalid_filter_values_are_ignored(operator_client, admin, connection):
    response = operator_client(admin).get(URL, {"status": "bogus", "access": "x", "country": "ZZ", "after": "!!"})
    assert response.status_code == 200
    assert connection.account.public_id in row_ids(response)


def test_the_filters_keep_what_was_chosen(operator_client, admin, platform):
    """The selects are rendered by a loop, not Django's widgets: the choice made stays selected,
    and an unknown value (ignored by the list) shows the "any" choice."""
    html = operator_client(admin).get(URL, {"country": "DE", "access": "express", "needs": "zz"}).content.decode()
    assert re.search(r'<select name="country" id="filter-country" class="filter-select">.*?<option value="DE" selected>Germany</option>', html)
    assert '<option value="express" selected>Express</option>' in html
    needs = re.search(r'<select name="needs" id="filter-needs" class="filter-select">(.*?)</select>', html).group(1)
    assert needs.count("selected") == 1 and '<option value="" selected>Any requirements</option>' in needs


def test_each_row_links_to_the_account_with_its_status_and_creation_day(operator_client, admin, platform):
    created = timezone.make_aware(timezone.datetime(2026, 3, 4, 15, 30), timezone.get_current_timezone())
    connection = ConnectionFactory(platform=platform, status="restricted", created_at=created,
                                   account__country="GB", dashboard_type="express")
    html = operator_client(admin).get(URL).content.decode()
    account = connection.account
    assert f'<a class="row-main" href="/accounts/{account.public_id}/">{account.display_name}</a>' in html
    assert '<span class="badge badge-danger">Restricted</span>' in html
    assert '<td data-label="Dashboard access">Express</td>' in html and "United Kingdom" in html
    assert f'<time datetime="{created.isoformat()}" title="Mar 4, 2026, 15:30 UTC">Mar 4, 2026</time>' in html


def test_status_tab_filters_the_list(operator_client, admin, platform):
    ConnectionFactory(platform=platform, account__name="Fine Co", status="enabled")
    restricted = ConnectionFactory(platform=platform, account__name="Stuck Co", status="restricted")
    assert row_ids(operator_client(admin).get(URL, {"status": "restricted"})) == [restricted.account.public_id]


def test_the_list_shows_only_the_current_mode(operator_client, admin, platform):
    live = ConnectionFactory(platform=platform, livemode=True)
    test = ConnectionFactory(platform=platform, livemode=False)
    client = operator_client(admin)
    assert row_ids(client.get(URL)) == [live.account.public_id]
    client.post(reverse("set_mode"), {"mode": "test"})
    assert row_ids(client.get(URL)) == [test.account.public_id]


def test_pages_have_no_duplicates_or_gaps(operator_client, admin, platform, settings):
    settings.CONSOLE_PAGE_SIZE = 4
    now = timezone.now()
    same_instant = now - timedelta(days=1)
    created = [
        ConnectionFactory(platform=platform, created_at=same_instant if i % 3 == 0 else now - timedelta(hours=i))
        for i in range(11)
    ]
    expected = [c.account.public_id for c in sorted(created, key=lambda c: (c.created_at, c.pk), reverse=True)]
    client = operator_client(admin)
    seen, params = [], {}
    for _ in range(5):
        response = client.get(URL, params)
        seen += row_ids(response)
        cursor = re.search(r'href="\?after=([^"&]+)"', response.content.decode())
        if not cursor:
            break
        params = {"after": cursor.group(1)}
    assert seen == expected

    # And back again with "Newer" from the last page.
    back, html = [], client.get(URL, params).content.decode()
    while match := re.search(r'href="\?before=([^"&]+)"', html):
        html = client.get(URL, {"before": match.group(1)}).content.decode()
        back = re.findall(r'href="/accounts/(acct_[A-Za-z0-9]+)/"', html) + back
    assert len(back) == 8 and back == expected[:8]


def test_list_runs_a_fixed_number_of_queries(operator_client, admin, platform, django_assert_num_queries):
    client = operator_client(admin)
    ConnectionFactory(platform=platform)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(db_connection) as few:
        client.get(URL, {"q": "business"})
    for _ in range(30):
        connection = ConnectionFactory(platform=platform)
        PersonFactory.create_batch(3, account=connection.account)
    with CaptureQueriesContext(db_connection) as many:
        client.get(URL, {"q": "business"})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_no_unbounded_count_runs_on_a_page_view(operator_client, admin, platform):
    ConnectionFactory.create_batch(3, platform=platform)
    client = operator_client(admin)
    with CaptureQueriesContext(db_connection) as queries:
        client.get(URL)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the status tabs should show counts"
    assert all("LIMIT" in sql.upper() for sql in counts)


def test_tab_counts_are_capped(operator_client, admin, platform, settings):
    settings.CONSOLE_COUNT_CAP = 3
    ConnectionFactory.create_batch(5, platform=platform)
    html = operator_client(admin).get(URL).content.decode()
    assert '<span class="tab-count">3+</span>' in html


def test_another_platforms_accounts_never_show(operator_client, admin, other_platform, connection):
    theirs = ConnectionFactory(platform=other_platform, account=AccountFactory(name="Acme Rival"))
    response = operator_client(admin).get(URL, {"q": "acme"})
    assert theirs.account.public_id not in response.content.decode()


def test_the_list_filters_and_the_create_dialog_share_no_element_id(operator_client, admin):
    """The Create dialog opens on the list page: a shared id_country made its label focus the filter."""
    client = operator_client(admin)
    page = client.get(reverse("accounts:list")).content.decode()
    dialog = client.get(reverse("accounts:create"), headers={"HX-Request": "true"}).content.decode()
    ids = lambda html: set(re.findall(r'\bid="([^"]+)"', html))
    assert "filter-country" in ids(page) and "id_country" in ids(dialog)
    assert not (ids(page) & ids(dialog)), ids(page) & ids(dialog)


def test_the_partial_sent_while_typing_computes_no_tab_counts(operator_client, admin, platform):
    ConnectionFactory.create_batch(3, platform=platform)
    client = operator_client(admin)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(db_connection) as full:
        client.get(URL, {"q": "business"})
    with CaptureQueriesContext(db_connection) as partial:
        response = client.get(URL, {"q": "business"}, headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<section id="results"')
    assert not [q for q in partial.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(partial.captured_queries) < len(full.captured_queries)
