"""Core tables: the configuration version that process-local caches check (core/configcache.py)."""

from __future__ import annotations

from django.db import models


class ConfigVersion(models.Model):
    """One row, id 1: bumped in the same transaction as any change to cached configuration
    (categories, teams, routing rules, webhook endpoints), so every process sees a change as
    soon as it commits."""

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "configuration version"

    def __str__(self) -> str:
        return f"configuration version {self.version}"
