"""Fuzzing, round 2 (issue 25), with a fixed, derandomized budget: random panels (ids of every kind, gaps,
missing values, mixed lengths, shuffled rows, eras) and covariate frames misaligned in every way. Each example
gives a Panel / Covariates that says what the input holds, or one DataError line: never another exception."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmcast.data import validate_panel
from lstmcast.data.covariates import covariates_from_frame
from lstmcast.errors import DataError

BUDGET = settings(max_examples=40, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
IDS = st.one_of(st.integers(-5, 5), st.text(min_size=0, max_size=4), st.sampled_from(["a", "ä", "a b", " a", "1"]))
FREQS = {"MS": "MS", "QS": "QS-JAN", "D": "D", "YS": "YS-JAN"}


@st.composite
def panels(draw):
    n_series = draw(st.integers(1, 4))
    ids = draw(st.lists(IDS, min_size=n_series, max_size=n_series, unique_by=str))
    freq = draw(st.sampled_from(sorted(FREQS)))
    start_year = draw(st.sampled_from([1380, 1676, 1990, 2255, 9990]))
    rows = []
    for uid in ids:
        n = draw(st.integers(1, 30))
        start = draw(st.integers(0, 10))
        t = pd.date_range(f"{2000 if freq != 'YS' else 1700}-01-01", periods=start + n, freq=freq)[start:]
        keep = draw(st.lists(st.booleans(), min_size=n, max_size=n)) if draw(st.booleans()) else [True] * n
        y = draw(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan)), min_size=n, max_size=n))
        for j in range(n):
            if keep[j]:
                rows.append((uid, t[j], y[j]))
    df = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    shift = (start_year - (2000 if freq != "YS" else 1700)) if freq in ("MS", "QS", "YS") else 0
    if shift:                                            # another era, written as text the way files hold it
        df["ds"] = [f"{d.year + shift:04d}-{d.month:02d}-{d.day:02d}" for d in df["ds"]]
    order = draw(st.permutations(range(len(df))))
    return df.iloc[list(order)].reset_index(drop=True), FREQS[freq]


@pytest.mark.slow
@BUDGET
@given(case=panels(), fill=st.sampled_from([None, "ffill", "interpolate"]))
def test_random_panels_give_a_panel_that_holds_them_or_one_line(case, fill):
    df, freq = case
    try:
        p = validate_panel(df, freq=freq if len(df) < 3 else None, fill=fill)
    except DataError as e:
        assert "\n" not in str(e) and str(e).startswith("data: ")
        return
    assert sorted(map(str, p.ids)) == sorted(map(str, df["unique_id"].unique()))
    out = p.to_frame()
    have = df.dropna(subset=["y"])
    got = out.dropna(subset=["y"])
    if fill is None:                                     # every finite value at its own date (the user's era)
        key = lambda f: sorted(zip(f["unique_id"].astype(str), pd.Series(f["ds"]).astype(str).str[:10], f["y"]))  # noqa: E731
        assert key(got) == key(have.assign(ds=pd.Series(have["ds"]).astype(str).str[:10]))
    assert len(out) >= len(have) - int((p.lengths == 0).sum())


def _base(n=24):
    ds = pd.date_range("2010-01-01", periods=n, freq="MS")
    df = pd.DataFrame({"unique_id": np.repeat(["a", "b", "c"], n), "ds": np.tile(ds, 3),
                       "y": np.tile(100 + np.sin(np.arange(n)), 3), "x": np.arange(3 * n, dtype=float)})
    return validate_panel(df[["unique_id", "ds", "y"]]), df


MUTATIONS = ["drop row", "duplicate row", "shift a month", "shift a day", "unknown id", "drop a series", "nan",
             "text", "inf", "times as text", "times of another era", "extra rows after", "rows before", "no x column",
             "empty frame", "renamed time column"]


@BUDGET
@given(muts=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3, unique=True), at=st.integers(0, 71),
       kind=st.sampled_from(["futr", "hist"]))
def test_covariate_frames_misaligned_in_every_way_are_read_or_one_line(muts, at, kind):
    panel, df = _base()
    last = ("renamed time column", "no x column", "empty frame", "times of another era")
    for m in sorted(muts, key=lambda m: m in last):
        if len(df) == 0:
            break
        i = at % len(df)
        if m == "drop row":
            df = df.drop(df.index[i])
        elif m == "duplicate row":
            df = pd.concat([df, df.iloc[[i]]])
        elif m == "shift a month":
            df = df.assign(ds=pd.to_datetime(df["ds"]) + pd.offsets.MonthBegin(1))
        elif m == "shift a day":
            df.loc[df.index[i], "ds"] = pd.Timestamp(df["ds"].iloc[i]) + pd.Timedelta(days=1)
        elif m == "unknown id":
            df.loc[df.index[i], "unique_id"] = "zz"
        elif m == "drop a series":
            df = df[df["unique_id"] != "b"]
        elif m in ("nan", "inf"):
            df.loc[df.index[i], "x"] = np.nan if m == "nan" else np.inf
        elif m == "text":
            df = df.assign(x=df["x"].astype(object))
            df.loc[df.index[i], "x"] = "12kg"
        elif m == "times as text":
            df = df.assign(ds=pd.to_datetime(df["ds"]).dt.strftime("%Y-%m-%d"))
        elif m == "times of another era":
            df = df.assign(ds=[f"1{str(d)[1:10]}" for d in df["ds"]])
        elif m == "extra rows after":
            extra = df[df["unique_id"] == "a"].tail(3).assign(ds=pd.date_range("2012-01-01", periods=3, freq="MS"))
            df = pd.concat([df, extra])
        elif m == "rows before":
            extra = df.head(2).assign(ds=pd.date_range("2009-11-01", periods=2, freq="MS"))
            df = pd.concat([extra, df])
        elif m == "no x column":
            df = df.drop(columns="x")
        elif m == "empty frame":
            df = df.iloc[:0]
        elif m == "renamed time column":
            df = df.rename(columns={"ds": "date"})
    try:
        cov = covariates_from_frame(panel, df.reset_index(drop=True), **{f"{kind}_exog": ["x"]}, where="cov.csv")
    except DataError as e:
        assert "\n" not in str(e) and str(e).startswith(("cov.csv", "covariate", "the ")), str(e)
        return
    arrays = cov.futr if kind == "futr" else cov.hist
    assert len(arrays) == len(panel)
    for i, a in enumerate(arrays):                      # every series' rows, finite, the values it was given
        a = np.asarray(a, np.float64)
        assert a.shape[0] >= panel.lengths[i] and np.isfinite(a).all()
