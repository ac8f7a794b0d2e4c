"""Business-time arithmetic: pure functions, no database, no clock reads.

A `Schedule` says when a team works: opening hours per weekday in the team's own time zone,
holidays (local dates), or 24/7. Instants going in and out are timezone-aware (stored as UTC).

Why per local day: opening hours are wall-clock times ("09:00-18:00 in New York"). Each local day's
hours are turned into UTC instants on their own, so a day that gains or loses an hour to a
daylight-saving change still opens and closes at the right wall-clock times, and business time is
measured in real elapsed time between those instants. A 24/7 schedule is plain UTC arithmetic
(a night that loses an hour really is an hour shorter).

Hours must not span midnight: a late shift is written as two intervals ("22:00-24:00" on one day,
"00:00-06:00" on the next). "24:00" closes at the end of the local day.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Searching further than this for open hours means the schedule has none (all holidays).
MAX_DAYS = 3700
ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)

# An interval of local wall-clock time; `None` as the end means midnight at the end of the day.
Interval = tuple[time, time | None]


@dataclass(frozen=True)
class Schedule:
    """When a team works. `hours` maps a weekday (0 = Monday) to sorted, non-overlapping intervals."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    always_open: bool = True
    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC instants at which the team opens and closes on local date `day`."""
        if day in self.holidays:
            return []
        intervals = []
        for start, end in self.hours.get(day.weekday(), ()):
            opens = datetime.combine(day, start, tzinfo=self.zone)
            closes = (
                datetime.combine(day + ONE_DAY, time(0), tzinfo=self.zone)
                if end is None
                else datetime.combine(day, end, tzinfo=self.zone)
            )
            opens_utc, closes_utc = opens.astimezone(UTC), closes.astimezone(UTC)
            # A wall-clock time skipped by a DST change can fold an interval to nothing.
            if closes_utc > opens_utc:
                intervals.append((opens_utc, closes_utc))
        return intervals

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


TWENTY_FOUR_SEVEN = Schedule()


def _require_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("business-time arithmetic needs timezone-aware datetimes")


def add_business_time(
    start: datetime, duration: timedelta, schedule: Schedule
) -> datetime:
    """The instant (UTC) at which `duration` of business time has passed after `start`."""
    _require_aware(start)
    start = start.astimezone(UTC)
    if duration <= ZERO:
        return start
    if schedule.always_open:
        return start + duration
    remaining = duration
    day = schedule._local_date(start)
    for _ in range(MAX_DAYS):
        for opens, closes in schedule.open_intervals(day):
            if closes <= start:
                continue
            opens = max(opens, start)
            available = closes - opens
            if available >= remaining:
                return opens + remaining
            remaining -= available
        day += ONE_DAY
    raise ValueError("the schedule has no open hours")


def business_time_between(
    start: datetime, end: datetime, schedule: Schedule
) -> timedelta:
    """Business time that passes from `start` to `end` (zero when `end` is not after `start`)."""
    _require_aware(start, end)
    if end <= start:
        return ZERO
    if schedule.always_open:
        return end - start
    total = ZERO
    day, last = schedule._local_date(start), schedule._local_date(end)
    while day <= last:
        for opens, closes in schedule.open_intervals(day):
            overlap = min(closes, end) - max(opens, start)
            if overlap > ZERO:
                total += overlap
        day += ONE_DAY
    return total


def zone_named(name: str) -> ZoneInfo:
    """An IANA time zone; ValueError with a readable message for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _parse_time(text: str, *, is_end: bool) -> time | None:
    if is_end and text.strip() == "24:00":
        return None
    try:
        return time.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a time like 09:00") from exc


def parse_weekly_hours(raw: object) -> dict[int, tuple[Interval, ...]]:
    """Read weekly hours as stored in JSON: {"mon": [["09:00", "18:00"]], ...}.

    Raises ValueError naming the first problem (unknown day, bad time, end before start,
    overlapping intervals)."""
    if not isinstance(raw, Mapping):
        raise ValueError(
            'weekly hours must be an object like {"mon": [["09:00", "18:00"]]}'
        )
    hours: dict[int, tuple[Interval, ...]] = {}
    for key, value in raw.items():
        if key not in WEEKDAYS:
            raise ValueError(f"unknown weekday {key!r}; use {', '.join(WEEKDAYS)}")
        if not isinstance(value, Iterable) or isinstance(value, str):
            raise ValueError(f"{key}: give a list of [start, end] pairs")
        intervals: list[Interval] = []
        for pair in value:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(part, str) for part in pair)
            ):
                raise ValueError(
                    f'{key}: each interval is a pair like ["09:00", "18:00"]'
                )
            start = _parse_time(pair[0], is_end=False)
            end = _parse_time(pair[1], is_end=True)
            assert start is not None
            if end is not None and end <= start:
                raise ValueError(
                    f"{key}: {pair[0]}-{pair[1]} ends before it starts (hours cannot span midnight)"
                )
            intervals.append((start, end))
        intervals.sort(key=lambda interval: interval[0])
        for (_, previous_end), (next_start, _) in itertools.pairwise(intervals):
            if previous_end is None or previous_end > next_start:
                raise ValueError(f"{key}: intervals overlap")
        if intervals:
            hours[WEEKDAYS.index(key)] = tuple(intervals)
    return hours
