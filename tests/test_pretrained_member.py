"""The pretrained LSTM as a member of the combination (models/pretrained_member.py): the same numbers as the
network's own batched call, weighted by the same validation folds as AutoETS, saved and loaded unchanged."""
import numpy as np
import pytest

from lstmcast import Forecaster, datasets
from lstmcast.fit.combine import fold_mse
from lstmcast.models.pretrained import forecast_arrays
from lstmcast.models.pretrained_member import PretrainedMember
from lstmcast.models.statmembers import make_member, members


def _series(n=96, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n)


def test_member_forecasts_are_the_networks():
    ys = [_series(96, 0), _series(60, 1)]
    point, bounds = forecast_arrays(ys, 12, 12, [80])
    got = PretrainedMember.forecast_many(ys, 12, 12, [80])
    for j in range(2):
        np.testing.assert_array_equal(got[j]["mean"], point[j])
        np.testing.assert_array_equal(got[j]["lo-80"], bounds[80][0][j])
        np.testing.assert_array_equal(got[j]["hi-80"], bounds[80][1][j])
    mod = make_member("pretrained", 12).fit(ys[1])
    np.testing.assert_array_equal(mod.predict(12)["mean"], point[1])
    assert members("lstm+pretrained+ets") == ("lstm", "pretrained", "ets")


def test_fold_errors_batched_equal_one_origin_at_a_time():
    """fold_mse forecasts a fold's origins in one batched call; one call per origin gives the same errors."""
    y = _series(96)
    h, width = 12, 12
    got = fold_mse(y, h, 12, "pretrained", 1, width, None)
    cut = len(y) - h - width + 1
    se = np.zeros(h)
    for o in range(cut - 1, cut + width - 1):
        f = PretrainedMember(12).forward(y[: o + 1], h)["mean"]
        se += (f - y[o + 1: o + 1 + h]) ** 2
    np.testing.assert_allclose(got, se / width, rtol=1e-6)


@pytest.mark.slow
def test_combination_with_the_pretrained_member_saves_and_loads(tmp_path):
    y = datasets.airline()
    fc = Forecaster(seeds=2, epochs=4, model="lstm+pretrained+ets").fit(y)
    assert fc.members_ == ("lstm", "pretrained", "ets")
    w = fc.weights_[0]
    assert set(w) == {"lstm", "pretrained", "ets"} and np.allclose(np.sum([w[k] for k in w], axis=0), 1.0)
    f = fc.forecast(12, level=[80])
    fc.save(tmp_path / "m")
    g = Forecaster.load(tmp_path / "m").forecast(12, level=[80])
    np.testing.assert_allclose(f[["mean", "lo-80", "hi-80"]], g[["mean", "lo-80", "hi-80"]], rtol=1e-12)


@pytest.mark.slow
def test_a_combination_without_a_trained_lstm(tmp_path):
    """model='pretrained+ets+arima' trains no network: each member fits the series, the weights come from the
    members' own errors on the validation folds (fold_mse, by hand here for one member), and the model saves,
    loads and backtests like any other."""
    y = datasets.airline()
    fc = Forecaster(model="pretrained+ets+arima").fit(y)
    assert fc.members_ == ("pretrained", "ets", "arima") and fc.ensemble_ is None and fc.diffs_ == {}
    w = fc.weights_[0]
    np.testing.assert_allclose(np.sum([w[k] for k in w], axis=0), 1.0, atol=1e-5)     # weights kept to 6 decimals
    h = fc.spec_.recipe.h
    mse = {n: fold_mse(y.to_numpy(), h, 12, n, 3, 12, fc.stat_fits_[n][0]) for n in ("pretrained", "ets", "arima")}
    first = {n: 1 / mse[n][0] for n in mse}
    assert w["pretrained"][0] == pytest.approx(first["pretrained"] / sum(first.values()), rel=1e-5)
    f = fc.forecast(12, level=[80])
    assert set(f["model"]) == {"pretrained+ets+arima"} and np.isfinite(f[["mean", "lo-80", "hi-80"]]).all().all()
    assert fc.per_series_["model"].tolist() == ["pretrained+ets+arima"]
    fc.save(tmp_path / "m")
    g = Forecaster.load(tmp_path / "m")
    assert g.members_ == fc.members_ and g.ensemble_ is None
    np.testing.assert_allclose(g.forecast(12, level=[80])[["mean", "lo-80", "hi-80"]],
                               f[["mean", "lo-80", "hi-80"]], rtol=1e-9)
    cv = Forecaster(model="pretrained+ets").cross_validation(y, h=6, n_windows=2)
    assert {"combo", "lstm"} <= set(cv.columns) and np.isfinite(cv[["combo", "lstm"]]).all().all()


@pytest.mark.parametrize("factor", [1e-9, 1e12])
def test_member_is_scale_free(factor):
    """The network sees each window in its own units (relative floors only): a series times 1e-9 or 1e12
    forecasts as the series does, times the factor (an absolute floor of 1e-8 once bent the 1e-9 one's
    forecasts), and an all-zero series forecasts zeros."""
    y = _series(96, 0)
    want = PretrainedMember.forecast_many([y], 12, 12, [80])[0]
    got = PretrainedMember.forecast_many([y * factor], 12, 12, [80])[0]
    for k in ("mean", "lo-80", "hi-80"):
        np.testing.assert_allclose(got[k], want[k] * factor, rtol=1e-5)
    zero = PretrainedMember.forecast_many([np.zeros(60)], 12, 12, [80])[0]
    assert np.all(np.isfinite(zero["mean"])) and np.allclose(zero["mean"], 0.0)
