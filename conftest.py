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
    from django.utils import translation

    from beacon.core import configcache

    cache.clear()
    configcache.clear()
    # The test client runs views on this thread, and a view may activate the user's language
    # (API token auth does): the next test starts in the default language again.
    translation.deactivate()
    yield
    cache.clear()
    configcache.clear()
    translation.deactivate()
