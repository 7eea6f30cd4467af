"""The database protects the ledger (PostgreSQL; on SQLite the balances follow the entries too).

- Postings and entries are append-only: an UPDATE or DELETE of one is refused (a correction is a
  new posting).
- Balances change only as entries are inserted: a trigger applies each INSERT's entries to their
  ledger accounts, one UPDATE per account in primary-key order (the lock order of every money
  operation), and on PostgreSQL any other change of a stored balance is refused. The balance
  CHECK constraints (migration 0005) then refuse a posting that would overdraw a guarded
  balance: that refusal is every money operation's balance guard (money.engine).
- PostgreSQL: a deferred constraint trigger refuses any commit in which a posting's entries do
  not sum to zero per currency (once per posting; money.engine makes it immediate in its own
  transactions, so that it runs before the entries lock their balances, not at the COMMIT under
  the lock), and the entries of one INSERT must balance per posting. SQLite has no deferred
  triggers: money.ledger.check_balanced checks the same before any entry is written.

The procedure of migration 0003, a hand-written second copy of a transfer, is dropped.
"""

from django.db import migrations

POSTGRESQL = r"""
DROP PROCEDURE IF EXISTS money_post_transfer;

CREATE FUNCTION money_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused (a correction is a new posting)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER money_posting_append_only BEFORE UPDATE OR DELETE ON money_posting
    FOR EACH ROW EXECUTE FUNCTION money_refuse_change();
CREATE TRIGGER money_entry_append_only BEFORE UPDATE OR DELETE ON money_entry
    FOR EACH ROW EXECUTE FUNCTION money_refuse_change();

CREATE FUNCTION money_apply_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change record;
BEGIN
    -- A posting's entries go in together: those of one statement must balance per currency.
    SELECT posting_id, currency, sum(amount) AS total INTO change FROM new_entries
    GROUP BY posting_id, currency HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % does not sum to zero: % %', change.posting_id, change.total, upper(change.currency)
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    FOR change IN
        SELECT ledger_account_id AS id, sum(amount) AS delta FROM new_entries
        GROUP BY ledger_account_id HAVING sum(amount) <> 0 ORDER BY ledger_account_id
    LOOP
        UPDATE money_ledgeraccount SET balance = balance + change.delta WHERE id = change.id;
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER money_entries_apply AFTER INSERT ON money_entry
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION money_apply_entries();

CREATE FUNCTION money_refuse_balance_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the balance of ledger account % changes only with entries (insert a posting)', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
-- Depth 0: the UPDATE was not issued by money_apply_entries.
CREATE TRIGGER money_balance_only_with_entries BEFORE UPDATE OF balance ON money_ledgeraccount
    FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND OLD.balance IS DISTINCT FROM NEW.balance)
    EXECUTE FUNCTION money_refuse_balance_change();
CREATE TRIGGER money_balance_starts_at_zero BEFORE INSERT ON money_ledgeraccount
    FOR EACH ROW WHEN (NEW.balance <> 0) EXECUTE FUNCTION money_refuse_balance_change();

CREATE FUNCTION money_check_posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    off record;
BEGIN
    SELECT currency, sum(amount) AS total INTO off FROM money_entry WHERE posting_id = NEW.id
    GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % does not sum to zero: % %', NEW.id, off.total, upper(off.currency)
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$;
-- Once per posting, at the COMMIT: its entries, however many statements wrote them.
CREATE CONSTRAINT TRIGGER money_posting_balanced AFTER INSERT ON money_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION money_check_posting_balanced();
"""

POSTGRESQL_UNDO = """
DROP TRIGGER money_posting_balanced ON money_posting;
DROP FUNCTION money_check_posting_balanced();
DROP TRIGGER money_balance_starts_at_zero ON money_ledgeraccount;
DROP TRIGGER money_balance_only_with_entries ON money_ledgeraccount;
DROP FUNCTION money_refuse_balance_change();
DROP TRIGGER money_entries_apply ON money_entry;
DROP FUNCTION money_apply_entries();
DROP TRIGGER money_entry_append_only ON money_entry;
DROP TRIGGER money_posting_append_only ON money_posting;
DROP FUNCTION money_refuse_change();
"""

# SQLite: the balances follow the entries. Append-only is checked in Python there (the models'
# AppendOnly manager): Django's test flush of SQLite deletes rows, which a trigger would refuse.
SQLITE = [
    """CREATE TRIGGER money_entry_apply AFTER INSERT ON money_entry
       BEGIN UPDATE money_ledgeraccount SET balance = balance + NEW.amount WHERE id = NEW.ledger_account_id; END""",
]
SQLITE_UNDO = ["DROP TRIGGER money_entry_apply"]


def protect(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_UNDO, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UNDO:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("money", "0005_reversals_and_guards")]

    operations = [migrations.RunPython(protect, unprotect, elidable=False)]
