"""Framing and scaling: the tutorial's windows by hand, and the corrected windows."""
import numpy as np
import pytest

from lstmcast import datasets
from lstmcast.prep.windows import create_dataset, frame, minmax_fit, minmax_inverse, minmax_transform, windows
from lstmcast.tutorial import prepare

Y = datasets.airline().to_numpy()


def test_create_dataset_rows_by_hand():
    x, y = create_dataset(Y[:10, None], 1)
    assert x[:3, 0].tolist() == [112, 118, 132] and y[:3].tolist() == [118, 132, 129]
    assert len(y) == 10 - 1 - 1
    x, y = create_dataset(Y[:10, None], 3)
    assert x[0].tolist() == [112, 118, 132] and y[0] == 129
    assert x[1].tolist() == [118, 132, 129] and y[1] == 121


@pytest.mark.parametrize("look_back,n_train,n_test", [(1, 94, 46), (3, 92, 44)])
def test_faithful_split_and_counts(look_back, n_train, n_test):
    xtr, ytr, xte, yte, t_tr, t_te, lo, hi = prepare(Y, look_back, faithful=True)
    assert (len(ytr), len(yte)) == (n_train, n_test)
    assert lo[0] == 104 and hi[0] == 622          # the leak: min/max of all 144 months
    assert t_te[0] == 96 + look_back              # the first look_back test months get no prediction
    # inverse scaling returns the passengers the windows came from
    np.testing.assert_allclose(minmax_inverse(yte, lo, hi)[:, 0], Y[t_te], rtol=1e-5)
    np.testing.assert_allclose(minmax_inverse(xtr[0, :, None], lo, hi)[:, 0], Y[:look_back], rtol=1e-5)
    assert xtr.dtype == np.float32


def test_default_mode_uses_training_months_only():
    xtr, ytr, xte, yte, t_tr, t_te, lo, hi = prepare(Y, 3, faithful=False)
    assert lo[0] == Y[:96].min() and hi[0] == Y[:96].max()
    assert len(yte) == 48 and t_te.tolist() == list(range(96, 144))
    # the first test window spans the boundary: months 93..95 predict month 96
    np.testing.assert_allclose(minmax_inverse(xte[0], lo, hi)[:, 0], Y[93:96], rtol=1e-5)
    assert len(ytr) == 96 - 3


def test_sklearn_minmax_formula():
    d = np.array([[2.0], [4.0], [10.0]], np.float32)
    lo, hi = minmax_fit(d)
    np.testing.assert_allclose(minmax_transform(d, lo, hi)[:, 0], [0, 0.25, 1])
    np.testing.assert_allclose(minmax_inverse(minmax_transform(d, lo, hi), lo, hi), d)


def test_frame_shapes():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert frame(x, "timesteps").shape == (4, 3, 1)
    assert frame(x, "window").shape == (4, 1, 3)
    assert frame(x, "window")[1, 0].tolist() == [3, 4, 5]
    with pytest.raises(ValueError, match="framing must be one of"):
        frame(x, "bogus")


def test_windows_multivariate_and_horizon():
    z = np.stack([np.arange(10.0), -np.arange(10.0)], axis=1)
    x, y = windows(z, 3, [3, 5], horizon=2)
    assert x.shape == (2, 3, 2) and x[1, :, 0].tolist() == [2, 3, 4] and y.tolist() == [[3, 4], [5, 6]]
    with pytest.raises(ValueError):
        windows(z, 3, [2])
