"""The page a search shows is exact and newest first whichever way it was found (issue 19): among
the newest rows, through the search indexes when matches are few, or by examining a bounded number
of rows when matches are many but far apart; the last says so and continues where it stopped."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from accounts import selectors
from tests.factories import AccountFactory, ConnectionFactory

pytestmark = pytest.mark.django_db
URL = reverse("accounts:list")


@pytest.fixture
def many(platform):
    """Twelve accounts, newest first: "Match" at 0, 4, 8 and 11 (the oldest), "Other" between."""
    now = timezone.now()
    made = []
    for n in range(12):
        name = f"Match Bakery {n}" if n in (0, 4, 8, 11) else f"Other Cafe {n}"
        made.append(
            ConnectionFactory(platform=platform, account=AccountFactory(name=name), created_at=now - timedelta(hours=n))
        )
    return made


def page(platform, text, **cursor):
    query = selectors.parse_query(text)
    found = selectors.search_connections(platform=platform, livemode=True, query=query)
    return selectors.search_page(found, platform=platform, livemode=True, query=query, **cursor)


def names(result):
    return [c.account.name for c in result]


def every_page(platform, text):
    """Follow "Older" to the end: every row shown, and each page."""
    shown, pages, after = [], [], ""
    while True:
        result = page(platform, text, after=after)
        pages.append(result)
        shown += names(result)
        if not result.next_cursor:
            return shown, pages
        after = result.next_cursor


MATCHES = ["Match Bakery 0", "Match Bakery 4", "Match Bakery 8", "Match Bakery 11"]


def test_a_common_word_fills_its_page_among_the_newest_rows(platform, many, settings):
    settings.CONSOLE_PAGE_SIZE = 2
    result = page(platform, "match")
    assert names(result) == MATCHES[:2] and result.examined is None and result.next_cursor


def test_few_matches_far_back_are_found_through_the_indexes_in_order(platform, many, monkeypatch, settings):
    settings.CONSOLE_PAGE_SIZE = 3
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)  # the newest 2 rows hold one match, not 3
    monkeypatch.setattr(selectors, "SCAN_ROWS", 2)  # a bounded walk would stop early: the indexes must answer
    result = page(platform, "match")
    assert names(result) == MATCHES[:3] and result.examined is None
    older = page(platform, "match", after=result.next_cursor)
    assert names(older) == MATCHES[3:] and older.next_cursor is None
    newer = page(platform, "match", before=older.previous_cursor)
    assert names(newer) == MATCHES[:3]


def test_many_matches_far_apart_examine_a_bounded_number_of_rows_and_continue(platform, many, monkeypatch, settings):
    settings.CONSOLE_PAGE_SIZE = 3
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 1)  # "too many" for the indexes
    monkeypatch.setattr(selectors, "SCAN_ROWS", 5)
    first = page(platform, "match")
    assert names(first) == MATCHES[:2] and first.examined == 5  # rows 0–4 examined
    shown, pages = every_page(platform, "match")
    assert shown == MATCHES  # each match once, in order, over the pages
    assert [p.examined for p in pages] == [5, 5, None]  # the last 2 rows are fewer than 5: all of them


def test_matches_among_the_newest_rows_go_on_walking_the_list_not_the_indexes(platform, many, monkeypatch, settings):
    settings.CONSOLE_PAGE_SIZE = 3
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)  # one match among them: frequent enough
    monkeypatch.setattr(selectors, "PROBE_DENSE", 1)
    monkeypatch.setattr(selectors, "SCAN_ROWS", 5)
    first = page(platform, "match")
    assert names(first) == MATCHES[:2] and first.examined == 5


def test_a_bounded_page_without_matches_says_how_far_it_looked(operator_client, admin, platform, many, monkeypatch):
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 1)
    monkeypatch.setattr(selectors, "SCAN_ROWS", 2)  # rows 0–1 hold a match, rows 2–3 none
    html = operator_client(admin).get(URL, {"q": "match", "after": page(platform, "match").next_cursor}).content.decode()
    assert "No matches among the next 2 accounts" in html and 'data-testid="search-older"' in html
    assert "No accounts match" not in html


def test_a_bounded_page_with_matches_offers_to_search_older_accounts(operator_client, admin, many, monkeypatch):
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 1)
    monkeypatch.setattr(selectors, "SCAN_ROWS", 3)
    html = operator_client(admin).get(URL, {"q": "match"}).content.decode()
    assert 'data-testid="search-partial"' in html and "Search older accounts" in html
    assert "Match Bakery 0" in html and "Match Bakery 4" not in html


@pytest.mark.parametrize("text,kind", [("mat", "text"), ("ma", "prefix"), ("tier:gold", "metadata")])
def test_every_search_kind_finds_a_rare_old_match_through_the_indexes(platform, monkeypatch, text, kind):
    now = timezone.now()
    old = ConnectionFactory(platform=platform, account=AccountFactory(name="Matcha House"), metadata={"tier": "gold"},
                            created_at=now - timedelta(days=30))
    for n in range(6):
        ConnectionFactory(platform=platform, account=AccountFactory(name=f"Zed {n}", email=f"z{n}@zed.example"),
                          created_at=now - timedelta(hours=n))
    monkeypatch.setattr(selectors, "PROBE_ROWS", 3)
    monkeypatch.setattr(selectors, "SCAN_ROWS", 3)  # the match is the 7th row: only the indexes reach it
    assert selectors.parse_query(text).kind == kind
    assert [c.pk for c in page(platform, text)] == [old.pk]


def test_a_whole_email_address_finds_its_account(platform, many):
    target = many[5].account
    query = selectors.parse_query(target.email.upper())
    assert query.kind == "email"
    assert names(page(platform, target.email.upper())) == [target.name]


def test_the_short_search_note_is_shown_with_the_results(operator_client, admin, many):
    html = operator_client(admin).get(URL, {"q": "ma"}).content.decode()
    assert 'data-testid="search-note"' in html and "Match Bakery 0" in html


@pytest.mark.postgres
def test_the_index_only_settings_do_not_outlive_the_search(platform, many, monkeypatch):
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)
    with db_connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
        assert names(page(platform, "match"))  # through the candidates: the settings were set
        for name, expected in (("enable_seqscan", "on"), ("enable_indexscan", "on"), ("statement_timeout", before)):
            cursor.execute(f"SHOW {name}")
            assert cursor.fetchone()[0] == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # autocommit, as production: a cancelled statement ends nothing else
def test_a_search_stopped_at_the_statement_timeout_says_so_in_the_list(operator_client, admin, connection, monkeypatch):
    real = selectors.search_connections

    def slow(**kwargs):  # the search as it is, made to take a second
        return real(**kwargs).extra(where=["pg_sleep(1) IS NOT NULL"])

    monkeypatch.setattr(selectors, "search_connections", slow)
    with db_connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 100")
    try:
        response = operator_client(admin).get(URL, {"q": "acme"}, headers={"HX-Request": "true"})
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="search-too-slow"' in html
    assert "took too long" in html and "No accounts match" not in html


def test_a_bounded_walk_that_reaches_the_end_offers_nothing_further(platform, monkeypatch, settings):
    """Exactly SCAN_ROWS rows left: the walk looks at all of them and does not send the operator on
    to an empty page."""
    settings.CONSOLE_PAGE_SIZE = 3
    now = timezone.now()
    for n in range(4):
        ConnectionFactory(platform=platform, account=AccountFactory(name=f"Match Shop {n}" if n == 0 else f"Other {n}"),
                          created_at=now - timedelta(hours=n))
    monkeypatch.setattr(selectors, "PROBE_ROWS", 1)
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 0)
    monkeypatch.setattr(selectors, "SCAN_ROWS", 4)
    result = page(platform, "match")
    assert names(result) == ["Match Shop 0"] and result.examined is None and result.next_cursor is None


def test_going_back_to_newer_rows_and_forward_again_loses_no_match(platform, many, monkeypatch, settings):
    settings.CONSOLE_PAGE_SIZE = 3
    monkeypatch.setattr(selectors, "PROBE_ROWS", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 1)
    monkeypatch.setattr(selectors, "SCAN_ROWS", 2)  # windows of two rows: 0–1, 2–3 (no match), 4–5, …
    first = page(platform, "match")
    second = page(platform, "match", after=first.next_cursor)
    third = page(platform, "match", after=second.next_cursor)
    assert names(second) == [] and names(third) == ["Match Bakery 4"]
    back = page(platform, "match", before=third.previous_cursor)  # newer than row 4: rows 2–3, no match
    assert names(back) == [] and back.examined == 2 and back.next_cursor
    assert names(page(platform, "match", after=back.next_cursor)) == ["Match Bakery 4"]  # and on again
