"""Extreme values (issue 25): a value many orders of magnitude off its neighbours is a note naming file,
line, value and typical scale (an error under --strict); a forecast outside the data's sane envelope is
refused, never written."""
import numpy as np
import pandas as pd
import pytest
from helpers import check_error, run_cli

from lstmcast.data import validate_panel
from lstmcast.data.extremes import envelope, outliers
from lstmcast.errors import DataError

FAST = ["--epochs", "2", "--seeds", "1", "--diff", "1"]
N = 96


def _co2(mult=None, at=60, value=None):
    rng = np.random.default_rng(0)
    y = 340 + np.arange(N) * 0.12 + 3 * np.sin(np.arange(N) * 2 * np.pi / 12) + rng.normal(0, 0.3, N)
    if mult is not None:
        y[at] *= mult
    if value is not None:
        y[at] = value
    return y


def _csv(path, y):
    d = pd.date_range("1960-01-01", periods=len(y), freq="MS")
    path.write_text("date,co2\n" + "".join(f"{t.date()},{x:.6g}\n" for t, x in zip(d, y)))
    return path


@pytest.mark.parametrize("mult", [1e3, 1e6, 1e300, -1e3, 1e4])
def test_a_typo_is_found_at_its_position_with_the_neighbours_scale(mult):
    pos, scale = outliers(_co2(mult))
    assert pos.tolist() == [60] and 330 < scale[0] < 360


@pytest.mark.parametrize("y", [
    np.exp(np.linspace(0, 9, 200)),                                   # exponential growth, 1 -> 8100
    np.r_[np.full(50, 1.0), np.full(50, 90.0)],                        # a level shift of 90x
    np.where(np.arange(120) % 9 == 0, 40.0, 0.0),                      # intermittent demand
    np.sin(np.arange(100) / 3) * 5,                                    # around zero
    _co2(30),                                                          # a spike of 30x: unusual, no typo
])
def test_trends_shifts_intermittent_and_spikes_are_no_typo(y):
    assert outliers(y)[0].size == 0


def test_envelope_leaves_the_typo_out():
    lo, hi = envelope(_co2(value=1e308))
    assert -100 < lo < 340 and 352 < hi < 800


def test_validate_panel_notes_the_line_and_strict_refuses_it():
    y = _co2(1e6)
    df = pd.DataFrame({"unique_id": "co2", "ds": pd.date_range("1960-01-01", periods=N, freq="MS"), "y": y})
    p = validate_panel(df, where="co2.csv", line_offset=2)
    assert len(p.notes) == 1 and p.status[0] == "ok"
    assert p.notes[0].startswith("co2.csv: series 'co2', column 'y', line 62: 3.4") and "1e+06 times" in p.notes[0]
    with pytest.raises(DataError, match=r"co2\.csv: series 'co2', column 'y', line 62: .* fix the value, or turn "
                                        r"strict off"):
        validate_panel(df, where="co2.csv", line_offset=2, strict=True)


@pytest.mark.parametrize("mult,pattern", [
    (1e3, r"line 62: 347069 is 1e\+03 times the typical scale of its neighbours \(347\.\d\): a typo\?"),
    (1e6, r"line 62: 3\.47069e\+08 is 1e\+06 times the typical scale of its neighbours \(347\.\d\): a typo\?"),
    (1e300, r"line 62: 3\.47069e\+302 is 1e\+300 times the typical scale of its neighbours \(347\.\d\): a typo\?"),
])
def test_cli_strict_refuses_a_typo_naming_file_line_value_and_scale(tmp_path, mult, pattern):
    csv = _csv(tmp_path / "co2.csv", _co2(mult))
    check_error(*run_cli("fit", csv, "--model", tmp_path / "m", "--strict", *FAST), r"co2\.csv: series 'co2', "
                r"column 'co2', " + pattern + r" fix the value, or turn strict off")
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_cli_notes_a_typo_and_refuses_an_absurd_forecast(tmp_path):
    csv = _csv(tmp_path / "co2.csv", _co2(value=1e308))
    code, out, err = run_cli("fit", csv, "--model", tmp_path / "m", *FAST)
    assert code == 0 and "co2.csv: series 'co2', column 'co2', line 62: 1e+308 is 3e+305 times" in err, err
    res = run_cli("forecast", "--model", tmp_path / "m", "--horizon", 3, "--out", tmp_path / "f.csv")
    check_error(*res, r"forecast of series 'co2' at 1968-01-01: \S+ is outside the sane envelope of its data "
                      r"\(-?\d+\.?\d* \.\. \d+\.?\d*\); nothing was written; its data holds 1e\+308")
    assert not (tmp_path / "f.csv").exists()


def test_outliers_of_many_series_at_once_equal_one_at_a_time():
    """The batched check (series of one length, every value finite) flags exactly what the per-series one does."""
    from lstmcast.data.extremes import outliers, outliers_many
    rng = np.random.default_rng(0)
    vals = []
    for _ in range(600):
        n = int(rng.choice([4, 5, 7, 12, 30, 120]))
        v = rng.normal(100, 10, n) * rng.choice([1, 0, 1e-3])
        if rng.random() < 0.3:
            v[rng.integers(n)] *= rng.choice([1e3, 1e6, 1e300, -1e4])
        if rng.random() < 0.1:
            v[: n // 2] = 0
        if rng.random() < 0.05:
            v[rng.integers(n)] = np.nan
        vals.append(v)
    many = outliers_many(vals)
    assert sum(len(p) for p, _ in many) > 50                      # typos were found, not only none
    for v, (pos, scale) in zip(vals, many):
        p1, s1 = outliers(v)
        np.testing.assert_array_equal(pos, p1)
        np.testing.assert_allclose(scale, s1, rtol=1e-12)


def test_the_cheap_screen_never_clears_a_row_with_an_outlier():
    """A value just over RATIO typical scales from its neighbours' median (the tightest case the bound in
    `_may_have_outliers` must keep) is never screened out, whatever the row's pattern."""
    from lstmcast.data.extremes import RATIO, _may_have_outliers, outliers
    rng = np.random.default_rng(1)
    kept = 0
    for _ in range(1500):
        n = int(rng.choice([4, 6, 13, 40]))
        x = rng.normal(0, 1, n) * 10 ** rng.uniform(-3, 3) + rng.choice([0, 5, -50])
        if rng.random() < 0.3:
            x[rng.random(n) < 0.6] = 0.0                                   # intermittent: zero neighbours
        j = int(rng.integers(n))
        w = min(6, (n - 1) // 2)
        nb = np.delete(np.pad(x, w, mode="reflect")[j:j + 2 * w + 1], w)
        med = np.median(nb)
        scale = max(abs(med), 1.4826 * np.median(np.abs(nb - med)))
        if scale == 0:
            nz = np.abs(x[x != 0])
            scale = np.median(nz) if nz.size else 0.0
        if scale == 0:
            continue
        x[j] = med + rng.choice([-1, 1]) * RATIO * scale * (1 + 1e-6)
        if j in outliers(x)[0]:                                            # flagged by the exact check
            kept += 1
            assert _may_have_outliers(x[None, :])[0], x
    assert kept > 1000


def test_envelopes_of_many_series_equal_one_at_a_time_and_the_first_offender_is_named():
    """The batched envelopes (forecast's check over a 10,000-series panel) equal `envelope` series by series,
    with typos, NaN, inf, all-zero and empty series among them; check_forecast names the first series of
    the frame whose forecast leaves its envelope, at its first such step."""
    from types import SimpleNamespace

    from lstmcast.data.extremes import check_forecast, envelopes
    rng = np.random.default_rng(2)
    vals = []
    for _ in range(400):
        n = int(rng.choice([0, 1, 3, 5, 12, 60]))
        v = rng.normal(100, 10, n) * rng.choice([1, 0, 1e-3])
        if n and rng.random() < 0.3:
            v[rng.integers(n)] *= rng.choice([1e3, 1e300, -1e4])
        if n and rng.random() < 0.1:
            v[rng.integers(n)] = rng.choice([np.nan, np.inf, -np.inf])
        vals.append(v)
    lo, hi = envelopes(vals)
    ref = np.array([envelope(v) for v in vals])
    np.testing.assert_allclose(lo, ref[:, 0], rtol=1e-12)
    np.testing.assert_allclose(hi, ref[:, 1], rtol=1e-12)
    assert np.isfinite(lo).sum() > 300 and np.isinf(lo).sum() > 10   # both kinds present

    ids = [f"s{i}" for i in range(len(vals))]
    ok = np.flatnonzero(np.isfinite(lo))
    order = ok[::-1][:50]                                            # the frame lists series in its own order
    mid = np.zeros(len(lo))
    mid[ok] = (lo[ok] + hi[ok]) / 2
    ys = np.repeat(mid[order], 3)
    bad_a, bad_b = order[10], order[30]
    ys[10 * 3 + 2] = hi[bad_a] * 2 + 1e6                             # the first offender, at its third step
    ys[30 * 3] = lo[bad_b] - 1e6
    frame = pd.DataFrame({"id": np.repeat(np.array(ids, object)[order], 3),
                          "ds": np.tile(pd.date_range("2020-01-01", periods=3, freq="MS"), len(order)), "mean": ys})
    panel = SimpleNamespace(ids=np.array(ids, object), values=vals, id_col="id", time_col="ds")
    with pytest.raises(DataError, match=rf"forecast of series 's{bad_a}' at 2020-03-01: "):
        check_forecast(frame, panel)
    frame.loc[10 * 3 + 2, "mean"] = mid[bad_a]
    with pytest.raises(DataError, match=rf"forecast of series 's{bad_b}' at 2020-01-01: "):
        check_forecast(frame, panel)
    frame.loc[30 * 3, "mean"] = mid[bad_b]
    assert check_forecast(frame, panel) is frame
