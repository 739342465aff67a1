"""Season lengths from a pandas frequency: the main one (the LSTM's), the longer ones a statistical member
decomposes (MSTL), and a timestamp's position within its season.

    season_length_for("MS") == 12;  season_length_for("30min") == 48;  season_length_for("h") == 24
    all_seasons(48, 17_520) == (48, 336)       # a day and a week of half-hours, when 2 weeks fit
    season_phase(pd.Timestamp("2024-01-01 13:30"), 48) == 27

Sub-daily data: a day is the season when it holds at most MAX_DAILY steps (15-minute data and coarser);
finer data take the hour as season (1-minute: 60). A season that would read as a calendar one
(2-hourly: 12, 5-minute: 12) is 1. Longer seasons (a week of hours or half-hours, a year of
days) count only where the series holds two of them (MSTL needs two to estimate one).
"""
from __future__ import annotations

SEASONS = {"MS": 12, "ME": 12, "M": 12, "BMS": 12, "BME": 12, "QS": 4, "QE": 4, "Q": 4, "BQS": 4, "BQE": 4,
           "D": 7, "B": 5, "W": 52, "YS": 1, "YE": 1, "Y": 1, "A": 1, "AS": 1}
MAX_DAILY = 96                                # 15-minute data: a day is 96 steps
LONGER = {24: 168, 48: 336, 96: 672, 7: 365}  # hourly, half-hourly, 15-minute: a week; daily: a year
MINUTES = {"min": 1, "T": 1, "h": 60, "H": 60}


def season_length_for(freq: str | None) -> int:
    """12 monthly, 4 quarterly, 7 daily, 5 business-daily, 52 weekly, 24 hourly, 48 half-hourly, 96 for
    15-minute data, 60 / k for k-minute data finer than that (the hour), 1 otherwise."""
    if not freq:
        return 1
    head = freq.split("-")[0]
    base = head.lstrip("0123456789")
    mult = int(head[: len(head) - len(base)] or 1)
    if base in MINUTES:
        step = MINUTES[base] * mult                      # minutes per step
        m = 1440 // step if 1440 % step == 0 else 0
        if m in SEASONS.values():                        # 2-hourly: 12 would read as months (season_phase)
            return 1
        if m and m <= MAX_DAILY:
            return m
        hour = 60 // step if step < 60 and 60 % step == 0 else 1
        return 1 if hour in SEASONS.values() else hour
    return SEASONS.get(base, 1)


def all_seasons(m: int, n: int) -> tuple[int, ...]:
    """(m,) or (m, longer) where the season m has a natural longer one and n values hold two of it."""
    longer = LONGER.get(int(m))
    return (int(m), longer) if longer and n >= 2 * longer else (int(m),)


def season_phase(ts, m: int) -> int:
    """Position of a timestamp within its season (month of year, weekday, half-hour of the day, ...)."""
    if m == 12:
        return ts.month - 1
    if m == 4:
        return ts.quarter - 1
    if m in (7, 5):
        return ts.dayofweek % m
    if m == 52:
        return (ts.isocalendar().week - 1) % 52
    if m > 1 and 1440 % m == 0:                          # a day of m steps
        return (ts.hour * 60 + ts.minute) // (1440 // m)
    if m > 1 and 60 % m == 0:                            # an hour of m steps
        return ts.minute // (60 // m)
    return 0
