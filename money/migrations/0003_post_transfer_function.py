"""money_post_transfer(): a plain transfer's writes in one round trip, on PostgreSQL.

`money.transfer_sql` calls it for transfers that stop at the connected account's balance; every
check that needs no lock happens in Python before, every row is built there. See that module
for why. SQLite (the demo) has no such procedure and takes the general path in money.services.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE PROCEDURE money_post_transfer(
    p_platform bigint,
    p_livemode boolean,
    p_connection bigint,
    p_actor bigint,
    p_actor_label text,
    p_key text,
    p_params_hash text,
    p_transfer text,
    p_posting text,
    p_event text,
    p_amount bigint,
    p_currency text,
    p_description text,
    p_counterparty text,
    p_account text,
    p_after jsonb,
    p_view_as text,
    p_ip inet,
    p_request_id text,
    p_now timestamptz,
    p_activity_before timestamptz,
    -- Called from autocommit mode, the procedure also commits (or rolls back a refusal): the
    -- balance row is then held from the lock to the end of the COMMIT with no round trip to the
    -- client in between. Inside a transaction block it leaves that to the caller.
    p_commit boolean,
    INOUT outcome text DEFAULT NULL,
    INOUT transfer_id bigint DEFAULT NULL,
    INOUT posting_id bigint DEFAULT NULL,
    INOUT available bigint DEFAULT NULL,
    INOUT locked_at timestamptz DEFAULT NULL,
    INOUT committed_at timestamptz DEFAULT NULL
) LANGUAGE plpgsql AS $$
DECLARE
    v_source bigint;
    v_target bigint;
BEGIN
    <<work>>
    BEGIN
        -- The platform's available balance and the account's, in the transfer's currency. A ledger
        -- account is created on its first use, outside the transaction: when one is missing the
        -- caller creates it and calls again.
        SELECT id INTO v_source FROM money_ledgeraccount
        WHERE platform_id = p_platform AND livemode = p_livemode AND kind = 'platform' AND currency = p_currency
          AND bucket = 'available' AND connection_id IS NULL;
        SELECT id INTO v_target FROM money_ledgeraccount
        WHERE connection_id = p_connection AND currency = p_currency AND bucket = 'available'
          AND platform_id = p_platform AND livemode = p_livemode;
        IF v_source IS NULL OR v_target IS NULL THEN
            outcome := 'missing';
            EXIT work;
        END IF;

        -- Foreign keys are checked at each INSERT, not at the COMMIT that runs under the balance lock;
        -- all but the entries' ledger account, checked at the COMMIT, after this transaction locked
        -- the ledger rows itself (see money.ledger.check_constraints_on_write).
        SET CONSTRAINTS ALL IMMEDIATE;
        SET CONSTRAINTS {ledger_fk} DEFERRED;

        -- The idempotency key first. A concurrent request with the same key makes this wait for it;
        -- once it commits, nothing is inserted and the caller returns that request's result. (The
        -- key and the audit event are stamped with the time they are written, as the general path
        -- stamps them; the money rows with the operation's time.)
        INSERT INTO money_idempotencykey (platform_id, key, operation, params_hash, result_type, result_id, created_at)
        VALUES (p_platform, p_key, 'transfer.create', p_params_hash, 'transfer', p_transfer, now())
        ON CONFLICT (platform_id, key) DO NOTHING;
        IF NOT FOUND THEN
            outcome := 'replay';
            EXIT work;
        END IF;

        -- Activity on the connected account (kept to the minute), which also locks its row: the
        -- connection row before the ledger rows, as in every money operation. Locked before the
        -- transfer row is written, its foreign key check finds the row already ours.
        UPDATE accounts_connection SET last_activity_at = p_now
        WHERE id = p_connection AND platform_id = p_platform
          AND (last_activity_at IS NULL OR last_activity_at < p_activity_before);
        IF NOT FOUND THEN
            PERFORM 1 FROM accounts_connection WHERE id = p_connection AND platform_id = p_platform
            FOR NO KEY UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'connection % is not on platform %', p_connection, p_platform;
            END IF;
        END IF;

        -- Every row of the transfer, written before its ledger accounts are locked.
        INSERT INTO money_posting (public_id, platform_id, livemode, kind, description, counterparty,
                                   actor_id, actor_label, created_at)
        VALUES (p_posting, p_platform, p_livemode, 'transfer', left(p_description, 200),
                left(p_counterparty, 200), p_actor, p_actor_label, p_now)
        RETURNING id INTO posting_id;

        INSERT INTO money_entry (platform_id, posting_id, ledger_account_id, kind, amount, currency, source_id, created_at)
        VALUES (p_platform, posting_id, v_source, 'transfer', -p_amount, p_currency, p_transfer, p_now),
               (p_platform, posting_id, v_target, 'transfer', p_amount, p_currency, p_transfer, p_now);

        INSERT INTO money_transfer (public_id, platform_id, livemode, connection_id, amount, currency, description,
                                    posting_id, created_by_id, created_at)
        VALUES (p_transfer, p_platform, p_livemode, p_connection, p_amount, p_currency, p_description,
                posting_id, p_actor, p_now)
        RETURNING id INTO transfer_id;

        INSERT INTO platform_console_auditevent (public_id, platform_id, actor_id, actor_label, action, object_type,
                                                 object_id, account_public_id, livemode, before, after,
                                                 view_as_account, ip, request_id, created_at)
        VALUES (p_event, p_platform, p_actor, p_actor_label, 'transfer.created', 'transfer', p_transfer, p_account,
                p_livemode, '{}'::jsonb, p_after, p_view_as, p_ip, p_request_id, now());

        -- The ledger rows, each locked by its UPDATE, in primary-key order (two statements, in that
        -- order): from here to the end of the commit every other transfer of the platform waits. The
        -- platform's balance moves only if it covers the amount; otherwise this is a refusal and the
        -- caller rolls everything back. (A SELECT ... FOR NO KEY UPDATE first would add a statement
        -- and a WAL record per row to the window; locking inside one UPDATE ... FROM measured slower,
        -- its join re-run on the newest row version after every wait.)
        IF v_target < v_source THEN
            UPDATE money_ledgeraccount SET balance = balance + p_amount WHERE id = v_target;
        END IF;
        UPDATE money_ledgeraccount SET balance = balance - p_amount
        WHERE id = v_source AND balance >= p_amount
        RETURNING balance INTO available;
        IF NOT FOUND THEN
            SELECT balance INTO available FROM money_ledgeraccount WHERE id = v_source;
            outcome := 'insufficient';
            EXIT work;
        END IF;
        locked_at := clock_timestamp();
        IF v_target > v_source THEN
            UPDATE money_ledgeraccount SET balance = balance + p_amount WHERE id = v_target;
        END IF;
        outcome := 'created';
    END work;

    IF p_commit THEN
        IF outcome = 'created' THEN
            COMMIT;
            committed_at := clock_timestamp();
        ELSE
            ROLLBACK;  -- a refusal or a replay: nothing of it stays
        END IF;
    END IF;
END;
$$;
"""

DROP = "DROP PROCEDURE IF EXISTS money_post_transfer"


LEDGER_FK = (
    "SELECT conname FROM pg_constraint WHERE contype = 'f' "
    "AND conrelid = 'money_entry'::regclass AND confrelid = 'money_ledgeraccount'::regclass"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(LEDGER_FK)
            (name,) = cursor.fetchone()
        # No parameters: the body's RAISE uses % placeholders of its own.
        schema_editor.execute(CREATE.replace("{ledger_fk}", schema_editor.quote_name(name)), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("money", "0002_posting_counterparty"),
        ("accounts", "0007_list_counts_index_and_name_statistics"),
        ("platform_console", "0005_invitations_and_sign_ins"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
