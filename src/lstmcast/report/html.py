"""One self-contained HTML report: ranking, per-series charts and table, model card.

    write_report("report.html", evaluation=doc, cv=cv, history=history, forecast=fc, card=card)

The file inlines plotly.js (from the installed `plotly` package, imported only here) and the data as one
JSON block, so it opens offline in any browser: no CDN, no server. plotly rather than Vega-Lite: its
JS ships inside the Python package we already use (no extra bundles to fetch and inline), one bundle
gives zoom, hover and legend toggling, and `Plotly.react` builds each series' chart on demand from the
compact data, which is what keeps a 10,000-series panel in one file.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from .._version import __version__
from ..errors import UsageError
from .payload import BUDGET, build_payload

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;
 padding:0 16px 40px;color:#222}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:26px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;margin:0}#lc-thinned{color:#8a5a00;margin:6px 0}#lc-thinned:empty{display:none}
table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}tr.best td{font-weight:600}
td.computed{background:#f3f6fb}#lc-rank-foot{color:#666;font-size:12px}
#lc-stable th{cursor:pointer;user-select:none;background:#fafafa}#lc-stable th.asc:after{content:" \\25B2"}
#lc-stable th.desc:after{content:" \\25BC"}#lc-stable tbody tr{cursor:pointer}
#lc-stable tbody tr:hover{background:#f5f5f5}#lc-stable tr.sel{background:#fde9e9}
tr.nochart td:first-child{color:#999}.pager{margin:6px 0}.pager button{margin-right:6px}
#lc-search{width:260px;padding:4px}#lc-chart{height:460px}#lc-loss{height:320px}#lc-calib{height:360px;max-width:560px}
.kv th{vertical-align:top;color:#555;font-weight:500;width:1%;white-space:nowrap}.kv .kv{margin:0}
.empty{color:#999;padding:40px}
"""

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body>
<header><h1>{title}</h1><p class="meta">{meta}</p><ul id="lc-thinned"></ul></header>
<section id="lc-ranking"><h2>Ranking of the models</h2><p id="lc-rank-meta" class="meta"></p>
<label id="lc-stat-label">RMSE, MAE, sMAPE over series: <select id="lc-stat"><option value="">mean</option>
<option value="_median">median</option><option value="_gmean">geometric mean</option></select></label>
<table id="lc-rank"></table><p id="lc-rank-foot"></p><div id="lc-calib"></div></section>
<section id="lc-series"><h2>Series</h2>
<h3 id="lc-chart-title"></h3><div id="lc-chart"></div>
<p class="meta">Drag to zoom, double-click to reset; click a legend entry to hide or show a model.
<span id="lc-chart-note" hidden>Dotted lines mark the backtest cut-offs.</span></p>
<div id="lc-table-wrap"><input id="lc-search" type="search" placeholder="search series id or status"
 aria-label="search series"><div class="pager"><button id="lc-prev">previous</button><button id="lc-next">next</button>
<span id="lc-count"></span> · choose a row to chart that series</div><table id="lc-stable"></table></div></section>
<section id="lc-card"><h2>Model card</h2><div id="lc-card-body"></div><div id="lc-loss"></div></section>
<script>{plotly}</script>
<script type="application/json" id="lc-data">{data}</script>
<script>{page}</script>
</body></html>
"""


def _script_safe(text: str) -> str:
    """Text that cannot close the <script> element it sits in."""
    return text.replace("</", "<\\/")


def _meta(card: dict | None, n_series: int) -> str:
    c = card or {}
    bits = [f"{n_series:,} series", f"lstmcast {c.get('versions', {}).get('lstmcast', __version__)}"]
    if c.get("data", {}).get("file"):
        bits.append(f"data {c['data']['file']}")
    if c.get("created"):
        bits.append(f"created {c['created']}")
    return " · ".join(html.escape(str(b)) for b in bits)


def render_report(payload: dict) -> str:
    """The page for a payload from `build_payload`."""
    try:
        from plotly.offline import get_plotlyjs  # plotly: only when a report is written
    except ImportError:
        raise UsageError("the HTML report needs plotly (its JS is inlined in the page): "
                         "pip install 'lstmcast[report]'") from None
    page = (Path(__file__).with_name("page.js")).read_text()
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False, default=_default)
    return TEMPLATE.format(title=html.escape(payload["title"]), css=CSS,
                           meta=_meta(payload["card"], len(payload["table"]["id"])),
                           plotly=_script_safe(get_plotlyjs()), data=_script_safe(data), page=page)


def _default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def write_report(path, *, evaluation: dict | None, cv, history, forecast=None, per_series=None,
                 card: dict | None = None, title: str = "lstmcast report", budget: int | None = None,
                 season_length: int | None = None, scores=None) -> Path:
    """Write the report to `path` and return it.

    Args:
      path: the .html file to write (its folder must exist).
      evaluation: the `evaluate --json` document (single-series or panel schema), or None.
      cv: backtest long frame unique_id, ds, cutoff, y, one column per model (`lstm-seed-*` ignored), or None.
      history: long frame unique_id, ds, y.
      forecast: unique_id, ds, mean, lo-80, hi-80, ..., model; or None.
      per_series: unique_id, length, status, reason (fallback status); or None.
      card: settings, versions, times, data checksum, and "loss": a list of per-member loss curves.
      budget: how many numbers the page may embed (default `payload.BUDGET`); beyond it series are thinned.
      season_length: MASE's seasonal-naive lag for the per-series metrics; default: the evaluation's
        "season_length", else card["settings"]["season_length"], else 1.
      scores: per-series metrics already computed (unique_id, model, mase, rmse, mae, smape; e.g.
        `evaluate.backtest.per_series_scores`, the numbers of `evaluate --per-series`); default: computed
        here from cv and history by `tables.series_metrics`.

    Examples:
      >>> import pandas as pd, tempfile, os
      >>> h = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020", periods=6, freq="MS"),
      ...                   "y": [1., 2, 3, 2, 3, 4]})
      >>> p = write_report(os.path.join(tempfile.mkdtemp(), "r.html"), evaluation=None, cv=None, history=h)
      >>> p.stat().st_size > 1_000_000   # plotly.js is inside
      True
    """
    path = Path(path)
    if not path.parent.exists():
        raise UsageError(f"{path}: folder {str(path.parent)!r} does not exist")
    payload = build_payload(history=history, cv=cv, forecast=forecast, evaluation=evaluation,
                            per_series=per_series, card=card, title=title, budget=budget or BUDGET,
                            season_length=season_length, scores=scores)
    path.write_text(render_report(payload), encoding="utf-8")
    return path
