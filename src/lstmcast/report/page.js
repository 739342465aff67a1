// lstmcast report page: reads the embedded JSON (#lc-data) and draws with plotly.js (inlined above).
// Tables are plain DOM; every chart is a plotly figure built on demand from the columnar data.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("lc-data").textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const dec = (e) => (Array.isArray(e) ? e : Array.from({ length: e.n }, (_, i) => e.s + i));
  const dates = D.dates;
  const fmt = (v, p) => (v === null || v === undefined || Number.isNaN(v) ? "n/a"
    : typeof v === "number" ? (Number.isInteger(v) && p === 0 ? String(v) : v.toFixed(p)) : String(v));
  const PALETTE = { lstm: "#d62728", naive: "#7f7f7f", snaive: "#1f77b4", drift: "#8c564b", ets: "#2ca02c",
    arima: "#ff7f0e", default: "#9467bd" };
  const EXTRA = ["#17becf", "#bcbd22", "#e377c2", "#393b79", "#637939"];
  const color = (m) => PALETTE[m] || EXTRA[Math.abs([...m].reduce((a, c) => a * 31 + c.charCodeAt(0), 7)) % EXTRA.length];
  const CONFIG = { responsive: true, displaylogo: false };

  // THINNING NOTE --------------------------------------------------------------------------------
  const note = $("lc-thinned");
  for (const t of D.thinned) note.appendChild(el("li", {}, t));

  // RANKING --------------------------------------------------------------------------------------
  const RCOLS = [["model", "model", null], ["mase", "MASE mean", 3], ["mase_median", "MASE median", 3],
    ["mase_gmean", "MASE geo. mean", 3], ["rmse", "RMSE", 2], ["mae", "MAE", 2], ["smape", "sMAPE %", 2],
    ["wins", "wins", 0], ["seconds", "seconds", 1]];
  const LEVELS = ((D.evaluation || {}).levels || []).map(String);   // interval levels evaluate scored
  for (const lv of LEVELS) RCOLS.push(["coverage:" + lv, "coverage " + lv + "%", 3], ["msis:" + lv, "MSIS " + lv + "%", 2]);
  if (LEVELS.length) RCOLS.push(["sql", "scaled quantile loss", 3]);
  function drawRanking() {
    const t = $("lc-rank");
    t.replaceChildren();
    const stat = $("lc-stat").value;   // "", "_median" or "_gmean": RMSE, MAE and sMAPE over series
    const key = (k) => (["rmse", "mae", "smape"].includes(k) ? k + stat : k);
    const head = el("tr");
    for (const [, label] of RCOLS) head.appendChild(el("th", {}, label));
    t.appendChild(el("thead")).appendChild(head);
    const body = t.appendChild(el("tbody"));
    let computed = false;
    D.ranking.forEach((r, i) => {
      const tr = body.appendChild(el("tr", { "data-model": r.model, class: i === 0 ? "best" : "" }));
      for (const [k0, , p] of RCOLS) {
        const k = key(k0);
        if (p === null) { tr.appendChild(el("td", {}, k === "model" && r.label ? r.label : r[k])); continue; }
        const td = tr.appendChild(el("td", { class: "num", "data-key": k }, fmt(r[k], p)));
        if (r[k] !== null && r[k] !== undefined) td.setAttribute("data-v", String(r[k]));
        if (r.source[k] === "report") { td.classList.add("computed"); computed = true; }
      }
    });
    const ev = D.evaluation || {};
    const bits = [];
    if (ev.series !== undefined) bits.push(ev.series + " series");
    if (ev.windows !== undefined) bits.push(ev.windows + " window(s)");
    if (ev.horizon !== undefined) bits.push("horizon " + ev.horizon);
    if (ev.step !== undefined) bits.push("step " + ev.step);
    if (ev.refit !== undefined) bits.push(ev.refit ? "refit per window" : "no refit");
    bits.push("season length " + D.season_length);
    if (ev.fallbacks !== undefined) bits.push("fallbacks: " + (Array.isArray(ev.fallbacks) ? ev.fallbacks.length : JSON.stringify(ev.fallbacks)));
    if (ev.cutoffs) bits.push("cut-offs " + ev.cutoffs.join(", "));
    $("lc-rank-meta").textContent = bits.join("; ") + ". Ranked by mean MASE.";
    if (computed) $("lc-rank-foot").textContent = "Shaded values are computed by the report from the backtest (over series); the others are evaluate's.";
    if (!D.ranking.length) $("lc-ranking").hidden = true;
    drawCalibration();
  }
  // CALIBRATION: nominal against observed coverage of each model's bands (on the diagonal = honest)
  function drawCalibration() {
    const box = $("lc-calib");
    const rows = D.ranking.filter((r) => LEVELS.some((lv) => r["coverage:" + lv] !== null && r["coverage:" + lv] !== undefined));
    if (!LEVELS.length || !rows.length) { box.hidden = true; return; }
    const x = LEVELS.map((lv) => Number(lv) / 100);
    const traces = [{ x: [0, 1], y: [0, 1], mode: "lines", name: "nominal", line: { color: "#bbb", dash: "dot" }, hoverinfo: "skip" }];
    for (const r of rows) {
      traces.push({ x, y: LEVELS.map((lv) => r["coverage:" + lv]), mode: "lines+markers", name: r.model,
        line: { color: color(r.model) }, hovertemplate: r.model + ": nominal %{x:.0%}, observed %{y:.1%}<extra></extra>" });
    }
    const lo = Math.max(0, Math.min(...x, ...rows.flatMap((r) => LEVELS.map((lv) => r["coverage:" + lv] ?? 1))) - 0.05);
    Plotly.react(box, traces, { margin: { l: 60, r: 20, t: 30, b: 40 }, title: { text: "calibration: observed against nominal coverage" },
      xaxis: { title: { text: "nominal coverage" }, range: [lo, 1], tickformat: ".0%" },
      yaxis: { title: { text: "observed coverage (backtest)" }, range: [lo, 1], tickformat: ".0%" } }, CONFIG);
  }
  $("lc-stat").addEventListener("change", drawRanking);
  if (D.table.id.length < 2) $("lc-stat-label").hidden = true;

  // SERIES TABLE ---------------------------------------------------------------------------------
  const T = D.table, N = T.id.length, PAGE = 15;
  const MAIN = T["mase:default"] ? "default" : "lstm";   // what fit uses: the combination, or the pure LSTM
  const ratio = (i) => {
    const b = T.best_baseline ? T.best_baseline[i] : null;
    const l = T["mase:" + MAIN] ? T["mase:" + MAIN][i] : null;
    const bm = b ? T["mase:" + b][i] : null;
    return l !== null && l !== undefined && bm ? l / bm : null;
  };
  const mcol = (m) => [`mase:${m}`, `${m === "lstm" ? "LSTM" : m} MASE`, (i) => (T["mase:" + m] ? T["mase:" + m][i] : null), 3];
  const SCOLS = [["id", "series", (i) => T.id[i], null], ["length", "length", (i) => T.length[i], 0],
    ["best", "best model", (i) => (T.best ? T.best[i] : null), null],
    ...D.models.map(mcol),
    ["ratio", `${MAIN === "lstm" ? "LSTM" : "default"} / best baseline`, ratio, 3], ["status", "status", (i) => T.status[i], null]]
    .filter(([k]) => k !== "ratio" || (T["mase:" + MAIN] && T.best_baseline));
  const state = { rows: [...Array(N).keys()], page: 0, sort: null, desc: false, selected: 0 };
  function renderTable() {
    const body = $("lc-stable").tBodies[0];
    body.replaceChildren();
    const start = state.page * PAGE, rows = state.rows.slice(start, start + PAGE);
    for (const i of rows) {
      const tr = body.appendChild(el("tr", { "data-row": i, tabindex: 0, class: i === state.selected ? "sel" : "" }));
      for (const [k, , get, p] of SCOLS) {
        const v = get(i);
        const td = tr.appendChild(el("td", { class: p === null ? "" : "num", "data-key": k }, p === null ? (v ?? "") : fmt(v, p)));
        if (k === "status" && T.reason[i]) td.title = T.reason[i];
      }
      if (T.detail[i] === 2) tr.classList.add("nochart");
    }
    const n = state.rows.length;
    $("lc-count").textContent = n ? `${start + 1}–${Math.min(start + PAGE, n)} of ${n.toLocaleString()} series` +
      (n < N ? ` matching (of ${N.toLocaleString()})` : "") : "no series match";
    $("lc-prev").disabled = state.page === 0;
    $("lc-next").disabled = start + PAGE >= n;
  }
  function applyFilter() {
    const q = $("lc-search").value.trim().toLowerCase();
    let rows = [...Array(N).keys()];
    if (q) rows = rows.filter((i) => T.id[i].toLowerCase().includes(q) || String(T.status[i]).toLowerCase().includes(q));
    if (state.sort !== null) {
      const get = SCOLS[state.sort][2], sgn = state.desc ? -1 : 1;
      const key = rows.map((i) => [get(i), i]);
      key.sort((a, b) => {
        const x = a[0], y = b[0];
        if (x === null || x === undefined) return y === null || y === undefined ? a[1] - b[1] : 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -sgn : x > y ? sgn : a[1] - b[1]);
      });
      rows = key.map((k) => k[1]);
    }
    state.rows = rows;
    state.page = 0;
    renderTable();
  }
  function drawTable() {
    const t = $("lc-stable");
    const head = el("tr");
    SCOLS.forEach(([k, label], j) => {
      const th = head.appendChild(el("th", { "data-key": k, title: "sort" }, label));
      th.addEventListener("click", () => {
        state.desc = state.sort === j ? !state.desc : false;
        state.sort = j;
        for (const h of head.children) h.classList.remove("asc", "desc");
        th.classList.add(state.desc ? "desc" : "asc");
        applyFilter();
      });
    });
    t.appendChild(el("thead")).appendChild(head);
    t.appendChild(el("tbody"));
    t.tBodies[0].addEventListener("click", (e) => {
      const tr = e.target.closest("tr");
      if (tr) { select(Number(tr.dataset.row)); showChart(); }
    });
    t.tBodies[0].addEventListener("keydown", (e) => {
      const tr = e.target.closest("tr");
      if (tr && e.key === "Enter") { select(Number(tr.dataset.row)); showChart(); }
    });
    $("lc-search").addEventListener("input", applyFilter);
    $("lc-prev").addEventListener("click", () => { state.page--; renderTable(); });
    $("lc-next").addEventListener("click", () => { state.page++; renderTable(); });
    renderTable();
  }

  function showChart() {   // the chart sits above the table: bring it into view if it is scrolled away
    const top = $("lc-chart-title").getBoundingClientRect().top;
    if (top < 0) $("lc-chart-title").scrollIntoView({ block: "start" });
  }

  // SERIES CHART ---------------------------------------------------------------------------------
  // values are stored as whole numbers k: value = k / 10^e (e per series)
  const num = (arr, e) => arr.map((k) => (k === null ? null : e >= 0 ? k / 10 ** e : k * 10 ** -e));
  function seriesTraces(s) {
    const traces = [], shapes = [];
    traces.push({ x: dec(s.h).map((k) => dates[k]), y: num(s.y, s.e), name: "history", mode: "lines",
      line: { color: "#222", width: 1.5 } });
    if (s.cv) {
      const wins = s.cv.d.map(dec);
      for (const [m, raw] of Object.entries(s.cv.m)) {
        const vals = num(raw, s.e);
        let k = 0;
        wins.forEach((w, j) => {
          const x = w.map((c) => dates[c]), y = vals.slice(k, k + w.length);
          k += w.length;
          traces.push({ x, y, name: m, legendgroup: m, showlegend: j === 0, mode: w.length > 1 ? "lines" : "markers",
            line: { color: color(m), width: m === MAIN ? 2 : 1.2 }, marker: { color: color(m) },
            hovertemplate: `${m} (cut-off ${dates[s.cv.c[j]]}): %{y}<extra></extra>` });
        });
      }
      $("lc-chart-note").hidden = false;
      for (const c of s.cv.c) shapes.push({ type: "line", xref: "x", yref: "paper", x0: dates[c], x1: dates[c],
        y0: 0, y1: 1, line: { dash: "dot", color: "#aaa", width: 1 } });
    }
    if (s.f) {
      const x = dec(s.f.d).map((k) => dates[k]);
      const name = "forecast (" + (s.fm || "lstm") + ")";
      [...D.levels].sort((a, b) => b - a).forEach((lv, j) => {
        if (!s.f["lo-" + lv]) return;
        traces.push({ x, y: num(s.f["lo-" + lv], s.e), mode: "lines", line: { width: 0 }, legendgroup: "fc",
          showlegend: false, name: `lo-${lv}`, hoverinfo: "skip" });
        traces.push({ x, y: num(s.f["hi-" + lv], s.e), mode: "lines", line: { width: 0 }, fill: "tonexty", legendgroup: "fc",
          fillcolor: `rgba(214,39,40,${0.12 + 0.1 * j})`, name: `${lv}% interval`,
          customdata: num(s.f["lo-" + lv], s.e), hovertemplate: `${lv}%: %{customdata} – %{y}<extra></extra>` });
      });
      traces.push({ x, y: num(s.f.mean, s.e), name, legendgroup: "fc", mode: "lines+markers",
        line: { color: "#d62728", dash: "dash", width: 2 }, marker: { size: 4 } });
    }
    return { traces, shapes };
  }
  function select(i) {
    state.selected = i;
    const tb = $("lc-stable").tBodies[0];
    if (tb) for (const tr of tb.children) tr.classList.toggle("sel", Number(tr.dataset.row) === i);
    const chart = $("lc-chart"), s = D.series[i];
    $("lc-chart-title").textContent = `${T.id[i]}` + (T.status[i] !== "ok" ? ` — ${T.status[i]}` : "");
    chart.dataset.series = T.id[i];
    if (!s) {
      Plotly.purge(chart);
      chart.replaceChildren(el("p", { class: "empty" }, "No chart data kept for this series (see the note at the top)."));
      return;
    }
    chart.replaceChildren();
    const { traces, shapes } = seriesTraces(s);
    Plotly.react(chart, traces, { margin: { l: 60, r: 20, t: 10, b: 40 }, hovermode: "x unified", shapes,
      legend: { orientation: "h", y: -0.15 }, xaxis: { type: "date" }, yaxis: { title: { text: "value" } } }, CONFIG);
  }

  // MODEL CARD -----------------------------------------------------------------------------------
  function kvTable(obj) {
    const t = el("table", { class: "kv" });
    for (const [k, v] of Object.entries(obj)) {
      const tr = t.appendChild(el("tr"));
      tr.appendChild(el("th", {}, k));
      const td = tr.appendChild(el("td"));
      if (v && typeof v === "object" && !Array.isArray(v)) td.appendChild(kvTable(v));
      else td.textContent = Array.isArray(v) ? v.map((a) => (typeof a === "object" ? JSON.stringify(a) : a)).join(", ")
        : v === null ? "n/a" : String(v);
    }
    return t;
  }
  function drawCard() {
    const card = { ...D.card };
    const loss = card.loss;
    delete card.loss;
    if (!Object.keys(card).length && !loss) { $("lc-card").hidden = true; return; }
    $("lc-card-body").appendChild(kvTable(card));
    if (loss && loss.length) {
      const traces = loss.map((curve, k) => ({ y: curve, x: curve.map((_, e) => e + 1), mode: "lines",
        name: `member ${k}`, line: { width: 1 } }));
      Plotly.react($("lc-loss"), traces, { margin: { l: 60, r: 20, t: 30, b: 40 }, title: { text: "training loss per member" },
        xaxis: { title: { text: "epoch" } }, yaxis: { type: "log", title: { text: "loss (scaled MSE)" } } }, CONFIG);
    }
  }

  drawRanking();
  if (N > 1) drawTable(); else $("lc-table-wrap").hidden = true;
  if (N) { state.selected = 0; if (N > 1) renderTable(); select(0); }
  drawCard();
  window.lstmcastReport = { select, data: D, readyAt: performance.now() };
  document.body.dataset.ready = "1";
})();
