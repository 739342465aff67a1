"""The pretrained LSTM fine-tuned on the data (`pretrained-ft`): windows and split by hand, early stopping,
a pattern zero-shot cannot know, model files, update() and fit --init."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import check_error, run_cli, write_series

from lstmcast import Forecaster
from lstmcast.errors import DataError
from lstmcast.models import pretrained_ft as P
from lstmcast.models.pretrained import forecast_arrays
from lstmcast.models.statmembers import members
from lstmcast.pretrain import net


def _saw(n=132, seed=1):
    """A period-7 sawtooth in monthly data: a pattern the season (12) does not describe."""
    t = np.arange(n)
    return 50 + 5 * (t % 7) + np.random.default_rng(seed).normal(0, 0.5, n)


def _monthly(v, start="2010-01"):
    return pd.Series(v, index=pd.date_range(start, periods=len(v), freq="MS"))


def test_windows_mask_their_targets_at_the_split_and_match_a_hand_computation():
    cfg = net.NetConfig(context=16, horizon=6, units=(4,))
    y = np.arange(40.0) ** 1.5
    rows = np.array([[0, 10], [0, 30], [0, 37]])
    x, base, target, tmask = P.windows([y], rows, 1, cfg, ends=[33])
    assert tmask.sum(1).tolist() == [6, 3, 0]           # targets end at the split (33); past it nothing counts
    # hand: context y[t-16:t] (left-padded), level = the last value (season 1), scale = mean |first difference|
    t = 30
    c = y[t - 16:t]
    level, scale = c[-1], np.mean(np.abs(np.diff(c)))
    np.testing.assert_allclose(target[1, :3], (y[t:t + 3] - level) / scale, rtol=1e-5)
    assert x.shape == (3, 16, net.N_FEATURES) and np.all(x[0, :6, 3] == 0) and np.all(x[0, 6:, 3] == 1)


def test_origins_cover_the_ranges_and_subsample_to_the_cap():
    rng = np.random.default_rng(0)
    o = P.origins(np.array([20, 15]), [10, 10], [20, 12], 100, rng)
    assert o.tolist() == [[0, t] for t in range(10, 20)] + [[1, 10], [1, 11]]
    small = P.origins(np.array([500]), [10], [500], 50, rng)
    assert len(small) == 50 and len(set(small[:, 1])) == 50 and np.all(np.diff(small[:, 1]) > 0)


def test_early_stopping_keeps_zero_shot_unless_the_split_improves_by_the_margin(monkeypatch):
    assert P.chosen_steps([(0, 1.0), (20, 0.9), (40, 0.8), (60, 0.85)]) == 40
    assert P.chosen_steps([(0, 1.0), (20, 1.1), (40, 1.2)]) == 0
    assert P.chosen_steps([(0, 1.0), (20, float("nan"))]) == 0
    monkeypatch.setattr(P, "MARGIN", 0.05)
    assert P.chosen_steps([(0, 1.0), (20, 0.97)]) == 0 and P.chosen_steps([(0, 1.0), (20, 0.9)]) == 20
    assert [P.split_len(n, 12) for n in (40, 200, 25, 15)] == [10, 12, 6, 0]


@pytest.mark.slow
def test_fine_tuning_beats_zero_shot_on_a_pattern_it_did_not_know(monkeypatch):
    monkeypatch.setattr(P, "STEPS", 100)    # a third of the budget is plenty: MASE 0.32 against zero-shot's 0.67
    y = _saw()
    train, test = y[:-12], y[-12:]
    scale = np.mean(np.abs(train[12:] - train[:-12]))                    # MASE's in-sample seasonal naive
    zs = forecast_arrays([train], 12, 12)[0][0]
    mod = P.FinetunedMember(12).fit(train)
    ft = mod.predict(12)["mean"]
    mase_zs, mase_ft = np.mean(np.abs(zs - test)) / scale, np.mean(np.abs(ft - test)) / scale
    assert mod.tuned.steps > 0 and mod.tuned.curve[0][0] == 0
    assert min(c[1] for c in mod.tuned.curve) < mod.tuned.curve[0][1]   # the split's loss fell below zero-shot's
    assert mase_ft < 0.9 * mase_zs, (mase_ft, mase_zs)


def test_member_names_parse():
    assert members("lstm+pretrained-ft+ets+arima") == ("lstm", "pretrained-ft", "ets", "arima")
    assert members("pretrained-ft") == ("pretrained-ft",)
    with pytest.raises(DataError, match="members joined by"):
        members("pretrained-ft+lstm")


@pytest.mark.slow
def test_saved_model_forecasts_the_same_and_update_moves_the_origin(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "STEPS", 20)                          # the files and dates are the point here, not accuracy
    y = _monthly(_saw(120))
    fc = Forecaster(model="pretrained-ft+ets").fit(y[:100])
    assert fc.members_ == ("pretrained-ft", "ets") and set(fc.weights_[0]) == {"pretrained-ft", "ets"}
    before = fc.forecast(4, level=[80])
    fc.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["series"]["ft_states"][0]["series"] == [0]
    mod = fc.stat_fits_["pretrained-ft"][0]
    fold = mod.refit(y[:88].to_numpy())     # a validation fold: tuned afresh on its past, the same step count
    assert mod.tuned.steps > 0 and fold.tuned is not mod.tuned and fold.tuned.steps == mod.tuned.steps
    assert config["series"]["ft_states"][0]["net"]["units"] == list(fc.stat_fits_["pretrained-ft"][0].tuned.cfg.units)
    again = Forecaster.load(tmp_path / "m").forecast(4, level=[80])
    pd.testing.assert_frame_equal(before, again)
    old = fc.stat_fits_["pretrained-ft"][0].tuned
    fc.update(y[100:])                                           # only the newer rows
    assert len(fc.panel_.values[0]) == 120 and fc.stat_fits_["pretrained-ft"][0].tuned.init is old
    after = fc.forecast(4)
    assert before["ds"].iloc[0] == pd.Timestamp("2018-05-01") and after["ds"].iloc[0] == pd.Timestamp("2020-01-01")
    same = Forecaster.load(tmp_path / "m").update(y).forecast(4)   # the whole history: the same fit
    np.testing.assert_allclose(same["mean"], after["mean"])
    with pytest.raises(DataError, match="must continue after 2019-12-01"):
        fc.update(y[110:].set_axis(pd.date_range("2021-01", periods=10, freq="MS")))


def test_update_refuses_a_model_with_nothing_to_start_from():
    fc = Forecaster(model="pretrained+ets").fit(_monthly(_saw(60)))
    with pytest.raises(DataError, match="no fine-tuned pretrained LSTM to start from .*pretrained\\+ets"):
        fc.update(_monthly(_saw(72)))


@pytest.mark.slow
def test_fit_init_cli_updates_and_refuses_mismatched_data(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "STEPS", 20)
    v = _saw(100)
    write_series(tmp_path / "old.csv", v[:80])
    write_series(tmp_path / "new.csv", v)
    code, out, err = run_cli("fit", tmp_path / "old.csv", "--model", tmp_path / "m", "--combination",
                             "pretrained-ft", "--quiet")
    assert code == 0, err
    code, out, err = run_cli("fit", tmp_path / "new.csv", "--model", tmp_path / "m2", "--init", tmp_path / "m")
    assert code == 0 and "--init" in err, err
    code, out, err = run_cli("forecast", "--model", tmp_path / "m2", "--horizon", "2")
    assert code == 0 and "2008-05-01" in out, out             # 100 months from 2000-01: the origin moved
    write_series(tmp_path / "q.csv", v, freq="QS")
    check_error(*run_cli("fit", tmp_path / "q.csv", "--model", tmp_path / "m3", "--init", tmp_path / "m"),
                r"frequency 'QS-OCT' differs from --init .*'MS'")
    check_error(*run_cli("fit", tmp_path / "new.csv", "--model", tmp_path / "m4", "--init", tmp_path / "nope"),
                "no such model directory")


@pytest.mark.slow
def test_a_corrupt_fine_tuned_network_in_a_model_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "STEPS", 20)
    fc = Forecaster(model="pretrained-ft").fit(_monthly(_saw(48)))
    fc.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["ft.0.dense.bias"] = arrays["ft.0.dense.bias"][:-1]
    np.savez(tmp_path / "m" / "weights.npz", **arrays)
    check_error(*run_cli("forecast", "--model", tmp_path / "m", "--horizon", "2"), "ft.0.dense.bias has shape")


@pytest.mark.slow
def test_a_panel_shares_one_fine_tuned_network_and_saves_it_once(monkeypatch):
    monkeypatch.setattr(P, "STEPS", 20)
    values = [_saw(60, seed=1), _saw(48, seed=2) * 3, np.full(30, 5.0)]      # series 2: not in the fit
    fits = P.fit_many(values, [0, 1], 12)
    assert fits[0].tuned is fits[1].tuned and fits[0].y is not fits[1].y
    states, arrays = P.to_file({P.NAME: fits})
    assert [s["series"] for s in states] == [[0, 1]] and set(arrays) == set(P.expected_shapes(states))
    back = P.from_file(states, arrays, values, 12, {0, 1, 2}, "m")
    for i in (0, 1):
        np.testing.assert_allclose(back[i].predict(6)["mean"], fits[i].predict(6)["mean"], rtol=1e-6)
    with pytest.raises(DataError, match="series 0 is not one"):
        P.from_file(states, arrays, values, 12, {1}, "m")
