// Statistics page (/stats): totals, per-region agreement of the AI with the
// radiologists (PPV, NPV, sensitivity, specificity, MCC with its band),
// confusion matrices, and daily/monthly volume per region, from /api/stats.
"use strict";

(function () {
  const S = window.XRVStats;
  const { el, num, pct } = S;

  const BANDS = [[0.9, "excellent"], [0.8, "very good"], [0.7, "good"], [0.5, "moderate"], [0.3, "fair"], [0, "poor"]];

  function band(mcc) {
    for (const [min, name] of BANDS) if (mcc >= min) return name;
    return "very poor";
  }

  function ratio(a, b) {
    return b > 0 ? Math.round((1000 * a) / b) / 10 : null;
  }

  // The server's MCC, or one computed from the counts; null when undefined
  // (a zero margin, where the server sends 0).
  function mccOf({ tp, tn, fp, fn }, given) {
    const d = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
    if (!(d > 0)) return null;
    if (typeof given === "number" && Number.isFinite(given)) return given;
    return Math.round(((tp * tn - fp * fn) / Math.sqrt(d)) * 100) / 100;
  }

  function mccNode(mcc) {
    if (mcc === null) return el("span", { class: "muted", text: "n/a (too few cases)" });
    const name = band(mcc);
    return el("span", { class: "mcc-" + name.replace(" ", "-"), text: num(mcc, 2) + " (" + name + ")" });
  }

  function counts(r) {
    return {
      tp: Number(r.tpos) || 0,
      tn: Number(r.tneg) || 0,
      fp: Number(r.fpos) || 0,
      fn: Number(r.fneg) || 0,
    };
  }

  function regionRow(name, r) {
    const c = counts(r);
    return [name, num(r.total), num(r.reviewed), num(r.positive), num(c.fp + c.fn),
      pct(r.ppv ?? ratio(c.tp, c.tp + c.fp)), pct(r.npv ?? r.pnv ?? ratio(c.tn, c.tn + c.fn)),
      pct(r.sensitivity ?? r.snsi ?? ratio(c.tp, c.tp + c.fn)),
      pct(r.specificity ?? r.spci ?? ratio(c.tn, c.tn + c.fp)), mccNode(mccOf(c, r.mcc))];
  }

  function matrix(name, r) {
    const c = counts(r);
    return el("article", { class: "matrix" },
      el("h3", { class: "h6", text: name }),
      el("table", null,
        el("caption", { class: "visually-hidden", text: "Confusion matrix for " + name }),
        el("thead", null, el("tr", null, el("td"),
          el("th", { text: "AI positive", attrs: { scope: "col" } }), el("th", { text: "AI negative", attrs: { scope: "col" } }))),
        el("tbody", null,
          el("tr", null, el("th", { text: "Radiologist positive", attrs: { scope: "row" } }),
            el("td", { class: "cell-good", text: "TP " + c.tp }), el("td", { class: "cell-bad", text: "FN " + c.fn })),
          el("tr", null, el("th", { text: "Radiologist negative", attrs: { scope: "row" } }),
            el("td", { class: "cell-bad", text: "FP " + c.fp }), el("td", { class: "cell-good", text: "TN " + c.tn })))),
      el("p", null, "MCC: ", mccNode(mccOf(c, r.mcc))));
  }

  // {region: [{<key>, total}]} → a line chart config over `labels` (zero-filled).
  function trendConfig(trends, key, labels) {
    const datasets = Object.entries(trends || {}).filter(([, rows]) => Array.isArray(rows)).map(([region, rows], i) => {
      const by = {};
      for (const row of rows) if (row && row[key]) by[String(row[key])] = Number(row.total) || 0;
      return { label: region, data: labels.map((l) => by[l] || 0), borderColor: S.colour(i), backgroundColor: S.colour(i), tension: 0.3, cubicInterpolationMode: "monotone" };
    });
    return { type: "line", data: { labels, datasets }, options: { scales: { y: { beginAtZero: true, title: { display: true, text: "Exams" } } } } };
  }

  S.page(async (root) => {
    const { stats } = await S.loadAll({ stats: "/api/stats" });
    if (stats instanceof Error) throw stats;
    const regions = S.entries(stats.region).sort((a, b) => (b[1].total || 0) - (a[1].total || 0));
    const errs = stats.error_stats || {};
    root.replaceChildren(S.cards([
      ["Exams analysed", num(stats.total)],
      ["Reviewed", num(stats.reviewed)],
      ["AI positive", num(stats.positive)],
      ["AI agrees", num(stats.correct)],
      ["AI disagrees", num(stats.wrong)],
      ["AI time per exam, last 24 h", stats.avg_processing_time != null ? num(stats.avg_processing_time, 1) + " s" : "–"],
      ["Exams per hour, last 24 h", num(stats.throughput, 1)],
      ["Errors / ignored", num(errs.error || 0) + " / " + num(errs.ignore || 0)],
    ]));
    const sum = { tpos: 0, tneg: 0, fpos: 0, fneg: 0, total: 0, reviewed: 0, positive: 0 };
    for (const [, r] of regions) for (const k of Object.keys(sum)) sum[k] += Number(r[k]) || 0;
    const columns = [{ label: "Region" }, { label: "Exams", num: true }, { label: "Reviewed", num: true },
      { label: "AI positive", num: true }, { label: "Disagree", num: true },
      { label: "PPV", title: "Positive predictive value: TP / (TP + FP)", num: true },
      { label: "NPV", title: "Negative predictive value: TN / (TN + FN)", num: true },
      { label: "Sensitivity", title: "TP / (TP + FN)", num: true },
      { label: "Specificity", title: "TN / (TN + FP)", num: true },
      { label: "MCC", title: "Matthews correlation coefficient (−1 … 1)" }];
    root.appendChild(el("h2", { text: "By anatomical region" }));
    if (!regions.length) {
      root.appendChild(el("p", { class: "empty-state", text: "No analysed exams yet." }));
      return;
    }
    const foot = regionRow("All regions", Object.assign({}, sum, { ppv: null, npv: null, sensitivity: null, specificity: null }));
    root.appendChild(S.table("Agreement of the AI with the radiologists per region (reviewed exams)", columns,
      regions.map(([name, r]) => regionRow(name, r)), foot));
    root.appendChild(el("h2", { text: "Confusion matrices" }));
    root.appendChild(el("div", { class: "matrices" }, regions.map(([name, r]) => matrix(name, r))));
    const charts = el("div", { class: "charts-grid" });
    root.append(el("h2", { text: "Charts" }), charts);
    const names = regions.map(([n]) => n);
    const series = [["True positive", "tpos", "#14b8a6"], ["True negative", "tneg", "#64748b"],
      ["False positive", "fpos", "#f59e0b"], ["False negative", "fneg", "#ef4444"]];
    S.chart(charts, {
      id: "regions",
      title: "Reviewed exams by region",
      summary: regions.map(([n, r]) => n + ": " + (r.total || 0) + " exams").join("; "),
      wide: true,
      config: {
        type: "bar",
        data: { labels: names, datasets: series.map(([label, key, color]) => ({ label, backgroundColor: color, data: regions.map(([, r]) => Number(r[key]) || 0) })) },
        options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } },
          plugins: { tooltip: { mode: "index" }, legend: { labels: { usePointStyle: true } } } },
      },
    });
    S.chart(charts, { id: "daily", title: "Exams per day by region, last 30 days", summary: "Daily exam counts per region.",
      config: trendConfig(stats.trends, "date", S.lastDays(30)) });
    S.chart(charts, { id: "monthly", title: "Exams per month by region, last 12 months", summary: "Monthly exam counts per region.",
      config: trendConfig(stats.monthly_trends, "month", S.lastMonths(12)) });
  });
})();
