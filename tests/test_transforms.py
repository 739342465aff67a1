import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmcast.prep.transforms import fit_pipeline


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(1.0, 1000.0), min_size=30, max_size=60), st.sampled_from(["none", "log", "boxcox"]),
       st.sampled_from([(), (1,), (12,), (12, 1), (4, 1, 1)]), st.sampled_from(["standard", "minmax"]))
def test_pipeline_is_exactly_invertible(values, transform, diff, scale):
    y = np.asarray(values)
    pipe = fit_pipeline(y[:25], transform, diff, scale)
    z = pipe.forward(y)
    assert len(z) == len(y) - sum(diff)
    start = max(sum(diff), 1)
    rec = [pipe.invert_next(y[:t], z[t - pipe.n_lost]) for t in range(start, len(y))]
    np.testing.assert_allclose(rec, y[start:], rtol=1e-8)


def test_seasonal_then_first_difference_by_hand():
    y = np.arange(30.0) ** 3
    pipe = fit_pipeline(y, "none", (12, 1))
    d12 = y[12:] - y[:-12]
    expected = d12[1:] - d12[:-1]
    np.testing.assert_allclose(pipe.forward(y) * pipe.spread + pipe.loc, expected)
    assert pipe.loc == pytest.approx(expected.mean()) and pipe.spread == pytest.approx(expected.std())
