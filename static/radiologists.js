// Radiologists page (/stats/radiologists): reports per radiologist, how often
// the AI agrees with each, and monthly volume, from /api/stats/radiologists
// and /api/stats/radiologists/monthly_trends (names anonymised for `user`).
"use strict";

(function () {
  const S = window.XRVStats;
  const { el, num, pct } = S;
  const { pick, formatDuration } = window.XRV;

  S.page(async (root) => {
    const { rads, trends } = await S.loadAll({
      rads: "/api/stats/radiologists",
      trends: "/api/stats/radiologists/monthly_trends",
    });
    if (rads instanceof Error) throw rads;
    const rows = S.entries(rads).map(([name, r]) => ({
      name,
      reports: Number(pick(r, "reports", "report_count")) || 0,
      compared: Number(pick(r, "reviewed", "ai_compared")) || 0,
      agree: pick(r, "agree_with_ai"),
      accuracy: pick(r, "ai_accuracy"),
      severity: pick(r, "avg_severity"),
      latency: pick(r, "avg_report_latency"),
      top: S.topList(pick(r, "top_diagnostics"), 5),
    })).sort((a, b) => b.reports - a.reports);
    root.replaceChildren(S.rankCards(rows, "Radiologists"));
    if (!rows.length) {
      root.appendChild(el("p", { class: "empty-state", text: "No radiologist reports yet." }));
      return;
    }
    S.rankCharts(root, rows, "radiologist");
    S.monthlyChart(root, trends, "radiologist", "Reports per month, last 12 months");
    root.appendChild(S.table("Radiologist details", [
      { label: "Radiologist" }, { label: "Reports", num: true }, { label: "Reviewed with AI", num: true },
      { label: "AI agrees", num: true }, { label: "AI agreement", num: true }, { label: "Avg severity", num: true },
      { label: "Avg report delay", title: "Time from exam to report", num: true }, { label: "Top diagnostics", wrap: true },
    ], rows.map((r) => [r.name, num(r.reports), num(r.compared), num(r.agree), pct(r.accuracy), num(r.severity, 1),
      formatDuration(r.latency), r.top])));
  });
})();
