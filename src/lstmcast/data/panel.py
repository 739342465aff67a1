"""Panels: many series in one long frame (unique_id, ds, y), from a CSV file or pandas objects.

    panel = load_panel_csv("sales.csv", id_col="store", time_col="date", value_col="units")
    panel = as_panel(df)   # or a pd.Series, or an existing Panel
    print(summary_line(panel)); panel.per_series()

A file or frame without an id column is one series. Structural problems raise a one-line `DataError`
naming the file, column, line and value; per-series problems flag the series (`Panel.status`,
`Panel.reason`) and the models give it a fallback forecast; `strict=True` makes them errors too.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import DataError
from .cells import join_year_part
from .era import wide_times
from .panel_check import validate_panel
from .panel_core import STATUS_OK, STATUSES, Panel, summary_line
from .parquet import id_text, strip_text, text_head
from .series import _pick_column, find_columns, footer_length, join_clock, read_frame
from .times import _parse_times

__all__ = ["STATUSES", "STATUS_OK", "Panel", "as_panel", "load_panel_csv", "summary_line", "validate_panel"]


def as_panel(obj, id_col="unique_id", time_col="ds", target_col="y", freq=None, fill=None, strict=False,
             where="data") -> Panel:
    """A Panel from a Panel (returned as is), a pd.Series with a DatetimeIndex/PeriodIndex (one series,
    id = its name or "series"), a DataFrame with id_col (a panel) or one with time_col and target_col
    but no id_col (one series, id = target_col).

    Examples:
        >>> import pandas as pd
        >>> y = pd.Series([1.0, 2, 3], index=pd.date_range("2000-01-01", periods=3, freq="D"), name="a")
        >>> p = as_panel(y)
        >>> len(p), p.freq, p.ids[0], p.values[0].tolist()
        (1, 'D', 'a', [1.0, 2.0, 3.0])
    """
    if isinstance(obj, Panel):
        return obj
    if isinstance(obj, pd.Series):
        idx = obj.index
        if isinstance(idx, pd.PeriodIndex):      # periods of any era (data/era.py): no to_timestamp() here
            name = obj.name if obj.name is not None else "series"
            df = pd.DataFrame({id_col: np.full(len(obj), name, dtype=object), time_col: pd.Series(idx).to_numpy(),
                               target_col: obj.to_numpy()})
            return validate_panel(df, id_col, time_col, target_col, freq=freq, fill=fill, strict=strict,
                                  where=where)
        if not isinstance(idx, pd.DatetimeIndex):
            raise DataError(f"{where}: the index must be dates (DatetimeIndex or PeriodIndex); "
                            f"got {type(obj.index).__name__}")
        if freq is None and idx.freq is not None:
            freq = idx.freqstr
        name = obj.name if obj.name is not None else "series"
        df = pd.DataFrame({id_col: np.full(len(obj), name, dtype=object), time_col: idx,
                           target_col: obj.to_numpy()})
        return validate_panel(df, id_col, time_col, target_col, freq=freq, fill=fill, strict=strict,
                              where=where)
    if isinstance(obj, pd.DataFrame):
        if id_col not in obj.columns and time_col in obj.columns and target_col in obj.columns:
            obj = obj.assign(**{id_col: np.full(len(obj), target_col, dtype=object)})
        return validate_panel(obj, id_col, time_col, target_col, freq=freq, fill=fill, strict=strict,
                              where=where)
    raise DataError(f"{where}: expected a long DataFrame ({id_col!r}, {time_col!r}, {target_col!r}), a pandas "
                    f"Series with a DatetimeIndex or a Panel; got {type(obj).__name__}")


def _implied_id(df: pd.DataFrame, time_col, value_col):
    """The column that tells series apart in a file without 'unique_id' whose times repeat: a text column
    (or a numeric one named like an id: store, item_id, sku, ...) that makes every (column, time) pair
    unique, with at least two rows per series on average; None if there is none."""
    t = df[time_col]
    if len(df) < 4 or not t.duplicated().any():
        return None
    for c in df.columns:
        if c == time_col:
            continue
        cells = df[c].astype(str).str.strip()
        text = pd.to_numeric(cells, errors="coerce").isna().mean() > 0.5
        named = re.search(r"(^|[_ ])(id|key|code|sku|store|item|series|region|product|shop|site|country)s?$",
                          str(c), re.I)
        if (text or named) and 2 <= cells.nunique() <= len(df) // 2 and \
                not pd.DataFrame({"k": cells, "t": t}).duplicated().any():
            return c
    return None


def load_panel_csv(path, id_col=None, time_col=None, value_col=None, freq=None, fill=None, strict=False,
                   report=None, sep=None, decimal=None) -> Panel:
    """Read a panel (or one series) from a CSV or Parquet file.

    Args:
        path: the CSV file, or a Parquet file (.parquet / .pq; needs pyarrow), whose columns keep their types.
            Trailing footer lines whose time cell is not a date are dropped.
        id_col: the column of series ids (name or 0-based position). Default: a column named
            'unique_id' if there is one (a panel), else the file is ONE series whose id is the
            value column's name.
        time_col / value_col: name or position; default: the first column of dates and the first numeric
            column after it (the id column excluded), as `load_csv` finds them.
        freq, fill, strict: as in `validate_panel`.
        report: optional callable receiving one-line notes (columns chosen, "read as a panel", ...).

    Returns:
        A Panel whose messages and reasons name lines of the file.
    """
    where = str(path)
    say = report or (lambda _msg: None)
    df = read_frame(path, sep=sep, decimal=decimal, report=report)
    typed = bool(df.attrs.get("parquet"))           # a Parquet file: typed columns, found on their text
    look = text_head(df) if typed else df
    if id_col is None and "unique_id" in df.columns:
        id_col = "unique_id"
        n = df["unique_id"].nunique()
        say(f"read as a panel: {n} series, column 'unique_id' (name another with --id-col)")
    elif id_col is not None:
        id_col = _pick_column(df, id_col, "the series ids", where)
    given_value = value_col
    time_col, value_col = find_columns(look, time_col, value_col, {id_col}, where, say)
    if not (typed and pd.api.types.is_datetime64_any_dtype(df[time_col].dtype)):
        df, part = join_year_part(df, time_col, {id_col, given_value}, say)
        if part is not None and part == value_col:          # the quarter column was taken for the values
            look = text_head(df) if typed else df
            time_col, value_col = find_columns(look, time_col, given_value, {id_col, part}, where, say)
        df = join_clock(df, time_col, value_col, {id_col}, say)
    if id_col is None:
        id_col = _implied_id(df, time_col, value_col)
        if id_col is not None:
            say(f"read as a panel: {df[id_col].nunique()} series told apart by column {id_col!r} (its times "
                "repeat across them; name another with --id-col)")
            if value_col == id_col:
                time_col, value_col = find_columns(text_head(df) if typed else df, time_col, given_value,
                                                   {id_col}, where, say)
    if id_col in (time_col, value_col):
        raise DataError(f"{where}: column {id_col!r} cannot be both the series ids and the "
                        f"{'time' if id_col == time_col else 'value'} column; name others with --time-col/--value-col")

    first = None if typed else df.attrs.get("first_line", 2)   # the file's line of row 0 (Parquet: row numbers)
    # A footer: trailing rows of notes, neither a date nor a number (as load_csv). Parquet files have none.
    tail = df[time_col].iloc[-50:]
    n_foot = 0 if typed else footer_length(df[value_col].iloc[-50:],
                                           (_parse_times(tail).notna() | ~np.isnat(wide_times(tail))).to_numpy())
    if n_foot == len(df):
        raise DataError(f"{where}: column {time_col!r} holds no dates")
    if n_foot:
        say(f"ignored {n_foot} footer line(s) after line {len(df) - n_foot - 1 + (first or 2)}")
        df = df.iloc[:len(df) - n_foot]

    name = id_col if id_col is not None else "unique_id"
    ids = (id_text(df[id_col]) if typed else strip_text(df[id_col])) if id_col is not None else \
        np.full(len(df), value_col, dtype=object)
    frame = pd.DataFrame({name: ids, time_col: df[time_col], value_col: df[value_col]})
    return validate_panel(frame, name, time_col, value_col, freq=freq, fill=fill, strict=strict, where=where,
                          line_offset=first)
