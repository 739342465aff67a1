"""The HTML report without a browser: its numbers, its size, its self-containment, its errors."""
import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli, write_series
from report_helpers import FAST, MODELS, decode, embedded, panel_csv, synthetic_panel

from lstmcast.errors import DataError, UsageError
from lstmcast.evaluate import metrics
from lstmcast.report.html import write_report
from lstmcast.report.payload import build_payload
from lstmcast.report.tables import gmean, ranking, series_metrics

pytest.importorskip("plotly")


def _reference_metrics(cv, hist, m):
    """metrics.mase & co., window by window, series by series: the loop series_metrics vectorises."""
    out = {}
    for (u, name), _ in pd.MultiIndex.from_product([cv["unique_id"].unique(), MODELS]).to_frame().groupby(level=[0, 1]):
        part = cv[cv["unique_id"] == u]
        h = hist[hist["unique_id"] == u].set_index("ds")["y"]
        win = [metrics.mase(g["y"], g[name], h.loc[:c].to_numpy(), m) for c, g in part.groupby("cutoff")]
        out[u, name] = {"mase": np.mean(win), "rmse": metrics.rmse(part["y"], part[name]),
                        "mae": metrics.mae(part["y"], part[name]), "smape": metrics.smape(part["y"], part[name])}
    return out


@pytest.mark.parametrize("m", [12, 4, 40])   # 40: early windows have <= m training values, so the scale uses lag 1
def test_series_metrics_equal_the_metrics_module(m):
    hist, cv, _ = synthetic_panel(5, seed=m)
    got = series_metrics(cv, hist, MODELS, m).set_index(["unique_id", "model"])
    ref = _reference_metrics(cv, hist, m)
    assert len(got) == len(ref) == 5 * len(MODELS)
    for key, r in ref.items():
        for k, v in r.items():
            assert got.loc[key, k] == pytest.approx(v, rel=1e-10), (key, k)


def test_series_metrics_equal_backtest_scores_for_one_series():
    """The report's vectorised metrics and evaluate's per-series loop agree on the airline backtest."""
    from lstmcast import datasets
    from lstmcast.evaluate.backtest import backtest, per_series_scores
    from lstmcast.forecaster import Forecaster
    base = ["naive", "snaive", "drift"]
    cv, info = backtest(Forecaster(), datasets.airline(), 12, 3, models=base)
    panel = info["panel"]
    ref = per_series_scores(cv, panel, base, 12).set_index("model")
    names = {panel.id_col: "unique_id", panel.time_col: "ds", panel.target_col: "y"}
    hist = panel.to_frame().rename(columns=names)
    got = series_metrics(cv.rename(columns=names), hist, base, 12).set_index("model")
    for name in base:
        for k in ("mase", "rmse", "mae", "smape"):
            assert got.loc[name, k] == pytest.approx(ref.loc[name, k], rel=1e-12), (name, k)


def test_ranking_by_hand():
    per = pd.DataFrame({"unique_id": ["a", "b", "c"] * 2, "model": ["lstm"] * 3 + ["naive"] * 3,
                        "mase": [0.5, 2.0, 1.0, 1.0, 1.0, 1.0], "rmse": [1, 2, 3, 4, 5, 6.0],
                        "mae": [1, 1, 1, 2, 2, 2.0], "smape": [10, 20, 30, 10, 10, 10.0]})
    rows = {r["model"]: r for r in ranking(per, None, ["lstm", "naive"])}
    assert rows["lstm"]["mase"] == pytest.approx(3.5 / 3)
    assert rows["lstm"]["mase_median"] == 1.0
    assert rows["lstm"]["mase_gmean"] == pytest.approx(1.0)          # (0.5 * 2 * 1) ** (1/3)
    assert rows["lstm"]["wins"] == 2 and rows["naive"]["wins"] == 2  # the tie on series c counts for both
    assert rows["naive"]["rmse"] == 5.0 and rows["lstm"]["seconds"] is None
    assert rows["lstm"]["smape_median"] == 20.0 and rows["lstm"]["mae_gmean"] == pytest.approx(1.0)
    assert list(rows) == ["naive", "lstm"]                            # sorted by mean MASE: 1.0 < 1.1667
    assert gmean([0.0, -1, np.nan]) != gmean([0.0, -1, np.nan])      # no positive value: NaN
    ev = {"models": {"lstm": {"mase": 0.9, "rmse": 7.0, "mae": None}}}
    row = {r["model"]: r for r in ranking(per, ev, ["lstm", "naive"])}["lstm"]
    assert row["mase"] == 0.9 and row["source"]["mase"] == "evaluate"
    assert row["mae"] == 1.0 and row["source"]["mae"] == "report"     # missing in evaluate: computed here


@pytest.fixture(scope="module")
def airline_report(tmp_path_factory):
    """`evaluate --json --report` on the airline series with the quick baselines: (json doc, report path)."""
    path = tmp_path_factory.mktemp("rep") / "air.html"
    code, out, err = run_cli("evaluate", "--horizon", 12, "--windows", 3, "--models", "naive,snaive,drift",
                             *FAST, "--json", "--report", path, "--level", 80, 95)
    assert code == 0, err
    return json.loads(out), path


@pytest.mark.slow
def test_report_is_self_contained_and_holds_evaluate_json_numbers(airline_report):
    from lstmcast import datasets
    doc, path = airline_report
    text = path.read_text()
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text)
    assert tags and not [t for t in tags if re.search(r"\b(src|href)\s*=", t)], tags
    assert "plotly.js v" in text and 4e6 < path.stat().st_size < 6e6
    data = embedded(path)
    assert data["evaluation"] == doc
    for row in data["ranking"]:
        for k in ("mase", "rmse", "mae", "smape", "seconds"):
            assert row[k] == doc["models"][row["model"]][k], (row["model"], k)
        for lv in ("80", "95"):                                        # the interval scores and calibration chart
            assert row[f"coverage:{lv}"] == doc["models"][row["model"]]["coverage"][lv], (row["model"], lv)
            assert row[f"msis:{lv}"] == doc["models"][row["model"]]["msis"][lv], (row["model"], lv)
        assert row["sql"] == doc["models"][row["model"]]["sql"]
    assert 'id="lc-calib"' in text and "drawCalibration" in text
    assert [r["model"] for r in data["ranking"]] == sorted(doc["models"], key=lambda m: doc["models"][m]["mase"])
    for m in doc["models"]:                                            # one series: its MASE is the mean
        assert data["table"][f"mase:{m}"] == [round(doc["models"][m]["mase"], 4)], m
    card = data["card"]
    assert card["data"]["sha256"] == hashlib.sha256(datasets.AIRLINE_CSV.read_bytes()).hexdigest()
    assert card["data"]["values"] == 144 and "fits no final model" in card["settings"]["note"]
    assert card["settings"]["units"] == [4] and "loss" not in card and data["table"]["status"] == ["ok"]
    s = data["series"][0]
    y = decode(s["y"], s["e"])
    assert np.array_equal(y, datasets.airline().to_numpy())          # 6 significant digits keep the integers
    assert [data["dates"][c] for c in s["cv"]["c"]] == doc["cutoffs"]


def test_panel_thinning_keeps_to_the_budget_and_says_so():
    hist, cv, fc = synthetic_panel(60, seed=1)
    full = build_payload(history=hist, cv=cv, forecast=fc)
    assert set(full["table"]["detail"]) == {0} and len(full["thinned"]) == 1
    assert full["models"] == ["lstm", "ets", "naive", "snaive"]       # lstm-seed-* is not a model
    some = build_payload(history=hist, cv=cv, forecast=fc, budget=60 * 100, tail=20)
    level = np.array(some["table"]["detail"])
    assert set(level) == {0, 1}
    ratio = np.array(some["table"]["mase:lstm"]) / np.array(
        [some["table"][f"mase:{b}"][i] for i, b in enumerate(some["table"]["best_baseline"])])
    assert ratio[level == 0].min() >= np.median(ratio[level == 1])      # the worst LSTM series keep everything
    i = int(np.flatnonzero(level == 1)[0])
    s = some["series"][i]
    assert len(s["y"]) == 20 and set(s["cv"]["m"]) == {"lstm", some["table"]["best_baseline"][i]}
    assert re.search(rf"{(level == 1).sum()} of 60 series show only their last 20 history values",
                     " ".join(some["thinned"]))
    few = build_payload(history=hist, cv=cv, forecast=fc, budget=2000, tail=20)
    level = np.array(few["table"]["detail"])
    assert set(level) == {1, 2} and all((s is None) == (lv == 2) for s, lv in zip(few["series"], level))
    assert f"{(level == 2).sum()} of 60 series have a table row but no chart" in " ".join(few["thinned"])
    assert sum(len(s["y"]) + sum(map(len, s["cv"]["m"].values())) + 5 * 6 for s in few["series"] if s) <= 2000


def test_values_round_to_significant_digits_and_fallbacks_show():
    hist, cv, fc = synthetic_panel(8, seed=2)
    p = build_payload(history=hist, cv=cv, forecast=fc)
    for i, u in enumerate(p["table"]["id"]):
        s = p["series"][i]
        y = hist.loc[hist["unique_id"] == u, "y"].to_numpy()
        assert np.abs(decode(s["y"], s["e"]) - y).max() <= 0.5 * 10.0 ** -s["e"] * (1 + 1e-9)
        assert np.abs(y).max() * 10.0 ** s["e"] < 1e6                 # 6 significant digits
        f = fc[fc["unique_id"] == u]
        assert np.allclose(decode(s["f"]["hi-95"], s["e"]), f["hi-95"], atol=10.0 ** -s["e"])
        assert p["table"]["status"][i] == ("fallback: snaive-fallback" if i % 7 == 3 else "ok")
    assert p["levels"] == [80, 95]
    ref = _reference_metrics(cv, hist, 1)
    for i, u in enumerate(p["table"]["id"]):
        assert p["table"]["best"][i] == min(MODELS, key=lambda m: ref[u, m]["mase"])
        assert p["table"]["best_baseline"][i] == min(MODELS[1:], key=lambda m: ref[u, m]["mase"])


def test_size_is_bounded_by_the_budget(tmp_path):
    hist, cv, fc = synthetic_panel(400, seed=3)
    budget = 20_000
    path = write_report(tmp_path / "r.html", evaluation=None, cv=cv, history=hist, forecast=fc, budget=budget)
    data = embedded(path)
    assert "no chart" in " ".join(data["thinned"])
    text = path.read_text()
    body = text[text.index('id="lc-data">'):]
    per_row = len(json.dumps(data["table"])) / 400
    assert len(body) <= budget * 8 + 400 * per_row + len(json.dumps(data["dates"])) + 50_000


@pytest.mark.parametrize("change, message", [
    (lambda h, c: (h.drop(columns="y"), c), r"history frame lacks column\(s\) \['y'\]"),
    (lambda h, c: (h, c.drop(columns="cutoff")), r"cv frame lacks column\(s\) \['cutoff'\]"),
    (lambda h, c: (h, c.assign(unique_id="nope")), r"cv has series \['nope'\] that are not in the history"),
    (lambda h, c: (h, c.assign(cutoff=c["cutoff"] + pd.Timedelta("1D"))),
     r"no backtest cut-off is a time in the history"),
])
def test_bad_frames_fail_in_one_line(tmp_path, change, message):
    hist, cv, _ = synthetic_panel(3)
    h, c = change(hist, cv)
    with pytest.raises(DataError, match=message):
        write_report(tmp_path / "r.html", evaluation=None, cv=c, history=h)


def test_bad_paths_fail_in_one_line(tmp_path):
    hist, cv, _ = synthetic_panel(2)
    with pytest.raises(UsageError, match="folder .* does not exist"):
        write_report(tmp_path / "no" / "r.html", evaluation=None, cv=cv, history=hist)
    (tmp_path / "r.html").write_text("x")
    code, out, err = run_cli("report", "--horizon", 12, "--out", tmp_path / "r.html")
    assert code == 2 and err.strip().count("\n") == 0 and "exists; pass --force" in err


def test_report_command_fits_forecasts_and_fills_the_model_card(tmp_path):
    from lstmcast import datasets
    csv = write_series(tmp_path / "air.csv", datasets.airline().to_numpy().tolist(), start="1949-01-01")
    out = tmp_path / "r.html"
    code, stdout, err = run_cli("report", csv, "--horizon", 6, "--windows", 1, "--models", "naive,snaive", *FAST,
                                "--out", out, "--level", 90)
    assert code == 0, err
    data = embedded(out)
    card = data["card"]
    assert card["data"]["sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert len(card["loss"]) == 2 and all(len(c) == 2 for c in card["loss"])          # 2 seeds x 2 epochs
    assert card["settings"]["differencing"] == "1" and card["settings"]["seeds"] == 2
    assert card["versions"]["jax"] and set(card["run times (s)"]) == {"backtest default", "backtest lstm",
                                                                      "backtest naive", "backtest snaive",
                                                                      "final fit"}
    assert card["settings"]["scope"] == "local" and card["settings"]["units"] == [4]
    assert card["settings"]["transform"] == "log" and card["settings"]["season_length"] == 12
    assert data["table"]["status"] == ["ok"] and data["title"] == "lstmcast report: value"
    s = data["series"][0]
    assert data["levels"] == [90] and len(s["f"]["lo-90"]) == 6 and s["fm"] == "lstm+pretrained+ets+arima"
    assert data["dates"][s["f"]["d"]["s"]] == "1961-01-01"
    best = data["ranking"][0]
    assert re.search(rf"{best['model']}\s+{best['mase']:.3f}", stdout)    # the printed table and the page agree


def test_missing_plotly_is_one_line(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "plotly.offline", None)
    hist, _, _ = synthetic_panel(1)
    with pytest.raises(UsageError, match=r"needs plotly .*pip install 'lstmcast\[report\]'"):
        write_report(tmp_path / "r.html", evaluation=None, cv=None, history=hist)


def test_forecast_report_from_a_saved_model(tmp_path):
    from lstmcast import datasets
    from lstmcast.forecaster import Forecaster
    y = datasets.airline()
    Forecaster(epochs=2, seeds=2, units=4, scope="local", diff=(1,)).fit(y).save(tmp_path / "m")
    newer = write_series(tmp_path / "new.csv", [420.0, 400.0, 410.0], start="1961-01-01")
    out = tmp_path / "f.html"
    code, _, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", 6, "--level", 80, "--data", newer,
                           "--report", out, "--quiet")
    assert code == 0, err
    data = embedded(out)
    s = data["series"][0]
    assert len(s["y"]) == 147 and data["dates"][s["f"]["d"]["s"]] == "1961-04-01"
    assert data["card"]["data"]["sha256"] == hashlib.sha256(newer.read_bytes()).hexdigest()
    assert len(data["card"]["loss"]) == 2 and data["card"]["settings"]["differencing"] == "1"
    assert data["ranking"] == [] and data["evaluation"] is None


def test_odd_ids_and_titles_cannot_break_the_page(tmp_path):
    hist, cv, fc = synthetic_panel(2)
    odd = {"S0000": "</script><b>x</b>", "S0001": 7}
    hist, cv, fc = (f.assign(unique_id=f["unique_id"].map(odd)) for f in (hist, cv, fc))
    path = write_report(tmp_path / "r.html", evaluation=None, cv=cv, history=hist, forecast=fc, title="<i>t</i>")
    text = path.read_text()
    assert "</script><b>" not in text and "<i>t</i>" not in text and "&lt;i&gt;t&lt;/i&gt;" in text
    assert text.count("</script>") == 3                                  # plotly.js, the data, the page
    data = embedded(path)
    assert sorted(data["table"]["id"]) == ["7", "</script><b>x</b>"]


def test_per_series_status_and_reason_reach_the_table():
    hist, cv, fc = synthetic_panel(3)
    ps = pd.DataFrame({"unique_id": ["S0001"], "length": [40], "status": ["fallback"],
                       "reason": ["too short for look_back 24"]})
    t = build_payload(history=hist, cv=cv, forecast=fc.assign(model="lstm"), per_series=ps)["table"]
    assert t["status"] == ["ok", "fallback", "ok"] and t["reason"] == ["", "too short for look_back 24", ""]


@pytest.mark.slow
def test_panel_report_end_to_end_shows_the_fallback_and_evaluates_numbers(tmp_path):
    df = panel_csv(tmp_path / "shops.csv")
    out, ps = tmp_path / "p.html", tmp_path / "ps.csv"
    code, stdout, err = run_cli("report", tmp_path / "shops.csv", "--id-col", "store", "--horizon", 6, "--windows", 2,
                                "--models", "naive,snaive", *FAST, "--out", out, "--per-series", ps, "--level", 80)
    assert code == 0, err
    data = embedded(out)
    t = data["table"]
    assert t["id"] == ["a", "b", "c"] and t["length"] == [60, 60, 60]
    assert t["status"] == ["ok", "ok", "fallback: snaive (constant)"] and "all 60 values are 7" in t["reason"][2]
    wide = pd.read_csv(ps).set_index("unique_id")                     # `evaluate --per-series`, same run
    for m in ("lstm", "naive", "snaive"):
        ref = [None if v != v else round(v, 4) for v in wide[f"mase_{m}"].reindex(["a", "b", "c"])]
        assert t[f"mase:{m}"] == ref and ref[2] is None                 # constant: MASE's scale is 0
    assert wide.loc["c", "lstm_model"] == "snaive-fallback"
    for i, u in enumerate("abc"):                                       # the history is the file's values
        s = data["series"][i]
        assert np.allclose(decode(s["y"], s["e"]), df.loc[df["store"] == u, "sales"], rtol=1e-5, atol=0)
        assert data["dates"][s["f"]["d"]["s"]] == "2005-01-01" and len(s["f"]["lo-80"]) == 6
    c = data["series"][2]
    assert c["fm"] == "snaive-fallback" and np.all(decode(c["f"]["mean"], c["e"]) == 7.0)
    card = data["card"]
    assert card["settings"]["differencing"] == "1: 2 series" and card["settings"]["scope"] == "local"
    assert card["settings"]["transform"] == "log: 2 series"
    assert {k: card["series"][k] for k in ("in the panel", "LSTM", "fallback")} == {"in the panel": 3, "LSTM": 2,
                                                                                    "fallback": 1}
    assert "1 constant" in card["series"]["why"] and len(card["loss"]) == 2
    assert card["data"]["series"] == 3 and card["data"]["values"] == 180 and card["data"]["frequency"] == "MS"
    assert card["data"]["sha256"] == hashlib.sha256((tmp_path / "shops.csv").read_bytes()).hexdigest()
    assert data["title"] == "lstmcast report: shops (3 series)"
    for r in data["ranking"]:                                         # the printed ranking and the page agree
        name = re.escape(r.get("label", r["model"]))                 # 'default (1 of 3 series fell back to snaive)'
        assert re.search(rf"^{name}\s+{r['mase']:.3f}\s+{r['mase_median']:.3f}", stdout, re.M), r["model"]
    assert {r["label"] for r in data["ranking"] if "label" in r} == {"default (1 of 3 series fell back to snaive)",
                                                                     "lstm (1 of 3 series fell back to snaive)"}


def test_status_table_reads_the_final_fit_and_the_backtest():
    from lstmcast.cli.report import status_table
    from lstmcast.data import validate_panel
    ds = list(pd.date_range("2000-01-01", periods=4, freq="MS"))
    df = pd.DataFrame({"unique_id": np.repeat(list("abcd"), 4), "ds": ds * 4,
                       "y": [1.0, 2, 3, 4, 2, 3, 1, 2, 5, 5, 5, 5, 1, 3, 2, 4]})
    panel = validate_panel(df, freq="MS")
    bt = pd.DataFrame({"unique_id": list("aabbcc"), "cutoff": ds[:2] * 3,
                       "model": ["lstm", "lstm", "lstm", "snaive-fallback", "naive-fallback", "naive-fallback"]})
    t = status_table(panel, backtest=bt)
    assert t["status"].tolist() == ["ok", "fallback: snaive", "fallback: naive (constant)", "not backtested"]
    assert t["reason"][1] == "backtest: a baseline at 1 of 2 cut-offs (snaive-fallback)"
    assert t["reason"][2].startswith("constant") and "backtest" not in t["reason"][2]   # the status says why
    assert t["reason"][3] == "not in the backtest (too short for its windows)"
    every = bt.assign(model=bt["model"].where(bt["unique_id"] != "b", "snaive-fallback"))
    assert (status_table(panel, backtest=every)["reason"][1]
            == "backtest: a baseline at 2 of 2 cut-offs (snaive-fallback)")
    final = pd.DataFrame({"unique_id": list("abcd"), "model": ["lstm", "lstm", "naive-fallback", "lstm"]})
    t = status_table(panel, final=final, backtest=bt)
    assert t["status"].tolist() == ["ok", "ok", "fallback: naive (constant)", "ok"]     # the final fit decides
    assert t["reason"][1] == "backtest: a baseline at 1 of 2 cut-offs (snaive-fallback)"
    assert status_table(panel, final=final)["reason"].tolist() == ["", "", t["reason"][2], ""]


def test_forecast_report_of_a_panel_model_continued_by_newer_data(tmp_path):
    from lstmcast.forecaster import Forecaster
    df = panel_csv(tmp_path / "shops.csv")
    Forecaster(epochs=2, seeds=2, units=4, scope="local", diff=(1,)).fit(
        df, id_col="store", time_col="month", target_col="sales").save(tmp_path / "m")
    newer = tmp_path / "new.csv"
    newer.write_text("store,month,sales\na,2005-01-01,170\na,2005-02-01,171\na,2005-03-01,173\n")
    out = tmp_path / "f.html"
    code, _, err = run_cli("forecast", "--model", tmp_path / "m", "--horizon", 4, "--data", newer, "--report", out,
                           "--quiet")
    assert code == 0, err
    data = embedded(out)
    t = data["table"]
    assert t["id"] == ["a", "b", "c"] and t["length"] == [63, 60, 60]            # a continued by 3 values
    assert t["status"] == ["ok", "ok", "fallback: snaive (constant)"]
    a, b = data["series"][0], data["series"][1]
    assert decode(a["y"], a["e"])[-3:].tolist() == [170.0, 171.0, 173.0]
    assert data["dates"][a["f"]["d"]["s"]] == "2005-04-01" and data["dates"][b["f"]["d"]["s"]] == "2005-01-01"
    assert data["card"]["settings"]["differencing"] == "1: 2 series" and data["card"]["data"]["values"] == 3


def test_a_series_too_short_for_intervals_costs_the_bands_not_the_report():
    from lstmcast.cli.report import _forecast
    from lstmcast.errors import DataError

    class Stub:
        def forecast(self, h, level=None):
            if level:
                raise DataError("series 's': conformal intervals at horizon 6 need 10 past origins")
            return pd.DataFrame({"mean": [1.0] * h})

    notes = []
    con = type("Con", (), {"note": lambda self, m: notes.append(m)})()
    out, why = _forecast(Stub(), 6, [80], con)
    assert len(out) == 6 and why.startswith("series 's': conformal") and "intervals left out" in notes[0]
    assert _forecast(Stub(), 6, None, con)[1] == ""

    class Bad(Stub):
        def forecast(self, h, level=None):
            raise DataError("something else")
    with pytest.raises(DataError, match="something else"):
        _forecast(Bad(), 6, [80], con)


@pytest.mark.slow
def test_card_of_one_series_gives_its_lags_and_their_scores_and_an_unfitted_card_the_request():
    from lstmcast import datasets
    from lstmcast.forecaster import Forecaster
    from lstmcast.report.card import card_for, data_info
    fc = Forecaster(diff="auto", epochs=2, seeds=2, units=4, seed=5).fit(datasets.airline())
    card = card_for(fc, data=data_info(datasets.AIRLINE_CSV, fc.panel_))
    scores = card["differencing scores (held-out RMSE, lower is better)"]
    assert scores == {k: round(v, 4) for k, v in fc.diff_scores_[0].items()} and len(scores) >= 2
    assert card["settings"]["differencing"] == min(scores, key=scores.get)          # the lowest score won
    assert card["settings"]["differencing requested"] == "auto" and card["settings"]["transform"] == "log"
    assert card["settings"]["seed values"] == "5..6" and card["settings"]["look_back"] == 12
    assert len(card["loss"]) == 2 and all(len(c) == 2 for c in card["loss"]) and "fit" in card["run times (s)"]
    assert card["data"]["first"] == "1949-01-01" and card["data"]["last"] == "1960-12-01"
    assert "series" not in card and not any(k.startswith("scope scores") for k in card)   # one series: local
    req = card_for(Forecaster(seeds=3, diff=(12, 1), units=(8, 4)))
    assert req["settings"]["differencing"] == "12,1" and req["settings"]["units"] == [8, 4]
    assert req["settings"]["seed values"] == "0..2" and req["settings"]["look_back"] == "auto" and "loss" not in req


def test_unfitted_card_with_automatic_seeds_gives_each_scopes_count():
    from lstmcast.forecaster import Forecaster
    from lstmcast.report.card import card_for
    s = card_for(Forecaster())["settings"]                          # every default: seeds=None, scope="auto"
    assert s["seeds"] == "auto (3 local member, 5 global)" and s["seed values"] == "0..2 (local member), 0..4 (global)"
    s = card_for(Forecaster(model="lstm"))["settings"]              # the LSTM alone
    assert s["seeds"] == "auto (10 local, 5 global)" and s["seed values"] == "0..9 (local), 0..4 (global)"
    s = card_for(Forecaster(scope="global", seed=7))["settings"]
    assert s["seeds"] == "auto (5 global)" and s["seed values"] == "7..11 (global)"


@pytest.mark.slow
def test_evaluate_report_with_every_default_on_a_panel_and_the_bundled_series(tmp_path, monkeypatch):
    """Issue 25: `evaluate --horizon 12 --windows 2 --report r.html` with `--seeds` automatic crashed."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("evaluate", "--horizon", "12", "--windows", "2", "--report", "r.html", "--quiet")
    assert code == 0 and "Traceback" not in err, err
    page = (tmp_path / "r.html").read_text()
    assert "0..2 (local member)" in page and "0..4 (global)" in page      # the default: a combination
    rows = ["unique_id,ds,y\n"]
    for k, shift in enumerate((0, 7, 19)):
        rows += [f"s{k},{t.date()},{100 + 10 * np.sin((i + shift) / 2) + i + k:.2f}\n"
                 for i, t in enumerate(pd.date_range("2001-01-01", periods=48 + k * 6, freq="MS"))]
    (tmp_path / "p.csv").write_text("".join(rows))
    code, out, err = run_cli("evaluate", "p.csv", "--horizon", "12", "--windows", "2", "--report", "p.html", "--quiet")
    assert code == 0 and "Traceback" not in err, err
    assert "0..2 (local member)" in (tmp_path / "p.html").read_text()
