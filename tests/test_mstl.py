"""SeasonalETS (models/mstl.py): AutoETS after removing a day and a week of half-hours, against the truth of
a noise-free series and against statsforecast's MSTL with an AutoETS trend (the independent reference)."""
import numpy as np
import pytest

from lstmcast.data.seasons import all_seasons, season_length_for, season_phase
from lstmcast.models.mstl import SeasonalETS, needs_seasonal_ets
from lstmcast.models.statmembers import fit_stats, make_member


def half_hourly(n, noise=0.0, seed=0):
    t = np.arange(n)
    day = 10 * np.sin(2 * np.pi * t / 48) + 4 * np.cos(4 * np.pi * t / 48)
    week = np.where((t // 48) % 7 >= 5, -8.0, 2.0)
    return 200 + 0.01 * t + day + week + np.random.default_rng(seed).normal(0, noise, n)


def test_seasons_of_sub_daily_frequencies():
    assert [season_length_for(f) for f in ("30min", "30T", "h", "15min", "min", "2h", "MS", "D")] == \
        [48, 48, 24, 96, 60, 1, 12, 7]
    assert all_seasons(48, 672) == (48, 336) and all_seasons(48, 671) == (48,) and all_seasons(12, 10**5) == (12,)
    import pandas as pd
    assert season_phase(pd.Timestamp("2024-03-01 13:30"), 48) == 27
    assert season_phase(pd.Timestamp("2024-03-01 13:30"), 24) == 13
    assert needs_seasonal_ets(48, 100) and needs_seasonal_ets(24, 400) and not needs_seasonal_ets(24, 300)
    assert not needs_seasonal_ets(12, 10**4)


def test_noise_free_day_and_week_are_forecast_exactly_enough():
    y = half_hourly(48 * 7 * 6 + 48)
    mod = make_member("ets", 48, len(y) - 96).fit(y[:-96])
    assert isinstance(mod, SeasonalETS) and [p for p, _ in mod.profiles] == [48, 336]
    f = mod.predict(96, level=[80])
    np.testing.assert_allclose(f["mean"], y[-96:], atol=0.5)            # components exact up to the trend
    assert np.all(f["lo-80"] <= f["mean"]) and np.all(f["hi-80"] >= f["mean"])
    # newer observations: the same forecast as a member fitted on them, within the noise-free tolerance
    g = mod.forward(y[:-48], 48)
    np.testing.assert_allclose(g["mean"], y[-48:], atol=0.5)


def test_close_to_statsforecast_mstl_on_a_noisy_series():
    from statsforecast.models import MSTL, AutoETS
    y = half_hourly(48 * 7 * 4, noise=1.0)
    train, test = y[:-48], y[-48:]
    ours = SeasonalETS(48).fit(train).predict(48)["mean"]
    ref = MSTL(season_length=[48, 336], trend_forecaster=AutoETS(model="ZZN")).fit(train).predict(48)["mean"]
    mae = lambda f: np.mean(np.abs(f - test))  # noqa: E731
    assert mae(ours) < 1.5 and mae(ours) < 1.25 * mae(ref)
    np.testing.assert_allclose(ours, ref, atol=3.0)


def test_fit_stats_takes_the_seasonal_member_for_long_half_hourly_series_only():
    fits = fit_stats([half_hourly(800), half_hourly(200)], [0, 1], 48, ("ets",))["ets"]
    assert isinstance(fits[0], SeasonalETS)
    assert isinstance(fits[1], SeasonalETS)       # season 48 > 24: AutoETS alone cannot model it
    assert [p for p, _ in fits[1].profiles] == [48]
    monthly = fit_stats([half_hourly(120)], [0], 12, ("ets",))["ets"]
    assert not isinstance(monthly[0], SeasonalETS)


@pytest.mark.slow
def test_a_half_hourly_model_saves_loads_and_forecasts_the_same(tmp_path):
    """The SeasonalETS member is not stored: a loaded model refits it on the stored values, the same forecast."""
    import pandas as pd

    from lstmcast import Forecaster
    y = pd.Series(half_hourly(48 * 7 * 3, noise=0.5),
                  index=pd.date_range("2024-01-01", periods=48 * 7 * 3, freq="30min"))
    fc = Forecaster(epochs=1, seeds=1, units=(2,), diff=(48,), model="lstm+ets", calendar=False).fit(y)
    assert fc.m_ == 48
    a = fc.forecast(48)
    fc.save(tmp_path / "m")
    b = Forecaster.load(tmp_path / "m").forecast(48)
    np.testing.assert_allclose(b["mean"].to_numpy(), a["mean"].to_numpy(), rtol=1e-9)
    member = fc.stat_fits_["ets"][0]
    assert isinstance(member, SeasonalETS) and [p for p, _ in member.profiles] == [48, 336]
    # the daily and weekly profiles are in its forecast (a flat line would miss by up to 20)
    truth = half_hourly(48 * 7 * 3 + 48)[-48:]                                   # noise-free continuation
    np.testing.assert_allclose(member.predict(48)["mean"], truth, atol=2.0)


def test_evaluate_leaves_the_slow_arima_baseline_out_of_its_defaults_only():
    import argparse

    import pandas as pd

    from lstmcast.cli.evaluate import DEFAULT_MODELS_FLAG, _without_slow_arima
    from lstmcast.data.panel import as_panel
    notes = []
    con = argparse.Namespace(note=notes.append)
    ds = pd.date_range("2024-01-01", periods=48 * 7 * 4, freq="30min")
    long = as_panel(pd.DataFrame({"ds": ds, "y": half_hourly(len(ds))}))
    models = DEFAULT_MODELS_FLAG.split(",")
    args = argparse.Namespace(models=None, data="x.csv", season_length=None)
    assert _without_slow_arima(models, args, long, con) == [m for m in models if m != "arima"]
    assert "AutoARIMA baseline is left out: its search on 1344 values with season 48" in notes[0]
    asked = argparse.Namespace(models=DEFAULT_MODELS_FLAG, data="x.csv", season_length=None)
    assert _without_slow_arima(models, asked, long, con) == models                      # named: it runs
    short = as_panel(pd.DataFrame({"ds": ds[:200], "y": half_hourly(200)}))
    assert _without_slow_arima(models, args, short, con) == models                      # 200 x 48 <= 12,000
