// Insights page (/stats/insights): AI processing time per region, positive
// findings by age band, radiologist metrics (/api/stats/insights), and the
// distribution of radiologist severities (/api/severity). Sections the
// server does not send are left out; each fails on its own.
"use strict";

(function () {
  const S = window.XRVStats;
  const { el, num, pct } = S;
  const { pick, isObject, formatDuration } = window.XRV;

  const AGE_ORDER = ["0-1", "1-2", "2-4", "4-6", "6-8", "8-10", "10-12", "12-14", "14-16", "16-18", ">18", "unknown"];

  function ageRank(bucket) {
    const i = AGE_ORDER.indexOf(String(bucket).replace(/\s/g, "").toLowerCase());
    return i < 0 ? AGE_ORDER.length : i;
  }

  // {"0": n, ..., "10": n} → an 0..10 series (zero-filled).
  function severitySeries(dist) {
    const labels = [];
    const values = [];
    for (let i = 0; i <= 10; i++) {
      labels.push(String(i));
      values.push(isObject(dist) ? Number(dist[String(i)]) || 0 : 0);
    }
    return { labels, values };
  }

  function processing(charts, root, times) {
    const rows = S.entries(times).map(([region, t]) => ({
      region,
      avg: Number(pick(t, "avg", "avg_time")) || 0,
      min: pick(t, "min"),
      max: pick(t, "max"),
      count: pick(t, "count"),
    })).sort((a, b) => b.avg - a.avg);
    if (!rows.length) return;
    S.chart(charts, {
      id: "processing",
      title: "AI processing time by region (seconds)",
      summary: rows.map((r) => r.region + ": " + r.avg + " s").join("; "),
      config: S.horizontalBar(rows.map((r) => r.region), rows.map((r) => r.avg), "Seconds", "#0ea5e9"),
    });
    root.appendChild(S.table("AI processing time by region", [
      { label: "Region" }, { label: "Average", num: true }, { label: "Fastest", num: true }, { label: "Slowest", num: true },
      { label: "Exams", num: true },
    ], rows.map((r) => [r.region, formatDuration(r.avg), formatDuration(r.min), formatDuration(r.max), num(r.count)])));
  }

  function ages(charts, root, dist) {
    const rows = S.entries(dist).map(([bucket, a]) => ({
      bucket,
      total: Number(pick(a, "total", "total_exams")) || 0,
      positive: Number(pick(a, "positive", "positive_findings")) || 0,
      rate: pick(a, "positive_rate"),
    })).sort((a, b) => ageRank(a.bucket) - ageRank(b.bucket));
    if (!rows.length) return;
    for (const r of rows) if (r.rate == null) r.rate = r.total ? Math.round((1000 * r.positive) / r.total) / 10 : 0;
    S.chart(charts, {
      id: "ages",
      title: "Positive findings by age (years)",
      summary: rows.map((r) => r.bucket + ": " + r.rate + " % of " + r.total).join("; "),
      config: {
        type: "bar",
        data: {
          labels: rows.map((r) => r.bucket),
          datasets: [
            { type: "bar", label: "Positive rate (%)", data: rows.map((r) => Number(r.rate)), backgroundColor: "#f59e0b", yAxisID: "y" },
            { type: "line", label: "Exams", data: rows.map((r) => r.total), borderColor: "#64748b", backgroundColor: "#64748b", yAxisID: "y1" },
          ],
        },
        options: {
          scales: {
            y: { beginAtZero: true, max: 100, position: "left", title: { display: true, text: "Positive (%)" } },
            y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Exams" } },
          },
        },
      },
    });
    root.appendChild(S.table("Positive findings by age band", [
      { label: "Age (years)" }, { label: "Exams", num: true }, { label: "Positive", num: true }, { label: "Rate", num: true },
    ], rows.map((r) => [r.bucket, num(r.total), num(r.positive), pct(r.rate)])));
  }

  function optionalCharts(charts, ins) {
    const rad = pick(ins, "rad_severity_distribution");
    const ai = pick(ins, "ai_severity_distribution");
    if (isObject(rad) || isObject(ai)) {
      const r = severitySeries(rad);
      S.chart(charts, { id: "severity-both", title: "Severity: AI and radiologists", summary: "Counts of each severity score.",
        config: { type: "bar", data: { labels: r.labels, datasets: [
          { label: "AI", data: severitySeries(ai).values, backgroundColor: "#0ea5e9" },
          { label: "Radiologists", data: r.values, backgroundColor: "#14b8a6" }] } } });
    }
    const hours = pick(ins, "hourly_patterns");
    if (isObject(hours)) {
      const labels = [...Array(24).keys()].map(String);
      S.chart(charts, { id: "hours", title: "Exams by hour of day", summary: "Exam counts per hour, 0 to 23.",
        config: { type: "line", data: { labels, datasets: [{ label: "Exams", data: labels.map((h) => Number(hours[h]) || 0),
          borderColor: "#8b5cf6", backgroundColor: "#8b5cf6", tension: 0.3, cubicInterpolationMode: "monotone" }] },
        options: { scales: { y: { beginAtZero: true } } } } });
    }
  }

  S.page(async (root) => {
    const { ins, sev } = await S.loadAll({ ins: "/api/stats/insights", sev: "/api/severity" });
    root.replaceChildren();
    const charts = el("div", { class: "charts-grid" });
    const tables = el("div");
    root.append(charts, tables);
    if (ins instanceof Error) {
      S.emptyState(tables, ins, "Insights");
    } else {
      processing(charts, tables, pick(ins, "processing_times"));
      ages(charts, tables, pick(ins, "age_distribution"));
      optionalCharts(charts, ins);
      const metrics = S.entries(pick(ins, "radiologist_metrics")).map(([name, m]) => [name,
        num(pick(m, "reports", "reports_count")), num(pick(m, "avg_severity"), 1), formatDuration(pick(m, "avg_latency"))]);
      if (metrics.length) {
        tables.appendChild(S.table("Radiologist metrics", [{ label: "Radiologist" }, { label: "Reports", num: true },
          { label: "Avg severity", num: true }, { label: "Avg report delay", num: true }], metrics));
      }
      if (!tables.childElementCount && !charts.childElementCount) {
        tables.appendChild(el("p", { class: "empty-state", text: "No data for insights yet." }));
      }
    }
    if (!(sev instanceof Error) && isObject(sev)) {
      const s = severitySeries(sev);
      S.chart(charts, { id: "severity", title: "Radiologist severity scores", summary: s.labels.map((l, i) => l + ": " + s.values[i]).join("; "),
        config: { type: "bar", data: { labels: s.labels, datasets: [{ label: "Reports", data: s.values, backgroundColor: "#14b8a6" }] },
          options: { plugins: { legend: { display: false } }, scales: { x: { title: { display: true, text: "Severity (0–10)" } }, y: { beginAtZero: true } } } } });
    }
  });
})();
