"""Project-wide test set-up: every test gets its own DATA_DIR-backed attachment storage."""

from __future__ import annotations

import os
import tempfile

# Settings read DATA_DIR at import: point it at a scratch folder before Django loads.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="beacon-test-"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's event loop runs beside sync ORM calls.
