"""Covariates (futr_exog, hist_exog, stat_exog): what they buy, no leakage, and every bad input."""
import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster
from lstmcast.errors import DataError
from lstmcast.evaluate.metrics import mase

N, H = 160, 8
# the LSTM's own use of covariates: kept without validation (test_covchoice.py tests the validation)
LSTM_COV = dict(model="lstm", keep_covariates=True)
LOCAL_COV = dict(calendar=False, **LSTM_COV)   # local scope on daily data: no calendar (test_calchoice.py)
FAST = dict(seeds=2, steps=500, horizon=H, look_back=8, transform="none", **LSTM_COV)


def driven(seed=0, n=N, h=H, ids=("a",), a=3.0, noise=0.1):
    """y_t = 10 + a x_t + noise, x iid normal: known ahead as a future covariate."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2000-01-01", periods=n + h, freq="D")
    parts = []
    for k in ids:
        x = rng.normal(size=n + h)
        parts.append(pd.DataFrame({"unique_id": k, "ds": ds, "y": 10 + a * x + noise * rng.normal(size=n + h),
                                   "x": x}))
    df = pd.concat(parts, ignore_index=True)
    train, fut = df[df.ds < ds[n]], df[df.ds >= ds[n]]
    return df, train, fut


@pytest.fixture(scope="module")
def fitted():
    df, train, fut = driven(ids=("a", "b"))
    fc = Forecaster(scope="global", **FAST).fit(train, futr_exog=["x"])
    return fc, df, train, fut


def test_future_covariate_halves_mase(fitted):
    fc, df, train, fut = fitted
    f = fc.forecast(H, futr_df=fut[["unique_id", "ds", "x"]])
    f0 = Forecaster(scope="global", **FAST).fit(train[["unique_id", "ds", "y"]]).forecast(H)
    for k in ("a", "b"):
        y, ytr = fut[fut.unique_id == k].y.to_numpy(), train[train.unique_id == k].y.to_numpy()
        with_x = mase(y, f[f.unique_id == k]["mean"].to_numpy(), ytr)
        without = mase(y, f0[f0.unique_id == k]["mean"].to_numpy(), ytr)
        assert with_x <= 0.5 * without, (k, with_x, without)


def test_future_covariate_local_scope_and_seeds():
    df, train, fut = driven(seed=3)
    fc = Forecaster(scope="local", seeds=2, epochs=40, horizon=H, look_back=8, transform="none", **LOCAL_COV)
    f = fc.fit(train, futr_exog="x").forecast(H, futr_df=fut[["unique_id", "ds", "x"]], members=True)
    assert fc.scope_ == "local" and {"member-0", "member-1"} <= set(f.columns)
    naive = np.abs(fut.y.to_numpy() - train.y.iloc[-1]).mean()
    assert np.abs(f["mean"].to_numpy() - fut.y.to_numpy()).mean() < 0.5 * naive


def test_level_shift_dummy_is_followed():
    """A known future dummy (on/off blocks of random lengths in the past) switches on inside the
    horizon: the forecast shifts by the learnt effect on that date and stays there."""
    rng = np.random.default_rng(5)
    n, h = 300, H
    ds = pd.date_range("2001-01-01", periods=n + h, freq="D")
    d, on, t = np.zeros(n + h), 0, 0
    while t < n:
        k = rng.integers(3, 9)
        d[t:t + k], on, t = on, 1 - on, t + k
    d[n:n + 4], d[n + 4:] = 0, 1                    # off, then on from the 5th forecast step
    y = 50 + 8 * d + 0.2 * rng.normal(size=n + h)
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": y, "promo": d})
    fc = Forecaster(scope="local", seeds=2, epochs=40, horizon=h, look_back=8, transform="none", **LOCAL_COV)
    fc.fit(df.iloc[:n], futr_exog=["promo"])
    f = fc.forecast(h, futr_df=df.iloc[n:][["unique_id", "ds", "promo"]])["mean"].to_numpy()
    assert np.all(np.abs(f[:4] - 50) < 1.5) and np.all(np.abs(f[4:] - 58) < 1.5), f.round(1)


@pytest.mark.slow
def test_static_covariate_separates_groups_in_global_scope():
    """Random walks drifting up (group +1) or down (-1); a 4-step window can hardly tell them apart."""
    rng = np.random.default_rng(1)
    n, h, S = 150, H, 8
    ds = pd.date_range("2000-01-01", periods=n, freq="D")
    g = np.array([1 if k % 2 == 0 else -1 for k in range(S)])
    df = pd.concat([pd.DataFrame({"unique_id": f"s{k}", "ds": ds,
                                  "y": 100 + np.cumsum(g[k] * 0.5 + rng.normal(size=n))}) for k in range(S)])
    st = pd.DataFrame({"unique_id": [f"s{k}" for k in range(S)], "grp": g})
    last = df.groupby("unique_id")["y"].last().to_numpy()
    truth = last[:, None] + g[:, None] * 0.5 * np.arange(1, h + 1)[None, :]    # the conditional mean
    errs = []
    for kw in (dict(static_df=st, stat_exog=["grp"]), {}):
        fc = Forecaster(scope="global", seeds=2, steps=600, horizon=h, look_back=4, transform="none", **LSTM_COV)
        f = fc.fit(df, **kw).forecast(h)["mean"].to_numpy().reshape(S, h)
        errs.append(np.abs(f - truth).mean())
    assert errs[0] < 0.6 * errs[1], errs


def test_scaling_uses_training_rows_only_and_hist_is_held_at_origin(fitted):
    from lstmcast.models.covfeat import fit_scaler, step_features
    fc, df, train, fut = fitted
    sc = fc.ensemble_.extra["cov_scaler"]
    xa = train[train.unique_id == "a"].x.to_numpy()
    xb = train[train.unique_id == "b"].x.to_numpy()
    pooled = np.concatenate([xa, xb])                                  # global: pooled training rows
    assert np.allclose(sc.futr[0], pooled.mean()) and np.allclose(sc.futr[1], pooled.std())
    # The same fit with wild covariate values after the end: same scaler, same training loss.
    wild = df.copy()
    wild.loc[wild.ds >= fut.ds.min(), "x"] = 1e6
    fc2 = Forecaster(scope="global", **FAST).fit(train, futr_exog=["x"])
    from lstmcast.data.covariates import covariates_from_frame
    cov_wild = covariates_from_frame(fc2.panel_, wild, futr_exog=["x"])
    assert len(cov_wild.futr[0]) == N + H                               # future rows kept for forecasting
    sc2 = fit_scaler(cov_wild, [0, 1], [N, N], "global")
    assert np.allclose(sc2.futr[0], sc.futr[0]) and np.allclose(sc2.futr[1], sc.futr[1])
    assert np.allclose(fc2.loss_, fc.loss_)
    # A historical covariate after the forecast origin is never read.
    from lstmcast.data.covariates import Covariates
    hist = [np.arange(20.0)[:, None]]
    cov = Covariates(("v",), (), (), hist, [np.zeros((20, 0))], np.zeros((1, 0)))
    s1 = fit_scaler(cov, [0], [10], "local")
    assert np.isclose(s1.hist[0][0, 0], 4.5) and np.isclose(s1.hist[1][0, 0], np.arange(10.0).std())
    f = step_features(cov, s1, 1, 4, [0], [9], [12])[0, :, 0] * s1.hist[1][0, 0] + 4.5
    assert np.allclose(f, [9, 9, 9, 9])


def test_backtest_uses_actual_future_covariates():
    df, train, fut = driven(seed=7, ids=("a", "b"))
    fc = Forecaster(scope="global", **FAST)
    cv = fc.cross_validation(df, h=H, n_windows=1, futr_exog=["x"])
    assert np.abs(cv["lstm"] - cv["y"]).mean() < 1.0
    fc.fit(train, futr_exog=["x"])
    f = fc.forecast(H, futr_df=fut)
    assert np.allclose(f["mean"].to_numpy(), cv["lstm"].to_numpy(), atol=1e-4)


def test_save_load_keeps_covariates(fitted, tmp_path):
    fc, df, train, fut = fitted
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    a = fc.forecast(H, futr_df=fut)["mean"].to_numpy()
    b = back.forecast(H, futr_df=fut)["mean"].to_numpy()
    assert np.allclose(a, b, atol=1e-5)
    with pytest.raises(DataError, match=r"future covariates \[.x.\] of series .a. end at"):
        back.forecast(H)


def test_model_saved_with_leads_at_every_step_is_refused(fitted, tmp_path):
    """Files from before the lead layout (no n_lead in covariates.json) ask for a refit, in one line."""
    import json
    fc = fitted[0]
    fc.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "covariates.json").read_text())
    assert meta["n_lead"] == H and meta["n_cov"] == 1 + H and meta["n_head"] == H
    del meta["n_lead"]
    (tmp_path / "m" / "covariates.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match=r"^[^\n]*covariates entered every input step with leads.*fit the model again$"):
        Forecaster.load(tmp_path / "m")


def test_make_future_frame(fitted):
    fc, df, train, fut = fitted
    t = fc.make_future_frame(3)
    assert list(t.columns) == ["unique_id", "ds", "x"] and len(t) == 6
    assert str(t.ds.iloc[0].date()) == str(fut.ds.min().date()) and t.x.isna().all()


# BAD INPUT -------------------------------------------------------------------------------------

def test_bad_futures(fitted):
    fc, df, train, fut = fitted
    f = fut[["unique_id", "ds", "x"]]
    first = fut.ds.min().date()
    with pytest.raises(DataError, match=rf"series 'a'.*end at .*{fut.ds.min() - pd.Timedelta(days=1):%Y-%m-%d}.*"
                                        rf"needs them up to {fut.ds.max():%Y-%m-%d}"):
        fc.forecast(H)
    with pytest.raises(DataError, match=r"series 'b' has no future rows"):
        fc.forecast(H, futr_df=f[f.unique_id == "a"])
    with pytest.raises(DataError, match=rf"series 'a' has no future value of \['x'\] at {first}"):
        fc.forecast(H, futr_df=f[f.ds > fut.ds.min()])
    with pytest.raises(DataError, match=r"series 'a' has no future value of \['x'\] at .*its rows end at"):
        fc.forecast(H + 2, futr_df=f)
    with pytest.raises(DataError, match=rf"covariate 'x' of series 'a' at {first} is missing"):
        fc.forecast(H, futr_df=f.assign(x=np.where(f.ds == fut.ds.min(), np.nan, f.x)))
    with pytest.raises(DataError, match=r"no covariate column 'x'"):
        fc.forecast(H, futr_df=f.drop(columns="x"))
    with pytest.raises(DataError, match=r"trained without covariates"):
        Forecaster(scope="global", **FAST).fit(train[["unique_id", "ds", "y"]]).forecast(H, futr_df=f)


@pytest.mark.parametrize("cell, what", [(np.nan, "missing"), (np.inf, "infinite"), ("abc", "not a number")])
def test_bad_covariate_values(cell, what):
    df, train, fut = driven()
    bad = train.astype({"x": object}).copy()
    bad.loc[bad.index[5], "x"] = cell
    day = bad.ds.iloc[5].date()
    with pytest.raises(DataError, match=rf"covariate 'x' of series 'a' at {day} is {what}"):
        Forecaster(**FAST).fit(bad, futr_exog=["x"])


def test_bad_columns_and_statics():
    df, train, fut = driven(ids=("a", "b"))
    with pytest.raises(DataError, match=r"no covariate column 'price'"):
        Forecaster(**FAST).fit(train, futr_exog=["price"])
    with pytest.raises(DataError, match=r"series 'a' has no value of covariate 'x' at 2000-01-03"):
        Forecaster(**FAST).fit(train.drop(index=2).assign(y=train.y.drop(index=2)), hist_exog=["x"],
                               fill="interpolate")
    with pytest.raises(DataError, match=r"'x' is both future and historical"):
        Forecaster(**FAST).fit(train, futr_exog=["x"], hist_exog=["x"])
    with pytest.raises(DataError, match=r"needs a static frame"):
        Forecaster(**FAST).fit(train, stat_exog=["size"])
    st = pd.DataFrame({"unique_id": ["a", "a"], "size": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"series 'a' has more than one row"):
        Forecaster(**FAST).fit(train, static_df=st, stat_exog=["size"])
    with pytest.raises(DataError, match=r"static: series 'b' has no row"):
        Forecaster(**FAST).fit(train, static_df=st.iloc[:1], stat_exog=["size"])
    with pytest.raises(DataError, match=r"static frame was given without stat_exog"):
        Forecaster(**FAST).fit(train, static_df=st.iloc[:1])


# CLI -------------------------------------------------------------------------------------------

CLI_FAST = ["--scope", "global", "--seeds", "2", "--steps", "300", "--direct-horizon", str(H), "--look-back", "8",
            "--transform", "none", "--quiet", "--combination", "lstm", "--keep-covariates"]


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cov")
    df, train, fut = driven(seed=11, ids=("a", "b"))
    df = df.assign(visits=np.round(np.random.default_rng(0).normal(size=len(df)), 3))
    df[df.ds < fut.ds.min()].to_csv(d / "train.csv", index=False)
    df.to_csv(d / "all.csv", index=False)
    fut[["unique_id", "ds", "x"]].to_csv(d / "future.csv", index=False)
    pd.DataFrame({"unique_id": ["a", "b"], "size": [1.0, 2.0]}).to_csv(d / "static.csv", index=False)
    return d, fut


def test_cli_future_template_round_trip(cli_files):
    from helpers import run_cli
    d, fut = cli_files
    code, _, err = run_cli("fit", d / "train.csv", "--futr-exog", "x", "--hist-exog", "visits", "--static",
                           d / "static.csv", "--stat-exog", "size", "--model", d / "m", *CLI_FAST)
    assert code == 0, err
    assert (d / "m" / "covariates.json").exists()
    code, _, err = run_cli("forecast", "--model", d / "m", "--horizon", H, "--future-template", d / "need.csv")
    assert code == 0, err
    need = pd.read_csv(d / "need.csv")
    assert list(need.columns) == ["unique_id", "ds", "x"] and len(need) == 2 * H and need.x.isna().all()
    filled = need.drop(columns="x").merge(fut.assign(ds=fut.ds.dt.strftime("%Y-%m-%d")), on=["unique_id", "ds"])
    filled[["unique_id", "ds", "x"]].to_csv(d / "filled.csv", index=False)
    code, _, err = run_cli("forecast", "--model", d / "m", "--horizon", H, "--future", d / "filled.csv",
                           "--out", d / "f.csv")
    assert code == 0, err
    f = pd.read_csv(d / "f.csv")
    assert np.abs(f["mean"].to_numpy() - fut.y.to_numpy()).mean() < 1.5
    # Bad inputs: exit 2, one line naming the problem, nothing written.
    cases = [
        (["forecast", "--model", d / "m", "--horizon", H, "--out", d / "no1.csv"],
         r"future covariates \['x'\] of series 'a' end at .*needs them up to"),
        (["forecast", "--model", d / "m", "--horizon", H + 1, "--future", d / "filled.csv", "--out", d / "no2.csv"],
         r"series 'a' has no future value of \['x'\] at"),
        (["fit", d / "train.csv", "--futr-exog", "price", "--model", d / "no3", *CLI_FAST],
         r"no covariate column 'price'"),
        (["fit", d / "train.csv", "--static", d / "static.csv", "--model", d / "no4", *CLI_FAST],
         r"--static needs --stat-exog"),
    ]
    for args, msg in cases:
        code, out, err = run_cli(*args)
        assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)
        import re
        assert re.search(msg, err), err
    assert not any((d / n).exists() for n in ("no1.csv", "no2.csv", "no3", "no4"))


def test_cli_evaluate_with_future_covariates(cli_files):
    from helpers import run_cli
    d, fut = cli_files
    code, out, err = run_cli("evaluate", d / "all.csv", "--horizon", H, "--models", "lstm,naive", "--futr-exog", "x",
                             "--json", *CLI_FAST)
    assert code == 0, err
    import json
    doc = json.loads(out)
    assert doc["models"]["lstm"]["mase"] < 0.5 * doc["models"]["naive"]["mase"]


def test_holiday_counts_match_the_holidays_package():
    import holidays

    from lstmcast.data.covariates import holiday_counts
    days = pd.date_range("2020-12-20", "2021-01-10", freq="D")
    got = holiday_counts(days, pd.offsets.Day(), "US")
    want = np.array([d in holidays.country_holidays("US", years=[2020, 2021]) for d in days.date], float)
    assert np.array_equal(got, want) and got.sum() == 2                    # Christmas, New Year
    months = pd.date_range("2021-01-01", periods=12, freq="MS")
    assert holiday_counts(months, pd.offsets.MonthBegin(), "US")[0] == 2  # New Year's Day, MLK Day
    with pytest.raises(DataError, match=r"unknown holiday country 'XX'"):
        holiday_counts(days, pd.offsets.Day(), "XX")


@pytest.mark.slow
def test_holidays_are_a_builtin_future_covariate():
    """Daily sales that jump on US holidays: no future file needed, the jump is forecast."""
    import holidays
    rng = np.random.default_rng(2)
    ds = pd.date_range("2018-01-01", "2020-12-31", freq="D")
    hol = np.array([d in holidays.country_holidays("US", years=range(2018, 2022)) for d in ds.date], float)
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": 20 + 10 * hol + 0.3 * rng.normal(size=len(ds))})
    fc = Forecaster(scope="local", seeds=2, epochs=10, horizon=H, look_back=8, transform="none")
    cut = ds.get_loc(pd.Timestamp("2020-11-20"))
    fc.fit(df.iloc[:cut], holidays="US")
    assert fc.cov_.futr_names[-1] == "holiday" and fc.make_future_frame(H).shape == (H, 2)
    assert fc.cov_choice_["calendar"]["holidays"] == "US"              # in every calendar variant, unvalidated
    f = fc.forecast(H).set_index("ds")["mean"]
    assert f[pd.Timestamp("2020-11-26")] > 27 and abs(f.drop(pd.Timestamp("2020-11-26")) - 20).max() < 3, f.round(1)


@pytest.mark.slow
def test_historical_covariate_helps_the_first_step_and_levels_work(fitted):
    """y_{t+1} = 10 + 3 v_t + noise, v known only up to the present: the one-step-ahead forecast uses it."""
    rng = np.random.default_rng(4)
    n = 300
    ds = pd.date_range("2000-01-01", periods=n + 1, freq="D")
    v = rng.normal(size=n + 1)
    y = np.r_[10.0, 10 + 3 * v[:-1]] + 0.1 * rng.normal(size=n + 1)
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": y, "v": v})
    kw = dict(scope="local", seeds=2, epochs=30, horizon=2, look_back=4, transform="none", **LOCAL_COV)
    errs = []
    for cols in (["v"], None):
        cv = Forecaster(**kw).cross_validation(df, h=1, n_windows=20, step_size=1, hist_exog=cols,
                                               refit=False)
        errs.append(np.abs(cv["lstm"] - cv["y"]).mean())
    assert errs[0] < 0.3 * errs[1], errs
    fc, df2, train, fut = fitted
    f = fc.forecast(H, futr_df=fut, level=[80])
    assert np.all(f["lo-80"] < f["mean"]) and np.all(f["mean"] < f["hi-80"])
