"""Clear django-waffle's cached copy of a flag: queryset deletes and raw inserts never flush it."""

# The flush of django-waffle's own (swappable) flag model; edx_toggles offers no accessor for it.
from waffle import get_waffle_flag_model  # pylint: disable=invalid-django-waffle-import
from waffle.utils import get_setting


def clear_flag_cache(name: str) -> None:
    """Delete the keys django-waffle's own ``Flag.flush`` deletes: the flag's, its users', its groups', all flags'."""
    get_waffle_flag_model()(name=name).flush()


def clear_flag_cache_or_warn(name: str) -> str | None:
    """
    Clear the flag's cache keys; return None, or a warning naming the cache when it could not be cleared.

    Runs after a commit: the rows are already changed, so a dead cache is worth a warning, not a failure.
    The warning names the error's type only (a backend's message may carry its URL and credentials).
    """
    try:
        clear_flag_cache(name)
    except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught
        # any backend's failure; the operator gets the warning
        alias = get_setting("CACHE_NAME")
        return (
            f"the database change is committed, but django-waffle's cache {alias!r} (WAFFLE_CACHE_NAME) could not "
            f"be cleared ({type(error).__name__}): processes may serve the old value of {name} until its cached "
            f"entries expire. Clear them when the cache is back: ./manage.py shell -c "
            f'"from toggles_migration.state.waffle_cache import clear_flag_cache; clear_flag_cache({name!r})"'
        )
    return None
