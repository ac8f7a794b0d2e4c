"""Factories for SLA calendars and policies."""

from __future__ import annotations

import factory

from beacon.sla.models import BusinessCalendar, SlaPolicy


class CalendarFactory(factory.django.DjangoModelFactory[BusinessCalendar]):
    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"calendar-{n}")
    time_zone = "UTC"
    always_open = True
    weekly_hours = factory.LazyFunction(dict)


class PolicyFactory(factory.django.DjangoModelFactory[SlaPolicy]):
    class Meta:
        model = SlaPolicy

    name = factory.Sequence(lambda n: f"policy-{n}")
    position = 1
    first_response_minutes = 60
    next_response_minutes = 30
    resolution_minutes = 600
