"""Schedule triggers: a crontab expression (standard weekday numbering) or an interval, as an
APScheduler trigger; a bad expression is refused naming what is expected (HTTP 422)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engine.errors import CtfmonError

TRIGGERS: tuple[str, ...] = ("cron", "interval")


#: Standard crontab numbers weekdays from Sunday = 0 (7 is Sunday too); APScheduler 3.x from
#: Monday = 0.  Weekday fields are translated to APScheduler's day names.
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday(token: str, expr: str, *, end: bool) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in _CRON_DAYS:
        return 7 if end and token == "sun" else _CRON_DAYS.index(token)
    raise CtfmonError(
        f"cron {expr!r}: weekday {token!r} is not 0-7 (0 and 7 are Sunday) or a day name sun..sat",
        http_status=422,
    )


def crontab_weekdays(field: str, expr: str = "") -> str:
    """A crontab day-of-week field (``0``/``7`` Sunday, names, ranges, lists, steps) as the
    APScheduler expression naming the same days (``"0"`` -> ``"sun"``, ``"1-5"`` ->
    ``"mon,tue,wed,thu,fri"``, ``"*/2"`` -> ``"sun,tue,thu,sat"``)."""
    expr = expr or field
    days: set[int] = set()
    for part in field.lower().split(","):
        rng, slash, step_s = part.partition("/")
        if not rng or (slash and not step_s.isdigit()) or (slash and int(step_s) < 1):
            raise CtfmonError(f"cron {expr!r}: weekday part {part!r} is not valid", http_status=422)
        step = int(step_s) if slash else 1
        if rng == "*":
            lo, hi = 0, 7
        elif "-" in rng:
            a, _, b = rng.partition("-")
            lo, hi = _weekday(a, expr, end=False), _weekday(b, expr, end=True)
        else:
            lo = _weekday(rng, expr, end=False)
            hi = 7 if slash else lo
        if lo > hi:
            raise CtfmonError(f"cron {expr!r}: weekday range {rng!r} goes backwards", http_status=422)
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_CRON_DAYS[d] for d in sorted(days))


def cron_trigger(expr: str) -> BaseTrigger:
    """The trigger of a 5-field crontab expression, read as crontab(5) reads it, in UTC.

    Weekdays count from Sunday = 0 (7 is Sunday too).  When both the day of the month and the
    day of the week are restricted, crontab fires on either (``0 2 1 * 1``: the 1st and every
    Monday), so the trigger is the union of the two."""
    minute, hour, dom, month, dow = expr.split()
    try:
        if dow == "*":
            return CronTrigger(minute=minute, hour=hour, day=dom, month=month, timezone=UTC)
        days = crontab_weekdays(dow, expr)
        by_weekday = CronTrigger(minute=minute, hour=hour, month=month, day_of_week=days, timezone=UTC)
        if dom == "*":
            return by_weekday
        by_day = CronTrigger(minute=minute, hour=hour, day=dom, month=month, timezone=UTC)
        return OrTrigger([by_day, by_weekday])
    except ValueError as exc:
        raise CtfmonError(f"cron {expr!r} is not valid: {exc}", http_status=422) from None


def build_trigger(spec: dict[str, Any]) -> BaseTrigger:
    """The APScheduler trigger of a schedule; refuses an invalid spec with a clear message."""
    kind = spec.get("trigger")
    if kind == "cron":
        expr = (spec.get("cron") or "").strip()
        if not expr:
            raise CtfmonError("a cron schedule needs 'cron', e.g. '0 2 * * *'", http_status=422)
        if len(expr.split()) != 5:
            raise CtfmonError(
                f"cron {expr!r}: expected 5 fields (minute hour day month weekday)", http_status=422
            )
        return cron_trigger(expr)
    if kind == "interval":
        secs = spec.get("interval_seconds")
        if not isinstance(secs, int) or isinstance(secs, bool) or secs < 1 or secs > 366 * 86400:
            raise CtfmonError(
                f"interval_seconds {secs!r}: expected a whole number of seconds from 1 to 31622400",
                http_status=422,
            )
        return IntervalTrigger(seconds=secs, timezone=UTC)
    raise CtfmonError(f"trigger {kind!r}: expected one of {', '.join(TRIGGERS)}", http_status=422)
