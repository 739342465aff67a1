"""The HTML report in a real browser: headless Chromium driven by Selenium (Debian `chromium` + `chromium-driver`).

Skips, saying why, only where Selenium or the browser is not installed (.ci/run installs them).
"""
import io
import json
import shutil
import time

import numpy as np
import pytest
from helpers import run_cli
from report_helpers import FAST, panel_csv, synthetic_panel

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install '.[test]')")
pytest.importorskip("plotly")
pytestmark = pytest.mark.slow     # a headless Chromium per module, and reports fitted for it


def _executables():
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver = shutil.which("chromedriver")
    return browser, driver


@pytest.fixture(scope="module")
def driver():
    from selenium.webdriver.chrome.service import Service
    browser, drv = _executables()
    if not browser or not drv:
        pytest.skip("headless Chromium is not installed: apt-get install -y chromium chromium-driver")
    o = webdriver.ChromeOptions()
    o.binary_location = browser
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(drv), options=o)
    yield d
    d.quit()


def _open(d, path):
    from selenium.webdriver.support.ui import WebDriverWait
    d.get("about:blank")
    d.get_log("browser")
    d.get(path.resolve().as_uri())
    WebDriverWait(d, 30).until(lambda d: d.execute_script("return document.body && document.body.dataset.ready"))
    return [e for e in d.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def _png_not_blank(png: bytes):
    from PIL import Image
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    ink = (img < 235).any(axis=1).mean()                 # share of pixels that are not (near) white
    colors = len(np.unique(img // 16, axis=0))
    assert ink > 0.02 and colors > 10, (ink, colors)


@pytest.fixture(scope="module")
def airline(tmp_path_factory):
    path = tmp_path_factory.mktemp("brow") / "air.html"
    code, out, err = run_cli("evaluate", "--horizon", 12, "--windows", 3, "--models", "naive,snaive,drift,ets",
                             *FAST, "--json", "--report", path)
    assert code == 0, err
    return json.loads(out), path


def test_airline_report_loads_clean_and_shows_evaluate_numbers(driver, airline):
    from selenium.webdriver.common.by import By
    doc, path = airline
    assert _open(driver, path) == []                                     # no console errors or warnings
    rows = driver.find_elements(By.CSS_SELECTOR, "#lc-rank tbody tr")
    ranked = sorted(doc["models"], key=lambda m: doc["models"][m]["mase"])
    assert [r.get_attribute("data-model") for r in rows] == ranked
    for r in rows:
        m = doc["models"][r.get_attribute("data-model")]
        for key, digits in (("mase", 3), ("rmse", 2), ("mae", 2), ("smape", 2)):
            td = r.find_element(By.CSS_SELECTOR, f'td[data-key="{key}"]')
            assert float(td.get_attribute("data-v")) == m[key]
            assert td.text == f"{m[key]:.{digits}f}"
    n_traces = driver.execute_script("return document.getElementById('lc-chart').data.length")
    assert n_traces == 1 + 6 * 3                       # history + 6 models (default and lstm too) x 3 windows
    _png_not_blank(driver.find_element(By.ID, "lc-chart").screenshot_as_png)


def test_panel_table_selects_searches_and_sorts(driver, tmp_path):
    from selenium.webdriver.common.by import By

    from lstmcast.report.html import write_report
    hist, cv, fc = synthetic_panel(40, seed=5)
    path = write_report(tmp_path / "panel.html", evaluation=None, cv=cv, history=hist, forecast=fc)
    assert _open(driver, path) == []
    chart = driver.find_element(By.ID, "lc-chart")
    first_png = chart.screenshot_as_png
    _png_not_blank(first_png)
    rows = driver.find_elements(By.CSS_SELECTOR, "#lc-stable tbody tr")
    assert len(rows) == 15 and "1–15 of 40 series" in driver.find_element(By.ID, "lc-count").text
    rows[7].click()
    assert chart.get_attribute("data-series") == "S0007"
    y = driver.execute_script("return document.getElementById('lc-chart').data[0].y")
    ref = hist.loc[hist["unique_id"] == "S0007", "y"].to_numpy()
    assert np.allclose(y, ref, rtol=1e-5)                                # the chart is that series' history
    time.sleep(0.3)                                                      # let plotly finish its redraw
    assert chart.screenshot_as_png != first_png
    search = driver.find_element(By.ID, "lc-search")
    search.send_keys("S001")
    ids = [td.text for td in driver.find_elements(By.CSS_SELECTOR, '#lc-stable tbody td[data-key="id"]')]
    assert ids == [f"S001{i}" for i in range(10)]
    search.clear()
    search.send_keys("fallback")
    ids = [td.text for td in driver.find_elements(By.CSS_SELECTOR, '#lc-stable tbody td[data-key="id"]')]
    assert ids == [f"S{i:04d}" for i in range(40) if i % 7 == 3]
    driver.execute_script("const s = document.getElementById('lc-search'); s.value = '';"
                          "s.dispatchEvent(new Event('input'))")
    driver.find_element(By.CSS_SELECTOR, '#lc-stable th[data-key="mase:lstm"]').click()
    vals = [float(td.text) for td in driver.find_elements(By.CSS_SELECTOR, '#lc-stable tbody td[data-key="mase:lstm"]')]
    assert vals == sorted(vals) and len(vals) == 15
    heads = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#lc-stable th")]
    assert heads[3:8] == ["LSTM MASE", "ets MASE", "naive MASE", "snaive MASE", "LSTM / best baseline"]
    from selenium.webdriver.support.ui import Select

    from lstmcast.evaluate import metrics
    Select(driver.find_element(By.ID, "lc-stat")).select_by_visible_text("median")
    td = driver.find_element(By.CSS_SELECTOR, '#lc-rank tr[data-model="ets"] td[data-key="rmse_median"]')
    ref = np.median([metrics.rmse(g["y"], g["ets"]) for _, g in cv.groupby("unique_id")])
    assert float(td.get_attribute("data-v")) == pytest.approx(ref, rel=1e-12) and td.text == f"{ref:.2f}"
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_forecast_only_report_loads_clean(driver, tmp_path):
    from lstmcast.report.html import write_report
    hist, _, fc = synthetic_panel(1, seed=6)
    card = {"settings": {"look_back": 12}, "loss": [[1.0, 0.5, 0.25], [1.1, 0.6, 0.3]]}
    path = write_report(tmp_path / "fc.html", evaluation=None, cv=None, history=hist, forecast=fc, card=card)
    assert _open(driver, path) == []
    names = driver.execute_script("return document.getElementById('lc-chart').data.map(t => t.name)")
    assert names[0] == "history" and names[-1] == "forecast (lstm)" and "80% interval" in names
    assert driver.execute_script("return document.getElementById('lc-loss').data.length") == 2
    assert driver.execute_script("return document.getElementById('lc-ranking').hidden") is True


def test_thinned_panel_says_what_was_left_out(driver, tmp_path):
    from report_helpers import embedded
    from selenium.webdriver.common.by import By

    from lstmcast.report.html import write_report
    hist, cv, fc = synthetic_panel(30, seed=7)
    path = write_report(tmp_path / "thin.html", evaluation=None, cv=cv, history=hist, forecast=fc, budget=1500)
    level = embedded(path)["table"]["detail"]
    assert set(level) == {1, 2}
    assert _open(driver, path) == []
    notes = driver.find_element(By.ID, "lc-thinned").text
    assert f"{level.count(2)} of 30 series have a table row but no chart" in notes
    gone, thin = level.index(2), level.index(1)
    driver.execute_script(f"window.lstmcastReport.select({gone})")
    assert "No chart data kept for this series" in driver.find_element(By.ID, "lc-chart").text
    driver.execute_script(f"window.lstmcastReport.select({thin})")
    names = driver.execute_script("return [...new Set(document.getElementById('lc-chart').data.map(t => t.name))]")
    assert names[0] == "history" and {"lstm"} < set(names) and len({"naive", "snaive", "ets"} & set(names)) == 1
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_panel_cli_report_lists_and_charts_the_fallback_series(driver, tmp_path):
    from selenium.webdriver.common.by import By
    panel_csv(tmp_path / "shops.csv", names=("unique_id", "ds", "y"))     # the default long format: no --id-col
    path = tmp_path / "shops.html"
    code, _, err = run_cli("report", tmp_path / "shops.csv", "--horizon", 6, "--windows", 2,
                           "--models", "naive,snaive", *FAST, "--out", path, "--quiet")
    assert code == 0, err
    assert _open(driver, path) == []
    assert "3 of 3 series" in driver.find_element(By.ID, "lc-count").text
    driver.find_element(By.ID, "lc-search").send_keys("fallback")
    rows = driver.find_elements(By.CSS_SELECTOR, "#lc-stable tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, 'td[data-key="id"]').text for r in rows] == ["c"]
    status = rows[0].find_element(By.CSS_SELECTOR, 'td[data-key="status"]')
    assert status.text == "fallback: snaive (constant)" and "all 60 values are 7" in status.get_attribute("title")
    rows[0].click()
    chart = driver.find_element(By.ID, "lc-chart")
    assert chart.get_attribute("data-series") == "c"
    assert "fallback: snaive (constant)" in driver.find_element(By.ID, "lc-chart-title").text
    names = driver.execute_script("return document.getElementById('lc-chart').data.map(t => t.name)")
    y = driver.execute_script("return document.getElementById('lc-chart').data[0].y")
    assert names[0] == "history" and y == [7] * 60 and "forecast (snaive-fallback)" in names
    assert driver.execute_script("return document.getElementById('lc-loss').data.length") == 2
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
