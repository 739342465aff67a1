"""Covariate flags of `fit`, `evaluate` and `forecast`: columns of the data file, a static file, the future.

    lstmcast fit sales.csv --futr-exog price,promo --hist-exog visits --static stores.csv --stat-exog size --model m
    lstmcast forecast --model m --horizon 12 --future-template need.csv     # the rows to fill in
    lstmcast forecast --model m --horizon 12 --future need.csv --out f.csv
    lstmcast evaluate sales.csv --horizon 12 --futr-exog price              # actual future values (oracle)
"""
from __future__ import annotations

import pandas as pd

from ..atomic import atomic_to_csv
from ..data.parquet import id_text
from ..data.series import read_frame
from ..data.times import _parse_times
from ..errors import DataError, UsageError
from .common import check_new_path


def add_covariate_flags(p):
    g = p.add_argument_group("covariates")
    g.add_argument("--futr-exog", default=None, metavar="COLS",
                   help="comma-separated columns known over the horizon too (forecast needs --future)")
    g.add_argument("--hist-exog", default=None, metavar="COLS", help="comma-separated columns known up to the present")
    g.add_argument("--static", default=None, metavar="CSV", help="static covariates: one row per series id")
    g.add_argument("--stat-exog", default=None, metavar="COLS", help="comma-separated columns of --static")
    g.add_argument("--keep-covariates", action="store_true",
                   help="keep the covariates in every member that can take them (the LSTM; AutoARIMA, the future "
                        "ones) without validating them (default: a member keeps them only where they lower its "
                        "validation error)")
    g.add_argument("--holidays", default=None, metavar="COUNTRY",
                   help="add the public holidays of COUNTRY (US, GB, DE, ...) per period as a built-in future "
                        "covariate")


def _frame(path, a, panel, con=None, where=None):
    """A covariate CSV or Parquet file as a frame with the panel's id and time columns (times parsed)."""
    df = read_frame(path, sep=getattr(a, "sep", None), decimal=getattr(a, "decimal", None))
    typed = bool(df.attrs.get("parquet"))
    if getattr(a, "decimal", None) == "," and not typed:
        df = df.apply(lambda c: c.str.replace(",", ".", regex=False) if c.dtype == object else c)
    idc, tc = panel.id_col, panel.time_col
    if tc in df.columns and not pd.api.types.is_datetime64_any_dtype(df[tc].dtype):
        df[tc] = _parse_times(df[tc])
    if idc not in df.columns:
        if len(panel) > 1:
            raise DataError(f"{where or path}: no id column {idc!r}; the model's series are told apart by it")
        df[idc] = panel.ids[0]
    elif not isinstance(panel.ids[0], str):                    # numeric ids: compare as numbers
        df[idc] = pd.to_numeric(df[idc], errors="coerce")
    else:
        df[idc] = id_text(df[idc]) if typed else df[idc].str.strip()   # as the data file's ids
    return df


def covariate_kwargs(a, panel, con) -> dict:
    """Keyword arguments of Forecaster.fit / cross_validation from the flags ({} without covariates)."""
    futr, hist, stat = getattr(a, "futr_exog", None), getattr(a, "hist_exog", None), getattr(a, "stat_exog", None)
    static = getattr(a, "static", None)
    if static and not stat:
        raise UsageError("--static needs --stat-exog (the columns of the static file to use)")
    if stat and not static:
        raise UsageError("--stat-exog needs --static FILE (one row per series id)")
    country = getattr(a, "holidays", None)
    if not (futr or hist or stat or country):
        return {}
    kw = {"futr_exog": futr, "hist_exog": hist, "stat_exog": stat, "holidays": country}
    if futr or hist:
        if getattr(a, "data", None) is None:
            raise UsageError("--futr-exog/--hist-exog name columns of the data file; give one")
        kw["exog_df"] = _frame(a.data, a, panel, con)
    if stat:
        kw["static_df"] = _frame(static, a, panel, con)
    names = [f"{k}={v}" for k, v in (("futr_exog", futr), ("hist_exog", hist), ("stat_exog", stat),
                                     ("holidays", country)) if v]
    con.note("covariates: " + ", ".join(names))
    return kw


def add_future_flags(p):
    p.add_argument("--future", default=None, metavar="FILE",
                   help="future covariate values over the horizon (id, time and the model's --futr-exog columns; "
                        "CSV or .parquet)")
    p.add_argument("--future-template", default=None, metavar="CSV",
                   help="write the (id, time) rows whose future covariates --future must give, then stop")


def future_frame(a, fc, con):
    """The --future file as a frame (None without it)."""
    if not getattr(a, "future", None):
        return None
    return _frame(a.future, a, fc.panel_, con)


def write_template(a, fc, con) -> bool:
    """--future-template: write the rows to fill in; True when done (the command stops)."""
    path = getattr(a, "future_template", None)
    if not path:
        return False
    cov = getattr(fc, "cov_", None)
    if cov is None or not cov.user_futr:
        raise UsageError(f"--future-template: model {a.model} has no future covariates; nothing to fill in")
    check_new_path(path, a.force)
    t = fc.make_future_frame(a.horizon)
    atomic_to_csv(path, t, overwrite=a.force, index=False)
    con.note(f"{len(t)} rows needing {', '.join(cov.user_futr)} written to {path}; fill them and pass --future")
    print(f"future template written to {path}")
    return True
