// Diagnostics page (/stats/diagnostics): what the radiologists report (the
// 1–3 word summary of each report), how severe, how well the AI agrees, and
// monthly counts, from /api/stats/diagnostics and /api/diagnostics/monthly_trends.
"use strict";

(function () {
  const S = window.XRVStats;
  const { el, num, pct } = S;
  const { pick, formatTimestamp } = window.XRV;

  S.page(async (root) => {
    const { diags, trends } = await S.loadAll({
      diags: "/api/stats/diagnostics",
      trends: "/api/diagnostics/monthly_trends",
    });
    if (diags instanceof Error) throw diags;
    const rows = S.entries(diags).map(([name, d]) => ({
      name,
      reports: Number(pick(d, "reports", "report_count")) || 0,
      severity: pick(d, "avg_severity"),
      compared: Number(pick(d, "ai_compared")) || 0,
      accuracy: pick(d, "ai_accuracy"),
      sensitivity: pick(d, "sensitivity"),
      ppv: pick(d, "ppv"),
      regions: S.topList(pick(d, "top_regions"), 5),
      first: formatTimestamp(pick(d, "first_seen")) || "–",
      last: formatTimestamp(pick(d, "last_seen")) || "–",
    })).sort((a, b) => b.reports - a.reports);
    root.replaceChildren(S.rankCards(rows, "Diagnostics"));
    if (!rows.length) {
      root.appendChild(el("p", { class: "empty-state", text: "No graded radiologist reports yet." }));
      return;
    }
    S.rankCharts(root, rows.slice(0, 20), "diagnostic (top 20)");
    S.monthlyChart(root, trends, "diagnostic", "Top diagnostics per month, last 12 months");
    root.appendChild(S.table("Diagnostic details", [
      { label: "Diagnostic" }, { label: "Reports", num: true }, { label: "Avg severity", num: true },
      { label: "Compared with AI", num: true }, { label: "AI agreement", num: true },
      { label: "Sensitivity", title: "AI sensitivity for this diagnostic", num: true },
      { label: "PPV", title: "Positive predictive value of the AI", num: true },
      { label: "Top regions", wrap: true }, { label: "First seen" }, { label: "Last seen" },
    ], rows.map((r) => [r.name, num(r.reports), num(r.severity, 1), num(r.compared), pct(r.accuracy), pct(r.sensitivity),
      pct(r.ppv), r.regions, r.first, r.last])));
  });
})();
