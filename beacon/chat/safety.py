"""Secrets typed into a chat are masked before anything stores or shows them (triage's detector)."""

from __future__ import annotations

from beacon.triage.safety import customer_warning
from beacon.triage.secrets import MaskResult, mask_secrets


def mask(text: str) -> MaskResult:
    """The text with seed phrases, keys, passwords and codes replaced by placeholders."""
    return mask_secrets(text)


def warning(language: str, result: MaskResult) -> str:
    """What the customer is told: what was hidden, and that support never asks for it."""
    return customer_warning(language, result.kinds)
