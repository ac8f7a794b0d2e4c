"""Process-local caches of configuration, checked against the database on every use.

The hot write paths (an API ticket create, a chat message) read the same few configuration
rows on every request: the category by slug, the active routing rules, the webhook endpoints.
Through the ORM each read costs 0.5-1 ms of CPU, more than the rest of the request's work. A
cache here keeps the loaded value with the configuration version it was loaded under; every
`get` reads that version (one primary-key SELECT through a plain cursor, about 0.03 ms) and
reloads when it moved. Nothing is sticky: a change committed in any process or on any machine
bumps the version in its own transaction (signals on the watched models, `bump()` where a
service changes them with a queryset update), so the very next request everywhere sees it.

Cached values are shared by the threads of a process: callers must treat them as read-only
(the loaders return plain values or objects no caller modifies).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

_VERSION_SQL = "SELECT version FROM core_configversion WHERE id = 1"
# A random new version rather than version + 1: a bump in a transaction that rolls back, and a
# later one that commits, never produce the same number, so a value loaded inside the first
# can never pass for the second.
_BUMP_SQL = "UPDATE core_configversion SET version = %s WHERE id = 1"

_values: dict[str, tuple[int, Any]] = {}
_lock = threading.Lock()


def current_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def get[T](key: str, loader: Callable[[], T]) -> T:
    """The value of `key`, loaded by `loader` when missing or older than the configuration."""
    version = current_version()
    found = _values.get(key)
    if found is not None and found[0] == version and version >= 0:
        value: T = found[1]
        return value
    value = loader()
    with _lock:
        _values[key] = (version, value)
    return value


def bump() -> None:
    """Mark the configuration changed (inside the transaction that changes it)."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_SQL, [secrets.randbits(62)])


def clear() -> None:
    """Forget every cached value in this process (tests)."""
    with _lock:
        _values.clear()


def _on_change(**_kwargs: Any) -> None:
    bump()


def watch(*models: type[Model]) -> None:
    """Bump the version whenever a row of `models` is saved or deleted, or its many-to-many
    relations change (queryset updates must call `bump()` themselves)."""
    for model in models:
        uid = f"configcache:{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}:delete")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"{uid}:m2m")
