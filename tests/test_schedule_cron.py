"""Cron schedules read weekdays as crontab(5) does: 0 and 7 are Sunday."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine import schedule
from engine.errors import CtfmonError

WED = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday


def fires(expr: str, n: int = 4, start: datetime = WED) -> list[str]:
    trigger = schedule.build_trigger({"trigger": "cron", "cron": expr})
    out, prev, now = [], None, start
    for _ in range(n):
        nxt = trigger.get_next_fire_time(prev, now)
        out.append(nxt.strftime("%a %Y-%m-%d %H:%M"))
        prev, now = nxt, nxt
    return out


@pytest.mark.parametrize("expr", ["0 2 * * 0", "0 2 * * 7", "0 2 * * sun", "0 2 * * SUN"])
def test_sunday_is_0_and_7_as_in_crontab(expr: str) -> None:
    assert fires(expr, 2) == ["Sun 2026-12-06 02:00", "Sun 2026-12-13 02:00"]


def test_ranges_lists_and_steps() -> None:
    assert fires("30 9 * * 1-5", 5) == ["Thu 2026-12-03 09:30", "Fri 2026-12-04 09:30", "Mon 2026-12-07 09:30",
                                        "Tue 2026-12-08 09:30", "Wed 2026-12-09 09:30"]
    assert fires("30 9 * * mon-fri", 5) == fires("30 9 * * 1-5", 5)
    assert fires("0 0 * * */2", 4) == ["Thu 2026-12-03 00:00", "Sat 2026-12-05 00:00", "Sun 2026-12-06 00:00",
                                       "Tue 2026-12-08 00:00"]
    assert fires("0 0 * * 5-7", 3) == ["Fri 2026-12-04 00:00", "Sat 2026-12-05 00:00", "Sun 2026-12-06 00:00"]
    assert fires("0 0 * * 6,0", 2) == ["Sat 2026-12-05 00:00", "Sun 2026-12-06 00:00"]
    assert fires("0 0 * * 1-5/2", 3) == ["Fri 2026-12-04 00:00", "Mon 2026-12-07 00:00", "Wed 2026-12-09 00:00"]


def test_day_of_month_and_weekday_fire_on_either_as_crontab_does() -> None:
    # the 1st of the month, and every Monday
    assert fires("0 2 1 * 1", 5, datetime(2026, 12, 25, tzinfo=UTC)) == [
        "Mon 2026-12-28 02:00", "Fri 2027-01-01 02:00", "Mon 2027-01-04 02:00", "Mon 2027-01-11 02:00",
        "Mon 2027-01-18 02:00",
    ]


def test_weekday_translation() -> None:
    assert schedule.crontab_weekdays("0") == "sun"
    assert schedule.crontab_weekdays("7") == "sun"
    assert schedule.crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert schedule.crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert schedule.crontab_weekdays("sat-sun") == "sun,sat"


@pytest.mark.parametrize(("expr", "words"), [
    ("0 2 * * 8", "weekday '8' is not 0-7"),
    ("0 2 * * fri-mon", "goes backwards"),
    ("0 2 * * funday", "weekday 'funday'"),
    ("0 2 * * 1/0", "is not valid"),
    ("0 2 * *", "expected 5 fields"),
    ("61 2 * * *", "is not valid"),
])
def test_bad_weekdays_are_refused_with_the_reason(expr: str, words: str) -> None:
    with pytest.raises(CtfmonError, match=words) as err:
        schedule.build_trigger({"trigger": "cron", "cron": expr})
    assert err.value.http_status == 422
