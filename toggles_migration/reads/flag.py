"""Drop-ins for removed course waffle flags, one per declared retirement: a reader changes one import."""

import functools
from dataclasses import dataclass
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import connections, router
from edx_toggles.toggles import WaffleFlag
from opaque_keys.edx.keys import CourseKey

from ..retirements import Retirement, declared_names
from .tracer import handle_read

_UNSET: None = None


class RetiredCourseWaffleFlag(WaffleFlag):
    """
    The read API of edx-platform's ``CourseWaffleFlag`` for a retired flag: ``is_enabled(course_key=None)``.

    Every read is handled as TOGGLES_MIGRATION['READS'] says (warn, redirect, error or silent). The legacy
    answer follows ``CourseWaffleFlag``: course override, then org override, then the global flag.
    """

    def is_enabled(self, course_key: CourseKey | None = None) -> bool:
        """Return the answer the reads mode gives for this course (or for no course)."""
        return handle_read(self.name, lambda: self._legacy_value(course_key))

    def _legacy_value(self, course_key: CourseKey | None) -> bool:
        if isinstance(course_key, CourseKey):
            # Cached per request under upstream's keys, as its request-cached override_value is.
            cached = self.cached_flags()
            for cache_key, model_name, key in (
                (f"{self.name}.cwaffle.{course_key}", "WaffleFlagCourseOverrideModel", ("course_id", course_key)),
                (f"{self.name}.owaffle.{course_key.org}", "WaffleFlagOrgOverrideModel", ("org", course_key.org)),
            ):
                if cache_key not in cached:
                    cached[cache_key] = _override(model_name, self.name, *key)
                if cached[cache_key] is not _UNSET:
                    return cached[cache_key]
        return super().is_enabled()


def _override(model_name: str, flag_name: str, key_field: str, key: object) -> bool | None:
    """
    Return True/False for an effective override, or None: upstream's ``override_value`` query, as it is.

    ``filter(...).order_by('-change_date').first()`` with no second key: the database compares the key with the
    column's collation and picks among rows sharing the newest change_date, as it did for edx-platform.
    """
    from django.apps import apps

    try:
        model: Any = apps.get_model("waffle_utils", model_name)
    except LookupError:
        return _UNSET
    statement = _statement(model, key_field, router.db_for_read(model))
    params = list(statement.params)
    params[statement.flag_at] = flag_name
    params[statement.key_at] = model._meta.get_field(key_field).get_prep_value(key)
    with connections[statement.alias].cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
    if row is None or not row[statement.enabled_at]:
        return _UNSET
    return row[statement.choice_at] == "on"


@dataclass(frozen=True)
class _Statement:
    """Upstream's override query compiled once per model and database, and where its values go."""

    alias: str
    sql: str
    params: tuple[Any, ...]
    flag_at: int
    key_at: int
    enabled_at: int
    choice_at: int


# Stand-ins for the values, to find their places among the compiled parameters.
_FLAG = "toggles_migration.sentinel-flag"
_KEYS = {"course_id": CourseKey.from_string("course-v1:toggles_migration+sentinel+key"), "org": "sentinel-org"}


@functools.cache
def _statement(model: Any, key_field: str, alias: str) -> "_Statement":
    """
    Compile ``filter(waffle_flag=..., <key>=...).order_by('-change_date')[:1]`` once per model and database.

    It is the SQL upstream's ORM sends; compiling it and building a model instance on every read would cost more
    than the query itself.
    """
    queryset = model._base_manager.using(alias).filter(waffle_flag=_FLAG, **{key_field: _KEYS[key_field]})
    compiler = queryset.order_by("-change_date")[:1].query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    columns = [column.target.attname for column, _, _ in compiler.select]
    return _Statement(
        alias=alias,
        sql=sql,
        params=tuple(params),
        flag_at=params.index(_FLAG),
        key_at=params.index(model._meta.get_field(key_field).get_prep_value(_KEYS[key_field])),
        enabled_at=columns.index("enabled"),
        choice_at=columns.index("override_choice"),
    )


@functools.cache
def drop_in_flag(retirement: Retirement) -> RetiredCourseWaffleFlag:
    """Return the drop-in flag of a declared retirement: one object per declaration, built on first use."""
    return RetiredCourseWaffleFlag(retirement.name, retirement.module_name, retirement.log_prefix)


def forget_request_answers(**_kwargs: object) -> None:
    """
    Drop the drop-in flags' per-request answers: Django calls it as each request starts and ends.

    edx-django-utils' RequestCacheMiddleware clears them too; a project without it would otherwise answer the next
    request on this thread from the last one's overrides. Other flags' cached answers are left alone.
    """
    cached = WaffleFlag.cached_flags()
    if not cached:
        return
    names = declared_names()
    # Upstream's keys: the global answer under the name, the overrides' under these prefixes.
    prefixes = tuple(f"{name}.{level}." for name in names for level in ("cwaffle", "owaffle"))
    for key in [key for key in cached if key in names or key.startswith(prefixes)]:
        del cached[key]


request_started.connect(forget_request_answers, dispatch_uid="toggles_migration.reads.flag.started")
request_finished.connect(forget_request_answers, dispatch_uid="toggles_migration.reads.flag.finished")
