"""Dosing schedules and time frames read from registry text."""
from adapter.protocol.timing import Repeat, parse_schedule, parse_time_frame


def test_daily_course_inside_monthly_cycles():
    s = parse_schedule("sub-cutaneous injections for 5 consecutive days at the beginning of three consecutive "
                       "months (a total of 15 injections, 5 per month for 3 months)")
    assert s.doses == Repeat(frequency=1, period=1, period_unit="d", count=5)
    assert s.cycles == Repeat(frequency=1, period=1, period_unit="mo", count=3)


def test_every_other_day_and_every_n_days():
    assert parse_schedule("1 million IU every other day for 2 weeks").doses == Repeat(
        period=2, bounds_value=2, bounds_unit="wk")
    assert parse_schedule("used once every three days and for three times").doses == Repeat(period=3, count=3)


def test_day_range_and_frequency_words():
    assert parse_schedule("3MIU/d from Day-1 to Day-5").doses.count == 5
    twice = parse_schedule("twice daily for 12 weeks").doses
    assert (twice.frequency, twice.period_unit, twice.bounds_value, twice.bounds_unit) == (2, "d", 12, "wk")


def test_no_schedule_is_none():
    assert parse_schedule("Placebo") is None
    assert parse_schedule(None) is None


def test_time_frames():
    assert [(p.value, p.unit) for p in parse_time_frame("week 0,week 24 and week 48")] == [
        (0, "wk"), (24, "wk"), (48, "wk")]
    assert [(p.value, p.unit) for p in parse_time_frame("48 weeks")] == [(48, "wk")]
    assert [(p.value, p.unit) for p in parse_time_frame("Day 90")] == [(90, "d")]
    assert parse_time_frame("baseline") == ()
