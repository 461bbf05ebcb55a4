// Helpers of the four statistics pages (window.XRVStats): loading with a clear
// empty state, header cards, tables and Chart.js charts (served from
// /static/vendor) with a PNG download and a text alternative. Tables are
// built first, so they stay usable even if a chart cannot be drawn.
"use strict";

window.XRVStats = (function () {
  const { el, byId, getJSON, num, pct, isObject } = window.XRV;

  const PALETTE = ["#0ea5e9", "#14b8a6", "#f59e0b", "#8b5cf6", "#ec4899", "#3b82f6", "#22c55e", "#eab308",
    "#f43f5e", "#06b6d4", "#a855f7", "#84cc16"];

  function colour(i) {
    if (i < PALETTE.length) return PALETTE[i];
    return "hsl(" + Math.round((i * 137.508) % 360) + ", 65%, 55%)";
  }

  // Chart text follows the page's colours (readable in light and dark schemes).
  function themeCharts() {
    if (!window.Chart) return;
    const style = getComputedStyle(document.body);
    window.Chart.defaults.color = style.color;
    window.Chart.defaults.borderColor = style.getPropertyValue("--pico-muted-border-color").trim() || "rgba(128,128,128,0.3)";
    window.Chart.defaults.maintainAspectRatio = false;
    if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) window.Chart.defaults.animation = false;
  }

  // "Statistics are not available yet: <message>" in place of a section.
  function emptyState(parent, err, what) {
    parent.replaceChildren(el("p", { class: "empty-state", attrs: { role: "status" } },
      (what || "Statistics") + " are not available yet: " + (err && err.message ? err.message : String(err))));
  }

  // Fetches every path; resolves to {key: data | ApiError}.
  async function loadAll(paths) {
    const out = {};
    await Promise.all(Object.entries(paths).map(async ([key, path]) => {
      try {
        out[key] = await getJSON(path);
      } catch (err) {
        out[key] = err instanceof Error ? err : new Error(String(err));
      }
    }));
    return out;
  }

  // <dl class="cards-grid"> of [label, value] pairs.
  function cards(pairs) {
    return el("dl", { class: "cards-grid" },
      pairs.map(([label, value]) => el("div", null, el("dt", { text: label }), el("dd", { text: value }))));
  }

  // columns: [{label, title, num}]; rows: arrays of cell text (or nodes).
  function table(caption, columns, rows, foot) {
    const head = el("tr", null, columns.map((c) => el("th", {
      class: c.num ? "num" : "",
      attrs: { scope: "col" },
    }, c.title ? el("abbr", { text: c.label, attrs: { title: c.title } }) : c.label)));
    const line = (cells, isFoot) => el("tr", null, cells.map((v, i) => {
      const tag = i === 0 ? "th" : "td";
      const cls = [columns[i] && columns[i].num ? "num" : "", columns[i] && columns[i].wrap ? "wrap" : ""].join(" ").trim();
      return el(tag, { class: cls, attrs: i === 0 ? { scope: "row" } : null }, v instanceof Node ? v : String(v));
    }));
    return el("div", { class: "table-wrap" },
      el("table", { class: "striped" },
        el("caption", { text: caption }),
        el("thead", null, head),
        el("tbody", null, rows.map((r) => line(r))),
        foot ? el("tfoot", null, line(foot, true)) : null));
  }

  function today() {
    const d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  // A chart in an <article> with a download button. The canvas has a text
  // alternative (`summary`); the tables next to it hold the numbers.
  function chart(parent, { id, title, summary, config, tall, wide }) {
    const canvas = el("canvas", { attrs: { id, role: "img", "aria-label": title + ". " + (summary || "") } });
    const download = el("button", {
      class: "secondary outline",
      text: "Download PNG",
      attrs: { type: "button", "aria-label": "Download the chart " + title + " as PNG" },
    });
    const card = el("article", { class: "chart-card" + (wide ? " wide" : "") },
      el("header", null, el("h2", { text: title }), download),
      el("div", { class: "chart-box" + (tall ? " tall" : "") }, canvas),
      summary ? el("p", { class: "visually-hidden", text: summary }) : null);
    parent.appendChild(card);
    if (!window.Chart) {
      card.querySelector(".chart-box").replaceChildren(el("p", { class: "muted", text: "Charts could not be drawn; the tables show the data." }));
      download.hidden = true;
      return null;
    }
    const instance = new window.Chart(canvas, config);
    download.addEventListener("click", () => {
      // Paint the page background under the chart (a transparent PNG is unreadable in viewers).
      const out = document.createElement("canvas");
      out.width = canvas.width;
      out.height = canvas.height;
      const ctx = out.getContext("2d");
      ctx.fillStyle = getComputedStyle(document.body).backgroundColor || "#fff";
      ctx.fillRect(0, 0, out.width, out.height);
      ctx.drawImage(canvas, 0, 0);
      const a = el("a", { attrs: { href: out.toDataURL("image/png"), download: "xrayvision-" + id + "-" + today() + ".png" } });
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
    return instance;
  }

  // The last `n` months as "YYYY-MM" in local time, oldest first.
  function lastMonths(n) {
    const now = new Date();
    const out = [];
    for (let i = n - 1; i >= 0; i--) {
      const d = new Date(now.getFullYear(), now.getMonth() - i, 1);
      out.push(d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0"));
    }
    return out;
  }

  // The last `n` days as "YYYY-MM-DD" in local time, oldest first.
  function lastDays(n) {
    const now = new Date();
    const out = [];
    for (let i = n - 1; i >= 0; i--) {
      const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - i);
      out.push(d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0"));
    }
    return out;
  }

  // Monthly trends as {month: {name: count}}; accepts the spec's shape and the
  // original's {"trends": {month: [{<nameKey>, count}]}}.
  function monthly(data, nameKey) {
    const src = isObject(data) && isObject(data.trends) ? data.trends : data;
    const out = {};
    if (!isObject(src)) return out;
    for (const [month, v] of Object.entries(src)) {
      out[month] = {};
      if (Array.isArray(v)) {
        for (const row of v) if (isObject(row)) out[month][String(row[nameKey] ?? row.name)] = Number(row.count) || 0;
      } else if (isObject(v)) {
        for (const [name, count] of Object.entries(v)) out[month][name] = Number(count) || 0;
      }
    }
    return out;
  }

  // A line chart config of monthly counts per name over the last 12 months
  // (missing months are zero, names with no count are dropped).
  function monthlyConfig(trends, label) {
    const months = lastMonths(12);
    const names = new Set();
    for (const m of Object.values(trends)) for (const n of Object.keys(m)) names.add(n);
    const datasets = [...names].map((name, i) => ({
      label: name,
      data: months.map((m) => (trends[m] && trends[m][name]) || 0),
      borderColor: colour(i),
      backgroundColor: colour(i),
      tension: 0.3,
      cubicInterpolationMode: "monotone",
    })).filter((d) => d.data.some((v) => v > 0));
    return {
      type: "line",
      data: { labels: months, datasets },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: label } } } },
    };
  }

  function horizontalBar(labels, values, label, color, max) {
    return {
      type: "bar",
      data: { labels, datasets: [{ label, data: values, backgroundColor: color }] },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, max, title: { display: true, text: label } } },
      },
    };
  }

  // The two bar charts of a ranking page: reports per name and the AI's
  // agreement per name. rows: [{name, reports, compared, accuracy}] by reports.
  function rankCharts(root, rows, what) {
    const charts = el("div", { class: "charts-grid" });
    root.appendChild(charts);
    chart(charts, {
      id: "reports",
      title: "Reports per " + what,
      summary: rows.map((r) => r.name + ": " + r.reports).join("; "),
      tall: rows.length > 12,
      config: horizontalBar(rows.map((r) => r.name), rows.map((r) => r.reports), "Reports", "#0ea5e9"),
    });
    const byAcc = rows.filter((r) => r.accuracy != null && r.compared > 0).sort((a, b) => b.accuracy - a.accuracy);
    chart(charts, {
      id: "accuracy",
      title: "AI agreement per " + what + " (%)",
      summary: byAcc.map((r) => r.name + ": " + r.accuracy + " %").join("; "),
      tall: byAcc.length > 12,
      config: horizontalBar(byAcc.map((r) => r.name), byAcc.map((r) => Number(r.accuracy)), "AI agreement (%)", "#14b8a6", 100),
    });
  }

  // The monthly trends chart, or its empty state when the route failed.
  function monthlyChart(root, trends, nameKey, title) {
    const box = el("div", { class: "charts-grid" });
    root.appendChild(box);
    if (trends instanceof Error) return emptyState(box, trends, "Monthly trends");
    chart(box, { id: "monthly", title, summary: title + ", one line per " + nameKey + ".", wide: true, tall: true,
      config: monthlyConfig(monthly(trends, nameKey), "Reports") });
  }

  // Header cards of a ranking page: names, reports, severity weighted by
  // reports, and the pooled AI agreement (accuracy weighted by compared).
  function rankCards(rows, what) {
    const sum = (f) => rows.reduce((s, r) => s + f(r), 0);
    const reports = sum((r) => r.reports);
    const compared = sum((r) => r.compared);
    return cards([
      [what, num(rows.length)],
      ["Reports", num(reports)],
      ["Average severity", reports ? num(sum((r) => (Number(r.severity) || 0) * r.reports) / reports, 1) + " / 10" : "–"],
      ["AI agrees (overall)", compared ? pct(sum((r) => (Number(r.accuracy) || 0) * r.compared) / compared) : "–"],
    ]);
  }

  // Runs `render(root)`; on failure shows the empty state in `root`.
  function page(render) {
    window.XRV.onReady(async () => {
      themeCharts();
      const root = byId("stats-root");
      try {
        await render(root);
      } catch (err) {
        emptyState(root, err);
      } finally {
        root.setAttribute("aria-busy", "false");
        const status = byId("stats-status");
        if (status) status.hidden = true;
      }
    });
  }

  function entries(obj) {
    return isObject(obj) ? Object.entries(obj).filter(([, v]) => isObject(v)) : [];
  }

  function topList(obj, n) {
    if (!isObject(obj)) return "";
    return Object.entries(obj).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => k + " (" + v + ")").join(", ");
  }

  return { colour, emptyState, loadAll, cards, table, chart, lastMonths, lastDays, monthly, monthlyConfig,
    horizontalBar, rankCharts, monthlyChart, rankCards, page, entries, topList, num, pct, el };
})();
