"""`__one_of`: the id-list filter of the sweeps, one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Connection, Person
from tests.factories import ConnectionFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_one_of_finds_exactly_the_listed_rows_by_pk_and_by_foreign_key():
    connections = [ConnectionFactory() for _ in range(4)]
    wanted = [connections[0].pk, connections[2].pk]
    assert sorted(Connection.objects.filter(pk__one_of=wanted).values_list("pk", flat=True)) == wanted
    person = PersonFactory(account=connections[2].account)
    PersonFactory(account=connections[1].account)
    assert list(Person.objects.filter(account_id__one_of={connections[2].account_id})) == [person]
    assert not Connection.objects.filter(pk__one_of=[]).exists()


def test_one_of_sends_the_ids_as_one_array_on_postgresql():
    ids = [ConnectionFactory().pk for _ in range(3)]
    with CaptureQueriesContext(connection) as captured:
        assert Connection.objects.filter(pk__one_of=ids).count() == 3
    sql = captured.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql
