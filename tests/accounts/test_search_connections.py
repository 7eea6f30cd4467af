import pytest

from accounts.selectors import parse_query, search_connections
from tests.factories import AccountFactory, ConnectionFactory

pytestmark = pytest.mark.django_db


def search(platform, text, **filters):
    return list(search_connections(platform=platform, livemode=True, query=parse_query(text), **filters))


def names(connections):
    return sorted(c.account.name for c in connections)


@pytest.fixture
def accounts(platform):
    return {
        "acme": ConnectionFactory(
            platform=platform,
            account=AccountFactory(name="Acme Bakery", legal_name="Acme Holdings LLC", email="owner@acme.example"),
            metadata={"order_ref": "A-1042", "tier": "gold"},
        ),
        "blue": ConnectionFactory(
            platform=platform,
            account=AccountFactory(name="Blue Harbor Coffee", legal_name="", email="hello@blueharbor.example"),
            metadata={"tier": "silver"},
        ),
        "percent": ConnectionFactory(
            platform=platform,
            account=AccountFactory(name="100% Juice_Bar", legal_name="", email="juice@bar.example"),
        ),
    }


def test_finds_a_name_by_case_insensitive_substring(platform, accounts):
    assert names(search(platform, "bAKer")) == ["Acme Bakery"]


def test_finds_by_legal_name(platform, accounts):
    assert names(search(platform, "holdings")) == ["Acme Bakery"]


def test_finds_by_email(platform, accounts):
    assert names(search(platform, "hello@blueharbor")) == ["Blue Harbor Coffee"]


def test_finds_by_exact_account_id(platform, accounts):
    public_id = accounts["blue"].account.public_id
    assert names(search(platform, public_id)) == ["Blue Harbor Coffee"]


def test_a_partial_account_id_finds_nothing(platform, accounts):
    assert search(platform, accounts["blue"].account.public_id[:-3]) == []


def test_finds_by_metadata_key_value(platform, accounts):
    assert names(search(platform, "order_ref:A-1042")) == ["Acme Bakery"]


def test_metadata_value_must_match_exactly(platform, accounts):
    assert search(platform, "order_ref:A-10") == []


def test_metadata_search_on_a_shared_key(platform, accounts):
    assert names(search(platform, "tier:silver")) == ["Blue Harbor Coffee"]


@pytest.mark.parametrize("text", [":", "key:", ":value", " : "])
def test_incomplete_metadata_search_gives_a_hint(text):
    assert "key:value" in parse_query(text).hint


def test_an_over_long_search_gives_a_hint_and_no_results(platform, accounts):
    assert parse_query("a" * 5000).hint
    assert search(platform, "a" * 5000) == []


def test_percent_and_underscore_are_literal(platform, accounts):
    assert names(search(platform, "100%")) == ["100% Juice_Bar"]
    assert names(search(platform, "ice_B")) == ["100% Juice_Bar"]
    assert search(platform, "Acm_") == []  # not "Acme": _ is no wildcard
    assert names(search(platform, "100%_")) == []
    assert search(platform, "%") == [] and search(platform, "_") == []  # short: no name starts with them


@pytest.mark.parametrize(
    "text,found",
    [
        ("a", ["Acme Bakery"]),  # the name's start
        ("BL", ["Blue Harbor Coffee"]),
        ("ju", ["100% Juice_Bar"]),  # the email's start
        ("10", ["100% Juice_Bar"]),
        ("ak", []),  # inside "Bakery", not at a start: short searches match starts only
        ("e_", []),
        ("%", []),
    ],
)
def test_a_search_too_short_for_a_trigram_matches_starts_and_says_so(platform, accounts, text, found):
    assert parse_query(text).kind == "prefix" and "three or more" in parse_query(text).note
    assert names(search(platform, text)) == found


def test_three_letters_or_digits_in_a_row_search_anywhere(platform, accounts):
    assert parse_query("ake").kind == "text" and not parse_query("ake").note
    assert names(search(platform, "ake")) == ["Acme Bakery"]
    assert names(search(platform, "a.b")) == []  # no three in a row: the start, and none starts so


@pytest.mark.parametrize(
    "text",
    ["' OR 1=1 --", "\"; DROP TABLE accounts_account; --", "<script>alert(1)</script>", "\\", "a\x00b", "ключ:значение"],
)
def test_hostile_searches_return_nothing_and_do_not_fail(platform, accounts, text):
    assert search(platform, text) == []


def test_filters_by_status(platform, accounts):
    ConnectionFactory(platform=platform, account__name="Stuck Co", status="restricted")
    assert names(search(platform, "", status="restricted")) == ["Stuck Co"]


def test_filters_by_dashboard_access(platform, accounts):
    ConnectionFactory(platform=platform, account__name="Express Co", express=True)
    assert names(search(platform, "", dashboard_type="express")) == ["Express Co"]


def test_filters_by_country(platform, accounts):
    ConnectionFactory(platform=platform, account=AccountFactory(name="Berlin GmbH", country="DE"))
    assert names(search(platform, "", country="DE")) == ["Berlin GmbH"]


def test_search_and_filters_combine(platform, accounts):
    ConnectionFactory(platform=platform, account=AccountFactory(name="Acme Berlin", country="DE"))
    assert names(search(platform, "acme", country="DE")) == ["Acme Berlin"]


def test_never_finds_another_platforms_accounts(platform, other_platform, accounts):
    theirs = ConnectionFactory(platform=other_platform, account__name="Acme Rival", metadata={"order_ref": "A-1042"})
    assert names(search(platform, "acme")) == ["Acme Bakery"]
    assert names(search(platform, "order_ref:A-1042")) == ["Acme Bakery"]
    assert search(platform, theirs.account.public_id) == []


def test_never_finds_the_other_modes_accounts(platform, accounts):
    ConnectionFactory(platform=platform, account__name="Acme Test", livemode=False)
    assert names(search(platform, "acme")) == ["Acme Bakery"]


def test_removed_accounts_are_not_found(platform, accounts):
    ConnectionFactory(platform=platform, account__name="Acme Gone", lifecycle_state="removed")
    assert names(search(platform, "acme")) == ["Acme Bakery"]
