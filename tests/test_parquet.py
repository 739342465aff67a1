"""Parquet in and out: a Parquet file reads as the same CSV would (column finding, ids, times, messages);
forecasts, per-series scores and backtest forecasts write Parquet; bad files are one-line errors."""
import sys

import numpy as np
import pandas as pd
import pytest
from helpers import check_error, run_cli

from lstmcast.data.panel import load_panel_csv
from lstmcast.errors import DataError

pytest.importorskip("pyarrow")
H = 4
FAST = ["--scope", "global", "--seeds", "2", "--steps", "200", "--direct-horizon", str(H), "--look-back", "8",
        "--transform", "none", "--quiet"]


def _panel_frame(n=40, ids=("a", "b", "c")):
    ds = pd.date_range("2001-01-01", periods=n, freq="MS")
    t = np.arange(n)
    parts = [pd.DataFrame({"store": k, "when": ds, "units": np.round(50 + 10 * np.sin(t / 2 + j) + j * t, 3),
                           "price": np.round(1 + 0.1 * (t % 4), 2)}) for j, k in enumerate(ids)]
    return pd.concat(parts, ignore_index=True)


def _same_panel(p, q):
    assert list(p.ids) == list(q.ids) and p.freq == q.freq
    assert (p.id_col, p.time_col, p.target_col) == (q.id_col, q.time_col, q.target_col)
    assert all(np.array_equal(a, b) for a, b in zip(p.values, q.values))
    assert list(p.starts) == list(q.starts) and list(p.status) == list(q.status)


def test_parquet_reads_as_the_same_csv(tmp_path):
    """Columns found the same way (no names given), same panel; integer ids read as the CSV's text ids;
    dictionary (categorical) ids, date32 times and a missing value too."""
    df = _panel_frame()
    df.loc[5, "units"] = np.nan
    df.to_csv(tmp_path / "d.csv", index=False)
    df.to_parquet(tmp_path / "d.parquet", index=False)
    notes_csv, notes_pq = [], []
    kw = dict(id_col="store", fill="interpolate")
    _same_panel(load_panel_csv(tmp_path / "d.csv", report=notes_csv.append, **kw),
                load_panel_csv(tmp_path / "d.parquet", report=notes_pq.append, **kw))
    assert "time column: 'when' (first column of dates)" in notes_pq
    assert "value column: 'units' (first numeric column)" in notes_pq
    typed = df.assign(store=df.store.map({"a": 1, "b": 2, "c": 3}))
    typed.to_csv(tmp_path / "i.csv", index=False)
    typed.assign(when=typed.when.dt.date).to_parquet(tmp_path / "i.parquet", index=False)   # date32 column
    _same_panel(load_panel_csv(tmp_path / "i.csv", **kw), load_panel_csv(tmp_path / "i.parquet", **kw))
    df.assign(store=df.store.astype("category")).to_parquet(tmp_path / "c.parquet", index=False)
    _same_panel(load_panel_csv(tmp_path / "d.csv", **kw), load_panel_csv(tmp_path / "c.parquet", **kw))


def test_parquet_problems_name_the_row(tmp_path):
    df = _panel_frame().astype({"units": str})
    df.loc[7, "units"] = "n/a?"
    df.to_parquet(tmp_path / "bad.parquet", index=False)
    with pytest.raises(DataError, match=r"bad\.parquet: column 'units', row 7: 'n/a\?' is not a number"):
        load_panel_csv(tmp_path / "bad.parquet", id_col="store")
    dup = pd.concat([_panel_frame(), _panel_frame().iloc[[3]]], ignore_index=True)
    dup.to_parquet(tmp_path / "dup.parquet", index=False)
    with pytest.raises(DataError, match=r"duplicate \(store, when\) = \('a', 2001-04-01\) at row 3 and row 120"):
        load_panel_csv(tmp_path / "dup.parquet", id_col="store")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("pq")
    df = _panel_frame(ids=("a", "b"))
    cut = df.when.max() - pd.DateOffset(months=H)
    train, fut = df[df.when <= cut], df[df.when > cut]
    train.to_parquet(d / "train.parquet", index=False)
    train.to_csv(d / "train.csv", index=False)
    fut[["store", "when", "price"]].to_parquet(d / "future.parquet", index=False)
    fut[["store", "when", "price"]].to_csv(d / "future.csv", index=False)
    b = (d / "train.parquet").read_bytes()
    (d / "cut.parquet").write_bytes(b[:len(b) // 2])
    train.assign(tags=[[1, 2]] * len(train)).to_parquet(d / "nested.parquet", index=False)
    pd.DataFrame({"name": ["x", "y"], "note": ["u", "v"]}).to_parquet(d / "schema.parquet", index=False)
    code, _, err = run_cli("fit", d / "train.parquet", "--id-col", "store", "--futr-exog", "price", "--model",
                           d / "m", *FAST)
    assert code == 0, err
    code, _, err = run_cli("fit", d / "train.csv", "--id-col", "store", "--model", d / "plain", *FAST)
    assert code == 0, err
    return d


@pytest.mark.slow
def test_cli_forecast_reads_and_writes_parquet(files):
    """--future as Parquet or CSV, --out as Parquet or CSV: the same forecast."""
    d = files
    code, _, err = run_cli("forecast", "--model", d / "m", "--horizon", H, "--future", d / "future.parquet",
                           "--out", d / "f.parquet")
    assert code == 0, err
    code, _, err = run_cli("forecast", "--model", d / "m", "--horizon", H, "--future", d / "future.csv",
                           "--out", d / "f.csv")
    assert code == 0, err
    pq, csv = pd.read_parquet(d / "f.parquet"), pd.read_csv(d / "f.csv", parse_dates=["when"])
    assert list(pq.columns) == list(csv.columns) and len(pq) == 2 * H
    assert pd.api.types.is_datetime64_any_dtype(pq["when"])
    pd.testing.assert_frame_equal(pq, csv, check_dtype=False, rtol=1e-12)
    # --data as Parquet or CSV (newer data, no refit): the same forecast
    for data, out in ((d / "train.parquet", d / "g.parquet"), (d / "train.csv", d / "g.csv")):
        code, _, err = run_cli("forecast", "--model", d / "plain", "--horizon", H, "--data", data, "--out", out)
        assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_parquet(d / "g.parquet"), pd.read_csv(d / "g.csv", parse_dates=["when"]),
                                  check_dtype=False, rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("name, pattern", [
    ("cut.parquet", r"cut\.parquet: not a readable Parquet file \(.*magic bytes not found.*\): it is truncated or "
                    r"damaged; write it again$"),
    ("schema.parquet", r"schema\.parquet: no column of dates found in \['name', 'note'\]; name one with --time-col$"),
    ("nested.parquet", r"nested\.parquet: column 'tags' holds nested values \(list<element: int64>\), which "
                       r"lstmcast cannot read; .*df\.drop\(columns=\['tags'\]\)"),
])
def test_cli_bad_parquet_files(files, name, pattern):
    d = files
    check_error(*run_cli("fit", d / name, "--model", d / f"no-{name}", *FAST), pattern)
    assert not (d / f"no-{name}").exists()
    future = pattern if name != "schema.parquet" else r"schema\.parquet: no id column 'store'; the model's series"
    check_error(*run_cli("forecast", "--model", d / "m", "--horizon", H, "--future", d / name, "--out",
                         d / f"no-{name}.csv"), future)


@pytest.mark.slow
def test_without_pyarrow_one_line(files, monkeypatch):
    d = files
    monkeypatch.setitem(sys.modules, "pyarrow", None)           # import pyarrow raises ImportError
    check_error(*run_cli("fit", d / "train.parquet", "--model", d / "no-pa", *FAST),
                r"train\.parquet: reading or writing Parquet needs pyarrow; pip install 'lstmcast\[parquet\]'")
    check_error(*run_cli("forecast", "--model", d / "m", "--horizon", H, "--future", d / "future.csv",
                         "--out", d / "no-pa.parquet"), r"no-pa\.parquet: reading or writing Parquet needs pyarrow")
    assert not (d / "no-pa").exists() and not (d / "no-pa.parquet").exists()


@pytest.mark.slow
def test_cli_evaluate_writes_parquet(files):
    """--per-series and --save-cv as Parquet hold what the CSV versions hold."""
    d = files
    args = ["evaluate", d / "train.parquet", "--id-col", "store", "--horizon", H, "--models", "naive,snaive", *FAST]
    code, _, err = run_cli(*args, "--per-series", d / "s.parquet", "--save-cv", d / "cv.parquet")
    assert code == 0, err
    code, _, err = run_cli(*args, "--per-series", d / "s.csv", "--save-cv", d / "cv.csv")
    assert code == 0, err
    s, cv = pd.read_parquet(d / "s.parquet"), pd.read_parquet(d / "cv.parquet")
    assert list(s.columns)[:4] == ["unique_id", "mase_default", "mase_lstm", "mase_naive"] and len(s) == 2
    # a naive forecast is flat over the horizon
    assert cv.groupby("store")["naive"].nunique().eq(1).all() and len(cv) == 2 * H
    pd.testing.assert_frame_equal(cv, pd.read_csv(d / "cv.csv", parse_dates=["when", "cutoff"]),
                                  check_dtype=False, rtol=1e-12)
