"""Issue 15's adversarial inputs, each pinned to its one-line message: flags, resources, non-finite values,
time zones and dialects, untrusted model directories (CLI: exit 2, nothing written; API: DataError)."""
import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from helpers import WAVE, check_error, run_cli, write_series

from lstmcast import Forecaster
from lstmcast.data import load_csv, validate_panel
from lstmcast.engine import plan
from lstmcast.errors import DataError, assert_finite
from lstmcast.prep.transforms import Pipeline, fit_pipeline

FAST = ["--epochs", "1", "--seeds", "1", "--diff", "1"]


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    return write_series(tmp_path_factory.mktemp("d") / "s.csv", WAVE)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("m") / "model"
    y = pd.Series(WAVE, index=pd.date_range("2000-01-01", periods=48, freq="MS"))
    Forecaster(epochs=1, seeds=2, diff=(1,)).fit(y).save(d)
    return d


def _fast_without(extra):
    """FAST minus the flags (and their values) that a case sets itself."""
    return [x for i, x in enumerate(FAST) if FAST[i - (i % 2)] not in extra]


@pytest.fixture(autouse=True)
def _no_cap():
    yield
    plan.set_max_memory(None)


# 1. FLAGS: type, range, combination, before any work ------------------------------------------------

FIT_FLAGS = {
    "epochs nan": (["--epochs", "nan"], r"argument --epochs: --epochs must be a whole number; got 'nan'"),
    "epochs huge": (["--epochs", "10000000"], r"--epochs must be <= 1000000; got 10000000"),
    "epochs 2**31": (["--epochs", str(2**31)], r"--epochs must be <= 2147483647"),
    "seeds negative": (["--seeds", "-4"], r"--seeds must be > 0; got -4"),
    "seeds too many": (["--seeds", "1000000"], r"--seeds must be <= 100000; got 1000000"),
    "units zero": (["--units", "16,0"], r"--units must be whole numbers > 0; got '16,0'"),
    "units too wide": (["--units", "100000"], r"--units allows at most 16 numbers, each <= 16384"),
    "units too deep": (["--units", ",".join(["4"] * 17)], r"--units allows at most 16 numbers"),
    "units text": (["--units", "wide"], r"--units must be whole numbers separated by commas"),
    "learning rate inf": (["--learning-rate", "inf"], r"--learning-rate must be > 0; got inf"),
    "learning rate nan": (["--learning-rate", "nan"], r"--learning-rate must be > 0; got nan"),
    "learning rate negative": (["--learning-rate", "-0.1"], r"--learning-rate must be > 0"),
    "validation 1": (["--validation", "1"], r"--validation must be a fraction in \[0, 1\); got 1"),
    "validation nan": (["--validation", "nan"], r"--validation must be a fraction in \[0, 1\)"),
    "patience negative": (["--patience", "-1"], r"--patience must be >= 0; got -1"),
    "patience without validation": (["--patience", "3"], r"--patience 3 needs held-out windows: add --validation"),
    "diff zero": (["--diff", "12,0"], r"--diff must be whole numbers > 0 \(a leading 0, as in 0,1, .*\); got '12,0'"),
    "diff negative": (["--diff", "-1"], r"--diff must be whole numbers > 0 .*; got '-1'"),
    "diff text": (["--diff", "seasonal"], r"--diff must be whole numbers separated by commas; got 'seasonal'"),
    "diff too many": (["--diff", ",".join(["1"] * 17)], r"--diff allows at most 16 numbers"),
    "look back float": (["--look-back", "2.5"], r"--look-back must be a whole number; got '2.5'"),
    "look back huge": (["--look-back", "1000000"], r"--look-back must be <= 100000"),
    "regression with look back": (["--framing", "regression", "--look-back", "12"],
                                  r"--framing regression uses a look-back of 1; drop --look-back 12"),
    "recursive with direct horizon": (["--strategy", "recursive", "--direct-horizon", "6"],
                                      r"--direct-horizon is the direct strategy's output width"),
    "stateful": (["--stateful"], r"--stateful is only for `lstmcast tutorial`"),
    "seed overflow": (["--seed", str(2**31 - 1), "--seeds", "2"], r"--seed 2147483647 \+ --seeds 2 passes"),
    "seed huge": (["--seed", str(2**40)], r"--seed must be <= 2147483647"),
    "season length 0": (["--season-length", "0"], r"--season-length must be > 0; got 0"),
    "batch size 0": (["--batch-size", "0"], r"--batch-size must be > 0; got 0"),
    "freq unknown": (["--freq", "fortnightly"], r"--freq 'fortnightly' is not a pandas frequency"),
    "max memory text": (["--max-memory", "lots"], r"--max-memory must be a size like 512M or 4G; got 'lots'"),
    "max memory negative": (["--max-memory=-1G"], r"--max-memory must be a size like 512M or 4G; got '-1G'"),
    "max memory zero": (["--max-memory", "0"], r"--max-memory must be a size like 512M"),
    "sep unknown": (["--sep", ":"], r"argument --sep: invalid choice: ':'"),
    "time col NUL": (["--time-col", "a\x00b"], r"--time-col must not contain NUL characters"),
}


@pytest.mark.parametrize("case", list(FIT_FLAGS))
def test_fit_flags(tmp_path, csv, case):
    extra, pattern = FIT_FLAGS[case]
    args = _fast_without(extra)
    check_error(*run_cli("fit", csv, "--model", tmp_path / "m", *args, *extra), pattern)
    assert os.listdir(tmp_path) == []


OTHER_FLAGS = {
    "forecast horizon text": (["forecast", "--horizon", "soon"], r"--horizon must be a whole number; got 'soon'"),
    "forecast horizon huge": (["forecast", "--horizon", "10000000"], r"--horizon must be <= 1000000"),
    "forecast level nan": (["forecast", "--horizon", "3", "--level", "nan"], r"--level must be a finite number"),
    "forecast level 0": (["forecast", "--horizon", "3", "--level", "0"], r"--level must be a percentage between 0"),
    "forecast level twice": (["forecast", "--horizon", "3", "--level", "80", "80"], r"--level repeats a value"),
    "forecast out is plot": (["forecast", "--horizon", "3", "--out", "x.png", "--plot", "x.png"],
                             r"--out and --plot are the same file 'x\.png'"),
    "newline in a file name": (["evaluate", "a\nb.csv", "--horizon", "3"],
                               r"^lstmcast: error: a\\nb\.csv: no such file$"),
    "evaluate windows 0": (["evaluate", "--horizon", "3", "--windows", "0"], r"--windows must be > 0; got 0"),
    "evaluate step huge": (["evaluate", "--horizon", "3", "--step", "99999999999"], r"--step must be <= "),
    "evaluate unknown model": (["evaluate", "--horizon", "3", "--models", "prophet", "--quiet"],
                               r"--models: unknown \['prophet'\]"),
    "tutorial seeds inf": (["tutorial", "--seeds", "inf"], r"--seeds must be a whole number; got 'inf'"),
    "tutorial out too long": (["tutorial", "--out", "x" * 300], r"--out: .* is not a usable path"),
}


@pytest.mark.parametrize("case", list(OTHER_FLAGS))
def test_other_commands_flags(model, case):
    args, pattern = OTHER_FLAGS[case]
    if args[0] == "forecast":
        args = [*args, "--model", str(model)]
    check_error(*run_cli(*args), pattern)


# 2. RESOURCES: refused in one line, naming the flag to lower ---------------------------------------

RESOURCE = {
    "many seeds": (["--seeds", "50000", "--max-memory", "64M"], r"training 50000 seeds x 1 series \(local scope\) "
                                                                 r"needs about .* of memory \(mostly .*\), 64\.0 MiB "
                                                                 r"--max-memory; lower"),
    "wide layer": (["--units", "16000", "--seeds", "4", "--max-memory", "1G"],
                   r"needs about .* GiB of memory \(mostly params: .*\), 1\.0 GiB --max-memory; lower --units "
                   r"or raise --max-memory"),
    "big batch": (["--batch-size", "5000000", "--units", "4096", "--max-memory", "100M"], r"lower --units"),
}


@pytest.mark.parametrize("case", list(RESOURCE))
def test_fit_resources(tmp_path, csv, case):
    extra, pattern = RESOURCE[case]
    args = _fast_without(extra)
    check_error(*run_cli("fit", csv, "--model", tmp_path / "m", *args, *extra), pattern)
    assert os.listdir(tmp_path) == []


def test_forecast_horizon_memory(tmp_path, model):
    check_error(*run_cli("forecast", "--model", model, "--horizon", "1000000", "--max-memory", "10M",
                         "--out", tmp_path / "f.csv"),
                r"a 1000000-step forecast of 1 series with 2 members needs about .* \(mostly forecast: .*\), 10\.0 MiB "
                r"--max-memory; lower --horizon or raise --max-memory")
    assert os.listdir(tmp_path) == []


def test_forecast_past_2262(tmp_path, model):
    check_error(*run_cli("forecast", "--model", model, "--horizon", "5000"),
                r"--horizon 5000 runs past 2262-04-11, the last date this data.s grid can hold \(pandas holds 584 "
                r"years of dates\), from 2003-12-01 at frequency MS; lower --horizon")


# 3. NON-FINITE VALUES ----------------------------------------------------------------------------------

def test_transform_of_huge_values():
    with pytest.raises(DataError, match=r"^boxcox transform \(lambda 2\) overflowed: non-finite value inf at row 1"):
        Pipeline("boxcox", 2.0).power(np.array([1.0, 1e200]))
    with pytest.raises(DataError, match=r"^differencing at lag 1 overflowed: non-finite value -inf at row 0"):
        fit_pipeline(np.array([1e308, -1e308, 1e308]), diff=(1,))


def test_log_of_zero_and_negative():
    with pytest.raises(DataError, match=r"^log transform needs values > 0; row 2 has 0; use --transform none"):
        Pipeline("log").power(np.array([1.0, 2.0, 0.0]))
    with pytest.raises(DataError, match=r"^boxcox transform needs values > 0; row 0 has -3"):
        Pipeline("boxcox", 0.5).power(np.array([-3.0, 2.0]))


def test_huge_values_scale_without_overflow():
    y = np.array([1e300, 2e300, -1e300, 5e299])
    p = fit_pipeline(y)                            # squares of 1e300 overflow float64; the scaler does not
    z = p.forward(y)
    np.testing.assert_allclose(z, (y - y.mean()) / (np.std(y / 1e300) * 1e300))
    np.testing.assert_allclose([p.invert_next(y[None, :3], z[3])], [y[3]], rtol=1e-12)


def test_nan_in_training_values():
    with pytest.raises(DataError, match=r"^training values: non-finite value nan at row 2; remove or replace"):
        fit_pipeline(np.array([1.0, 2.0, np.nan, 4.0]))


def test_exp_overflow_in_the_inverse():
    p = Pipeline("log", diff=(1,))
    with pytest.raises(DataError, match=r"^forecast overflowed inverting the log transform \(of 801\.1\): "
                                        r"non-finite value inf at row 0; use --transform none"):
        p.invert_next(np.array([1.0, 2.0, 3.0]), 800.0)
    with pytest.raises(DataError, match=r"^model output: non-finite value nan"):
        p.invert_next(np.array([1.0, 2.0, 3.0]), np.nan)


@pytest.mark.parametrize("factor", [1e305, 1e160, 1e-160, 1e-305])
def test_values_beyond_1e150_are_refused_with_the_fix(tmp_path, factor):
    """Squared errors of such values leave float64 (validation, weights): one line, exit 2, nothing written."""
    path = write_series(tmp_path / "x.csv", (WAVE * factor).tolist())
    code, out, err = run_cli("fit", path, "--model", tmp_path / "m", *FAST, "--transform", "none", "--quiet")
    check_error(code, out, err, r"x\.csv: the series has values of typical size \d\.\d+e[+-]\d+ \(median magnitude; "
                                r"the (largest|smallest nonzero): \S+ at \d{4}-\d\d-01, line \d+\): the models fit "
                                r"typical sizes between 1e-150 "
                                r"and 1e150; multiply column 'value' by a power of ten to bring it within that range")
    assert not (tmp_path / "m").exists()


def test_values_at_1e147_still_fit_end_to_end(tmp_path):
    big = write_series(tmp_path / "big.csv", (WAVE * 1e147).tolist())
    code, out, err = run_cli("fit", big, "--model", tmp_path / "m", *FAST, "--quiet")
    assert code == 0, err
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "3", "--json")
    mean = np.array([r["mean"] for r in json.loads(out)["forecast"]])
    assert code == 0 and np.all((mean > 0.1 * WAVE.min() * 1e147) & (mean < 10 * WAVE.max() * 1e147)), mean


def test_assert_finite():
    f = pd.DataFrame({"ds": pd.date_range("2000-01-01", periods=3, freq="MS"), "mean": [1.0, np.nan, 3.0],
                      "hi": [np.inf] * 3})
    with pytest.raises(DataError, match=r"^forecast: non-finite value nan in column 'mean', row 1 \(2000-02-01 "
                                        r"00:00:00\) \(1 of 3\); nothing was written$"):
        assert_finite(f, "forecast")
    with pytest.raises(DataError, match=r"^paths: non-finite value -inf at index \(1, 0\) \(1 of 4\)"):
        assert_finite(np.array([[1.0, 2.0], [-np.inf, 0.0]]), "paths")
    ok = pd.DataFrame({"a": [1.0], "s": ["x"]})
    assert assert_finite(ok, "x") is ok and assert_finite(np.arange(3), "ints") is not None


def test_nan_weights_refused_before_forecasting(tmp_path, model):
    m = tmp_path / "m"
    shutil.copytree(model, m)
    _edit_weights(m, "g0.dense.bias", lambda a: np.where(np.arange(a.size).reshape(a.shape) == 1, np.nan, a))
    check_error(*run_cli("forecast", "--model", m, "--horizon", "3", "--out", tmp_path / "f.csv"),
                r"weights\.npz: g0\.dense\.bias holds 1 non-finite value\(s\) \(NaN or inf\); the model is corrupt")
    assert not (tmp_path / "f.csv").exists()


# 4. TIME ZONES AND DIALECTS ----------------------------------------------------------------------------

def _text(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


MONTHS = [f"2000-{m:02d}-01" for m in range(1, 13)]


def test_semicolons_and_decimal_commas(tmp_path):
    notes = []
    p = _text(tmp_path, "date;value\n" + "".join(f"{d};{i},5\n" for i, d in enumerate(MONTHS)))
    y = load_csv(p, report=notes.append)
    np.testing.assert_array_equal(y.to_numpy(), np.arange(12) + 0.5)
    assert f"{p}: columns separated by ';'" in notes
    assert any("decimal commas in column(s) ['value']" in n for n in notes)


def test_thousands_marks_with_decimal_commas(tmp_path):
    p = _text(tmp_path, "date;value\n" + "".join(f"{d};1.2{i:02d},25\n" for i, d in enumerate(MONTHS)))
    np.testing.assert_array_equal(load_csv(p).to_numpy(), 1200.25 + np.arange(12))


def test_tabs_and_pipes(tmp_path):
    for sep, name in (("\t", "tab"), ("|", "'|'")):
        notes = []
        p = _text(tmp_path, f"date{sep}value\n" + "".join(f"{d}{sep}{i}.5\n" for i, d in enumerate(MONTHS)))
        np.testing.assert_array_equal(load_csv(p, report=notes.append).to_numpy(), np.arange(12) + 0.5)
        assert f"{p}: columns separated by {name}" in notes


def test_explicit_sep_and_decimal(tmp_path):
    p = _text(tmp_path, "date;value;other\n" + "".join(f"{d};{i},5;x\n" for i, d in enumerate(MONTHS)))
    y = load_csv(p, sep=";", decimal=",", value_col="value")
    assert y.iloc[1] == 1.5
    with pytest.raises(DataError, match=r"column 'value', line 2: '0,5' is not a number"):
        load_csv(p, sep=";", decimal=".", value_col="value")


def test_ambiguous_delimiter_names_the_option(tmp_path):
    p = _text(tmp_path, "date\tvalue|x\n" + "".join(f"{d}\t{i}|1\n" for i, d in enumerate(MONTHS)))
    with pytest.raises(DataError, match=r"cannot tell the delimiter \(tab or '\|'\); pass --sep tab or --sep '\|'"):
        load_csv(p)


def test_semicolon_file_through_the_cli(tmp_path):
    p = _text(tmp_path, "when;sales\n" + "".join(f"{t.date()};{v:.2f}\n".replace(".", ",")
                                                  for t, v in zip(pd.date_range("2000-01-01", periods=48, freq="MS"),
                                                                  WAVE)))
    check_error(*run_cli("fit", p, "--model", tmp_path / "m", *FAST, "--sep", ",", "--quiet"),
                r"no column of dates found|no numeric column")
    code, out, err = run_cli("fit", p, "--model", tmp_path / "m", *FAST)
    assert code == 0 and "columns separated by ';'" in err and "decimal commas" in err, err


def test_one_offset_is_kept(tmp_path):
    notes = []
    p = _text(tmp_path, "ds,y\n" + "".join(f"{d}T00:00:00+05:30,{i}\n" for i, d in enumerate(MONTHS)))
    y = load_csv(p, report=notes.append)
    assert str(y.index.tz) == "UTC+05:30" and y.index.freqstr == "MS"
    assert y.index[0] == pd.Timestamp("2000-01-01T00:00:00+05:30")
    assert "time column 'ds': times in zone UTC+05:30, kept" in notes


def test_mixed_offsets_become_utc(tmp_path):
    notes = []
    times = [t.isoformat() for t in pd.date_range("2020-03-28", periods=30, freq="h", tz="Europe/Berlin")]
    p = _text(tmp_path, "ds,y\n" + "".join(f"{t},{i}\n" for i, t in enumerate(times)))
    y = load_csv(p, report=notes.append)
    assert str(y.index.tz) == "UTC" and y.index.freqstr == "h" and len(y) == 30
    assert y.index[0] == pd.Timestamp("2020-03-27T23:00:00Z")
    assert "time column 'ds': mixed UTC offsets (+0100, +0200) converted to UTC" in notes


def test_offsets_mixed_with_naive_times(tmp_path):
    p = _text(tmp_path, "ds,y\n2020-01-01T00:00+01:00,1\n2020-01-02,2\n2020-01-03T00:00+01:00,3\n")
    with pytest.raises(DataError, match=r"d\.csv: column 'ds': times with a UTC offset \('2020-01-01T00:00\+01:00', "
                                        r"line 2\) and without \('2020-01-02', line 3\) cannot be ordered"):
        load_csv(p)


def test_zone_survives_fit_save_forecast(tmp_path):
    times = pd.date_range("2000-01-01", periods=48, freq="MS", tz="UTC").tz_convert("+02:00")
    p = _text(tmp_path, "ds,y\n" + "".join(f"{t.isoformat()},{v}\n" for t, v in zip(times, WAVE)))
    assert run_cli("fit", p, "--model", tmp_path / "m", *FAST, "--quiet")[0] == 0
    code, out, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", "2", "--out", tmp_path / "f.csv")
    assert code == 0, err
    ds = pd.read_csv(tmp_path / "f.csv")["ds"]
    assert list(ds) == [str(times[-1] + pd.offsets.MonthBegin(k)) for k in (1, 2)]
    code, out, err = run_cli("evaluate", p, "--horizon", "2", "--windows", "1", *FAST, "--models", "lstm,ets",
                             "--quiet")   # the backtest merges the LSTM's windows with the baselines'
    assert code == 0 and "ets" in out, err


def test_named_zone_survives_the_api_round_trip(tmp_path):
    """A pandas Series in Europe/Berlin (daily, across a clock change): forecasts at local midnight in
    that zone, before and after save/load; config.json keeps the zone's name and the start's offset."""
    y = pd.Series(np.r_[WAVE, WAVE[:12]], index=pd.date_range("2020-03-01", periods=60, freq="D", tz="Europe/Berlin"))
    fc = Forecaster(epochs=1, seeds=1, diff=(1,)).fit(y)
    want = pd.date_range("2020-04-30", periods=2, freq="D", tz="Europe/Berlin")
    pd.testing.assert_index_equal(pd.DatetimeIndex(fc.forecast(2)["ds"]), want, check_names=False)
    assert list(fc.per_series_[["start", "end"]].iloc[0]) == [y.index[0], y.index[-1]]
    fc.save(tmp_path / "m")
    panel = json.loads((tmp_path / "m" / "config.json").read_text())["panel"]
    assert panel["tz"] == "Europe/Berlin" and panel["starts"] == ["2020-03-01T00:00:00+01:00"]
    pd.testing.assert_index_equal(pd.DatetimeIndex(Forecaster.load(tmp_path / "m").forecast(2)["ds"]), want,
                                  check_names=False)


def test_hourly_times_across_a_clock_change_run_on_utc():
    """Wall-clock hours repeat or vanish at a clock change, so such a panel runs on UTC (as load_csv
    does with mixed offsets); a fixed offset keeps its wall-clock grid and its zone."""
    times = pd.date_range("2020-03-28", periods=30, freq="h", tz="Europe/Berlin")
    p = validate_panel(pd.DataFrame({"unique_id": "a", "ds": times, "y": np.arange(30.0)}))
    assert p.tz == "UTC" and p.freq == "h" and p.lengths.tolist() == [30]
    pd.testing.assert_series_equal(p.to_frame()["ds"], pd.Series(times.tz_convert("UTC"), name="ds"))
    fixed = pd.date_range("2000-01-01", periods=12, freq="MS").tz_localize("+05:30")
    q = validate_panel(pd.DataFrame({"unique_id": "a", "ds": fixed, "y": np.arange(12.0)}))
    assert q.tz == "UTC+05:30" and q.freq == "MS"
    pd.testing.assert_index_equal(pd.DatetimeIndex(q.to_frame()["ds"]), fixed, check_names=False)


# 5. MODEL DIRECTORIES ----------------------------------------------------------------------------------

def _edit_config(m, fn):
    cfg = json.loads((m / "config.json").read_text())
    fn(cfg)
    (m / "config.json").write_text(json.dumps(cfg))


def _edit_weights(m, name, fn):
    with np.load(m / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    out = fn(arrays[name])
    if out is None:
        del arrays[name]
    elif isinstance(out, dict):
        arrays.update(out)
    else:
        arrays[name] = out
    np.savez(m / "weights.npz", **arrays)


def _set(path, value):
    def fn(cfg):
        node = cfg
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return fn


def _drop(path):
    def fn(cfg):
        node = cfg
        for k in path[:-1]:
            node = node[k]
        del node[path[-1]]
    return fn


G = ["groups", 0, "pipes"]          # the first group's per-series pipelines (one row: the one series)

CONFIG_CASES = {
    "missing key": (_drop([*G, "loc"]), r"config\.json: groups\[0\]\.pipes\.loc: present \(the key is missing\)"),
    "unknown key": (_set(["resolved", "dropout"], 0.1), r"resolved\.dropout: no such key"),
    "seeds text": (_set(["hyper_parameters", "seeds"], "2"), r"hyper_parameters\.seeds: expected a whole number "
                                                              r"in \[1, 1000000\], got '2' \(str\)"),
    "seeds bool": (_set(["hyper_parameters", "seeds"], True), r"hyper_parameters\.seeds: expected a whole number"),
    "spread zero": (_set([*G, "spread", 0], 0), r"groups\[0\]\.pipes\.spread\[0\]: expected a finite number > 0, "
                                                r"got 0"),
    "loc nan": (_set([*G, "loc", 0], float("nan")), r"groups\[0\]\.pipes\.loc\[0\]: expected a finite number, "
                                                    r"got nan"),
    "transform unknown": (_set([*G, "kind", 0], "sqrt"), r"groups\[0\]\.pipes\.kind\[0\]: expected one of 'none', "
                                                         r"'log', 'boxcox', got 'sqrt'"),
    "units negative": (_set(["resolved", "units"], [-16]), r"resolved\.units\[0\]: expected a whole number"),
    "diff disagrees": (_set(["series", "diffs", "0"], [12]), r"series\.diffs\.0 disagrees: \[12\] but its group's "
                                                              r"lags are \[1\]"),
    "regression look back": (_set(["resolved", "framing"], "regression"),
                             r"resolved\.look_back disagrees: 12, but the regression framing uses 1"),
    "recursive horizon": (_set(["resolved", "strategy"], "recursive"),
                          r"resolved\.horizon disagrees: 12, but the recursive strategy predicts 1 step"),
    "phase past season": (_set(["series", "phase0", 0], 12), r"series\.phase0 disagrees: a season position is not "
                                                              r"below the season length 12"),
    "history seeds": (_set(["history", "loss"], [[0.5]]), r"history\.loss disagrees: rows for 1 seeds, "
                                                          r"resolved\.seeds is 2"),
    "history val rows": (_set(["history", "val_loss"], [[None, None], [None]]),
                         r"history\.val_loss disagrees: its rows and columns differ"),
    "id null": (_set(["panel", "ids", 0], None), r"panel\.ids\[0\]: expected a series id \(text or whole number\), "
                                                  r"got None"),
    "status unknown": (_set(["panel", "status", 0], "great"), r"panel\.status\[0\]: expected one of 'ok', 'missing'"),
    "group past the panel": (_set(["groups", 0, "idx"], [5]), r"groups\[0\]\.idx disagrees: a series position is "
                                                               r"not below the panel's 1 series"),
    "scope unknown": (_set(["resolved", "scope"], "regional"), r"resolved\.scope: expected one of 'local', 'global'"),
    "bad freq": (_set(["panel", "freq"], "fortnight"), r"panel\.freq: expected a pandas frequency"),
    "bad start": (_set(["panel", "starts", 0], "yesterday"), r"panel\.starts\[0\]: expected a timestamp"),
    "too few starts": (_set(["panel", "starts"], []), r"panel\.starts disagrees: 0 entries for 1 series"),
    "bad zone": (_set(["panel", "tz"], "Mars/Olympus"), r"panel\.tz: expected a time zone such as 'UTC\+02:00'"),
    "zone without offsets": (_set(["panel", "tz"], "UTC"), r"panel\.starts disagrees: timestamps without a UTC "
                                                            r"offset for time zone 'UTC'"),
    "zone disagrees with the offsets": (lambda c: c["panel"].update(tz="Europe/Berlin", starts=["2000-01-01T00:00:00"
                                                                                              "+05:30"]),
                                        r"panel\.starts disagrees: '2000-01-01T00:00:00\+05:30' is not a time of "
                                        r"zone 'Europe/Berlin'"),
    "config is a list": (lambda cfg: cfg.clear(), r"config\.json: not a lstmcast model config"),
    "version 0": (_set(["format_version"], 0), r"model format version 0 is older than this lstmcast reads \(2\); "
                                               r"fit the model again"),
    "version 3": (_set(["format_version"], 3), r"model format version 3 is newer than this lstmcast reads \(2\); "
                                               r"upgrade lstmcast"),
    "version text": (_set(["format_version"], "2"), r"config\.json: format_version: expected a whole number, got '2'"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_model_config(tmp_path, model, case):
    fn, pattern = CONFIG_CASES[case]
    m = tmp_path / "m"
    shutil.copytree(model, m)
    _edit_config(m, fn)
    check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), pattern)


WEIGHT_CASES = {
    "inf kernel": ("g0.lstm.0.kernel", lambda a: a * np.inf, r"g0\.lstm\.0\.kernel holds 128 non-finite value\(s\)"),
    "int weights": ("g0.dense.kernel", lambda a: a.astype(np.int32), r"g0\.dense\.kernel has dtype int32, expected "
                                                                     r"floating"),
    "missing array": ("g0.lstm.0.bias", lambda a: None, r"weights\.npz: missing array 'g0\.lstm\.0\.bias'"),
    "extra array": ("g0.dense.bias", lambda a: {"evil": np.zeros(2)}, r"unknown array\(s\) \['evil'\]"),
    "swapped arrays": ("g0.dense.bias", lambda a: {"g0.dense.bias": np.zeros((1, 2, 16, 12))},
                       r"g0\.dense\.bias has shape \(1, 2, 16, 12\), the config says \(1, 2, 12\)"),
    "beyond float32": ("g0.dense.bias", lambda a: a.astype(np.float64) + 1e300,
                       r"g0\.dense\.bias holds values beyond float32"),
    "seeds axis short": ("g0.dense.bias", lambda a: a[:, :1], r"g0\.dense\.bias has shape \(1, 1, 12\), the config "
                                                             r"says \(1, 2, 12\)"),
    "global names in a local model": ("g0.dense.bias", lambda a: {"shared.dense.bias": a[0], "g0.dense.bias": a},
                                      r"unknown array\(s\) \['shared\.dense\.bias'\]"),
    "values as ints": ("data.values", lambda a: a.astype(np.int64),
                       r"weights\.npz: array 'data\.values' is missing or of the wrong type"),
    "lengths as floats": ("data.lengths", lambda a: a.astype(np.float64),
                          r"weights\.npz: array 'data\.lengths' is missing or of the wrong type"),
    "lengths disagree": ("data.lengths", lambda a: a - 8, r"weights\.npz: the stored series do not match the config"),
    "negative under log": ("data.values", lambda a: np.where(np.arange(a.size) == 3, -5.0, a),
                           r"weights\.npz: series 'series' holds -5, a value <= 0 under its log transform"),
}


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_model_weights(tmp_path, model, case):
    name, fn, pattern = WEIGHT_CASES[case]
    m = tmp_path / "m"
    shutil.copytree(model, m)
    _edit_weights(m, name, fn)
    check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), pattern)


@pytest.fixture(scope="module")
def global_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("g") / "model"
    ds = pd.date_range("2000-01-01", periods=48, freq="MS")
    df = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 48), "ds": np.tile(ds, 2), "y": np.r_[WAVE, 2 * WAVE]})
    Forecaster(epochs=1, seeds=2, diff=(1,), scope="global").fit(df).save(d)
    return d


GLOBAL_CASES = {   # one ensemble for every series: arrays `shared.*` with a leading seeds axis only
    "shared kernel nan": (lambda m: _edit_weights(m, "shared.lstm.0.kernel", lambda a: np.where(
        np.arange(a.size).reshape(a.shape) == 0, np.nan, a)), r"shared\.lstm\.0\.kernel holds 1 non-finite value"),
    "per-group names": (lambda m: _edit_weights(m, "shared.dense.bias", lambda a: {"g0.dense.bias": a[None]}),
                        r"unknown array\(s\) \['g0\.dense\.bias'\]"),
    "local scope claimed": (lambda m: _edit_config(m, _set(["resolved", "scope"], "local")),
                            r"missing array 'g0\.lstm\.0\.kernel'"),
    "history seeds": (lambda m: _edit_config(m, _set(["history", "loss"], [[0.5]])),
                      r"history\.loss disagrees: rows for 1 seeds, resolved\.seeds is 2"),
    "series in two groups": (lambda m: _edit_config(m, lambda c: c["groups"].append(c["groups"][0])),
                             r"series\.diffs disagrees: the trained series and the groups disagree"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(GLOBAL_CASES))
def test_global_model_directory(tmp_path, global_model, case):
    edit, pattern = GLOBAL_CASES[case]
    m = tmp_path / "m"
    shutil.copytree(global_model, m)
    edit(m)
    check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), pattern)


def test_missing_values_in_the_stored_series_are_not_corrupt_weights(tmp_path, model):
    """data.values may hold NaN (a series with missing values): only the network arrays must be finite."""
    m = tmp_path / "m"
    shutil.copytree(model, m)
    _edit_weights(m, "data.values", lambda a: np.where(np.arange(a.size) == 2, np.nan, a))
    fc = Forecaster.load(m)
    assert np.isnan(fc.panel_.values[0][2]) and np.isfinite(fc.panel_.values[0][3:]).all()
    out = fc.forecast(2)
    assert np.isfinite(out["mean"]).all() and len(out) == 2


def test_config_json_is_a_folder(tmp_path, model):
    m = tmp_path / "m"
    shutil.copytree(model, m)
    (m / "config.json").unlink()
    (m / "config.json").mkdir()
    check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), r"config\.json: cannot read it")


def test_deeply_nested_config(tmp_path, model):
    m = tmp_path / "m"
    shutil.copytree(model, m)
    (m / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    check_error(*run_cli("forecast", "--model", m, "--horizon", "2"), r"config\.json: corrupt \(RecursionError")


def test_api_load_raises_data_error(tmp_path, model):
    m = tmp_path / "m"
    shutil.copytree(model, m)
    _edit_config(m, _set(["hyper_parameters", "framing"], "sideways"))
    with pytest.raises(DataError, match=r"hyper_parameters\.framing: expected one of 'timesteps', 'window', "
                                        r"'regression', got 'sideways'"):
        Forecaster.load(m)


# 6. OUTPUTS -----------------------------------------------------------------------------------------

def test_out_is_a_folder(tmp_path, model):
    check_error(*run_cli("forecast", "--model", model, "--horizon", "2", "--out", tmp_path),
                r"is a folder; give a file name")


def test_model_in_missing_folder(tmp_path, csv):
    check_error(*run_cli("fit", csv, "--model", tmp_path / "no" / "m", *FAST),
                r"m: folder '.*no' does not exist")


@pytest.mark.slow
def test_quiet_json_evaluate_keeps_stderr_clean_with_a_short_series(tmp_path):
    """statsforecast's AutoETS divides by zero on a short backtest window; with --quiet --json nothing but
    the JSON is written (a script parses stdout and watches stderr for errors)."""
    rng = np.random.default_rng(0)
    rows = []
    for k, n in enumerate([72, 30]):
        t = np.arange(n)
        rows += [(f"s{k}", str(d.date()), v) for d, v in
                 zip(pd.date_range("2005-01-01", periods=n, freq="MS"),
                     100 + t + 10 * np.sin(t * np.pi / 6) + rng.normal(0, 2, n))]
    p = _text(tmp_path, "unique_id,ds,y\n" + "".join(f"{a},{b},{c:.4f}\n" for a, b, c in rows))
    import subprocess
    import sys
    cmd = [sys.executable, "-m", "lstmcast", "evaluate", str(p), "--horizon", "6", "--windows", "3", *map(str, FAST),
           "--models", "lstm,ets", "--quiet", "--json"]        # a process of its own: pytest would catch warnings
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "LSTMCAST_THREADS": "1"})
    assert r.returncode == 0 and r.stderr == "", r.stderr[-2000:]
    assert json.loads(r.stdout)["series"] == 2
