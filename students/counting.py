"""Exact row counts kept by the database, for lists that show "N in all" without a filter.

PostgreSQL counts a table's rows by reading them all: 17-22 ms for 200,000 students at the
benchmark's size, the whole cost of the API's student list (issue 13). For the tables named in
COUNTED, statement triggers keep the count in `row_counts` instead, whoever writes the rows (a
form, the admin, an import, a merge, a restore, raw SQL): each INSERT, DELETE or COPY appends its
number of rows as a row of its own (an append takes no lock another writer could wait for); past
FOLD_AT rows, the writer folds the rows no other transaction holds into one (SKIP LOCKED: no writer
waits for another); TRUNCATE leaves one row of 0. `exact_count` sums them, one query; with no row
at all (the triggers not installed) it counts the table. SQLite counts a table from
its smallest index quickly enough, and is asked directly; so is any table not counted.
"""

from django.db import connections, transaction
from django.db.models import Model, QuerySet

# Tables whose rows are counted by triggers (PostgreSQL), installed by their app's migration.
COUNTED = {"students_student"}
# Rows of one table's counts after which the writer folds them into one.
FOLD_AT = 100

TABLE = "CREATE TABLE IF NOT EXISTS row_counts (table_name text NOT NULL, n bigint NOT NULL)"
INDEX = "CREATE INDEX IF NOT EXISTS row_counts_table ON row_counts (table_name)"
# The function finds row_counts by the search path it was created under, not the writer's.
FUNCTION = f"""
CREATE OR REPLACE FUNCTION row_counts_changed() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM row_counts WHERE table_name = TG_TABLE_NAME;
        INSERT INTO row_counts VALUES (TG_TABLE_NAME, 0);
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO changed FROM new_rows;
    ELSE
        SELECT -count(*) INTO changed FROM old_rows;
    END IF;
    IF changed <> 0 THEN
        INSERT INTO row_counts VALUES (TG_TABLE_NAME, changed);
    END IF;
    IF (SELECT count(*) FROM row_counts WHERE table_name = TG_TABLE_NAME) > {FOLD_AT} THEN
        WITH folded AS (
            DELETE FROM row_counts WHERE ctid IN (
                SELECT ctid FROM row_counts WHERE table_name = TG_TABLE_NAME FOR UPDATE SKIP LOCKED
            ) RETURNING n
        )
        INSERT INTO row_counts SELECT TG_TABLE_NAME, sum(n) FROM folded HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$
"""


def seed(execute, table: str, quoted: str) -> None:
    """Replace `table`'s kept rows by one holding a COUNT(*) of it (`execute`: a cursor's or a
    schema editor's); the caller holds its writers off."""
    execute("DELETE FROM row_counts WHERE table_name = %s", [table])
    execute(f"INSERT INTO row_counts SELECT %s, count(*) FROM {quoted}", [table])


def kept_sum(cursor, table: str) -> int | None:
    """The sum of `table`'s kept rows; None when none is kept."""
    cursor.execute("SELECT sum(n)::bigint FROM row_counts WHERE table_name = %s", [table])
    return cursor.fetchone()[0]


def install(schema_editor, table: str) -> None:
    """Count `table`'s rows from now on, starting from its rows now (a migration's forward step)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quoted = schema_editor.quote_name(table)
    for statement in (TABLE, INDEX, FUNCTION):
        schema_editor.execute(statement)
    for operation, transition in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows")):
        schema_editor.execute(
            f"CREATE TRIGGER {table}_counted_{operation.lower()} AFTER {operation} ON {quoted} "
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION row_counts_changed()"
        )
    schema_editor.execute(
        f"CREATE TRIGGER {table}_counted_truncate AFTER TRUNCATE ON {quoted} "
        "FOR EACH STATEMENT EXECUTE FUNCTION row_counts_changed()"
    )
    # The triggers' lock on the table holds other writers off until the migration commits.
    seed(schema_editor.execute, table, quoted)


def uninstall(schema_editor, table: str) -> None:
    """Stop counting `table` (a migration's backward step): with no row left, it is counted."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quoted = schema_editor.quote_name(table)
    for operation in ("insert", "delete", "truncate"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_counted_{operation} ON {quoted}")
    schema_editor.execute("DELETE FROM row_counts WHERE table_name = %s", [table])


def exact_count(model: type[Model], using: str = "default") -> int:
    """How many rows `model`'s table holds: the kept count where triggers keep one, else COUNT(*)."""
    table = model._meta.db_table
    connection = connections[using]
    if connection.vendor != "postgresql" or table not in COUNTED:
        return model._base_manager.using(using).count()
    with connection.cursor() as cursor:
        total = kept_sum(cursor, table)
    if total is None:  # not installed (or uninstalled): count the rows
        return model._base_manager.using(using).count()
    return total


def count_of(queryset: QuerySet) -> int:
    """`queryset.count()`, from the kept count when the queryset is every row of a counted table:
    no filter, join, grouping, DISTINCT, extra table, set-returning annotation or slice (ordering,
    subquery annotations and select_related do not change how many rows there are)."""
    query = queryset.query
    if (
        query.where
        or len(query.alias_map) > 1
        or query.extra_tables
        or query.distinct
        or query.group_by is not None
        or query.combinator
        or query.is_sliced
        or any(getattr(annotation, "set_returning", False) for annotation in query.annotations.values())
        or queryset.model._meta.db_table not in COUNTED
    ):
        return queryset.count()
    return exact_count(queryset.model, using=queryset.db)


def kept_tables(using: str = "default") -> list[str]:
    """The COUNTED tables whose counts are kept on this database (none on SQLite)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT table_name FROM row_counts WHERE table_name = ANY(%s)", [sorted(COUNTED)]
        )
        return sorted(name for (name,) in cursor.fetchall())


def verify(using: str = "default") -> list[str]:
    """Every kept count that differs from a COUNT(*) of its table (empty when all are equal): a
    restore that bypassed the triggers, or one that brought the kept rows and fired them too."""
    connection = connections[using]
    problems = []
    for table in kept_tables(using):
        with connection.cursor() as cursor:
            kept = kept_sum(cursor, table)
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            (counted,) = cursor.fetchone()
        if kept != counted:
            problems.append(f"rows of {table}: kept {kept}, counted {counted}")
    return problems


def recount(using: str = "default") -> None:
    """Set every kept count to a COUNT(*) of its table, with the table's writers held off meanwhile."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in kept_tables(using):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"LOCK TABLE {quoted} IN SHARE MODE")
            seed(cursor.execute, table, quoted)
