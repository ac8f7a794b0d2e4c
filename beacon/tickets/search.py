"""Ticket text search over `Ticket.search_text` (tokens separated by spaces)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from beacon.tickets.models import Ticket


def filter_text(qs: QuerySet[Ticket], words: list[str]) -> QuerySet[Ticket]:
    """Every word must occur as a whole token."""
    condition = Q()
    for word in words[:8]:
        condition &= Q(search_text__contains=f" {word} ") | Q(search_text__startswith=f"{word} ") | Q(search_text__endswith=f" {word}") | Q(search_text=word)
    return qs.filter(condition)
