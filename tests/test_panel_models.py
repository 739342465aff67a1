"""Panels: N series in, N forecasts out; local and global scope; fallbacks; no leakage; the CLI path."""
import json

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmcast import Forecaster
from lstmcast.data import DataError

LOCAL = dict(epochs=3, seeds=2, units=(4,), look_back=6, scope="local", diff=(1,), model="lstm")
GLOBAL = dict(steps=30, batch_size=32, seeds=2, units=(4,), scope="global", model="lstm")


def _panel(n_series=4, seed=0, lengths=(60, 90)):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_series):
        n = int(rng.integers(*lengths))
        t = np.arange(n)
        y = (50 + 20 * i) * (1 + 0.01 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12 + i)) * np.exp(rng.normal(0, .03, n))
        start = pd.Timestamp("2000-01-01") + pd.DateOffset(months=int(rng.integers(0, 12)))
        rows.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range(start, periods=n, freq="MS"), "y": y}))
    return pd.concat(rows, ignore_index=True)


def test_local_panel_of_copies_equals_the_single_series():
    df = _panel(1)
    y = df.set_index("ds")["y"].asfreq("MS")
    alone = Forecaster(**LOCAL).fit(y).forecast(7)
    copies = pd.concat([df.assign(unique_id=f"c{k}") for k in range(3)])
    many = Forecaster(**LOCAL).fit(copies).forecast(7)
    assert len(many) == 21 and list(many["unique_id"].unique()) == ["c0", "c1", "c2"]
    for k in range(3):
        np.testing.assert_allclose(many.loc[many["unique_id"] == f"c{k}", "mean"], alone["mean"], rtol=1e-5)


@pytest.mark.parametrize("kw", [LOCAL, GLOBAL])
def test_row_order_changes_nothing(kw):
    df = _panel(3)
    a = Forecaster(**kw).fit(df).forecast(5)
    b = Forecaster(**kw).fit(df.sample(frac=1, random_state=3)).forecast(5)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("kw", [LOCAL, GLOBAL])
def test_no_leakage_after_a_cutoff(kw):
    df = _panel(3, lengths=(70, 80))
    cv1 = Forecaster(**kw).cross_validation(df, h=4, n_windows=2)
    first = cv1.groupby("unique_id")["cutoff"].transform("min")
    df2 = df.merge(cv1[["unique_id"]].assign(cut=first).drop_duplicates(), on="unique_id")
    df2.loc[df2["ds"] > df2["cut"], "y"] *= 3.0
    cv2 = Forecaster(**kw).cross_validation(df2.drop(columns="cut"), h=4, n_windows=2)
    is_first = cv1["cutoff"] == first
    np.testing.assert_array_equal(cv1.loc[is_first, "lstm"].to_numpy(), cv2.loc[is_first, "lstm"].to_numpy())
    assert not np.allclose(cv1.loc[~is_first, "y"], cv2.loc[~is_first, "y"])     # later windows did change


def test_bad_series_fall_back_and_are_reported():
    df = _panel(3)
    short = pd.DataFrame({"unique_id": "short", "ds": pd.date_range("2001-01-01", periods=9, freq="MS"),
                          "y": np.arange(9.0) + 1})
    const = pd.DataFrame({"unique_id": "const", "ds": pd.date_range("2001-01-01", periods=40, freq="MS"), "y": 7.0})
    nan = pd.DataFrame({"unique_id": "nan", "ds": pd.date_range("2001-01-01", periods=40, freq="MS"),
                        "y": np.r_[np.arange(20.0) + 1, np.nan, np.arange(19.0) + 22]})
    fc = Forecaster(**LOCAL).fit(pd.concat([df, short, const, nan]))
    ps = fc.per_series_.set_index("unique_id")
    assert ps.loc["short", "status"] == "too_short" and ps.loc["const", "status"] == "constant"
    assert ps.loc["nan", "status"] == "missing"
    assert (ps.loc[["s0", "s1", "s2"], "model"] == "lstm").all()
    out = fc.forecast(12).set_index("unique_id")
    assert out.loc["const", "model"].eq("snaive-fallback").all() and np.allclose(out.loc["const", "mean"], 7.0)
    assert out.loc["short", "model"].eq("naive-fallback").all() and np.allclose(out.loc["short", "mean"], 9.0)
    # seasonal naive of the nan series: its last 12 values (carried forward over the gap), by hand
    np.testing.assert_allclose(out.loc["nan", "mean"], np.arange(19.0)[-12:] + 22)
    assert np.isfinite(out["mean"]).all()
    from lstmcast.fit.fitting import summary_line
    assert summary_line(fc.panel_) == "3 of 6 series fall back to a baseline: 1 too short, 1 constant, 1 missing values"
    with pytest.raises(DataError, match="strict mode"):
        Forecaster(**LOCAL).fit(pd.concat([df, short]), strict=True)


def test_series_beyond_the_magnitudes_the_models_fit_fall_back_and_are_reported():
    """Squared validation errors of values near 1e160 leave float64 (1e320) and those of 1e-160 underflow: a
    series whose typical size (median magnitude) is beyond 1e+-150 falls back to seasonal naive (scale-free),
    flagged with its reason; one typo of 1e300 in an ordinary series does not (data/extremes.py notes it)."""
    df = _panel(2, lengths=(40, 41))
    big = df[df.unique_id == "s0"].assign(unique_id="big", y=lambda d: d.y * 1e200)
    tiny = df[df.unique_id == "s1"].assign(unique_id="tiny", y=lambda d: d.y * 1e-170)
    typo = df[df.unique_id == "s1"].assign(unique_id="typo")
    typo.loc[typo.index[20], "y"] *= 1e300
    fc = Forecaster(**LOCAL).fit(pd.concat([df, big, tiny, typo]))
    ps = fc.per_series_.set_index("unique_id")
    assert list(ps.loc[["big", "tiny"], "status"]) == ["magnitude", "magnitude"]
    assert (ps.loc[["s0", "s1", "typo"], "status"] == "ok").all()
    t = np.median(big.y)
    assert ps.loc["big", "reason"].startswith(f"values of typical size {t:.3g} (median magnitude; the largest: ")
    out = fc.forecast(12).set_index("unique_id")
    for name, part in (("big", big), ("tiny", tiny)):           # seasonal naive: the last 12 values, by hand
        assert out.loc[name, "model"].eq("snaive-fallback").all()
        np.testing.assert_array_equal(out.loc[name, "mean"], part.y.to_numpy()[-12:])
    from lstmcast.fit.fitting import summary_line
    assert summary_line(fc.panel_) == ("2 of 5 series fall back to a baseline: "
                                       "2 too large or too small (beyond 1e+-150)")
    def later(part, k=1.0):               # the next 12 months of a series, its last year again, times k
        return part.tail(12).assign(ds=lambda d: d.ds + pd.DateOffset(years=1), y=lambda d: d.y * k)
    newer = fc.forecast(12, df=pd.concat([later(big), later(df[df.unique_id == "s0"])])).set_index("unique_id")
    np.testing.assert_array_equal(newer.loc["big", "mean"], big.y.to_numpy()[-12:])   # its units, still naive
    with pytest.raises(DataError, match=r"series 's0' has values of typical size \S+ after \S+, beyond the "
                                        r"1e-150 to 1e150 the models fit; give them in the training data's units"):
        fc.forecast(3, df=later(df[df.unique_id == "s0"], 1e200))           # a units mistake in newer data
    with pytest.raises(DataError, match=r"series 'big', column 'y': values of typical size .* multiply the "
                                        r"column by a power of ten to bring its values between 1e-150 and 1e150"):
        Forecaster(**LOCAL).fit(pd.concat([df, big]), strict=True)


def test_global_scope_is_scale_equivariant():
    """Each series is logged and standardised on its own: a series x10 gets the same network inputs, so the
    same trained network and exactly 10x the forecasts; the other series' forecasts do not move."""
    df = _panel(3)
    a = Forecaster(**GLOBAL).fit(df).forecast(6)
    df2 = df.copy()
    df2.loc[df2["unique_id"] == "s1", "y"] *= 10
    b = Forecaster(**GLOBAL).fit(df2).forecast(6)
    one = a["unique_id"] == "s1"
    np.testing.assert_allclose(b.loc[one, "mean"], 10 * a.loc[one, "mean"], rtol=1e-5)
    np.testing.assert_allclose(b.loc[~one, "mean"], a.loc[~one, "mean"], rtol=1e-5)


def test_global_level_norm_windows_by_hand():
    """With level_norm each window's inputs and targets are measured from its last input value."""
    from lstmcast.models.lstm import Recipe, windows
    from lstmcast.prep.pipes import fit_pipes
    v = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0, 22.0])
    pipes = fit_pipes([v], transform="none", diff=(), scale="standard")
    x, t = windows(Recipe(m=1, look_back=3, h=2, level_norm=True), pipes, v)
    z = (v - v.mean()) / v.std()
    np.testing.assert_allclose(x[0, :, 0], z[:3] - z[2], rtol=1e-6)
    np.testing.assert_allclose(t[0], z[3:5] - z[2], rtol=1e-6)
    assert x.shape == (3, 3, 1) and t.shape == (3, 2)


@pytest.mark.slow
def test_auto_scope_reports_its_choice():
    fc = Forecaster(**{**LOCAL, "scope": "auto", "steps": None}).fit(_panel(3))
    assert fc.scope_ in ("local", "global") and set(fc.scope_scores_) == {"local", "global"}
    assert fc.scope_ == min(fc.scope_scores_, key=lambda k: (fc.scope_scores_[k], k != "global"))


def test_cross_validation_frame_matches_statsforecasts_shape():
    df = _panel(2, lengths=(60, 61))
    cv = Forecaster(**LOCAL).cross_validation(df, h=3, n_windows=2, step_size=2)
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "lstm"]
    for key, part in cv.groupby("unique_id"):
        s = df[df["unique_id"] == key].set_index("ds")["y"]
        assert list(part["cutoff"].unique()) == [s.index[-6], s.index[-4]]
        np.testing.assert_allclose(part["y"], s.loc[part["ds"]].to_numpy())


@pytest.mark.slow
def test_cli_panel_fit_forecast_and_round_trip(tmp_path):
    df = _panel(3)
    df.loc[df["unique_id"] == "s2", "y"] = 5.0                    # one constant series falls back
    csv = tmp_path / "panel.csv"
    df.to_csv(csv, index=False)
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "m", "--epochs", "2", "--seeds", "2",
                             "--units", "4", "--scope", "local", "--diff", "1", "--per-series", tmp_path / "ps.csv")
    assert code == 0, err
    assert "read as a panel: 3 series" in err and "1 of 3 series falls back to a baseline" in err
    ps = pd.read_csv(tmp_path / "ps.csv")
    assert list(ps["status"]) == ["ok", "ok", "constant"]
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "4", "--json")
    assert code == 0, err
    doc = json.loads(out)["forecast"]
    # the default model, and the fallback
    assert len(doc) == 12 and {r["model"] for r in doc} == {"lstm+pretrained+ets+arima", "snaive-fallback"}
    back = Forecaster.load(tmp_path / "m")
    fresh = back.forecast(4)
    np.testing.assert_allclose(fresh["mean"], [r["mean"] for r in doc])
    assert back.scope_ == "local" and len(back.panel_) == 3


@pytest.mark.slow
def test_evaluate_on_a_panel_ranks_by_mean_mase(tmp_path):
    df = _panel(3, lengths=(50, 51))
    csv = tmp_path / "p.csv"
    df.to_csv(csv, index=False)
    code, out, err = run_cli("evaluate", csv, "--horizon", "6", "--windows", "2", "--models", "lstm,naive,snaive",
                             "--epochs", "2", "--seeds", "2", "--units", "4", "--scope", "local", "--json",
                             "--per-series", tmp_path / "s.csv")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["series"] == 3 and doc["fallbacks"] == 0
    t = pd.read_csv(tmp_path / "s.csv")
    for m in ("lstm", "naive", "snaive"):
        s = doc["models"][m]
        assert s["mase"] == pytest.approx(t[f"mase_{m}"].mean())
        assert s["mase_median"] == pytest.approx(t[f"mase_{m}"].median())
        assert s["mase_gmean"] == pytest.approx(np.exp(np.log(t[f"mase_{m}"]).mean()))
        assert s["wins"] == int((t["best"] == m).sum())


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 30), st.text("abcXY09", min_size=1, max_size=4)),
                min_size=1, max_size=4, unique_by=lambda t: t[2]), st.integers(1, 5))
def test_random_panels_never_crash(specs, h):
    rng = np.random.default_rng(len(specs))
    df = pd.concat([pd.DataFrame({"unique_id": name, "ds": pd.date_range("2000-01-01", periods=n, freq="MS")
                                  + pd.DateOffset(months=start), "y": rng.normal(10, 2, n).round(2)})
                    for n, start, name in specs])
    kw = dict(epochs=2, seeds=2, units=(3,), look_back=3, horizon=2, scope="local", diff=(1,))
    try:
        fc = Forecaster(**kw).fit(df)
    except DataError as e:     # every series unusable: one line naming the first
        assert "\n" not in str(e)
        return
    out = fc.forecast(h)
    assert len(out) == h * len(fc.panel_) and np.isfinite(out["mean"]).all()
    try:
        cv = fc.cross_validation(df, h=h, n_windows=1)
    except DataError as e:
        assert "\n" not in str(e)
        return
    assert np.isfinite(cv["lstm"]).all() and np.isfinite(cv["combo"]).all()   # the default: LSTM + AutoETS


@pytest.mark.slow
def test_padding_rows_and_datasets_are_inert():
    """Local training pads windows to shared bucket sizes and stacks series in chunks: the padding (rows
    of weight 0, empty datasets) changes no real series' training."""
    from lstmcast.engine.train import TrainConfig
    from lstmcast.models.lstm import Recipe, windows
    from lstmcast.models.lstm_calls import train_local
    from lstmcast.prep.pipes import fit_pipes
    df = _panel(2)
    vals = [g["y"].to_numpy() for _, g in df.groupby("unique_id")]
    rec = Recipe(m=12, look_back=6, h=3, units=(4,))
    pipes = fit_pipes(vals, "auto", (1,), "standard")
    data = [windows(rec, pipes.take([r]), v) for r, v in enumerate(vals)]
    tc = TrainConfig(epochs=3, batch_size=8, learning_rate=1e-3, row_keys=True)
    a, _ = train_local(rec, tc, data, 2, 0)
    b, _ = train_local(rec, tc, data, 2, 0, pad_to=300)
    c, _ = train_local(rec, tc, data[:1], 2, 0)
    np.testing.assert_allclose(a["dense"]["kernel"], b["dense"]["kernel"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a["lstm"][0]["kernel"][:1], c["lstm"][0]["kernel"], rtol=1e-5, atol=1e-6)


def test_local_chunks_return_each_series_its_own_training():
    """train_local groups datasets of similar window counts into its chunks (and pads each chunk to a
    multiple of 8 datasets): every dataset gets back its own training whatever the order it came in."""
    from lstmcast.engine.train import TrainConfig
    from lstmcast.models.lstm import Recipe
    from lstmcast.models.lstm_calls import train_local
    rng = np.random.default_rng(3)
    rec = Recipe(m=4, look_back=4, h=2, units=(3,))
    data = [(rng.normal(size=(n, 4, 1)).astype(np.float32), rng.normal(size=(n, 2)).astype(np.float32))
            for n in (20, 9, 17, 10, 19, 12, 9)]
    tc = TrainConfig(epochs=2, batch_size=4, learning_rate=1e-2, row_keys=True)
    a, ma = train_local(rec, tc, data, 2, 0)
    b, mb = train_local(rec, tc, data[::-1], 2, 0)
    np.testing.assert_array_equal(a["dense"]["kernel"], b["dense"]["kernel"][::-1])
    np.testing.assert_array_equal(ma["loss"], mb["loss"][::-1])
    c, _ = train_local(rec, tc, data[1:2], 2, 0)     # alone: the same training as among the others
    np.testing.assert_allclose(a["lstm"][0]["kernel"][1:2], c["lstm"][0]["kernel"], rtol=1e-5, atol=1e-6)


def test_one_series_trains_one_dataset_not_a_padded_chunk(monkeypatch):
    """Inert padding datasets cost in full: a single series must not be padded to a chunk of 8."""
    from lstmcast import datasets
    from lstmcast.engine import programs
    widths, real = [], programs.Program.__call__

    def spy(self, *args):
        if self.name == "train":
            widths.append(np.shape(args[1])[0])
        return real(self, *args)
    monkeypatch.setattr(programs.Program, "__call__", spy)
    Forecaster(model="lstm", seeds=2, epochs=2, diff=(12,)).fit(datasets.airline().iloc[:72])
    assert widths and set(widths) == {1}, widths
