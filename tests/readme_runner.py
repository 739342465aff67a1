"""Every command of README.md runs as written (issue 25): each fenced ```bash block's `lstmcast ...` commands
and each ```python block, in README order, one temporary folder per section. The blocks are split over three
test modules (PART below: test_readme.py, test_readme_panels.py, test_readme_covariates.py) so that the two
pytest-xdist workers (--dist loadfile) share them; a section that uses another's output is in its module.
Only file names are substituted: the README's `sales.csv`, `newer.csv`, `stores.csv`... are generated
here (the bundled airline series, small synthetic panels) and a section that uses another section's output
gets its path. No flag is added or changed: a command too slow as written is the README's problem, not this test's."""
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_RUN = {   # sections whose blocks need what a test cannot have (`pip install` lines are skipped everywhere)
    "Scaling out (Ray)": "ray start / a Ray cluster at HEAD_IP",
}
# section -> the test module that runs it (0: test_readme.py, 1: _panels, 2: _covariates); others: 0
PART = {"Many series at once": 1, "Covariates": 2}


def blocks(text=None):
    """[(section, language, code)] of README's fenced bash and python blocks, in order."""
    text = README.read_text() if text is None else text
    out, section = [], ""
    for m in re.finditer(r"^(#+) ([^\n]*)$|^```(bash|python)\n(.*?)^```", text, re.M | re.S):
        if m.group(1):
            section = m.group(2).strip()
        else:
            out.append((section, m.group(3), m.group(4)))
    return out


def commands(code):
    """The `lstmcast` commands of a bash block: comments dropped, `a && b` split, in order."""
    out = []
    for line in code.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            if words[0] == "lstmcast":
                out.append(words[1:cut])
            words = words[cut + 1:]
    return out


def _airline(n):
    from lstmcast import datasets
    y = datasets.airline()
    return pd.DataFrame({"month": y.index[:n].strftime("%Y-%m"), "passengers": y.to_numpy()[:n]})


def _panel(n_series=3, n=60, freq="MS", cols=("unique_id", "ds", "y"), seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n_series):
        t = pd.date_range("2015-01-01", periods=n - 6 * k, freq=freq)
        y = 100 + 10 * k + 8 * np.sin(np.arange(len(t)) * 2 * np.pi / 12) + np.cumsum(rng.normal(0, 1, len(t)))
        rows.append(pd.DataFrame({cols[0]: f"s{k}", cols[1]: t.strftime("%Y-%m-%d"), cols[2]: y.round(2)}))
    return pd.concat(rows, ignore_index=True)


def _covariate_panel():
    df = _panel(n=72)                       # cross_validation(h=12, n_windows=2) needs an LSTM-sized first part
    rng = np.random.default_rng(1)
    df["price"] = (10 + rng.normal(0, 1, len(df))).round(2)
    df["promo"] = rng.integers(0, 2, len(df))
    df["visits"] = (df["y"] * 3 + rng.normal(0, 5, len(df))).round(1)
    df["y"] = (df["y"] - 2 * df["price"] + 5 * df["promo"]).round(2)
    return df


def _daily(n=150):
    """Daily values with a weekend dip: the Covariates section's calendar example."""
    ds = pd.date_range("2024-01-01", periods=n, freq="D")
    y = 50 + np.where(ds.dayofweek >= 5, -8.0, 0.0) + np.cumsum(np.random.default_rng(2).normal(0, 0.5, n))
    return pd.DataFrame({"date": ds.strftime("%Y-%m-%d"), "sales": y.round(2)})


def _stores():
    return pd.DataFrame({"unique_id": ["s0", "s1", "s2"], "size": [1.0, 2.5, 4.0]})


DATA = {   # section -> the README's file names there -> how to make them
    "Quick start": {"sales.csv": lambda: _airline(72), "newer.csv": lambda: _airline(78)},
    "Many series at once": {"sales.csv": _panel,
                            "stores-weeks.csv": lambda: _panel(n=200, freq="W-MON", cols=("store", "week", "units"))},
    "Intervals": {"sales.csv": lambda: _airline(72)},
    "Fine-tuned on your data, and on newer data": {"sales.csv": lambda: _airline(72),
                                                   "newer.csv": lambda: _airline(78)},
    "The HTML report": {"sales.csv": lambda: _airline(72)},
    "Covariates": {"sales.csv": _covariate_panel, "stores.csv": _stores, "daily.csv": _daily},
}
OTHER = {"The HTML report": {"sales-model": "Quick start"}}   # a name made by another section's commands


def _substitute(section, words, folders):
    """File names only: the --id-col example reads a file that has those columns; outputs of another section."""
    if section == "Many series at once" and "--id-col" in words:
        words = ["stores-weeks.csv" if w == "sales.csv" else w for w in words]
    for name, where in OTHER.get(section, {}).items():
        words = [str(folders[where] / name) if w == name else w for w in words]
    return words


def _fill_template(path: Path):
    """What the user does between `--future-template need.csv` and `--future need.csv`: fill the values in."""
    need = pd.read_csv(path)
    for c in need.columns[2:]:
        need[c] = np.arange(len(need)) % 2 if c == "promo" else 10.0
    need.to_csv(path, index=False)


class _Names(dict):
    """The python blocks' names that the README leaves to the reader: `df`, `stores`, and `filled` (the
    block's own `need`, filled in with planned values)."""

    def __missing__(self, key):
        if key == "filled":
            return self["need"].assign(price=10.0, promo=0)
        raise KeyError(key)


def _python_names(section):
    from lstmcast import Forecaster
    df = _covariate_panel() if section == "Covariates" else _panel()
    return _Names(Forecaster=Forecaster, df=df, stores=_stores())


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return {}


def cases(part: int):
    """The pytest params of the README blocks that module `part` runs (PART), with their README order."""
    return [pytest.param(s, lang, code, id=f"{i}-{lang}-{s}") for i, (s, lang, code) in enumerate(blocks())
            if PART.get(s, 0) == part]


def run_block(section, lang, code, folders, tmp_path_factory, monkeypatch):
    """Run one README block in its section's folder (made on first use, kept for the module)."""
    if section in NOT_RUN:
        pytest.skip(NOT_RUN[section])
    d = folders.setdefault(section, tmp_path_factory.mktemp(re.sub(r"\W+", "-", section)))
    monkeypatch.chdir(d)
    for name, make in DATA.get(section, {}).items():
        if not (d / name).exists():
            make().to_csv(d / name, index=False)
    if lang == "python":
        names = _python_names(section)
        exec(compile(code, f"README.md [{section}]", "exec"), {"__builtins__": __builtins__}, names)
        return
    for words in commands(code):
        words = _substitute(section, words, folders)
        code_, out, err = run_cli(*words)
        assert code_ == 0, f"lstmcast {' '.join(words)}\nexit {code_}\n{err[-3000:]}"
        assert "Traceback" not in err and "Warning" not in err, err
        if "--future-template" in words:
            _fill_template(d / words[words.index("--future-template") + 1])
