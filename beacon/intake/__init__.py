"""Intake sources: one sub-package per source (email, ...), each of the same shape."""
