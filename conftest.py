"""Project-wide test set-up."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import cache

# Playwright's event loop runs beside sync ORM calls in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters and cached tokens live in the cache, configuration in the process's
    configuration cache: no test sees another's."""
    from beacon.core import configcache

    cache.clear()
    configcache.clear()
    yield
    cache.clear()
    configcache.clear()
