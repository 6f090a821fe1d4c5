"""The stored tables a retirement touches: their declarations, the JSON codec of their rows, their keys' collations."""

import datetime
import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps.registry import Apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Field, ForeignKey, ManyToManyField, Model, QuerySet, TextField
from django.db.models.functions import Cast

INT, BOOL, TEXT, DATETIME, DECIMAL, RAW_KEY = "int", "bool", "text", "datetime", "decimal", "key"
# The kind of a column, by its field's internal type; integers and text are told apart by the type's name.
_KINDS = {"BooleanField": BOOL, "DateTimeField": DATETIME, "DecimalField": DECIMAL}

# A column value as the database returns it (SQLite's dates and course keys as their stored text).
DbValue = int | str | bool | Decimal | datetime.datetime | None
# A column value in a JSON-ready row: dates and decimals as text.
JsonValue = int | str | bool | None
# One stored row, JSON-ready: column name -> value.
Row = dict[str, JsonValue]


@dataclass(frozen=True)
class TableSpec:
    """One stored table: where it lives in the apps registry; its columns are its model's (``columns``)."""

    app_label: str
    model_name: str
    table: str
    # The column naming the toggle, used to select the rows of one toggle.
    toggle_column: str = ""
    # For an auto-created many-to-many table: the field of the Flag model that owns it.
    m2m_field: str = ""
    # Columns pointing at rows that may have been deleted since (users, groups).
    # (column, app label, model name) of each.
    references: tuple[tuple[str, str, str], ...] = ()


FLAG = TableSpec("waffle", "Flag", "waffle_flag", toggle_column="name")
FLAG_USERS = TableSpec(
    "waffle", "Flag", "waffle_flag_users", m2m_field="users", references=(("user_id", "auth", "User"),)
)
FLAG_GROUPS = TableSpec(
    "waffle", "Flag", "waffle_flag_groups", m2m_field="groups", references=(("group_id", "auth", "Group"),)
)
COURSE_OVERRIDES = TableSpec(
    "waffle_utils",
    "WaffleFlagCourseOverrideModel",
    "waffle_utils_waffleflagcourseoverridemodel",
    toggle_column="waffle_flag",
    references=(("changed_by_id", "auth", "User"),),
)
ORG_OVERRIDES = TableSpec(
    "waffle_utils",
    "WaffleFlagOrgOverrideModel",
    "waffle_utils_waffleflagorgoverridemodel",
    toggle_column="waffle_flag",
    references=(("changed_by_id", "auth", "User"),),
)
# Restore order: parents before the rows that point at them.
FLAG_TABLES = (FLAG, FLAG_USERS, FLAG_GROUPS, COURSE_OVERRIDES, ORG_OVERRIDES)
COURSE_OVERVIEWS_LABEL = "course_overviews"


@functools.lru_cache(maxsize=64)  # a migration renders new historical models: bounded
def columns(model: type[Model]) -> tuple[tuple[str, str, "Field[Any, Any]"], ...]:
    """Return (column name, kind, field) of each column of ``model``'s table (historical or live), in its order."""
    return tuple((field.column, _kind(field), field) for field in model._meta.concrete_fields)


def _kind(field: "Field[Any, Any]") -> str:
    target = field.target_field if isinstance(field, ForeignKey) else field
    internal = target.get_internal_type()
    if internal in _KINDS:
        return _KINDS[internal]
    if internal.endswith(("AutoField", "IntegerField")):
        return INT
    # A text field that converts what it loads (CourseKeyField parses, and raises on a malformed key): read raw.
    return RAW_KEY if hasattr(target, "from_db_value") else TEXT


def get_model(apps: Apps, spec: TableSpec) -> type[Model] | None:
    """Return the model (or auto-created through model) for ``spec`` from an apps registry, or None."""
    try:
        model: type[Model] = apps.get_model(spec.app_label, spec.model_name)
    except LookupError:
        return None
    if spec.m2m_field:
        field = model._meta.get_field(spec.m2m_field)
        if not isinstance(field, ManyToManyField):
            raise TypeError(f"{spec.model_name}.{spec.m2m_field} is not a many-to-many field; fix its TableSpec")
        return field.remote_field.through
    return model


def flag_model(apps: Apps) -> type[Model]:
    """Return django-waffle's Flag model from an apps registry (waffle is required: check E006)."""
    model: type[Model] = apps.get_model(FLAG.app_label, FLAG.model_name)
    return model


def raw_values(queryset: QuerySet[Model]) -> QuerySet[Model, tuple[DbValue, ...]]:
    """
    Select the columns of the queryset's model as tuples, course keys as the raw stored strings, SQLite dates as text.

    CourseKeyField parses on load and raises on a malformed stored value; casting reads the string instead.
    SQLite stores dates as text that other tools write in their own spelling (``2024-03-01 12:00:00+00:00``);
    reading that text keeps the spelling, so restore writes back the same bytes.
    """
    text_dates = connections[queryset.db].vendor == "sqlite"
    names: list[str] = []
    annotations: dict[str, Cast] = {}
    for name, kind, _ in columns(queryset.model):
        if kind == RAW_KEY:
            annotations[f"raw_{name}"] = Cast(name, CharField(max_length=255))
            names.append(f"raw_{name}")
        elif kind == DATETIME and text_dates:
            annotations[f"raw_{name}"] = Cast(name, TextField())
            names.append(f"raw_{name}")
        else:
            names.append(name)
    return queryset.annotate(**annotations).values_list(*names) if annotations else queryset.values_list(*names)


def encode_row(model: type[Model], values: Sequence[DbValue]) -> Row:
    """Turn a row tuple of ``model`` read by ``raw_values`` into a JSON-ready dict."""
    return {name: _encode(kind, value) for (name, kind, _), value in zip(columns(model), values, strict=True)}


def table_row(model: type[Model], captured: Row) -> Row:
    """
    Return a captured row as ``model``'s table would hold it restored: its columns only, in the table's order.

    A column added since the capture gets the field's default, as the migration that added it gave every row;
    a captured column the table no longer has is left out (the capture keeps it: ``export`` shows it).
    """
    return {
        name: captured[name] if name in captured else _encode(kind, field.get_default())
        for name, kind, field in columns(model)
    }


def db_values(connection: BaseDatabaseWrapper, model: type[Model], row: Row) -> tuple[DbValue, ...]:
    """Turn a row of ``table_row`` back into the parameters of an INSERT on ``connection``, in column order."""
    return tuple(_db_value(connection, kind, row[name]) for name, kind, _ in columns(model))


def _db_value(connection: BaseDatabaseWrapper, kind: str, stored: JsonValue) -> DbValue:
    if kind == DATETIME and connection.vendor == "sqlite" and stored is not None:
        return stored  # the stored text, verbatim
    value = _decode(kind, stored)
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, Decimal):
        return connection.ops.adapt_decimalfield_value(value, 3, 1)
    return value


def _decode(kind: str, value: JsonValue) -> DbValue:
    if value is None:
        return None
    if kind == DATETIME:
        return datetime.datetime.fromisoformat(str(value))
    if kind == DECIMAL:
        return Decimal(value)
    if kind == BOOL:
        return bool(value)
    return value


def _encode(kind: str, value: DbValue) -> JsonValue:
    if value is None:
        return None
    if kind == DATETIME:
        return value.isoformat() if isinstance(value, datetime.datetime) else str(value)
    if kind == DECIMAL:
        return str(value)
    if kind == BOOL:
        return bool(value)
    if kind == INT and not isinstance(value, datetime.datetime):
        return int(value)
    return str(value)


# A character set or collation name from MySQL's catalogue: it goes into SQL as a bare word.
_IDENTIFIER = re.compile(r"\w+")


def key_collations(connection: BaseDatabaseWrapper, table_names: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """
    Return {(table, column): collation} of the key columns (course_id, org) and the ids of ``table_names`` (one query).

    MySQL and PostgreSQL are told the key column's collation, read from their catalogue: (character set, collation)
    on MySQL, (schema, name) on PostgreSQL. SQLite compares with the collating sequence of the left operand, the key
    column, and is told none; its columns' sequences ("", name) are read from their indexes (the column's own
    unless an index says otherwise) only to know which columns sort alike.
    """
    vendor = connection.vendor
    if not table_names or vendor not in ("mysql", "postgresql", "sqlite"):
        return {}
    if vendor == "sqlite":
        sql = (
            "SELECT t.value, x.name, x.coll FROM json_each(%s) t, pragma_index_list(t.value) i, "
            "pragma_index_xinfo(i.name) x WHERE x.seqno = 0 AND x.name IN ('course_id', 'org', 'id')"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [json.dumps(table_names)])
            return {(table, column): ("", coll) for table, column, coll in cursor.fetchall()}
    names: tuple[str, ...] | list[str]
    if vendor == "mysql":
        sql = (
            "SELECT table_name, column_name, character_set_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name IN %s AND column_name IN ('course_id', 'org', 'id')"
        )
        names = tuple(table_names)
    else:
        sql = (
            "SELECT c.relname, a.attname, n.nspname, k.collname FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation k ON k.oid = a.attcollation "
            "JOIN pg_namespace n ON n.oid = k.collnamespace "
            "WHERE a.attrelid IN (SELECT to_regclass(name) FROM unnest(%s::text[]) AS name) "
            "AND a.attname IN ('course_id', 'org', 'id')"
        )
        names = [connection.ops.quote_name(table) for table in table_names]
    with connection.cursor() as cursor:
        cursor.execute(sql, [names])
        found = cursor.fetchall()
    return {
        (table, column): (first, second)
        for table, column, first, second in found
        # Names from the catalogue go into SQL: MySQL's are bare words, PostgreSQL's are quoted.
        if vendor == "postgresql" or (_IDENTIFIER.fullmatch(first or "") and _IDENTIFIER.fullmatch(second or ""))
    }
