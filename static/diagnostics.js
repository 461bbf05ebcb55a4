// Diagnostics page (/stats/diagnostics): what the radiologists report (the
// 1–3 word summary of each report), how severe, how well the AI agrees, and
// monthly counts, from /api/stats/diagnostics and /api/diagnostics/monthly_trends.
"use strict";

(function () {
  const S = window.XRVStats;
  const { el, num, pct } = S;
  const pick = window.XRV.pick;

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
      first: pick(d, "first_seen"),
      last: pick(d, "last_seen"),
    })).sort((a, b) => b.reports - a.reports);
    const reports = rows.reduce((s, r) => s + r.reports, 0);
    const sev = rows.reduce((s, r) => s + (Number(r.severity) || 0) * r.reports, 0);
    const compared = rows.reduce((s, r) => s + r.compared, 0);
    const agreed = rows.reduce((s, r) => s + ((Number(r.accuracy) || 0) * r.compared) / 100, 0);
    root.replaceChildren(S.cards([
      ["Diagnostics", num(rows.length)],
      ["Reports", num(reports)],
      ["Average severity", reports ? num(sev / reports, 1) + " / 10" : "–"],
      ["AI agrees (all diagnostics)", compared ? pct((100 * agreed) / compared) : "–"],
    ]));
    if (!rows.length) {
      root.appendChild(el("p", { class: "empty-state", text: "No graded radiologist reports yet." }));
      return;
    }
    const top = rows.slice(0, 20);
    const charts = el("div", { class: "charts-grid" });
    root.appendChild(charts);
    S.chart(charts, {
      id: "reports",
      title: "Reports per diagnostic (top 20)",
      summary: top.map((r) => r.name + ": " + r.reports).join("; "),
      tall: true,
      config: S.horizontalBar(top.map((r) => r.name), top.map((r) => r.reports), "Reports", "#0ea5e9"),
    });
    const byAcc = top.filter((r) => r.accuracy != null && r.compared > 0).sort((a, b) => b.accuracy - a.accuracy);
    S.chart(charts, {
      id: "accuracy",
      title: "AI agreement per diagnostic (%)",
      summary: byAcc.map((r) => r.name + ": " + r.accuracy + " %").join("; "),
      tall: true,
      config: S.horizontalBar(byAcc.map((r) => r.name), byAcc.map((r) => Number(r.accuracy)), "AI agreement (%)", "#14b8a6", 100),
    });
    const box = el("div", { class: "charts-grid" });
    root.appendChild(box);
    if (trends instanceof Error) {
      S.emptyState(box, trends, "Monthly trends");
    } else {
      S.chart(box, { id: "monthly", title: "Top diagnostics per month, last 12 months", summary: "Monthly counts of the most frequent diagnostics.",
        wide: true, tall: true, config: S.monthlyConfig(S.monthly(trends, "diagnostic"), "Reports") });
    }
    root.appendChild(S.table("Diagnostic details", [
      { label: "Diagnostic" }, { label: "Reports", num: true }, { label: "Avg severity", num: true },
      { label: "Compared with AI", num: true }, { label: "AI agreement", num: true },
      { label: "Sensitivity", title: "AI sensitivity for this diagnostic", num: true },
      { label: "PPV", title: "Positive predictive value of the AI", num: true },
      { label: "Top regions", wrap: true }, { label: "First seen" }, { label: "Last seen" },
    ], rows.map((r) => [r.name, num(r.reports), num(r.severity, 1), num(r.compared), pct(r.accuracy), pct(r.sensitivity),
      pct(r.ppv), r.regions, window.XRV.formatTimestamp(r.first) || "–", window.XRV.formatTimestamp(r.last) || "–"])));
  });
})();
