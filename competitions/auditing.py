"""Audited rows created in bulk: the rows, then their history rows ("+", the user who made them)
copied by the database from the rows just written, one INSERT ... SELECT per batch.

django-simple-history's own bulk_create_with_history builds a historical model instance per row
and inserts those through the ORM, which doubled the Python cost of an import. The history rows
written here hold what it writes (every tracked column, the date, the user, the change reason, the
type), read from the database rather than rebuilt in Python. Every bulk creation of an audited model
(the importer, the entries form, recording an entry, a competition's events) goes through here.
"""

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import Field
from django.utils import timezone

# Rows named in one INSERT ... SELECT (their ids are parameters; SQLite allows 32,766 of them).
HISTORY_BATCH = 5000


def bulk_create_audited(objects, model, *, user=None, batch_size: int = 1000) -> list:
    """Create `objects` (unsaved instances of `model`, a model with HistoricalRecords) in bulk with a
    history row each; the saved objects, with their ids.

    Each history row is attributed to the object's `_history_user` when set, else to `user`, else to
    the request's user (as django-simple-history does), and carries the object's `_change_reason`.
    """
    objects = list(objects)
    with transaction.atomic(savepoint=False):
        created = insert_objects(objects, model, batch_size=batch_size)
        write_history(created, model, user=user)
    return created


def insert_objects(objects, model, *, batch_size: int = 1000) -> list:
    """`model._default_manager.bulk_create(objects, batch_size=batch_size)` for new rows of a plain
    model, with each column's values prepared in one tight loop rather than value by value through
    the insert compiler; the objects, saved, with their ids.

    The insert compiler resolves, pre-saves, prepares and places every value of every row on its own
    (five calls a value): a third of a 20,000-row import's time went there. Here a field's
    `pre_save` runs only where the field has its own (auto_now), and `get_db_prep_save` once per
    distinct value of a column (ids, awards, timestamps and blank cells repeat). On PostgreSQL the
    rows are streamed by COPY with ids reserved from the table's sequence beforehand: half the time
    of an INSERT of one array a column (UNNEST, as bulk_create sends them there), whose arrays
    psycopg builds in Python; elsewhere, rows of placeholders with RETURNING. Anything this path
    does not handle the same way (an object with an id, an expression as a value, a parent model, a
    database default, a generated column, a database that cannot return the ids) goes through
    bulk_create itself.
    """
    objects = list(objects)
    opts = model._meta
    pk = opts.pk
    fields = [field for field in opts.concrete_fields if field is not pk]
    if (
        not objects
        or opts.parents
        or not pk.db_returning
        or not connection.features.can_return_rows_from_bulk_insert
        or any(field.generated or field.has_db_default() for field in fields)
        or any(obj.pk is not None for obj in objects)
    ):
        return model._default_manager.bulk_create(objects, batch_size=batch_size)

    for obj in objects:
        if obj._state.fields_cache:  # a related object assigned: its id now, or refuse if unsaved
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
    # (attname, pre_save or None, prepare, values already prepared) for each column.
    columns = [
        (
            field.attname,
            field.pre_save if type(field).pre_save is not Field.pre_save else None,
            field.get_db_prep_save,
            {},
        )
        for field in fields
    ]
    database = connections[connection.alias]  # the connection itself: the proxy costs a call a use
    rows = []
    for obj in objects:
        row = []
        for attname, pre_save, prepare, prepared in columns:
            value = pre_save(obj, True) if pre_save is not None else getattr(obj, attname)
            try:
                key = (type(value), value)
                row.append(prepared[key])  # only values already prepared are keys: no expression
            except (KeyError, TypeError) as missing:  # new, or unhashable (a JSON value)
                if hasattr(value, "resolve_expression"):  # an expression: the compiler's business
                    return model._default_manager.bulk_create(objects, batch_size=batch_size)
                value = prepare(value, connection=database)
                if isinstance(missing, KeyError):
                    prepared[key] = value
                row.append(value)
        rows.append(row)

    quote = connection.ops.quote_name
    table, names = quote(opts.db_table), ", ".join(quote(field.column) for field in fields)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        ids = copyable(fields) and reserve_ids(cursor, opts.db_table, pk.column, len(rows))
        if ids:  # PostgreSQL: the rows streamed by COPY, with ids taken from the table's sequence
            with (
                database.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({quote(pk.column)}, {names}) FROM STDIN") as copy,
            ):
                for pk_value, row in zip(ids, rows, strict=True):
                    copy.write_row((pk_value, *row))
        else:  # a row of placeholders a row, the ids returned
            ids = []
            size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, objects)))
            marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
            for start in range(0, len(rows), size):
                batch = rows[start : start + size]
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(batch))} "
                    f"RETURNING {quote(pk.column)}",
                    [value for row in batch for value in row],
                )
                ids.extend(pk_value for (pk_value,) in cursor.fetchall())
        if len(ids) != len(objects):
            raise RuntimeError(f"{model.__name__}: {len(objects)} rows inserted, {len(ids)} ids returned")
        for obj, pk_value in zip(objects, ids, strict=True):
            obj.pk = pk_value
            obj._state.adding = False
            obj._state.db = connection.alias
    return objects


def copyable(fields) -> bool:
    """Whether these columns can be streamed by PostgreSQL's COPY as psycopg adapts their prepared
    values: under the conditions of Django's own bulk insert there as one typed array a column
    (postgresql.compiler.SQLInsertCompiler), no column with its own placeholder SQL and every column
    of a type the backend knows. False elsewhere."""
    if connection.vendor != "postgresql" or not fields or not is_psycopg3:  # cursor.copy() is psycopg 3's
        return False
    if any(hasattr(field, "get_placeholder_sql") for field in fields):
        return False
    return all(
        (field.target_field if field.is_relation else field).get_internal_type() in connection.data_types
        for field in fields
    )


def reserve_ids(cursor, table: str, column: str, count: int) -> list[int] | None:
    """`count` new ids from the sequence of `table`'s `column` (an auto or identity column), in
    ascending order, as the rows would get them one by one; None without such a sequence."""
    cursor.execute(
        "SELECT nextval(s.sequence) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence) s, "
        "generate_series(1, %s)",
        [connection.ops.quote_name(table), column, count],
    )
    ids = [pk_value for (pk_value,) in cursor.fetchall()]
    return sorted(ids) if ids and ids[0] is not None else None


def write_history(objects, model, *, user=None) -> None:
    """The "+" history rows of `objects`, saved rows of `model`, copied from the database."""
    if not objects or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model
    now = timezone.now()
    fallback = []  # the request's user, looked up once and only when an object names no user

    def user_of(instance):
        if hasattr(instance, "_history_user"):
            return instance._history_user
        if user is not None:
            return user
        if not fallback:
            fallback.append(history.get_default_history_user(instance))
        return fallback[0]

    groups: dict[tuple, list] = {}
    for instance in objects:
        if instance.pk is None:  # a database that does not return the ids of a bulk insert
            raise ValueError(f"{model.__name__} rows must be saved, with their ids, before their history")
        person = user_of(instance)
        key = (
            getattr(person, "pk", None),
            getattr(instance, "_change_reason", None) or None,
            getattr(instance, "_history_date", now),
        )
        groups.setdefault(key, []).append(instance.pk)

    quote = connection.ops.quote_name
    field = history._meta.get_field
    columns = [
        (quote(field(tracked.name).column), quote(tracked.column)) for tracked in history.tracked_fields
    ]
    extra = [
        field(name) for name in ("history_date", "history_user", "history_change_reason", "history_type")
    ]
    targets = ", ".join([*(target for target, _ in columns), *(quote(f.column) for f in extra)])
    sources = ", ".join(source for _, source in columns)
    pk = quote(model._meta.pk.column)
    insert = (
        f"INSERT INTO {quote(history._meta.db_table)} ({targets}) "
        f"SELECT {sources}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} WHERE {pk} "
    )
    with connection.cursor() as cursor:
        for (user_id, reason, date), pks in groups.items():
            for start in range(0, len(pks), HISTORY_BATCH):
                chunk = pks[start : start + HISTORY_BATCH]
                params = [extra[0].get_db_prep_save(date, connection), user_id, reason, "+"]
                if connection.vendor == "postgresql":  # one array parameter, not thousands to parse
                    cursor.execute(f"{insert} = ANY(%s) ORDER BY {pk}", [*params, chunk])
                else:
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"{insert} IN ({marks}) ORDER BY {pk}", [*params, *chunk])
