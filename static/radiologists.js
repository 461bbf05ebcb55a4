// Radiologists page (/stats/radiologists): reports per radiologist, how often
// the AI agrees with each, and monthly volume, from /api/stats/radiologists
// and /api/stats/radiologists/monthly_trends (names anonymised for `user`).
"use strict";

(function () {
  const S = window.XRVStats;
  const { el, num, pct } = S;
  const pick = window.XRV.pick;

  S.page(async (root) => {
    const { rads, trends } = await S.loadAll({
      rads: "/api/stats/radiologists",
      trends: "/api/stats/radiologists/monthly_trends",
    });
    if (rads instanceof Error) throw rads;
    const rows = S.entries(rads).map(([name, r]) => ({
      name,
      reports: Number(pick(r, "reports", "report_count")) || 0,
      reviewed: Number(pick(r, "reviewed", "ai_compared")) || 0,
      agree: pick(r, "agree_with_ai"),
      accuracy: pick(r, "ai_accuracy"),
      severity: pick(r, "avg_severity"),
      latency: pick(r, "avg_report_latency"),
      top: S.topList(pick(r, "top_diagnostics"), 5),
    })).sort((a, b) => b.reports - a.reports);
    const reports = rows.reduce((s, r) => s + r.reports, 0);
    const sevWeighted = rows.reduce((s, r) => s + (Number(r.severity) || 0) * r.reports, 0);
    const agree = rows.reduce((s, r) => s + (Number(r.agree) || 0), 0);
    const reviewed = rows.reduce((s, r) => s + r.reviewed, 0);
    root.replaceChildren(S.cards([
      ["Radiologists", num(rows.length)],
      ["Reports", num(reports)],
      ["Average severity", reports ? num(sevWeighted / reports, 1) + " / 10" : "–"],
      ["AI agrees (all radiologists)", reviewed ? pct((100 * agree) / reviewed) : "–"],
    ]));
    if (!rows.length) {
      root.appendChild(el("p", { class: "empty-state", text: "No radiologist reports yet." }));
      return;
    }
    const charts = el("div", { class: "charts-grid" });
    root.appendChild(charts);
    S.chart(charts, {
      id: "reports",
      title: "Reports per radiologist",
      summary: rows.map((r) => r.name + ": " + r.reports).join("; "),
      tall: rows.length > 12,
      config: S.horizontalBar(rows.map((r) => r.name), rows.map((r) => r.reports), "Reports", "#0ea5e9"),
    });
    const byAcc = rows.filter((r) => r.accuracy !== null && r.accuracy !== undefined).sort((a, b) => b.accuracy - a.accuracy);
    S.chart(charts, {
      id: "accuracy",
      title: "AI agreement per radiologist (%)",
      summary: byAcc.map((r) => r.name + ": " + r.accuracy + " %").join("; "),
      tall: byAcc.length > 12,
      config: S.horizontalBar(byAcc.map((r) => r.name), byAcc.map((r) => Number(r.accuracy)), "AI agreement (%)", "#14b8a6", 100),
    });
    const box = el("div", { class: "charts-grid" });
    root.appendChild(box);
    if (trends instanceof Error) {
      S.emptyState(box, trends, "Monthly trends");
    } else {
      S.chart(box, { id: "monthly", title: "Reports per month, last 12 months", summary: "Monthly report counts per radiologist.",
        wide: true, tall: true, config: S.monthlyConfig(S.monthly(trends, "radiologist"), "Reports") });
    }
    root.appendChild(S.table("Radiologist details", [
      { label: "Radiologist" }, { label: "Reports", num: true }, { label: "Reviewed with AI", num: true },
      { label: "AI agrees", num: true }, { label: "AI agreement", num: true }, { label: "Avg severity", num: true },
      { label: "Avg report delay", title: "Time from exam to report", num: true }, { label: "Top diagnostics", wrap: true },
    ], rows.map((r) => [r.name, num(r.reports), num(r.reviewed), num(r.agree), pct(r.accuracy), num(r.severity, 1),
      window.XRV.formatDuration(r.latency), r.top])));
  });
})();
