"""Load and validate a univariate time series: CSV files and pandas objects.

    y = load_csv("sales.csv", time_col="date", value_col="units")   # pd.Series, DatetimeIndex with freq

Every problem raises `DataError` with a one-line message naming the file, column, row (the line
number in the file) and value, and saying how to fix it. The CLI prints that line and exits 2.
"""
from __future__ import annotations

import re
import reprlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError  # noqa: F401  (re-exported: lstmcast.data.DataError)
from .cells import (  # noqa: F401
    _YEAR_OR_YYYYMMDD,
    _day_first,
    _first_text,
    _index_like,
    _why_no_dates,
    date_hint,
    footer_length,
    join_clock,
    number_hint,
)
from .parquet import is_parquet, read_parquet, text_head
from .textfile import (  # noqa: F401
    _DECIMAL_COMMA,
    MISSING_TOKENS,
    SEPS,
    _drop_thousands_commas,
    check_bounds,
    preamble_length,  # noqa: F401
    sniff_file,
    sniff_sep,
)
from .times import _is_time_column, _parse_times

FILLS = ("interpolate", "ffill")


def _pick_column(df: pd.DataFrame, spec, what: str, where: str) -> str:
    cols = list(df.columns)
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit() and spec not in cols):
        k = int(spec)
        if not 0 <= k < len(cols):
            raise DataError(f"{where}: no column number {k} for {what} (columns 0..{len(cols) - 1}: "
                            f"{reprlib.repr(cols)})")
        return cols[k]
    if spec not in cols:
        raise DataError(f"{where}: no column {spec!r} for {what}; columns are {reprlib.repr(cols)}")
    return spec


def _read_csv(p, sep, kind, where, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True,
                           encoding=kind.encoding, compression=kind.compression,
                           encoding_errors="replace" if kind.encoding == "cp1252" else "strict", **kw)
    except pd.errors.EmptyDataError:
        raise DataError(f"{where}: the file is empty; expected a CSV with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        msg = " ".join(str(e).split())
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if m:
            n, line, got = (int(g) for g in m.groups())
            raise DataError(f"{where}: line {line} has {got} fields but the lines before it have {n}: quote cells "
                            "that contain the delimiter, delete note lines above the header"
                            + (", or pass --sep if columns are separated by ';' or tabs" if sep == "," else "")) \
                from None
        hint = "" if sep != "," or not isinstance(e, pd.errors.ParserError) else \
            "; if columns are separated by ';' or tabs, pass --sep"
        raise DataError(f"{where}: not a readable CSV file ({msg}){hint}") from None
    except OSError as e:
        raise DataError(f"{where}: cannot read the file ({e.strerror})") from None


def read_frame(path, sep: str | None = None, decimal: str | None = None, report=None) -> pd.DataFrame:
    """The CSV as strings, or a DataError saying why it cannot be read. A Parquet file (data/parquet.py)
    is read with its own types (attrs["parquet"] is True); sep and decimal do not apply to it.

    sep: ',', ';', 'tab' or '|'; None sniffs it from the first lines. decimal: '.' or ','; None
    detects decimal commas ('1,5' in a ';' or tab file) and rewrites such cells as '1.5' (a '.'
    before groups of three digits is dropped as a thousands mark: '1.234,5' -> '1234.5').
    """
    where = str(path)
    say = report or (lambda _msg: None)
    p = Path(path)
    if is_parquet(p):
        return read_parquet(p, where, say)
    if not p.exists():
        raise DataError(f"{where}: no such file")
    if p.is_dir():
        raise DataError(f"{where}: is a directory, expected a CSV file")
    if sep is not None and sep not in SEPS:
        raise DataError(f"{where}: unknown delimiter {sep!r}; use one of , ; tab |")
    if decimal not in (None, ".", ","):
        raise DataError(f"{where}: unknown decimal mark {decimal!r}; use '.' or ','")
    kind = sniff_file(p, where, say)
    check_bounds(p, kind, where)                   # long lines, wide headers: one line, in about a second
    head, skip = kind.head, 0
    hint = re.fullmatch(r'\s*"?sep=(.)"?\s*', head[0]) if head else None   # Excel's first line 'sep=;'
    if hint:
        head, skip = head[1:], 1
        if sep is None and hint.group(1) in SEPS:
            sep = hint.group(1)
    if sep is None:
        sep = sniff_sep(head, where)
        if sep != ",":
            say(f"{where}: columns separated by {'tab' if sep == chr(9) else repr(sep)}")
    sep = SEPS[sep]
    pre = preamble_length(head, sep)
    if pre:
        say(f"{where}: skipped {pre} line(s) before the header (line {skip + pre + 1}): they have fewer fields")
        skip += pre
    df = _read_csv(p, sep, kind, where, skiprows=skip)
    df.attrs["first_line"] = skip + 2
    if _header_is_data(df.columns):
        names = ["time", "value"] if df.shape[1] == 2 else [f"column{k}" for k in range(df.shape[1])]
        say(f"{where}: line {skip + 1} ({sep.join(map(str, df.columns))!r}) is data, not a header: read without "
            f"one, columns named {', '.join(names)}")
        df = _read_csv(p, sep, kind, where, header=None, names=names, skiprows=skip)
        df.attrs["first_line"] = skip + 1
    names = [str(c).strip() for c in df.columns]
    if len(set(names)) == len(names):
        df.columns = names                              # ' value ' is 'value' (--value-col value)
    if df.shape[0] == 0:
        raise DataError(f"{where}: has a header but no data rows")
    if decimal == "," or (decimal is None and sep != ","):
        changed = []
        for c in df.columns:
            col = df[c].str.strip()
            comma = col.str.fullmatch(_DECIMAL_COMMA)
            dot = col.str.fullmatch(r"[+-]?\d*\.\d+")
            if comma.any() and (decimal == "," or not dot.any()):
                df[c] = col.where(~comma, col.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
                changed.append(c)
        if changed and decimal is None:
            say(f"{where}: decimal commas in column(s) {reprlib.repr(changed)} read as '1,5' = 1.5 "
                "(pass --decimal . if ',' is not a decimal mark)")
    if decimal != ",":
        _drop_thousands_commas(df, sep, where, say)
    return df


def _header_is_data(names) -> bool:
    """True when the header holds both a date and a number (not a year): a file without a header, whose
    first row pandas would take for column names and drop."""
    cells = pd.Series([str(c).strip() for c in names])
    if len(cells) < 2 or cells.str.fullmatch(r"Unnamed: \d+|").any():
        return False
    number = pd.to_numeric(cells, errors="coerce").notna()
    date = _parse_times(cells).notna() & (~number | cells.str.fullmatch(r"\d{4}"))
    return bool(date.any() and (number & ~date).any())


def find_columns(df: pd.DataFrame, time_col, value_col, skip, where, say) -> tuple[str, str]:
    """The time column (named, or the first of dates) and the value column (named, or the first numeric one
    after it), ignoring the columns in `skip`; one-line errors otherwise."""
    rest = [c for c in df.columns if c not in skip]
    head = df if len(df) <= 2000 else df.iloc[:2000]   # a panel: look at the first rows only
    if time_col is None:
        found = [c for c in rest if _is_time_column(head[c])]
        dated = [] if found else list(df.columns[_parse_times(pd.Series([str(c) for c in df.columns])).notna()
                                                  .to_numpy()])
        if not found and len(dated) >= 3:
            raise DataError(f"{where}: the file is wide: its column names are times ({', '.join(map(str, dated[:3]))}, "
                            "...), one row per series; lstmcast reads long files, one row per series and time: "
                            "reshape it, e.g. pandas' df.melt(id_vars=[...], var_name='ds', value_name='y')")
        if not found:
            raise DataError(f"{where}: no column of dates found in {reprlib.repr(list(df.columns))}"
                            f"{_why_no_dates(head, rest)}; "
                            "name one with --time-col")
        time_col = found[0]
        say(f"time column: {time_col!r} (first column of dates)")
    else:
        time_col = _pick_column(df, time_col, "time", where)
    if value_col is None:
        numeric = [c for c in rest if c != time_col and pd.to_numeric(
            head[c].str.strip(), errors="coerce").notna().mean() >= 0.5]
        if not numeric:
            raise DataError(f"{where}: no numeric column found besides {time_col!r}{_first_text(head, rest, time_col)}"
                            "; name one with --value-col")
        data = [c for c in numeric if not _index_like(c, head[c])]
        value_col = (data or numeric)[0]
        skipped = numeric[:numeric.index(value_col)]
        say(f"value column: {value_col!r} (first numeric column"
            + (f"; {reprlib.repr(skipped)} skipped: a row number or id" if skipped else "") + ")")
    else:
        value_col = _pick_column(df, value_col, "values", where)
    if value_col == time_col:
        raise DataError(f"{where}: the time and value columns are both {time_col!r}")
    return time_col, value_col


def load_csv(path, time_col=None, value_col=None, freq: str | None = None, fill: str | None = None,
             report=None, sep: str | None = None, decimal: str | None = None) -> pd.Series:
    """Read one series from a CSV file.

    Args:
        path: the CSV file. A trailing footer of non-data lines (as in the airline download) is dropped.
        time_col / value_col: a column name or 0-based position; by default the first column that
            parses as dates, and the first numeric column after it.
        freq: a pandas frequency ("MS", "D", "QS", ...) when it cannot be inferred from the dates.
        fill: "interpolate" or "ffill" to fill missing values; without it they are an error.
        report: optional callable receiving one-line notes (which columns were chosen, ...).
        sep / decimal: the delimiter and decimal mark (`read_frame`); None detects them.

    Returns:
        A float64 pd.Series with a DatetimeIndex (freq set), named after the value column.
    """
    where = str(path)
    say = report or (lambda _msg: None)
    df = read_frame(path, sep=sep, decimal=decimal, report=say)
    if df.attrs.get("parquet"):
        df = text_head(df, len(df))                        # one series: read as a CSV file would be
    time_col, value_col = find_columns(df, time_col, value_col, (), where, say)
    first = df.attrs.get("first_line", 2)                  # the file's line of row 0
    df = join_clock(df, time_col, value_col, (), say)

    try:
        times = _parse_times(df[time_col], report=say)
    except DataError as e:
        raise DataError(f"{where}: {e}") from None
    end = len(df) - footer_length(df[value_col], times.notna().to_numpy())
    if end < len(df):
        say(f"ignored {len(df) - end} footer line(s) after line {end - 1 + first}")
    df, times = df.iloc[:end], times.iloc[:end]
    if end == 0:
        raise DataError(f"{where}: column {time_col!r} holds no dates")
    bad = np.flatnonzero(times.isna().to_numpy())
    if bad.size:
        i = bad[0]
        raise DataError(f"{where}: column {time_col!r}, line {i + first}: {df[time_col].iloc[i]!r} is not a date"
                        f"{date_hint(df[time_col].iloc[i])}")

    raw = df[value_col].str.strip()
    values = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
    bad = np.flatnonzero((values.isna() & (raw != "") & ~raw.str.lower().isin(MISSING_TOKENS)).to_numpy())
    if bad.size:
        i = bad[0]
        raise DataError(f"{where}: column {value_col!r}, line {i + first}: {raw.iloc[i]!r} is not a number"
                        f"{number_hint(raw.iloc[i])}")
    y = pd.Series(values.to_numpy(np.float64), index=pd.DatetimeIndex(times), name=value_col)
    y.index.name = time_col
    return validate_series(y, freq=freq, fill=fill, where=f"{where}: column {value_col!r}", line_offset=first)


def validate_series(y, freq: str | None = None, fill: str | None = None, where: str = "series",
                    line_offset: int | None = None) -> pd.Series:
    """Check and normalise a series: DatetimeIndex with a frequency, sorted, unique, finite values.

    Accepts a pd.Series with a DatetimeIndex/PeriodIndex, or a DataFrame with columns `ds` and `y`.
    """
    y = _as_series(y, where)

    def row(i):
        return f"line {i + line_offset}" if line_offset is not None else f"row {i}"

    if len(y) == 0:
        raise DataError(f"{where}: the series is empty")
    idx = y.index
    dup = np.flatnonzero(np.asarray(idx.duplicated()))
    if dup.size:
        i = dup[0]
        first = int(np.flatnonzero(idx == idx[i])[0])
        raise DataError(f"{where}: duplicate timestamp {idx[i].date()} at {row(first)} and {row(i)}; "
                        "keep one row per time")
    down = np.flatnonzero(np.diff(idx.asi8) < 0)
    if down.size:
        i = down[0] + 1
        raise DataError(f"{where}: timestamps not sorted: {idx[i].date()} at {row(i)} comes after "
                        f"{idx[i - 1].date()}; sort the file by time")
    inf = np.flatnonzero(np.isinf(y.to_numpy()))
    if inf.size:
        i = inf[0]
        raise DataError(f"{where}, {row(i)}: infinite value {y.iloc[i]}; remove or replace it")
    if freq is None:
        freq = y.index.freqstr if y.index.freq is not None else None
    if freq is None:
        freq = pd.infer_freq(idx) if len(idx) >= 3 else None
        if freq is None:
            raise DataError(f"{where}: cannot infer a frequency from the timestamps (irregular gaps, or "
                            "fewer than 3 rows); give one with --freq (e.g. D, W, MS, QS, YS)")
    else:
        try:
            pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            raise DataError(f"{where}: {freq!r} is not a pandas frequency (e.g. D, W, MS, QS, YS)") from None
    full = pd.date_range(idx[0], idx[-1], freq=freq)
    if len(full) != len(idx) or not (full == idx).all():
        off = ~idx.isin(full)
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise DataError(f"{where}, {row(i)}: timestamp {idx[i]} is not on the {freq!r} grid "
                            f"starting {idx[0].date()}")
        y = y.reindex(full)  # gaps become missing values
    y.index.freq = pd.tseries.frequencies.to_offset(freq)
    nan = np.flatnonzero(np.isnan(y.to_numpy()))
    if nan.size:
        if fill is None:
            i = nan[0]
            ts = y.index[i]
            pos = idx.get_indexer([ts])[0]
            at = row(pos) if pos >= 0 else "a gap"
            raise DataError(f"{where}: {nan.size} missing value(s), first at {ts.date()} ({at}); "
                            "fill them with --fill interpolate or --fill ffill")
        if fill not in FILLS:
            raise DataError(f"{where}: unknown fill {fill!r}; use one of {FILLS}")
        y = y.interpolate() if fill == "interpolate" else y.ffill()
        if y.isna().any():
            raise DataError(f"{where}: missing values at the start cannot be filled; drop those rows")
    return y


def _as_series(y, where: str) -> pd.Series:
    """A float64 Series on a DatetimeIndex from what the caller gave (a Series on dates or periods, or a
    DataFrame with `ds` and `y`), or a DataError saying what it is instead."""
    if isinstance(y, pd.DataFrame):
        missing = {"ds", "y"} - set(y.columns)
        if missing:
            raise DataError(f"{where}: a DataFrame needs columns 'ds' and 'y'; missing {sorted(missing)}")
        y = pd.Series(pd.to_numeric(y["y"], errors="coerce").to_numpy(np.float64),
                      index=pd.DatetimeIndex(pd.to_datetime(y["ds"])), name="y")
    if not isinstance(y, pd.Series):
        raise DataError(f"{where}: expected a pandas Series with a DatetimeIndex or a DataFrame with 'ds' "
                        f"and 'y'; got {type(y).__name__}")
    if isinstance(y.index, pd.PeriodIndex):  # periods -> their start times; the frequency is re-inferred
        y = y.copy()
        y.index = y.index.to_timestamp()
    if not isinstance(y.index, pd.DatetimeIndex):
        raise DataError(f"{where}: the index must be dates (DatetimeIndex or PeriodIndex); "
                        f"got {type(y.index).__name__}")
    try:
        return y.astype(np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{where}: values must be numbers") from None
