"""The synthetic pretraining generator: reproducible by seed, finite, the docstring's priors and properties."""
import numpy as np
import pytest

from lstmcast.pretrain.synth import FAMILIES, FREQS, VERSION, generate, sample_series


def test_same_seed_same_draw_other_seed_other_draw():
    a, b, c = generate(7, 40, 60), generate(7, 40, 60), generate(8, 40, 60)
    np.testing.assert_array_equal(a["y"], b["y"])
    assert not np.allclose(a["y"], c["y"])
    assert VERSION == "synth-1"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_family_is_finite_and_varies(family):
    out = generate(0, 24, 300, family=family)
    assert out["y"].shape == (24, 300) and np.isfinite(out["y"]).all()
    assert (out["y"].std(1) > 0).mean() > 0.9
    if family == "intermittent":
        y = out["y"]
        assert (y >= 0).all() and (y == np.round(y)).all() and (y == 0).mean() > 0.05


def test_priors_of_frequency_and_family_are_the_documented_ones():
    out = generate(1, 4000, 24)
    freq_share = {f: np.mean(out["freq"] == f) for f in FREQS}
    for f, (w, m, *_rest) in FREQS.items():
        assert abs(freq_share[f] - w) < 0.03, (f, freq_share[f])
        assert (out["season"][out["freq"] == f] == m).all()
    for fam, w in FAMILIES.items():
        assert abs(np.mean(out["family"] == fam) - w) < 0.03


def _acf(x, lag):
    x = x - x.mean()
    return float(np.dot(x[lag:], x[:-lag]) / np.dot(x, x))


def test_a_seasonal_draw_peaks_at_its_season():
    """Structural monthly draws (a season in 80% of them): after removing the trend by a first difference, the
    autocorrelation over lags 2..18 peaks at lag 12 in over half the draws; for yearly draws (no season) it does not."""
    def share(freq):
        y = np.diff(generate(3, 200, 240, freq=freq, family="structural")["y"], axis=1)
        return np.mean([np.argmax([_acf(r, k) for k in range(2, 19)]) + 2 == 12 for r in y])
    assert share("monthly") > 0.5       # 17 candidate lags: by chance 1 / 17
    assert share("yearly") < 0.15


@pytest.mark.slow
def test_lengths_span_the_documented_range():
    series, seasons = sample_series(5, 300)
    lengths = np.array([len(s) for s in series])
    assert lengths.min() >= 20 and lengths.max() <= 2000 and lengths.max() > 1000 and lengths.min() < 40
    assert all(np.isfinite(s).all() for s in series) and len(seasons) == 300
