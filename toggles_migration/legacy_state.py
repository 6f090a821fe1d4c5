"""Read the stored state of a retired flag, and the courses it applied to, through a given apps registry."""

from dataclasses import dataclass

from django.db.models import CharField, Q
from django.db.models.functions import Cast

from . import tables

_CHUNK = 2000


@dataclass(frozen=True)
class StoredRows:
    """Every stored row of one toggle, per table name, as JSON-ready dicts sorted by id."""

    toggle: str
    rows: dict

    def of(self, spec):
        """Return the rows of one table."""
        return self.rows.get(spec.table, ())

    @property
    def count(self):
        """How many rows in all."""
        return sum(len(rows) for rows in self.rows.values())


@dataclass(frozen=True)
class Course:
    """A course whose exams showed the field only when the flag said so."""

    course_id: str
    provider: str
    escalation_email: str


def installed_tables(apps):
    """Return the flag tables present in this registry (edx-platform's override tables may be absent)."""
    return tuple(spec for spec in tables.FLAG_TABLES if tables.get_model(apps, spec) is not None)


def read_rows(apps, toggle, using):
    """Read every stored row of ``toggle``: one query per table, whatever the row count."""
    rows = {}
    flag_model = tables.get_model(apps, tables.FLAG)
    flag_ids = list(flag_model.objects.using(using).filter(name=toggle).values_list("id", flat=True))
    for spec in installed_tables(apps):
        model = tables.get_model(apps, spec)
        manager = model._base_manager.db_manager(using)
        if spec.m2m_field:
            if not flag_ids:
                rows[spec.table] = ()
                continue
            queryset = manager.filter(flag_id__in=flag_ids)
        else:
            queryset = manager.filter(**{spec.toggle_column: toggle})
        values = tables.raw_values(queryset.order_by("id"), spec).iterator(chunk_size=_CHUNK)
        rows[spec.table] = tuple(tables.encode_row(spec, row) for row in values)
    return StoredRows(toggle=toggle, rows=rows)


def read_courses(apps, backends, default_provider, using):
    """
    Return the proctored courses on ``backends`` (a NULL provider means ``default_provider``), or None.

    None means unknown: edx-platform's course_overviews app is not installed here.
    """
    try:
        model = apps.get_model(tables.COURSE_OVERVIEWS_LABEL, "CourseOverview")
    except LookupError:
        return None
    on_backends = Q(proctoring_provider__in=list(backends))
    if default_provider in backends:
        on_backends |= Q(proctoring_provider__isnull=True)
    queryset = (
        model._base_manager.db_manager(using)
        .filter(on_backends, enable_proctored_exams=True)
        .annotate(raw_id=Cast("id", CharField(max_length=255)))
        .order_by("raw_id")
        .values_list("raw_id", "proctoring_provider", "proctoring_escalation_email")
    )
    return tuple(
        Course(course_id=raw_id, provider=provider or default_provider, escalation_email=email or "")
        for raw_id, provider, email in queryset.iterator(chunk_size=_CHUNK)
    )
