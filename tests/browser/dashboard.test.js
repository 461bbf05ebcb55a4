// Dashboard in a real browser (CTest label `browser`): the server with the
// recording fake LLM, real CR images sent with storescu, Chromium through
// playwright-core. Checks: log in; a patient name and protocol carrying HTML
// render as text (no dialog, no element); an image sent while the page is
// open appears without a reload and chimes (needs /ws); review buttons and
// keyboard shortcuts store the verdict and a second (user-role) browser sees
// it live (needs /ws); each filter narrows the list and lives in the URL
// (back/forward); pagination; lightbox keys; actions' errors as toasts; the
// admin-only PACS query for a user; no request leaves 127.0.0.1.
"use strict";

const { until, check, step, context, when, cleanRun, run, artifacts, path } = require("./harness");

const ADMIN = ["doctor", "doc-pass"];
const USER = ["reader", "read-pass"];
const XSS = "<img src=x onerror=alert(1)>";

const positive = (confidence) => ({ short: "yes", report: "Right lower lobe consolidation.", confidence, severity: 7, summary: "pneumonia" });

async function shownUids(page) {
  return page.$$eval("#exams article.exam", (cards) => cards.map((c) => c.dataset.uid));
}

// Waits until the list is loaded for the current URL.
async function settled(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById("exams");
    return s.getAttribute("aria-busy") === "false" && !/Loading/.test(document.getElementById("list-status").textContent);
  }, null, { timeout: 10000 });
}

run("dashboard", { ai: true }, async (server, browser) => {
  const base = new Date(Date.now() - 60 * 60000);
  const uids = {};
  // A: chest, AI positive (confidence 60); B: abdomen, negative; C: chest,
  // HTML in the name and protocol, negative; E: knee (unsupported region).
  await server.scriptAi([positive(60)]);
  uids.A = server.sendImage("a", Object.assign({ PatientName: "ALPHA^ONE", PatientID: "1900101400001", ProtocolName: "Torace AP" }, when(base, 1)));
  await server.waitStatus(uids.A, "done");
  uids.B = server.sendImage("b", Object.assign({ PatientName: "BETA^TWO", PatientID: "2900101400002", ProtocolName: "Abdomen simplu" }, when(base, 2)));
  await server.waitStatus(uids.B, "done");
  uids.C = server.sendImage("c", Object.assign({ PatientName: XSS, PatientID: "5000101400003", ProtocolName: "Torace " + XSS }, when(base, 3)));
  await server.waitStatus(uids.C, "done");
  uids.E = server.sendImage("e", Object.assign({ PatientName: "EPSILON^FIVE", PatientID: "1900101400005", ProtocolName: "Genunchi AP" }, when(base, 4)));
  const e = await until(async () => {
    const r = await server.api("/api/exams/" + uids.E);
    return r.status === 200 && ["done", "ignore", "error"].includes(r.json.exam.status) && r.json;
  }, 30000, "the knee exam to be handled");
  check("setup: the knee exam is not analysed (region not supported)", e.exam.status === "ignore", e.exam.status);

  const admin = await context(browser, ADMIN);
  const page = await admin.ctx.newPage();

  await step("log in and load the dashboard", async () => {
    const resp = await page.goto(server.base + "/", { waitUntil: "load" });
    check("dashboard answers 200 after Basic login", resp.status() === 200, String(resp.status()));
    await settled(page);
    const cookies = await admin.ctx.cookies(server.base);
    check("session cookie set", cookies.some((c) => c.name === "xrv_session"));
    const shown = await shownUids(page);
    check("the list shows the stored exams, newest first",
      shown[0] === uids.E && shown.includes(uids.A) && shown.includes(uids.B) && shown.includes(uids.C), shown.join(","));
  });

  await step("HTML in DICOM fields renders as text", async () => {
    const card = page.locator(`article.exam[data-uid="${uids.C}"]`);
    // A DICOM person name ends at its first "=" (component group separator):
    // the stored name is "<img src"; the protocol keeps the whole payload.
    const name = (await server.api("/api/exams/" + uids.C)).json.patient.name;
    check("patient name is shown verbatim as text", (await card.locator("h3").textContent()) === name, name);
    check("protocol with markup is shown verbatim as text", (await card.locator("figcaption").textContent()) === "Torace " + XSS);
    const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"], [onerror]').length);
    check("no element was created from the data", injected === 0, String(injected));
    check("no dialog fired", admin.log.dialogs.length === 0, admin.log.dialogs.join("; "));
  });

  const reader = await context(browser, USER);
  const other = await reader.ctx.newPage();
  await step("second browser (user role) opens the dashboard", async () => {
    await other.goto(server.base + "/", { waitUntil: "load" });
    await settled(other);
    const h = await other.locator(`article.exam[data-uid="${uids.A}"] h3`).textContent();
    check("user role sees initials, not the name", h === "A.O.", h);
  });

  await step("a new image appears live, without a reload (needs /ws)", async () => {
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 15000 });
    await page.evaluate(() => (window.__noReload = true));
    await server.scriptAi([positive(60)]);
    uids.D = server.sendImage("d", Object.assign({ PatientName: "DELTA^FOUR", PatientID: "1900101400004", ProtocolName: "Torace PA" }, when(base, 5)));
    await page.waitForSelector(`article.exam[data-uid="${uids.D}"] .badge-positive`, { timeout: 30000 });
    check("exam D appeared on the open dashboard", true);
    check("the page was not reloaded", await page.evaluate(() => window.__noReload === true));
    check("a new AI positive chimes", Number(await page.getAttribute("#mute", "data-chimes")) >= 1);
    await other.waitForSelector(`article.exam[data-uid="${uids.D}"]`, { timeout: 15000 });
    check("the second browser got it too", true);
  });
  if (!uids.D) uids.D = null;

  await step("review with the button; the second browser sees it live", async () => {
    await page.click(`article.exam[data-uid="${uids.A}"] button[data-action="abnormal"]`);
    const exam = await until(async () => {
      const r = await server.api("/api/exams/" + uids.A);
      return r.json.report.rad.positive === 1 && r.json;
    }, 10000, "the verdict of A");
    check("button stored abnormal for A", exam.report.reviewed === 1 && exam.report.correct === 1);
    await page.waitForSelector(`article.exam[data-uid="${uids.A}"] .badge-reviewed`, { timeout: 5000 });
    check("own card shows the review", /abnormal/.test(await page.textContent(`article.exam[data-uid="${uids.A}"] .badge-reviewed`)));
    await other.waitForSelector(`article.exam[data-uid="${uids.A}"] .badge-reviewed`, { timeout: 15000 });
    check("second browser shows the review live (needs /ws)", true);
  });

  await step("review with keyboard shortcuts (J to select, A for abnormal)", async () => {
    await page.locator("body").click({ position: { x: 1, y: 1 } });
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    const order = await shownUids(page);
    const target = order.indexOf(uids.B);
    for (let i = 0; i <= target; i++) await page.keyboard.press("j");
    const focused = await page.evaluate(() => document.activeElement.dataset.uid);
    check("J moves the selection to exam B", focused === uids.B, focused);
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check("the selected card has a visible focus ring", ring !== "none", ring);
    await page.keyboard.press("a");
    const exam = await until(async () => {
      const r = await server.api("/api/exams/" + uids.B);
      return r.json.report.rad.positive === 1 && r.json;
    }, 10000, "the verdict of B");
    check("shortcut stored abnormal for B (AI negative: disagreement)", exam.report.correct === 0);
    await page.waitForSelector(`article.exam[data-uid="${uids.B}"] .badge-disagree`, { timeout: 5000 });
    await other.waitForSelector(`article.exam[data-uid="${uids.B}"] .badge-disagree`, { timeout: 15000 });
    check("second browser shows the disagreement live (needs /ws)", true);
  });

  await step("each filter narrows the list and is kept in the URL", async () => {
    await page.goto(server.base + "/", { waitUntil: "load" });
    await settled(page);
    const all = await shownUids(page);
    const known = Object.values(uids).filter(Boolean);
    const cases = [
      ["status", "done", null],
      ["positive", "yes", [uids.A, uids.D]],
      ["positive", "no", [uids.B, uids.C]],
      ["reviewed", "yes", [uids.A, uids.B]],
      ["correct", "yes", [uids.A]],
      ["correct", "no", [uids.B]],
      ["region", "abdomen", [uids.B]],
      ["radiologist", "doctor", [uids.A, uids.B]],
      ["ai_severity", "7-10", [uids.A, uids.D]],
      ["confidence", "50-79", [uids.A, uids.D]],
      ["severity", "7-10", []],
    ];
    for (const [name, value, expected] of cases) {
      await page.goto(server.base + "/", { waitUntil: "load" });
      await settled(page);
      await page.selectOption(`#filters select[name="${name}"]`, value);
      await page.waitForURL((u) => new URL(u).searchParams.get(name) === value, { timeout: 5000 });
      await settled(page);
      const got = await shownUids(page);
      const truth = (await server.api(`/api/exams?${name}=${encodeURIComponent(value)}&limit=100`)).json.exams.map((x) => x.uid);
      const want = (expected || truth).filter((u) => u && known.includes(u)).sort();
      const ok = got.length < all.length && JSON.stringify(got.slice().sort()) === JSON.stringify(truth.slice().sort()) &&
        (!expected || JSON.stringify(got.filter((u) => known.includes(u)).sort()) === JSON.stringify(want));
      check(`filter ${name}=${value} narrows the list`, ok, `shown ${got.length}/${all.length}: ${got} want ${want}`);
    }
    await page.goto(server.base + "/", { waitUntil: "load" });
    await settled(page);
    await page.fill("#f-search", "BETA");
    await page.press("#f-search", "Enter");
    await page.waitForURL((u) => new URL(u).searchParams.get("search") === "BETA", { timeout: 5000 });
    await settled(page);
    const found = await shownUids(page);
    check("search narrows to the patient", found.length === 1 && found[0] === uids.B, found.join(","));
    await page.selectOption('#filters select[name="status"]', "done");
    await page.waitForURL((u) => new URL(u).searchParams.get("status") === "done", { timeout: 5000 });
    await page.goBack();
    await page.waitForURL((u) => !new URL(u).searchParams.has("status"), { timeout: 5000 });
    await settled(page);
    check("Back restores the previous filters in the form",
      (await page.inputValue("#f-search")) === "BETA" && (await page.inputValue('select[name="status"]')) === "");
    await page.goto(server.base + "/?region=abdomen", { waitUntil: "load" });
    await settled(page);
    check("a filter in the URL is applied on load",
      (await page.inputValue('select[name="region"]')) === "abdomen" && (await shownUids(page)).join() === uids.B);
  });

  await step("pagination", async () => {
    await page.goto(server.base + "/?limit=2", { waitUntil: "load" });
    await settled(page);
    const first = await shownUids(page);
    await page.click('nav[aria-label="Pages (top)"] button[aria-label="Next page"]');
    await page.waitForURL((u) => new URL(u).searchParams.get("page") === "2", { timeout: 5000 });
    await settled(page);
    const second = await shownUids(page);
    check("page 2 shows other exams", second.length > 0 && !second.some((u) => first.includes(u)), second.join(","));
    await page.goBack();
    await page.waitForURL((u) => !new URL(u).searchParams.has("page"), { timeout: 5000 });
    await settled(page);
    check("Back returns to page 1", (await shownUids(page)).join() === first.join());
  });

  await step("lightbox: arrows move, Escape closes", async () => {
    await page.goto(server.base + "/", { waitUntil: "load" });
    await settled(page);
    const order = await shownUids(page);
    await page.click(`article.exam[data-uid="${order[0]}"] .thumb-open`);
    await page.waitForSelector("#lightbox[open]", { timeout: 5000 });
    await page.keyboard.press("ArrowRight");
    check("ArrowRight shows the next exam", (await page.getAttribute("#lightbox", "data-uid")) === order[1]);
    await page.keyboard.press("ArrowLeft");
    check("ArrowLeft goes back", (await page.getAttribute("#lightbox", "data-uid")) === order[0]);
    await page.keyboard.press("Escape");
    await page.waitForSelector("#lightbox:not([open])", { state: "attached", timeout: 5000 });
    check("Escape closes the lightbox and focus returns to the thumbnail",
      await page.evaluate((uid) => document.activeElement.closest("article.exam")?.dataset.uid === uid, order[0]));
  });

  await step("actions report their outcome in toasts", async () => {
    await page.click(`article.exam[data-uid="${uids.C}"] button[data-action="getrad"]`);
    await page.waitForSelector(".toasts .toast", { timeout: 5000 });
    const t = await page.textContent(".toasts");
    check("fetch-report answer is shown as a toast", /report/i.test(t), t);
    const live = await page.$$eval(".toasts [aria-live]", (n) => n.map((x) => x.getAttribute("aria-live")));
    check("toasts are in aria-live regions", live.includes("polite") && live.includes("assertive"));
    // The fake answers at once, so the re-queued exam may be done again
    // before a poll sees "requeue": count the AI requests instead.
    const asked = async () => (await (await server.llmCall("GET", "/__requests")).json())
      .filter((r) => r.method === "POST" && r.path === "/v1/chat/completions").length;
    const before = await asked();
    await page.click(`article.exam[data-uid="${uids.C}"] button[data-action="requeue"]`);
    await until(async () => (await asked()) > before, 10000, "C analysed again");
    check("look again re-queues after confirmation", admin.log.dialogs.some((d) => d.startsWith("confirm")));
  });

  await step("manual PACS query is not offered to a user", async () => {
    // The `connected` frame names the role; the form never shows for a user.
    await other.click("details.system summary");
    await other.waitForSelector("#query-note:not([hidden])", { timeout: 5000 });
    check("a user sees an explanation instead of the PACS query form", await other.isHidden("#query-form"));
    check("an admin has the PACS query form", !(await page.$eval("#query-form", (el) => el.hidden)));
  });

  for (const [label, p] of [["admin", page], ["user", other]]) {
    await p.screenshot({ path: path.join(artifacts, `dashboard-live-${label}.png`), fullPage: true });
  }
  await step("statistics pages render the real endpoints' answers", async () => {
    // The exams above were analysed and reviewed: every statistics route has
    // data now, in the server's own shapes (pages.test.js checks the spec's
    // shapes through interception).
    for (const url of ["/stats", "/stats/radiologists", "/stats/diagnostics", "/stats/insights"]) {
      await page.goto(server.base + url, { waitUntil: "load" });
      await page.waitForSelector("#stats-root[aria-busy=false]", { timeout: 10000 });
      const text = await page.textContent("#stats-root");
      check(`${url} is not in its empty state`, !/not available yet/.test(text), text.slice(0, 200));
      if (url === "/stats/diagnostics") {
        // Diagnoses come from graded FHIR reports; dashboard reviews have none.
        check("/stats/diagnostics says no report is graded yet", /No graded radiologist reports yet/.test(text), text.slice(0, 200));
        continue;
      }
      const charts = await page.evaluate(() => [...document.querySelectorAll("#stats-root canvas")]
        .filter((c) => window.Chart.getChart(c)).length);
      check(`${url} draws its charts from the real answers`, charts > 0, String(charts));
      const rows = await page.$$eval("#stats-root table tbody", (b) => b.reduce((n, t) => n + t.rows.length, 0));
      check(`${url} fills its tables from the real answers`, rows > 0, String(rows));
    }
  });

  const phone = await context(browser, ADMIN, { width: 390, height: 844 });
  await step("dashboard with exams at phone width", async () => {
    const small = await phone.ctx.newPage();
    await small.goto(server.base + "/", { waitUntil: "load" });
    await settled(small);
    const over = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check("dashboard with exams fits a 390 px phone", over <= 0, over + " px too wide");
    await small.screenshot({ path: path.join(artifacts, "dashboard-live-phone.png"), fullPage: true });
  });
  cleanRun([admin.log, reader.log, phone.log]);
});
