"""Random garbage CSV content never produces a traceback: either a series or a one-line DataError."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmcast.data import DataError, load_csv

cell = st.one_of(st.text(max_size=8), st.integers(-5, 5000).map(str), st.floats().map(str),
                 st.dates().map(str), st.sampled_from(["", "NA", "nan", "inf", "2020-13-45", "1960-01", "1999Q3"]))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cell, min_size=1, max_size=4), max_size=12), st.booleans())
def test_garbage_csv(tmp_path_factory, rows, header):
    p = tmp_path_factory.mktemp("g") / "g.csv"
    text = ("a,b,c\n" if header else "") + "\n".join(",".join(r) for r in rows)
    p.write_bytes(text.encode("utf-8", "replace"))
    try:
        y = load_csv(p)
    except DataError as e:
        assert "\n" not in str(e) and str(p) in str(e)
        return
    assert y.index.is_monotonic_increasing and y.notna().all()
