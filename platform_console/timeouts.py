"""The statement timeout of web requests (settings.DB_STATEMENT_TIMEOUT_MS), as the code meets it."""

from django.db import OperationalError
from psycopg.errors import QueryCanceled


def statement_cancelled(error: BaseException) -> bool:
    """Whether `error` is PostgreSQL cancelling a statement at its statement timeout."""
    return isinstance(error, OperationalError) and isinstance(error.__cause__, QueryCanceled)
