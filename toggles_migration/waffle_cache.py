"""Clear django-waffle's cached copy of a flag: queryset deletes and raw inserts never flush it."""

from waffle.utils import get_cache, get_setting, keyfmt


def clear_flag_cache(name: str) -> None:
    """Delete the flag's, its users', its groups' and the all-flags cache keys, so no process reads stale rows."""
    get_cache().delete_many(
        [
            keyfmt(get_setting("FLAG_CACHE_KEY"), name),
            keyfmt(get_setting("FLAG_USERS_CACHE_KEY"), name),
            keyfmt(get_setting("FLAG_GROUPS_CACHE_KEY"), name),
            keyfmt(get_setting("ALL_FLAGS_CACHE_KEY")),
        ]
    )
