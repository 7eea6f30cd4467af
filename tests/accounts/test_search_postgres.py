"""On PostgreSQL the search conditions the selector writes can be served by the indexes the
migration creates (the planner's choice at scale is measured by the benchmark, not here)."""

import re

import pytest
from django.db import connection as db_connection

from accounts.models import Account, Connection
from accounts.selectors import parse_query, search_connections
from tests.factories import ConnectionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with db_connection.cursor() as cursor:
        # A tiny test table would be read sequentially; forbid that to see which index the
        # condition can use, which is what matters at a million rows.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("field,index", [("name", "account_name_trgm"), ("legal_name", "account_legal_name_trgm"), ("email", "account_email_trgm")])
def test_substring_search_can_use_the_trigram_index(platform, field, index):
    ConnectionFactory.create_batch(3, platform=platform)
    assert index in plan(Account.objects.filter(**{f"{field}__ilike_contains": "bakery"}).values("pk"))


def test_metadata_search_can_use_the_gin_index(platform):
    ConnectionFactory.create_batch(3, platform=platform, metadata={"tier": "gold"})
    assert "connection_metadata_gin" in plan(Connection.objects.filter(metadata__contains={"tier": "gold"}).values("pk"))


def test_the_selector_writes_the_indexable_conditions(platform):
    sql = str(search_connections(platform=platform, livemode=True, query=parse_query("bakery")).query)
    assert sql.count("ILIKE") == 3
    sql = str(search_connections(platform=platform, livemode=True, query=parse_query("tier:gold")).query)
    assert "@>" in sql


def test_metadata_search_matches_exact_values_only(platform):
    gold = ConnectionFactory(platform=platform, metadata={"tier": "gold", "n": "1"})
    ConnectionFactory(platform=platform, metadata={"tier": "golden"})
    found = search_connections(platform=platform, livemode=True, query=parse_query("tier:gold"))
    assert [c.pk for c in found] == [gold.pk]


@pytest.mark.parametrize("field,index", [("name", "account_name_prefix"), ("legal_name", "account_legal_name_prefix"), ("email", "account_email_prefix")])
def test_a_short_search_can_use_the_prefix_index(platform, field, index):
    ConnectionFactory.create_batch(3, platform=platform)
    assert index in plan(Account.objects.filter(**{f"{field}__ilike_starts": "Zq"}).values("pk"))


def test_the_list_edge_index_holds_the_lists_order_for_exactly_the_visible_states():
    """conn_list_visible lets the search find the edge of the rows it examines without reading the
    heap: its columns are the list's order and its condition the states connections_in_scope shows
    (migration 0008 spells them out; a state added to VISIBLE_STATES must be added there too)."""
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'conn_list_visible'")
        (definition,) = cursor.fetchone()
    assert "(platform_id, livemode, created_at DESC, id DESC)" in definition
    states = set(re.findall(r"'(\w+)'::", definition.split("WHERE", 1)[1]))
    assert states == {str(state) for state in Connection.VISIBLE_STATES}
