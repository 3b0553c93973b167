"""Exact row counts kept by the database, for lists that show "N in all" without a filter.

PostgreSQL counts a table's rows by reading them all: 17-22 ms for 200,000 students at the
benchmark's size, the whole cost of the API's student list (issue 13). For the tables named in
COUNTED, statement triggers keep the count in `row_counts` instead, whoever writes the rows (a
form, the admin, an import, a merge, a restore, raw SQL): each INSERT, DELETE or COPY adds its
number of rows to one of SLOTS rows of the table (chosen by the connection, so that two writers
seldom wait for each other), TRUNCATE clears them. `exact_count` sums the slots. SQLite counts a
table from its smallest index quickly enough, and is asked directly; so is any table not counted.
"""

from django.db import connection
from django.db.models import Model, QuerySet

# Tables whose rows are counted by triggers (PostgreSQL), installed by their app's migration.
COUNTED = {"students_student"}
SLOTS = 8

TABLE = """
CREATE TABLE IF NOT EXISTS row_counts (
    table_name text NOT NULL, slot integer NOT NULL, n bigint NOT NULL, PRIMARY KEY (table_name, slot)
)
"""
FUNCTION = f"""
CREATE OR REPLACE FUNCTION row_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM row_counts WHERE table_name = TG_TABLE_NAME;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO changed FROM new_rows;
    ELSE
        SELECT -count(*) INTO changed FROM old_rows;
    END IF;
    IF changed <> 0 THEN
        INSERT INTO row_counts VALUES (TG_TABLE_NAME, mod(pg_backend_pid(), {SLOTS}), changed)
        ON CONFLICT (table_name, slot) DO UPDATE SET n = row_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$
"""


def install(schema_editor, table: str) -> None:
    """Count `table`'s rows from now on, starting from its rows now (a migration's forward step)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quoted = schema_editor.quote_name(table)
    schema_editor.execute(TABLE)
    schema_editor.execute(FUNCTION)
    for operation, transition in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows")):
        schema_editor.execute(
            f"CREATE TRIGGER {table}_counted_{operation.lower()} AFTER {operation} ON {quoted} "
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION row_counts_changed()"
        )
    schema_editor.execute(
        f"CREATE TRIGGER {table}_counted_truncate AFTER TRUNCATE ON {quoted} "
        "FOR EACH STATEMENT EXECUTE FUNCTION row_counts_changed()"
    )
    schema_editor.execute("DELETE FROM row_counts WHERE table_name = %s", [table])
    # The triggers' lock on the table holds other writers off until the migration commits.
    schema_editor.execute(f"INSERT INTO row_counts SELECT %s, 0, count(*) FROM {quoted}", [table])


def uninstall(schema_editor, table: str) -> None:
    """Stop counting `table` (a migration's backward step)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quoted = schema_editor.quote_name(table)
    for operation in ("insert", "delete", "truncate"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_counted_{operation} ON {quoted}")
    schema_editor.execute("DELETE FROM row_counts WHERE table_name = %s", [table])


def exact_count(model: type[Model]) -> int:
    """How many rows `model`'s table holds: the stored count where triggers keep one, else COUNT(*)."""
    table = model._meta.db_table
    if connection.vendor != "postgresql" or table not in COUNTED:
        return model._base_manager.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(n), 0)::bigint FROM row_counts WHERE table_name = %s", [table])
        return cursor.fetchone()[0]


def count_of(queryset: QuerySet) -> int:
    """`queryset.count()`, from the kept count when the queryset is every row of a counted table
    (no filter, no grouping, no DISTINCT, no slice: ordering, annotations and select_related
    joins do not change how many rows there are)."""
    query = queryset.query
    if (
        query.where
        or query.distinct
        or query.group_by is not None
        or query.combinator
        or query.is_sliced
        or queryset.model._meta.db_table not in COUNTED
    ):
        return queryset.count()
    return exact_count(queryset.model)
