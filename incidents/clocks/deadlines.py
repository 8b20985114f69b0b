"""When a clock falls due. Business days are counted in the regime's own time zone and holiday calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from incidents.policy import BusinessDaysDeadline, ClockPolicy, HoursDeadline


@lru_cache(maxsize=64)
def _calendar(country: str) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country)
    except NotImplementedError:
        return None


def is_business_day(day: date, country: str | None) -> bool:
    """Not a weekend day of that country (Friday and Saturday in Egypt, say) and not a public holiday."""
    calendar = _calendar(country) if country else None
    weekend = calendar.weekend if calendar is not None else {5, 6}
    return day.weekday() not in weekend and (calendar is None or day not in calendar)


def add_business_days(start: datetime, days: int, *, zone: str, country: str | None) -> datetime:
    """The same local wall-clock time ``days`` business days after ``start``.

    A start outside business hours counts from the next business day, as regulators do. Local arithmetic is
    done on the wall clock and converted back through the zone, so a daylight-saving change in between shifts
    the UTC result by the hour rather than the deadline's local time.
    """
    tz = ZoneInfo(zone)
    local = start.astimezone(tz)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, country):
            counted += 1
    wall = datetime.combine(day, local.timetz().replace(tzinfo=None))
    return wall.replace(tzinfo=tz).astimezone(UTC)


def due_at(policy: ClockPolicy, trigger_at: datetime) -> datetime:
    deadline = policy.deadline
    if isinstance(deadline, BusinessDaysDeadline):
        return add_business_days(
            trigger_at,
            deadline.business_days,
            zone=policy.timezone,
            country=policy.holiday_calendar or policy.jurisdiction,
        )
    hours = deadline.hours if isinstance(deadline, HoursDeadline) else deadline.internal_target_hours
    return trigger_at + timedelta(hours=hours)
