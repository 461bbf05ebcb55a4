// Every page in a real browser (CTest label `browser`): Debian's Chromium
// driven by playwright-core against the real server (no AI endpoint). Logs in
// with Basic, opens every page at desktop and phone width (no horizontal
// overflow at 390 px), checks the session cookie, the About configuration,
// the statistics pages' empty state while their routes answer 501/503 and
// their tables and charts when the answers have the shapes of API.md §4
// (served by route interception), the Check page's answers and errors, that
// no request leaves 127.0.0.1 and that no page error or CSP violation
// occurs; saves a screenshot of each page under XRV_ARTIFACTS.
"use strict";

const { check, step, context, cleanRun, run, artifacts, path } = require("./harness");

const PAGES = [
  ["/", "dashboard"],
  ["/stats", "stats"],
  ["/stats/radiologists", "radiologists"],
  ["/stats/diagnostics", "diagnostics"],
  ["/stats/insights", "insights"],
  ["/check", "check"],
  ["/about", "about"],
];

const HTML_NAME = "<b>Dr. Ion Popescu</b>";
const month = (back) => {
  const d = new Date();
  const m = new Date(d.getFullYear(), d.getMonth() - back, 1);
  return m.getFullYear() + "-" + String(m.getMonth() + 1).padStart(2, "0");
};
const day = (back) => {
  const d = new Date();
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate() - back);
  return m.getFullYear() + "-" + String(m.getMonth() + 1).padStart(2, "0") + "-" + String(m.getDate()).padStart(2, "0");
};
const region = (total, tpos, tneg, fpos, fneg, mcc) => ({
  total, reviewed: tpos + tneg + fpos + fneg, positive: tpos + fpos, tpos, tneg, fpos, fneg,
  ppv: 50.0, npv: 80.0, sensitivity: 66.7, specificity: 72.7, mcc,
});

// Answers with the shapes of API.md §4 and §5.
const SPEC_ANSWERS = {
  "/api/stats": {
    total: 40, reviewed: 30, positive: 12, correct: 22, wrong: 8,
    region: { chest: region(30, 6, 14, 4, 3, 0.41), abdomen: region(10, 0, 3, 0, 0, 0) },
    trends: { chest: [{ date: day(3), total: 5, positive: 2 }, { date: day(0), total: 7, positive: 3 }] },
    monthly_trends: { chest: [{ month: month(1), total: 20, positive: 6 }, { month: month(0), total: 10, positive: 3 }] },
    avg_processing_time: 4.2, throughput: 11.5, error_stats: { error: 2, ignore: 5 },
  },
  "/api/stats/radiologists": {
    [HTML_NAME]: { reports: 25, reviewed: 20, agree_with_ai: 15, ai_accuracy: 75.0, avg_severity: 3.4,
      top_diagnostics: { pneumonia: 8, normal: 10 }, avg_report_latency: 5400 },
    "Dr. Ana Ionescu": { reports: 10, reviewed: 8, agree_with_ai: 7, ai_accuracy: 87.5, avg_severity: 2.1,
      top_diagnostics: { normal: 6 }, avg_report_latency: 1800 },
  },
  "/api/stats/radiologists/monthly_trends": { [month(1)]: { [HTML_NAME]: 12, "Dr. Ana Ionescu": 4 }, [month(0)]: { [HTML_NAME]: 13 } },
  "/api/stats/diagnostics": {
    pneumonia: { reports: 8, avg_severity: 6.5, ai_compared: 8, ai_accuracy: 75.0, sensitivity: 80.0, ppv: 66.7,
      top_regions: { chest: 8 }, first_seen: "2026-01-03 10:00:00", last_seen: "2026-11-20 09:30:00" },
    normal: { reports: 16, avg_severity: 0.2, ai_compared: 15, ai_accuracy: 93.3, sensitivity: null, ppv: null,
      top_regions: { chest: 10, abdomen: 6 }, first_seen: "2026-01-02 08:00:00", last_seen: "2026-11-21 11:00:00" },
  },
  "/api/diagnostics/monthly_trends": { [month(2)]: { pneumonia: 3, normal: 5 }, [month(0)]: { pneumonia: 5 } },
  "/api/stats/insights": {
    age_distribution: { "0-1": { total: 5, positive: 2, positive_rate: 40.0 }, ">18": { total: 2, positive: 0, positive_rate: 0 },
      "4-6": { total: 8, positive: 3, positive_rate: 37.5 } },
    processing_times: { chest: { avg: 4.1, min: 1.2, max: 9.8, count: 30 }, abdomen: { avg: 3.0, min: 2.0, max: 4.0, count: 10 } },
    radiologist_metrics: { [HTML_NAME]: { reports: 25, avg_severity: 3.4, avg_latency: 5400 } },
  },
  "/api/check": { pathologic: "yes", severity: 7, summary: "pneumonia" },
  "/api/analyse": {
    first_pass: { topic: "Chest X-ray", purpose: "Rule out pneumonia", primary_findings: "Right lower lobe opacity" },
    second_pass: { main_points: ["opacity", HTML_NAME], supporting_evidence: ["air bronchogram"], conclusions_valid: true },
    third_pass: { assumptions: ["single view"], missing_info: ["lateral view"], critique: "Concise." },
    overall_assessment: "Adequate report.",
  },
  "/api/translate": { translation: "Right basal opacity." },
};

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

run("pages", {}, async (server, browser) => {
  const desk = await context(browser, ["doctor", "doc-pass"], { width: 1280, height: 900 });
  const phone = await context(browser, ["doctor", "doc-pass"], { width: 390, height: 844 });
  const page = await desk.ctx.newPage();
  const small = await phone.ctx.newPage();

  await step("every page as is (statistics routes not built yet)", async () => {
    for (const [url, name] of PAGES) {
      const resp = await page.goto(server.base + url, { waitUntil: "load" });
      check(`${url} loads`, resp && resp.status() === 200, resp && String(resp.status()));
      const title = await page.title();
      check(`${url} has a title`, title.startsWith("XRayVision"), title);
      const css = await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--pico-font-family").length > 0);
      check(`${url} has Pico CSS from the server`, css);
      if (name === "about") {
        await page.waitForSelector("#config dt", { timeout: 5000 });
        check("about page shows the configuration via /api/config", /XRAYVISION/.test(await page.textContent("#config")));
      }
      if (url.startsWith("/stats")) {
        await page.waitForSelector("#stats-root[aria-busy=false]", { timeout: 10000 });
        const info = await page.textContent("#stats-root");
        const expectEmpty = (await server.api("/api" + url)).status >= 400;
        if (expectEmpty) check(`${url} shows a clear empty state`, /are not available yet: \S/.test(info), info);
      }
      await page.screenshot({ path: path.join(artifacts, `page-${name}-desktop.png`), fullPage: true });
      await small.goto(server.base + url, { waitUntil: "load" });
      if (url.startsWith("/stats")) await small.waitForSelector("#stats-root[aria-busy=false]", { timeout: 10000 });
      const over = await overflow(small);
      check(`${url} fits a 390 px phone`, over <= 0, over + " px too wide");
      await small.screenshot({ path: path.join(artifacts, `page-${name}-phone.png`), fullPage: true });
    }
    const cookies = await desk.ctx.cookies(server.base);
    const session = cookies.find((c) => c.name === "xrv_session");
    check("session cookie is set, HttpOnly and SameSite=Strict",
      !!session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(session));
  });

  await step("check page without an AI endpoint shows the error", async () => {
    await page.goto(server.base + "/check", { waitUntil: "load" });
    await page.fill("#report", "Opacitate bazala dreapta.");
    await page.click('button[data-mode="check"]');
    await page.waitForFunction(() => document.getElementById("check-error").textContent.length > 0, null, { timeout: 10000 });
    const err = await page.textContent("#check-error");
    check("503 from /api/check is explained", /No AI endpoint is available|could not be used/.test(err), err);
    await page.fill("#report", "   ");
    await page.click('button[data-mode="check"]');
    check("an empty report is refused before sending", /Enter a report/.test(await page.textContent("#check-error")));
  });

  // From here on the statistics and AI routes answer with the spec's shapes.
  for (const ctx of [desk.ctx, phone.ctx]) {
    for (const [route, body] of Object.entries(SPEC_ANSWERS)) {
      await ctx.route((u) => u.pathname === route, (r) =>
        r.fulfill({ status: 200, contentType: "application/json; charset=utf-8", body: JSON.stringify(body) }));
    }
  }

  await step("statistics pages render the spec's shapes", async () => {
    const expectations = {
      "/stats": { charts: ["regions", "daily", "monthly"], rows: 2, text: ["chest", "abdomen", "0.41 (fair)", "n/a"] },
      "/stats/radiologists": { charts: ["reports", "accuracy", "monthly"], rows: 2, text: [HTML_NAME, "Dr. Ana Ionescu", "90 min"] },
      "/stats/diagnostics": { charts: ["reports", "accuracy", "monthly"], rows: 2, text: ["pneumonia", "chest (8)"] },
      "/stats/insights": { charts: ["processing", "ages", "severity"], rows: 2, text: ["0-1", HTML_NAME] },
    };
    for (const [url, want] of Object.entries(expectations)) {
      const name = url === "/stats" ? "stats" : url.slice(7);
      await page.goto(server.base + url, { waitUntil: "load" });
      await page.waitForSelector("#stats-root[aria-busy=false]", { timeout: 10000 });
      const drawn = await page.evaluate((ids) => ids.filter((id) => {
        const c = document.getElementById(id);
        return c && window.Chart.getChart(c) && window.Chart.getChart(c).data.datasets.length > 0;
      }), want.charts);
      check(`${url} draws its charts`, drawn.length === want.charts.length, drawn.join(","));
      const rows = await page.$$eval("#stats-root table tbody", (b) => b[0] ? b[0].rows.length : 0);
      check(`${url} fills its table`, rows >= want.rows, String(rows));
      const text = await page.textContent("#stats-root");
      const missing = want.text.filter((t) => !text.includes(t));
      check(`${url} shows the values as text`, missing.length === 0, "missing " + missing.join(", "));
      check(`${url} builds no element from the data`, (await page.$$("#stats-root b")).length === 0);
      await page.screenshot({ path: path.join(artifacts, `page-${name}-data-desktop.png`), fullPage: true });
      await small.goto(server.base + url, { waitUntil: "load" });
      await small.waitForSelector("#stats-root[aria-busy=false]", { timeout: 10000 });
      const over = await overflow(small);
      check(`${url} with data fits a 390 px phone`, over <= 0, over + " px too wide");
      await small.screenshot({ path: path.join(artifacts, `page-${name}-data-phone.png`), fullPage: true });
    }
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 5000 }),
      page.click("article.chart-card header button")]);
    check("a chart downloads as PNG", /^xrayvision-\w+-\d{4}-\d{2}-\d{2}\.png$/.test(download.suggestedFilename()),
      download.suggestedFilename());
  });

  await step("check page shows check, analysis and translation", async () => {
    await page.goto(server.base + "/check", { waitUntil: "load" });
    await page.fill("#report", "Opacitate bazala dreapta.");
    for (const mode of ["check", "analyse", "translate"]) {
      await page.click(`button[data-mode="${mode}"]`);
      await page.waitForSelector(`#check-results [data-mode="${mode}"]`, { timeout: 10000 });
    }
    const text = await page.textContent("#check-results");
    const want = ["yes", "7 / 10", "pneumonia", "Rule out pneumonia", HTML_NAME, "lateral view", "Right basal opacity."];
    const missing = want.filter((t) => !text.includes(t));
    check("check page shows every answer as text", missing.length === 0, "missing " + missing.join(", "));
    check("check page builds no element from the data", (await page.$$("#check-results b")).length === 0);
    await page.screenshot({ path: path.join(artifacts, "page-check-results-desktop.png"), fullPage: true });
  });

  cleanRun([desk.log, phone.log]);
});
