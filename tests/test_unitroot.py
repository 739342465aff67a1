"""The differencing tests (models/unitroot.py) against statsforecast's own ndiffs / nsdiffs and
statsmodels' KPSS, on synthetic and real series."""
import warnings

import numpy as np
import pytest

from lstmcast import datasets
from lstmcast.models.unitroot import kpss_pvalue, ndiffs, nsdiffs


def _cases():
    rng = np.random.default_rng(7)
    out = []
    y = datasets.airline().to_numpy().astype(np.float64)
    for cut in (144, 96, 40):
        out += [(y[:cut], 12), (np.log(y[:cut]), 12)]
    for _ in range(120):
        n, m = int(rng.integers(10, 250)), int(rng.choice([1, 4, 7, 12, 24]))
        t = np.arange(n)
        y = (rng.normal(size=n).cumsum() * rng.uniform(0, 1) + rng.uniform(0, 3) * np.sin(2 * np.pi * t / max(m, 2))
             + rng.uniform(-0.1, 0.1) * t + rng.normal(size=n))
        out.append((y, m))
    out += [(np.full(30, 3.0), 12), (np.r_[np.zeros(20), 1.0], 4), (np.arange(50.0), 12),
            (rng.normal(size=200).cumsum().cumsum(), 1)]                     # I(2): two differences
    return out


def test_same_differences_as_statsforecast():
    from statsforecast.arima import ndiffs as sf_ndiffs
    from statsforecast.arima import nsdiffs as sf_nsdiffs
    seen = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y, m in _cases():
            d = ndiffs(y)
            assert d == sf_ndiffs(y), (len(y), m)
            seen.add(("d", d))
            if m > 1:
                D = nsdiffs(y, m)
                assert D == sf_nsdiffs(y, period=m), (len(y), m)
                seen.add(("D", D))
    assert seen >= {("d", 0), ("d", 1), ("d", 2), ("D", 0), ("D", 1)}     # every outcome was exercised


@pytest.mark.parametrize("seed", range(5))
def test_kpss_pvalue_is_statsmodels(seed):
    from statsmodels.tsa.stattools import kpss
    y = np.random.default_rng(seed).normal(size=80).cumsum() * (seed / 4) + np.random.default_rng(9).normal(size=80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = kpss(y, "c", nlags=int(np.floor(3 * np.sqrt(80) / 13)))[1]
    assert kpss_pvalue(y) == want


def test_no_statsforecast_arima_import():
    import subprocess
    import sys
    code = ("import sys, numpy as np; from lstmcast.fit.select import auto_diff; "
            "from lstmcast import datasets; y = np.log(datasets.airline().to_numpy()); print(auto_diff(y, 12)); "
            "print('statsforecast.arima' in sys.modules, 'statsmodels' in sys.modules, 'scipy.signal' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "(12, 1)" and out[1] == "False False False"


@pytest.mark.parametrize("seed", range(3))
def test_stl_is_statsmodels(seed):
    """The numpy STL equals statsmodels' Cython STL (not robust, jumps of 1) on random lengths and periods,
    including subseries shorter than the seasonal window and rounded (tied) values, for both seasonal
    degrees."""
    from statsmodels.tsa.stl._stl import STL

    from lstmcast.models.unitroot import stl
    rng = np.random.default_rng(seed)
    for _ in range(40):
        p = int(rng.choice([2, 3, 4, 7, 12, 24, 52]))
        n = int(rng.integers(p + 1, 400))
        t = np.arange(n)
        x = rng.normal(size=n).cumsum() + 3 * np.sin(2 * np.pi * t / p) + rng.normal(size=n)
        x = np.round(x) if rng.random() < 0.3 else x
        deg, window = int(rng.integers(0, 2)), int(rng.choice([7, 11, 13]))
        ref = STL(x, period=p, seasonal=window, seasonal_deg=deg).fit()
        seasonal, trend = stl(x, p, window, deg)
        scale = np.max(np.abs(x)) + 1
        assert np.max(np.abs(seasonal - ref.seasonal)) < 1e-10 * scale, (n, p, deg, window)
        assert np.max(np.abs(trend - ref.trend)) < 1e-10 * scale, (n, p, deg, window)


@pytest.mark.parametrize("n, p", [(1001, 12), (4000, 48), (17520, 48)])
def test_long_stl_is_statsmodels_and_banded(n, p):
    """Past DENSE_UP_TO values the smoothers are banded ((n, span) weights instead of (n, n) matrices, which a
    half-hourly year would need 2.4 GB each for): still statsmodels' STL."""
    from statsmodels.tsa.stl._stl import STL

    from lstmcast.models import unitroot
    rng = np.random.default_rng(n)
    t = np.arange(n)
    x = rng.normal(size=n).cumsum() + 5 * np.sin(2 * np.pi * t / p) + rng.normal(size=n)
    ref = STL(x, period=p, seasonal=11, seasonal_deg=0).fit()
    seasonal, trend = unitroot.stl(x, p, 11, 0)
    scale = np.max(np.abs(x)) + 1
    assert np.max(np.abs(seasonal - ref.seasonal)) < 1e-10 * scale
    assert np.max(np.abs(trend - ref.trend)) < 1e-10 * scale
    assert isinstance(unitroot._smoother(n, 2 * p + 1, 1), unitroot._Band)
