"""Triage: language, intent, sentiment (and later urgency, entities, secrets) of each message."""
