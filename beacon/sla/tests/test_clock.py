"""Business-time arithmetic: business hours, holidays, time zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from beacon.sla.clock import (
    TWENTY_FOUR_SEVEN,
    Schedule,
    add_business_time,
    business_time_between,
    parse_weekly_hours,
)

WEEKDAYS_9_TO_18 = {
    day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
WEEKDAYS_9_TO_17 = {
    day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
EVERY_DAY_ALL_DAY = {
    day: [["00:00", "24:00"]]
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def office(
    zone: str, hours: object, holidays: frozenset[date] = frozenset()
) -> Schedule:
    return Schedule(
        zone=ZoneInfo(zone),
        always_open=False,
        hours=parse_weekly_hours(hours),
        holidays=holidays,
    )


def local(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


SHANGHAI = office("Asia/Shanghai", WEEKDAYS_9_TO_18)


def test_within_business_hours_time_adds_directly() -> None:
    start = local("Asia/Shanghai", 2026, 6, 3, 10, 0)  # Wednesday

    due = add_business_time(start, timedelta(hours=2), SHANGHAI)

    assert due == local("Asia/Shanghai", 2026, 6, 3, 12, 0)
    assert due.tzinfo == UTC


def test_time_left_at_closing_carries_over_the_weekend() -> None:
    start = local("Asia/Shanghai", 2026, 6, 5, 17, 30)  # Friday

    due = add_business_time(start, timedelta(minutes=60), SHANGHAI)

    assert due == local("Asia/Shanghai", 2026, 6, 8, 9, 30)  # Monday


def test_a_start_before_opening_counts_from_opening() -> None:
    start = local("Asia/Shanghai", 2026, 6, 3, 6, 0)

    due = add_business_time(start, timedelta(minutes=15), SHANGHAI)

    assert due == local("Asia/Shanghai", 2026, 6, 3, 9, 15)


def test_a_multi_day_target_counts_only_open_hours() -> None:
    start = local("Asia/Shanghai", 2026, 6, 3, 9, 0)  # Wednesday

    due = add_business_time(start, timedelta(hours=24), SHANGHAI)

    # 9 h Wed + 9 h Thu + 6 h Fri.
    assert due == local("Asia/Shanghai", 2026, 6, 5, 15, 0)


def test_holidays_are_skipped() -> None:
    golden_week = frozenset(date(2026, 10, day) for day in range(1, 8))
    schedule = office("Asia/Shanghai", WEEKDAYS_9_TO_18, golden_week)
    start = local("Asia/Shanghai", 2026, 9, 30, 17, 0)  # Wednesday before National Day

    due = add_business_time(start, timedelta(hours=2), schedule)

    assert due == local("Asia/Shanghai", 2026, 10, 8, 10, 0)
    assert business_time_between(start, due, schedule) == timedelta(hours=2)


def test_elapsed_business_time_skips_nights_and_weekends() -> None:
    start = local("Asia/Shanghai", 2026, 6, 5, 17, 0)  # Friday
    end = local("Asia/Shanghai", 2026, 6, 8, 10, 0)  # Monday

    assert business_time_between(start, end, SHANGHAI) == timedelta(hours=2)
    assert business_time_between(end, start, SHANGHAI) == timedelta(0)


def test_new_york_spring_forward_keeps_wall_clock_opening_hours() -> None:
    schedule = office("America/New_York", WEEKDAYS_9_TO_17)
    start = local("America/New_York", 2026, 3, 6, 16, 0)  # Friday, EST (UTC-5)

    due = add_business_time(start, timedelta(hours=2), schedule)

    # Monday after the change is EDT (UTC-4): 10:00 local is 14:00 UTC, not 15:00.
    assert due == utc(2026, 3, 9, 14, 0)
    assert due == local("America/New_York", 2026, 3, 9, 10, 0)


def test_new_york_fall_back_keeps_wall_clock_opening_hours() -> None:
    schedule = office("America/New_York", WEEKDAYS_9_TO_17)
    start = local("America/New_York", 2026, 10, 30, 16, 30)  # Friday, EDT

    due = add_business_time(start, timedelta(hours=1), schedule)

    assert due == utc(2026, 11, 2, 14, 30)  # Monday 09:30 EST (UTC-5)


def test_a_day_of_business_hours_lasts_23_or_25_hours_on_change_days() -> None:
    schedule = office("America/New_York", EVERY_DAY_ALL_DAY)

    spring = business_time_between(
        local("America/New_York", 2026, 3, 8, 0, 0),
        local("America/New_York", 2026, 3, 9, 0, 0),
        schedule,
    )
    autumn = business_time_between(
        local("America/New_York", 2026, 11, 1, 0, 0),
        local("America/New_York", 2026, 11, 2, 0, 0),
        schedule,
    )

    assert spring == timedelta(hours=23)
    assert autumn == timedelta(hours=25)


def test_twenty_four_seven_is_real_elapsed_time_across_a_change() -> None:
    start = local("America/New_York", 2026, 3, 7, 12, 0)  # 17:00 UTC

    due = add_business_time(start, timedelta(hours=24), TWENTY_FOUR_SEVEN)

    assert due == utc(2026, 3, 8, 17, 0)  # 13:00 EDT: one real day later


def test_berlin_summer_time_start() -> None:
    schedule = office("Europe/Berlin", WEEKDAYS_9_TO_18)
    start = local(
        "Europe/Berlin", 2026, 3, 27, 17, 0
    )  # Friday, CET (UTC+1) = 16:00 UTC

    due = add_business_time(start, timedelta(hours=2), schedule)

    assert due == utc(2026, 3, 30, 8, 0)  # Monday 10:00 CEST (UTC+2)


def test_berlin_summer_time_end() -> None:
    schedule = office("Europe/Berlin", WEEKDAYS_9_TO_18)
    start = local("Europe/Berlin", 2026, 10, 23, 17, 0)  # Friday, CEST

    due = add_business_time(start, timedelta(hours=2), schedule)

    assert due == utc(2026, 10, 26, 9, 0)  # Monday 10:00 CET (UTC+1)


def test_adding_then_measuring_round_trips_across_a_change() -> None:
    schedule = office("Europe/Berlin", WEEKDAYS_9_TO_18)
    start = local("Europe/Berlin", 2026, 3, 25, 11, 17)

    due = add_business_time(start, timedelta(minutes=1234), schedule)

    assert business_time_between(start, due, schedule) == timedelta(minutes=1234)


def test_split_shifts_and_late_hours_until_midnight() -> None:
    schedule = office(
        "UTC",
        {"mon": [["20:00", "24:00"], ["08:00", "12:00"]], "tue": [["00:00", "02:00"]]},
    )
    start = utc(2026, 6, 1, 11, 0)  # Monday

    due = add_business_time(start, timedelta(hours=5), schedule)

    # 1 h until noon, 4 h from 20:00 to midnight: due exactly at midnight.
    assert due == utc(2026, 6, 2, 0, 0)
    assert add_business_time(start, timedelta(hours=6), schedule) == utc(
        2026, 6, 2, 1, 0
    )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2026, 6, 1, 9, 0), timedelta(hours=1), SHANGHAI)  # noqa: DTZ001


def test_a_schedule_without_open_hours_is_an_error_not_a_hang() -> None:
    schedule = Schedule(zone=ZoneInfo("UTC"), always_open=False, hours={})

    with pytest.raises(ValueError, match="no open hours"):
        add_business_time(utc(2026, 6, 1), timedelta(minutes=1), schedule)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"monday": [["09:00", "18:00"]]}, "unknown weekday"),
        ({"mon": [["18:00", "09:00"]]}, "ends before it starts"),
        ({"mon": [["9am", "18:00"]]}, "not a time"),
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "overlap"),
        ({"mon": ["09:00-18:00"]}, "pair"),
        (["mon"], "must be an object"),
    ],
)
def test_bad_weekly_hours_are_explained(raw: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_weekly_hours(raw)


def test_weekly_hours_are_parsed_and_sorted() -> None:
    hours = parse_weekly_hours({"fri": [["14:00", "24:00"], ["09:00", "12:00"]]})

    assert hours == {4: ((time(9), time(12)), (time(14), None))}
