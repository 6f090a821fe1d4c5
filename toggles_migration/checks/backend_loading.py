"""Whether edx-proctoring loaded the proctoring backends that the settings and the courses name, and if not, why."""

import logging
import sys
from collections.abc import Callable, Collection, Container, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from django.apps.registry import Apps
from django.db import DatabaseError
from django.db.models import Count

from ..capabilities import LTI_EXTERNAL
from ..state import tables
from ..state.readiness import NotMigrated, require_tables

ENTRY_POINT_GROUP = "openedx.proctoring"
PROCTORING_APP = "edx_proctoring"
# The package that provides a backend today, where it is not the one sites installed before: a fact about the
# vendor's packages (the fix W006 names), not a rule about the backend.
MAINTAINED_PACKAGES = {"proctortrack": "edx-proctoring-proctortrack-v2"}  # toggles-migration: ignore
# edx-proctoring loads its backends with stevedore, which logs a failed entry point with this message and drops
# the error: the only trace of why a backend is missing.
_STEVEDORE_LOGGER = "stevedore.extension"
_STEVEDORE_FAILURE = "Could not load %r: %s"
_RESTART = "then restart the LMS and CMS"


@dataclass(frozen=True)
class LoadFailure:
    """The error an entry point raised when edx-proctoring loaded the backends."""

    error_type: str
    # Shown for import errors only: another exception's message may quote a setting's value, even a secret.
    message: str


@dataclass(frozen=True)
class BackendState:
    """Whether edx-proctoring loaded one backend; when it did not, why and the fix ('' when it did)."""

    loaded: bool
    reason: str = ""
    fix: str = ""


# Entry point name -> its failure, as recorded in this process.
_failures: dict[str, LoadFailure] = {}


class _FailureRecorder(logging.Filter):
    """Keep what stevedore logs about an entry point it could not load; the record itself passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.msg == _STEVEDORE_FAILURE and isinstance(args, tuple) and len(args) == 2:
            name, error = args
            if isinstance(name, str) and isinstance(error, BaseException):
                shown = str(error) if isinstance(error, ImportError) else ""
                _failures[name] = LoadFailure(type(error).__name__, shown)
        return True


def record_load_failures() -> None:
    """Start recording the entry points that fail to load; idempotent, called before any app is ready."""
    logger = logging.getLogger(_STEVEDORE_LOGGER)
    if not any(isinstance(item, _FailureRecorder) for item in logger.filters):
        logger.addFilter(_FailureRecorder())


def recorded_failures() -> dict[str, LoadFailure]:
    """Return {entry point name: failure} recorded in this process."""
    return dict(_failures)


def loaded_backends(apps: Apps) -> Callable[[str], bool] | None:
    """
    Return whether edx-proctoring loaded a backend, asked of its own ``get_backend``; None when it is not installed.

    ``get_backend(name)`` only looks the name up in the backends edx-proctoring created in ``ready()``.
    """
    try:
        config = apps.get_app_config(PROCTORING_APP)
    except LookupError:
        return None
    get_backend = getattr(config, "get_backend", None)
    if not apps.ready or get_backend is None or not hasattr(config, "backends"):
        return None

    def loaded(name: str) -> bool:
        try:
            get_backend(name)
        except NotImplementedError:
            return False
        return True

    return loaded


def proctoring_entry_points() -> dict[str, tuple[EntryPoint, ...]]:
    """Return {name: entry points} of the ``openedx.proctoring`` group, as installed now."""
    found: dict[str, tuple[EntryPoint, ...]] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        found[entry_point.name] = (*found.get(entry_point.name, ()), entry_point)
    return found


def _provided_by(found: Sequence[EntryPoint]) -> str:
    """Name the distributions of ``found`` with their versions, e.g. ``mockprock 0.1``."""
    names = sorted({f"{point.dist.name} {point.dist.version}" for point in found if point.dist is not None})
    return " and ".join(names) or "an unnamed distribution"


def backend_state(
    name: str,
    *,
    loaded: bool,
    configured: bool,
    found: Sequence[EntryPoint],
    failure: LoadFailure | None,
    modules: Container[str],
) -> BackendState:
    """
    Describe one backend from what edx-proctoring loaded and what is installed; pure.

    ``found`` are the entry points named ``name``, ``failure`` the error recorded when edx-proctoring loaded them,
    ``modules`` the names of the modules imported in this process.
    """
    if loaded:
        return BackendState(loaded=True)
    maintained = MAINTAINED_PACKAGES.get(name)
    reasons, fixes = [], []
    if not found:
        reasons.append(f"no installed package provides an {ENTRY_POINT_GROUP} entry point named {name!r}")
        fixes.append(
            _install(maintained)
            if maintained
            else f"install the package that provides the {ENTRY_POINT_GROUP} entry point {name!r} in the LMS and "
            f"CMS, {_RESTART}; or move the courses to a backend that is loaded"
        )
    elif failure is not None or not all(point.module in modules for point in found):
        origin = f"its entry point {found[0].value!r} (from {_provided_by(found)})"
        if failure is None:
            reasons.append(
                f"{origin} did not import when edx-proctoring loaded the backends; the LMS and CMS logs of their "
                f"start (logger {_STEVEDORE_LOGGER}) have the error"
            )
        elif failure.message:
            reasons.append(f"importing {origin} raised {failure.error_type}: {failure.message}")
        else:
            reasons.append(
                f"importing {origin} raised {failure.error_type} (its message is not shown, it may quote a setting; "
                f"the LMS and CMS logs of their start have it, logger {_STEVEDORE_LOGGER})"
            )
        distribution = next((point.dist.name for point in found if point.dist is not None), "")
        if maintained and distribution != maintained:
            fixes.append(_install(maintained, replaces=distribution))
        else:
            fixes.append(
                f"install a release of {distribution or 'its package'} that imports with the installed Django and "
                f"edx-proctoring, {_RESTART}"
            )
    if not configured:
        reasons.append(f"PROCTORING_BACKENDS has no entry {name!r}, and edx-proctoring loads only configured backends")
        fixes.append(f"add PROCTORING_BACKENDS[{name!r}] with the backend's options to the LMS and CMS settings")
    if not reasons:
        reasons.append(
            f"edx-proctoring did not create it when the LMS or CMS started, although its entry point imports and "
            f"PROCTORING_BACKENDS[{name!r}] exists now: either creating it raised KeyError, which edx-proctoring "
            "ignores (an option the backend requires is missing), or the entry was added after the start"
        )
        fixes.append(
            f"give PROCTORING_BACKENDS[{name!r}] every option the backend's documentation requires, in the settings "
            f"files, {_RESTART}"
        )
    return BackendState(loaded=False, reason="; ".join(reasons), fix="; ".join(fixes))


def _install(package: str, replaces: str = "") -> str:
    # Uninstalled first: the two may ship the same module files, which uninstalling the old one afterwards deletes.
    before = f"uninstall {replaces}, then " if replaces else ""
    return (
        f"{before}install {package}, the vendor's maintained package (pip install {package}; with Tutor, add it to "
        f"OPENEDX_EXTRA_PIP_REQUIREMENTS and rebuild the openedx image), {_RESTART}"
    )


def backend_states(apps: Apps, names: Iterable[str], backends: object) -> dict[str, BackendState] | None:
    """
    Return {name: state} for ``names`` (sorted), or None when edx-proctoring is not installed here.

    ``backends`` is the running PROCTORING_BACKENDS, which says which of them are configured.
    """
    configured = configured_backends(backends)[1]
    loaded = loaded_backends(apps)
    if loaded is None:
        return None
    answers = {name: loaded(name) for name in sorted(set(names))}
    # Reading every distribution's entry points costs time at each check run: only when something is missing.
    found = proctoring_entry_points() if not all(answers.values()) else {}
    failures = recorded_failures()
    return {
        name: backend_state(
            name,
            loaded=answer,
            configured=name in configured,
            found=found.get(name, ()),
            failure=failures.get(name),
            modules=sys.modules,
        )
        for name, answer in answers.items()
    }


def configured_backends(backends: object) -> tuple[str | None, frozenset[str]]:
    """Return (the DEFAULT name or None, the configured backend names) of a PROCTORING_BACKENDS value."""
    if not isinstance(backends, dict):
        return None, frozenset()
    default = backends.get("DEFAULT")
    names = frozenset(name for name in backends if isinstance(name, str) and name != "DEFAULT")
    return (default if isinstance(default, str) and default else None), names


def count_courses(apps: Apps, using: str) -> dict[str | None, int] | None:
    """
    Return {provider: proctored courses} on database ``using`` with one aggregate query (None: the default provider).

    None when course_overviews is not installed here. Raises NotMigrated when the tables do not exist yet.
    """
    try:
        overview = apps.get_model(tables.COURSE_OVERVIEWS_LABEL, "CourseOverview")
    except LookupError:
        return None
    require_tables(apps, using, stored_state=True)
    rows = (
        overview._base_manager.db_manager(using)
        .filter(enable_proctored_exams=True)
        .values_list("proctoring_provider")
        .annotate(courses=Count("pk"))
        .order_by()
    )
    return dict(rows)


@dataclass(frozen=True)
class CourseCounts:
    """The proctored courses per backend on each database checked, and why a database was not counted."""

    # alias -> {backend: courses}
    counted: dict[str, dict[str, int]]
    # alias -> why its courses were not counted
    uncounted: dict[str, str]


def courses_per_backend(apps: Apps, databases: Sequence[str], default: str | None) -> CourseCounts:
    """Count the proctored courses per backend on each of ``databases``; a database that cannot answer says why."""
    counted: dict[str, dict[str, int]] = {}
    uncounted: dict[str, str] = {}
    for alias in databases:
        try:
            found = count_courses(apps, alias)
        except NotMigrated as error:
            uncounted[alias] = str(error)
            continue
        except DatabaseError as error:
            uncounted[alias] = f"Database {alias!r} cannot be read ({type(error).__name__})."
            continue
        if found is None:
            continue  # not an Open edX project: no courses to count
        per_backend: dict[str, int] = {}
        for provider, courses in found.items():
            name = provider if provider else default
            if name is not None and name != LTI_EXTERNAL:
                per_backend[name] = per_backend.get(name, 0) + courses
        counted[alias] = per_backend
    return CourseCounts(counted, uncounted)


@dataclass(frozen=True)
class NotLoaded:
    """A backend in use that edx-proctoring has not loaded: what names it, its state and the courses counted."""

    name: str
    state: BackendState
    # The settings that name it (PROCTORING_BACKENDS['DEFAULT'], TOGGLES_MIGRATION['LEGACY_BACKENDS']).
    named_by: tuple[str, ...]
    courses: CourseCounts


def not_loaded(
    apps: Apps, backends: object, legacy_backends: Collection[str], databases: Sequence[str] | None
) -> list[NotLoaded]:
    """
    Return the backends named by the courses, DEFAULT or a configured legacy backend that are not loaded.

    A legacy backend that PROCTORING_BACKENDS does not configure and no course uses is not in use: not checked.
    The courses are counted on ``databases`` only (``check --database``, ``migrate``): other checks never query.
    """
    if loaded_backends(apps) is None:
        return []
    default, configured = configured_backends(backends)
    counts = courses_per_backend(apps, databases or (), default)
    named: dict[str, list[str]] = {}
    if default is not None:
        named.setdefault(default, []).append("PROCTORING_BACKENDS['DEFAULT']")
    for name in legacy_backends:
        if name in configured:
            named.setdefault(name, []).append("TOGGLES_MIGRATION['LEGACY_BACKENDS']")
    for per_backend in counts.counted.values():
        for name in per_backend:
            named.setdefault(name, [])
    states = backend_states(apps, named, backends) or {}
    return [NotLoaded(name, state, tuple(named[name]), counts) for name, state in states.items() if not state.loaded]
