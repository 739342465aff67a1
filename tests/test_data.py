"""The bundled airline CSV and the general CSV loader."""
import pandas as pd
import pytest

from lstmcast import datasets
from lstmcast.data import DataError, load_csv, validate_series


def test_airline_series():
    y = datasets.airline()
    assert len(y) == 144 and y.iloc[0] == 112 and y.iloc[-1] == 432 and y.sum() == 40363
    assert y.index[0] == pd.Timestamp("1949-01-01") and y.index[-1] == pd.Timestamp("1960-12-01")
    assert y.index.freqstr == "MS"


def test_airline_csv_has_the_download_shape():
    lines = datasets.AIRLINE_CSV.read_text().splitlines()
    assert lines[0] == ('"Month","International airline passengers: monthly totals in thousands. '
                        'Jan 49 ? Dec 60"')
    assert lines[1] == '"1949-01",112' and lines[144] == '"1960-12",432'
    assert len(lines) == 145 + 3   # header, 144 rows, the 3-line footer
    # the tutorial's own read gives the same 144 values
    d = pd.read_csv(datasets.AIRLINE_CSV, usecols=[1], engine="python", skipfooter=3)
    assert d.iloc[:, 0].tolist() == datasets.airline().tolist()


def test_columns_by_name_position_and_default(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("id,when,sales,other\n" + "".join(f"x,2020-01-{d:02d},{d * 2},{d}\n" for d in range(1, 11)))
    notes = []
    y = load_csv(p, report=notes.append)
    assert y.name == "sales" and y.index.freqstr == "D" and y.iloc[0] == 2
    assert any("'when'" in n for n in notes) and any("'sales'" in n for n in notes)
    assert load_csv(p, time_col="when", value_col="other").iloc[-1] == 10
    assert load_csv(p, time_col=1, value_col=3).iloc[-1] == 10
    with pytest.raises(DataError, match=r"no column 'nope'"):
        load_csv(p, value_col="nope")


@pytest.mark.parametrize("times,freq", [(["2001Q1", "2001Q2", "2001Q3", "2001Q4"], "QS-OCT"),
                                        (["1990", "1991", "1992", "1993"], "YS-JAN")])
def test_quarters_and_years_parse(tmp_path, times, freq):
    p = tmp_path / "q.csv"
    p.write_text("t,v\n" + "".join(f"{t},{i + 1}\n" for i, t in enumerate(times)))
    y = load_csv(p)
    assert len(y) == 4 and y.index.freqstr == freq


def test_fill_missing_values(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("t,v\n2020-01-01,1\n2020-01-02,\n2020-01-03,3\n2020-01-04,4\n")
    with pytest.raises(DataError, match=r"1 missing value\(s\), first at 2020-01-02 \(line 3\)"):
        load_csv(p)
    assert load_csv(p, fill="interpolate").tolist() == [1, 2, 3, 4]
    assert load_csv(p, fill="ffill").tolist() == [1, 1, 3, 4]


def test_validate_series_accepts_frames_and_periods():
    df = pd.DataFrame({"ds": pd.date_range("2000-01-01", periods=5, freq="MS"), "y": [1.0, 2, 3, 4, 5]})
    assert validate_series(df).index.freqstr == "MS"
    s = pd.Series([1.0, 2, 3], index=pd.period_range("2000Q1", periods=3, freq="Q"))
    assert len(validate_series(s)) == 3
    with pytest.raises(DataError, match="needs columns 'ds' and 'y'"):
        validate_series(pd.DataFrame({"a": [1]}))
