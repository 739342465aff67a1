"""Cell-level reading helpers: day-first dates, why a cell is no date, footers, split date and clock columns,
the first cell that is not a number."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .textfile import MISSING_TOKENS


def _day_first(s: pd.Series) -> str | None:
    """The first cell proving that numeric dates such as 13/01/2000 or 13.01.2000 put the day first (a
    first field over 12, and no second field over 12), else None: pandas reads 01/02/2000 as January 2
    and 13/01/2000 as January 13, one column in two orders."""
    parts = s.str.extract(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}(?:$|[\sT])")
    if parts[0].isna().all():
        return None
    first, second = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
    if (first > 12).any() and not (second > 12).any():
        return str(s[first > 12].iloc[0])
    return None


def date_hint(cell) -> str:
    """Why a cell that should be a date is none, when the cell itself tells: a year outside what pandas
    holds, or a plain number (a step count or Unix time)."""
    t = str(cell).strip()
    m = re.match(r"^(\d{3,5})[-/.]\d{1,2}", t)
    if m and not 1678 <= int(m.group(1)) <= 2261:
        return (" (no such date; dates of any year are read when written as YYYY, YYYY-MM, YYYY-MM-DD or YYYYQn, "
                "without a time zone)")
    if re.fullmatch(r"[+-]?\d+(\.\d*)?", t):
        return "; the column holds numbers, not dates: write dates such as 2000-01-31 (or 2000-01, 2000Q1, 2000)"
    return ""


def _first_text(df, cols, time_col) -> str:
    """' (column 'x', line 3: '12 kg' is not a number)' for the first cell of the first candidate column that
    is neither a number nor a missing value, or ''."""
    for c in [c for c in cols if c != time_col][:1]:
        col = df[c].astype(str).str.strip()
        bad = pd.to_numeric(col, errors="coerce").isna() & ~col.str.lower().isin(MISSING_TOKENS)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            return f" (column {c!r}, line {i + df.attrs.get('first_line', 2)}: {col.iloc[i]!r} is not a number)"
        return f" (column {c!r} holds no values)"
    return ""


_CLOCK = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[aApP][mM])?"


def join_clock(df: pd.DataFrame, time_col, value_col, skip, say) -> pd.DataFrame:
    """Dates in one column and clock times (13:45, 1:45 PM) in another, as spreadsheets export them: the
    time column becomes 'date time', with a note. Only when the time column holds no clock times itself."""
    dates = df[time_col].astype(str).str.strip()
    if _distinct(dates).str.contains(r"\d:\d\d").any():
        return df
    for c in df.columns:
        if c in (time_col, value_col) or c in skip:
            continue
        if len(df) and not re.fullmatch(_CLOCK, str(df[c].iloc[0]).strip()):   # the first cell decides most
            continue
        cells = df[c].astype(str).str.strip()
        if len(cells) and cells.str.fullmatch(_CLOCK).all():
            say(f"time column: {time_col!r} and {c!r} joined (dates and clock times)")
            return df.assign(**{time_col: dates + " " + cells})
    return df


def _distinct(cells: pd.Series) -> pd.Series:
    """The distinct cells (a panel's time column repeats each date once a series): a test of every cell
    asks the same of these."""
    return pd.Series(pd.unique(cells.to_numpy()), dtype=object)


def join_year_part(df: pd.DataFrame, time_col, skip, say):
    """(df, the column joined or None): years in the time column and the quarter or month in another
    ('year','quarter' with 1..4; 'month' with 1..12; BLS 'Period' with Q01 or M01) become one time column
    '1959Q1' / '1959-01', with a note. Otherwise df unchanged."""
    if not len(df) or not re.fullmatch(r"\d{4}", str(df[time_col].iloc[0]).strip()):   # the first cell decides most
        return df, None
    years = df[time_col].astype(str).str.strip()
    if not _distinct(years).str.fullmatch(r"\d{4}").all():
        return df, None
    for c in df.columns:
        if c == time_col or c in skip:
            continue
        name = str(c).strip().lower()
        cells = df[c].astype(str).str.strip().str.upper()
        num = pd.to_numeric(cells.str.replace(r"^[MQ]", "", regex=True), errors="coerce")
        if name in ("quarter", "qtr", "q") and num.between(1, 4).all() or \
                name == "period" and cells.str.fullmatch(r"Q0[1-4]").all():
            joined = years + "Q" + num.astype(int).astype(str)
        elif name in ("month", "mon", "m") and num.between(1, 12).all() or \
                name == "period" and cells.str.fullmatch(r"M(0[1-9]|1[0-2])").all():
            joined = years + "-" + num.astype(int).map("{:02d}".format)
        else:
            continue
        say(f"time column: {time_col!r} and {c!r} joined "
            f"(years and their {'quarters' if 'Q' in joined.iloc[0] else 'months'})")
        return df.assign(**{time_col: joined}), c
    return df, None


def footer_length(values: pd.Series, time_ok: np.ndarray) -> int:
    """How many trailing rows are a footer (notes such as the airline download's last line): neither
    their time cell is a date nor their value cell a number. Rows with a number stay, to be reported."""
    number = pd.to_numeric(values.astype(str).str.strip(), errors="coerce").notna().to_numpy()
    junk = ~np.asarray(time_ok, bool) & ~number
    return len(junk) - (int(np.flatnonzero(~junk)[-1]) + 1 if (~junk).any() else 0)


def number_hint(cell) -> str:
    """'; if it marks a missing value, leave the cell empty' for cells such as '-' or '?'."""
    if str(cell).strip().lower() in ("-", "--", "?", ".", "..", "...", "n.a.", "n.a", "missing", "x", "*"):
        return "; if it marks a missing value, leave the cell empty (or write NA)"
    return ""


_YEAR_OR_YYYYMMDD = r"\s*(\d{4}|(1[6-9]|2[0-2])\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]))\s*"


def _why_no_dates(head: pd.DataFrame, cols) -> str:
    """' (column 't', line 2: '1' is not a date; ...)' for the first column whose first cell says why it is
    no date (numbers, years pandas cannot hold), or ''."""
    for c in cols:
        cell = next((v for v in head[c].astype(str) if v.strip()), "")
        hint = date_hint(cell)
        if hint and (not hint.startswith(";") or re.search(r"^(t|ts|ds)$|date|time|day|week|month|year|period",
                                                             str(c), re.I)):
            return f" (column {c!r}: {cell.strip()!r} is not a date{hint})"
    return ""


def _index_like(name, cells: pd.Series) -> bool:
    """A row number or id rather than data: pandas' index column ('Unnamed: 0'), a name such as 'id',
    'index' or 'store_id', or whole numbers counting up by one."""
    if re.fullmatch(r"Unnamed: \d+|index|idx|id|.*[_ ]id|row|rownum|#|no\.?", str(name).strip(), re.I):
        return True
    v = pd.to_numeric(cells.str.strip(), errors="coerce").to_numpy(np.float64)
    return len(v) >= 3 and bool(np.all(np.diff(v) == 1))
