"""Every read the accounts pages need, already scoped to the operator's platform and mode.

Tenant isolation lives here: `connections_in_scope` is the only way views reach connections,
and it always filters by the request's platform (from the operator's own membership) and mode.
"""

import re
from dataclasses import dataclass, field

from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.http import Http404

from platform_console.ids import matches_prefix
from platform_console.models import AuditEvent, Platform
from platform_console.pagination import CappedCount, KeysetPage, capped_counts, keyset_page
from platform_console.timeouts import statement_cancelled

from .errors import AccountInOtherMode, AccountRemoved
from .models import Account, AccountLink, Capability, Connection, Person

MAX_QUERY_LENGTH = 200
METADATA_KEY_MAX = 40
ACCOUNT_ID_RE = re.compile(r"acct_[A-Za-z0-9]{1,40}")
# A trigram index serves a substring search only when the text has three letters or digits in a
# row (pg_trgm's words); anything shorter matches the start of a name, legal name or email.
TRIGRAM_WORD_RE = re.compile(r"[^\W_]{3}")
# A whole email address finds the accounts whose email is it (or starts with it): its trigrams
# include those of ".com" or ".example", in most rows, which the trigram index reads in full.
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
SHORT_SEARCH_NOTE = (
    "Short searches match the start of a name, legal name or email. Type three or more letters "
    "or digits to search anywhere in them."
)

# How a search page stays fast whatever is typed (issue 19); see `search_page`.
PROBE_ROWS = 1_000
PROBE_DENSE = 3  # matches among PROBE_ROWS that promise a full page within SCAN_ROWS
CANDIDATE_CAP = 2_000
SCAN_ROWS = 10_000
CANDIDATE_TIMEOUT_MS = 30


def connections_in_scope(*, platform: Platform, livemode: bool) -> QuerySet[Connection]:
    """The connections an operator of `platform` may see in this mode (removed ones excluded)."""
    return Connection.objects.filter(
        platform=platform, livemode=livemode, lifecycle_state__in=Connection.VISIBLE_STATES
    )


@dataclass
class ParsedQuery:
    """What the search box asked for. `hint` explains a query that could not be understood."""

    text: str = ""
    kind: str = ""  # "", "id", "metadata", "text", "prefix", "email"
    key: str = ""
    value: str = ""
    hint: str = ""  # the query could not be understood: no results
    note: str = ""  # how the query was understood: results shown
    filters: dict = field(default_factory=dict)


def parse_query(raw: str) -> ParsedQuery:
    text = (raw or "").strip()
    if not text:
        return ParsedQuery()
    if len(text) > MAX_QUERY_LENGTH:
        return ParsedQuery(text=text[:MAX_QUERY_LENGTH], hint=f"Searches are limited to {MAX_QUERY_LENGTH} characters.")
    if ACCOUNT_ID_RE.fullmatch(text):
        return ParsedQuery(text=text, kind="id", value=text)
    if ":" in text and " " not in text.split(":", 1)[0] and "@" not in text:
        key, _, value = text.partition(":")
        key, value = key.strip(), value.strip()
        if not key or not value:
            return ParsedQuery(text=text, hint="To search metadata, write key:value, for example order_ref:A-1042.")
        if len(key) > METADATA_KEY_MAX or "[" in key or "]" in key:
            return ParsedQuery(
                text=text,
                hint=f"Metadata keys are at most {METADATA_KEY_MAX} characters and cannot contain [ or ].",
            )
        return ParsedQuery(text=text, kind="metadata", key=key, value=value)
    if "\x00" in text:
        return ParsedQuery(text=text, kind="text", value=text)
    if EMAIL_RE.fullmatch(text):
        return ParsedQuery(text=text, kind="email", value=text)
    if not TRIGRAM_WORD_RE.search(text):
        return ParsedQuery(text=text, kind="prefix", value=text, note=SHORT_SEARCH_NOTE)
    return ParsedQuery(text=text, kind="text", value=text)


def _text_match(query: ParsedQuery, prefix: str = "") -> Q:
    """The accounts whose name, legal name or email the text query matches: anywhere in them
    ("text"), at their start ("prefix"), or the email only ("email", at its start). `prefix`
    reaches the account from another model."""
    if query.kind == "email":
        return Q(**{f"{prefix}email__ilike_starts": query.value})
    lookup = "ilike_starts" if query.kind == "prefix" else "ilike_contains"
    return (
        Q(**{f"{prefix}name__{lookup}": query.value})
        | Q(**{f"{prefix}legal_name__{lookup}": query.value})
        | Q(**{f"{prefix}email__{lookup}": query.value})
    )


def _filter_metadata(qs: QuerySet[Connection], key: str, value: str) -> QuerySet[Connection]:
    if db_connection.vendor == "postgresql":
        # jsonb @> {"key": "value"}: served by the GIN (jsonb_path_ops) index on metadata.
        return qs.filter(metadata__contains={key: value})
    # SQLite has no JSON containment; a key transform compares the same thing, only slower. The
    # key is passed as data, never spliced into a lookup path, so "a__b" is just a key.
    return qs.alias(_metadata_value=KeyTransform(key, "metadata")).filter(_metadata_value=value)


def search_connections(
    *,
    platform: Platform,
    livemode: bool,
    query: ParsedQuery | None = None,
    status: str = "",
    dashboard_type: str = "",
    country: str = "",
    needs: str = "",
) -> QuerySet[Connection]:
    """Connections matching the search box and filters, with what the list renders joined in."""
    qs = connections_in_scope(platform=platform, livemode=livemode).select_related("account")
    query = query or ParsedQuery()
    if query.hint:
        return qs.none()
    if query.kind == "id":
        qs = qs.filter(account__public_id=query.value)
    elif query.kind == "metadata":
        if "\x00" in query.key or "\x00" in query.value:
            return qs.none()
        qs = _filter_metadata(qs, query.key, query.value)
    elif query.kind in ("text", "prefix", "email"):
        if "\x00" in query.value:
            return qs.none()
        qs = qs.filter(_text_match(query, prefix="account__"))
    if status:
        qs = qs.filter(status=status)
    if dashboard_type:
        qs = qs.filter(dashboard_type=dashboard_type)
    if country:
        qs = qs.filter(account__country=country)
    # Backed by the requirement summary the engine persists (partial indexes cover the first two).
    if needs == "actions_required":
        qs = qs.filter(actions_required=True)
    elif needs == "past_due":
        qs = qs.filter(past_due_count__gt=0)
    elif needs == "restricted_soon":
        qs = qs.filter(status=Connection.Status.RESTRICTED_SOON)
    return qs


def search_list(*, platform: Platform, livemode: bool, filters: dict) -> QuerySet[Connection]:
    """`search_connections` for the Connected accounts list's own parameters (q, status, access,
    country, needs), as the list, its export and the bulk remediation send read them."""
    return search_connections(
        platform=platform, livemode=livemode, query=parse_query(filters.get("q", "")),
        status=filters.get("status", ""), dashboard_type=filters.get("access", ""),
        country=filters.get("country", ""), needs=filters.get("needs", ""),
    )


def search_page(
    connections: QuerySet[Connection],
    *,
    platform: Platform,
    livemode: bool,
    query: ParsedQuery,
    after: str = "",
    before: str = "",
) -> KeysetPage:
    """A page of `connections` (from `search_connections`, perhaps annotated), at a bounded cost
    whatever the search box holds. Newest first, as the unsearched list:

    1. The next PROBE_ROWS rows of the list: a common word fills its page among them.
    2. If they held a few matches (PROBE_DENSE or more), matches are frequent enough for the
       page to fill within SCAN_ROWS rows: step 4.
    3. Otherwise the search indexes gather the matching rows, if they are at most CANDIDATE_CAP,
       and the page is taken from those (exact, however old they are).
    4. Otherwise (many matches, few of them recent: a common word with a rare filter) the page
       examines at most SCAN_ROWS rows, stopping when it is full; if it is not, it says so, and
       "Older" continues from there.

    Which plan the database would choose (the list's order or a search index) rested on its
    estimate of how many rows match, and a wrong estimate walked every row (issue 19).
    """
    if query.kind not in ("text", "prefix", "email", "metadata"):
        return keyset_page(connections, after=after, before=before)
    within = connections_in_scope(platform=platform, livemode=livemode)
    page = keyset_page(connections, after=after, before=before, within=within, examine=PROBE_ROWS)
    if page.examined is None:
        return page
    if len(page) < PROBE_DENSE and (candidates := _candidates(platform=platform, livemode=livemode, query=query)):
        return keyset_page(candidates(connections), after=after, before=before)
    return keyset_page(connections, after=after, before=before, within=within, examine=SCAN_ROWS)


def _candidates(*, platform: Platform, livemode: bool, query: ParsedQuery):
    """When the search indexes find at most CANDIDATE_CAP rows: a function restricting the
    connections to them. On PostgreSQL the query may use nothing but a bitmap of the search
    indexes (its cost is the index entries, never a walk of the table stopped by LIMIT)."""
    if query.kind == "metadata":
        scope = _filter_metadata(connections_in_scope(platform=platform, livemode=livemode), query.key, query.value)
        column = "pk__one_of"
    else:
        scope = Account.objects.filter(_text_match(query))
        column = "account__one_of"
    limited = scope.values_list("pk", flat=True)[: CANDIDATE_CAP + 1]
    if db_connection.vendor != "postgresql":
        found = list(limited)
    else:
        # A word in most rows ("example" is in every email) has index entries for most rows:
        # reading them all takes longer than walking the list, so past CANDIDATE_TIMEOUT_MS it
        # counts as "too many". The savepoint keeps an outer transaction usable.
        try:
            with transaction.atomic(), db_connection.cursor() as cursor:
                cursor.execute(
                    "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; "
                    f"SET LOCAL statement_timeout = {CANDIDATE_TIMEOUT_MS}"
                )
                found = list(limited)
                # SET LOCAL lasts to the end of the outermost transaction: undo it for the rest.
                cursor.execute("RESET enable_seqscan; RESET enable_indexscan; RESET statement_timeout")
        except OperationalError as error:
            if not statement_cancelled(error):
                raise
            return None
    if len(found) > CANDIDATE_CAP:
        return None
    return lambda connections: connections.filter(**{column: found})


def status_counts(*, platform: Platform, livemode: bool) -> dict[str, CappedCount]:
    """Counts for the status tabs, each capped so none scans a million rows; all of them in one
    query."""
    base = connections_in_scope(platform=platform, livemode=livemode)
    return capped_counts(base, field="status", values=list(Connection.Status.values))


def get_connection(*, platform: Platform, livemode: bool, account_id: str) -> Connection:
    """The connection of `account_id` on this platform and mode, or 404 (also for other platforms'
    accounts: their existence is not revealed)."""
    if not matches_prefix(account_id, "acct_"):
        raise Http404("No such account")
    try:
        return connections_in_scope(platform=platform, livemode=livemode).select_related("account").get(
            account__public_id=account_id
        )
    except Connection.DoesNotExist:
        _raise_not_found(platform=platform, livemode=livemode, account_id=account_id)


def _raise_not_found(*, platform: Platform, livemode: bool, account_id: str):
    """A removed account says so, and so does one in the other mode (to its own platform only);
    anything else is a plain 404."""
    removed = (
        Connection.objects.filter(platform=platform, livemode=livemode, account__public_id=account_id,
                                  lifecycle_state=Connection.Lifecycle.REMOVED)
        .select_related("account")
        .order_by("-removed_at")
        .first()
    )
    if removed is not None:
        raise AccountRemoved(removed)
    if connections_in_scope(platform=platform, livemode=not livemode).filter(account__public_id=account_id).exists():
        raise AccountInOtherMode(account_id, livemode=not livemode)
    raise Http404("No such account")


def connection_for_details(*, platform: Platform, livemode: bool, account_id: str) -> Connection:
    """As get_connection, with persons and capabilities prefetched for the details page."""
    if not matches_prefix(account_id, "acct_"):
        raise Http404("No such account")
    qs = (
        connections_in_scope(platform=platform, livemode=livemode)
        .select_related("account")
        .prefetch_related(
            Prefetch("capabilities", queryset=Capability.objects.order_by("name")),
            Prefetch(
                "account__persons",
                queryset=Person.objects.filter(is_account_individual=False),
                to_attr="owners",
            ),
        )
    )
    try:
        return qs.get(account__public_id=account_id)
    except Connection.DoesNotExist:
        _raise_not_found(platform=platform, livemode=livemode, account_id=account_id)


def display_names(public_ids: set[str]) -> dict[str, str]:
    """Account public id -> the name the console shows, for a page of events (one query)."""
    rows = Account.objects.filter(public_id__in=public_ids).only("public_id", "name", "legal_name", "email")
    return {account.public_id: account.display_name for account in rows}


def account_activity(*, platform: Platform, account_public_id: str, limit: int = 50) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(platform=platform, account_public_id=account_public_id).select_related(
            "actor__user"
        )[:limit]
    )


def latest_link(connection: Connection, *, kind: str) -> AccountLink | None:
    return AccountLink.objects.filter(connection=connection, kind=kind).order_by("-created_at", "-id").first()
