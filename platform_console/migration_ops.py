"""Migration operations shared by apps. Kept stable: applied migrations import them."""

from collections.abc import Callable

from django.db import migrations


def drop_indexes(indexes: list[tuple[str, str, str]], uniques: list[tuple[str, str, str]] = ()):
    """Drop `indexes` ((table, index, column definition)) with DROP INDEX CONCURRENTLY and the
    unique constraints `uniques` ((table, constraint, column)) on PostgreSQL, without rewriting
    anything else: the migration pairs this with the AlterFields as state only
    (SeparateDatabaseAndState), because altering a foreign key's db_index drops and re-adds the
    constraint, which re-checks every row under an exclusive lock. Needs `atomic = False` on the
    migration. Other databases (the SQLite demo) keep the indexes: harmless there.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for table, name, _column in uniques:
            schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(name)}")
        for _table, name, _definition in indexes:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for table, name, definition in indexes:
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote(name)} ON {quote(table)} ({definition})"
            )
        for table, name, column in uniques:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} UNIQUE ({quote(column)})"
            )

    return migrations.RunPython(forwards, backwards, elidable=False)


def grant_permission(permission: str, *, to: Callable[[object], bool]):
    """Add `permission` to every role for which `to(role)` holds (a historical Role), and take it
    from every role going backwards. Roles are data (permissions.py): a new code reaches existing
    installations only through a migration like this."""

    def forwards(apps, schema_editor):
        Role = apps.get_model("platform_console", "Role")
        for role in Role.objects.all():
            if to(role) and permission not in role.permissions:
                role.permissions = sorted([*role.permissions, permission])
                role.save(update_fields=["permissions"])

    def backwards(apps, schema_editor):
        Role = apps.get_model("platform_console", "Role")
        for role in Role.objects.all():
            if permission in role.permissions:
                role.permissions = [p for p in role.permissions if p != permission]
                role.save(update_fields=["permissions"])

    return migrations.RunPython(forwards, backwards)


def postgresql_only(forward: list[str], backward: list[str]):
    """Run the SQL statements `forward` (and `backward` to reverse) on PostgreSQL only, one by one:
    indexes and settings that the SQLite demo does without (the same queries run there, slower)."""

    def run(statements):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            for statement in statements:
                schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)
