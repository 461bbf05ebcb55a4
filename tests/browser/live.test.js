// The dashboard's live behaviour against a scripted /ws (Playwright's
// routeWebSocket plays the server side; REST and images are the real server
// with the fake LLM). Checks what the WebSocket frames of API.md §6 do on the
// page: status cards, AI health, timings, next query and the title; garbage
// and unknown keys are tolerated; new_exam inserts the card at the top of
// page 1 without a reload and chimes; away from page 1, or scrolled down, it
// shows the "N new" banner instead of moving the list; radreview updates a card from its
// payload; the mute choice persists; a dropped socket reconnects.
"use strict";

const { check, step, context, when, cleanRun, run, artifacts, path } = require("./harness");

const frame = (event, dashboard = {}) => JSON.stringify(Object.assign({
  dashboard: Object.assign({ queue_size: 0, check_queue_size: 0, processing: null, error_count: 0, ignore_count: 0, success_count: 0 }, dashboard),
  openai: { url: "http://127.0.0.1:1/v1/chat/completions", health: { pri: true, sec: false } },
  timings: { avg_latency: 4.2, min_latency: 1.5, max_latency: 12 },
  next_query: "Disabled",
  fhir: { enabled: true, health: false },
}, event ? { event } : {}));

async function shownUids(page) {
  return page.$$eval("#exams article.exam", (cards) => cards.map((c) => c.dataset.uid));
}

async function settled(page) {
  await page.waitForFunction(() => document.getElementById("exams").getAttribute("aria-busy") === "false" &&
    !/Loading/.test(document.getElementById("list-status").textContent), null, { timeout: 10000 });
}

run("live", { ai: true }, async (server, browser) => {
  const base = new Date(Date.now() - 60 * 60000);
  const send = async (name, minutes) => {
    const uid = server.sendImage(name, Object.assign({ PatientName: name.toUpperCase() + "^TEST", PatientID: "19001014000" + minutes,
      ProtocolName: "Torace AP" }, when(base, minutes)));
    await server.waitStatus(uid, "done");
    return uid;
  };
  const first = [await send("one", 10), await send("two", 11), await send("three", 12)];

  const admin = await context(browser, ["doctor", "doc-pass"]);
  const sockets = [];
  await admin.ctx.routeWebSocket((u) => u.pathname === "/ws", (ws) => {
    sockets.push(ws);
    ws.send(frame({ name: "connected", payload: { address: "127.0.0.1" } }));
  });
  const page = await admin.ctx.newPage();
  const latest = () => sockets[sockets.length - 1];

  await step("frames fill the status panel", async () => {
    await page.goto(server.base + "/", { waitUntil: "load" });
    await settled(page);
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 10000 });
    latest().send("not json at all");
    latest().send("[1,2,3]");
    latest().send(JSON.stringify({ unknown: { nested: true }, event: { name: "future_event", payload: { x: 1 } } }));
    latest().send(frame(null, { queue_size: 3, check_queue_size: 1, processing: "A.O.", error_count: 2, ignore_count: 4, success_count: 5 }));
    await page.waitForFunction(() => document.getElementById("st-queue").textContent === "3", null, { timeout: 5000 });
    const cards = await page.$$eval(".status-grid dd", (d) => d.map((x) => x.textContent));
    check("status cards show queue, checks, processing, errors, ignored, done", cards.join("|") === "3|1|A.O.|2|4|5", cards.join("|"));
    check("the title tells what is processing and the queues", (await page.title()) === "XRayVision — A.O. (Q:3/C:1)", await page.title());
    const health = await page.textContent("#ai-health");
    check("AI endpoint health is shown with words", /Primary: up/.test(health) && /Secondary: down/.test(health), health);
    check("timings and next query are shown", (await page.textContent("#tm-avg")) === "4.2 s" && (await page.textContent("#next-query")) === "Disabled");
    check("FHIR health is shown with words", /FHIR server: down/.test(await page.textContent("#fhir-health")), await page.textContent("#fhir-health"));
  });

  await step("new_exam on page 1 at the top inserts the card without a reload", async () => {
    await page.evaluate(() => (window.__noReload = true));
    const uid = await send("four", 13);
    latest().send(frame({ name: "new_exam", payload: { uid, positive: true, reviewed: false, severity: 7 } }));
    await page.waitForSelector(`article.exam[data-uid="${uid}"]`, { timeout: 10000 });
    check("the new card is first", (await shownUids(page))[0] === uid);
    check("no reload", await page.evaluate(() => window.__noReload === true));
    check("a positive chimes (or tries to)", Number(await page.getAttribute("#mute", "data-chimes")) === 1);
    check("a toast tells of the positive", /New AI-positive exam/.test(await page.textContent(".toasts [aria-live]:not([aria-live=assertive])")));
    first.unshift(uid);
  });

  await step("away from page 1 a new exam shows the banner instead", async () => {
    await page.goto(server.base + "/?limit=2&page=2", { waitUntil: "load" });
    await settled(page);
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 10000 });
    const before = await shownUids(page);
    const uid = await send("five", 14);
    latest().send(frame({ name: "new_exam", payload: { uid, positive: false, reviewed: false, severity: 0 } }));
    await page.waitForSelector("#new-banner:not([hidden])", { timeout: 5000 });
    check("the banner counts the new exam", /^1 new exam/.test(await page.textContent("#new-banner")), await page.textContent("#new-banner"));
    check("the list did not move", (await shownUids(page)).join() === before.join());
    await page.click("#new-banner");
    await page.waitForURL((u) => !new URL(u).searchParams.has("page"), { timeout: 5000 });
    await settled(page);
    check("the banner leads to page 1 with the new exam first", (await shownUids(page))[0] === uid);
    check("the banner is gone", await page.isHidden("#new-banner"));
  });

  await step("scrolled down on page 1 a new exam waits in the banner", async () => {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForFunction(() => document.getElementById("exams").getBoundingClientRect().top < -20, null, { timeout: 5000 });
    const before = await shownUids(page);
    const uid = await send("six", 15);
    latest().send(frame({ name: "new_exam", payload: { uid, positive: false, reviewed: false, severity: 0 } }));
    await page.waitForSelector("#new-banner:not([hidden])", { timeout: 5000 });
    check("the list did not move under the reader", (await shownUids(page)).join() === before.join());
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForSelector(`article.exam[data-uid="${uid}"]`, { timeout: 5000 });
    check("back at the top the new exam comes in first", (await shownUids(page))[0] === uid);
    await page.waitForSelector("#new-banner", { state: "hidden", timeout: 5000 });
    check("and the banner goes", true);
  });

  await step("radreview updates the card from its payload", async () => {
    const uid = (await shownUids(page))[1];
    await server.api("/api/radreview", { method: "POST", body: { uid, normal: true } });
    const exam = (await server.api("/api/exams/" + uid)).json;
    latest().send(frame({ name: "radreview", payload: exam }));
    await page.waitForSelector(`article.exam[data-uid="${uid}"] .badge-reviewed`, { timeout: 5000 });
    check("the card shows the review", /normal/.test(await page.textContent(`article.exam[data-uid="${uid}"] .badge-reviewed`)));
  });

  await step("mute persists across reloads", async () => {
    await page.click("#mute");
    check("mute button is pressed", (await page.getAttribute("#mute", "aria-pressed")) === "true");
    await page.reload({ waitUntil: "load" });
    await settled(page);
    check("still muted after a reload", (await page.getAttribute("#mute", "aria-pressed")) === "true" &&
      /off/.test(await page.textContent("#mute")));
  });

  await step("a dropped socket reconnects", async () => {
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 10000 });
    const count = sockets.length;
    latest().close({ code: 1001, reason: "going away" });
    await page.waitForSelector('#conn[data-state="offline"]', { timeout: 5000 });
    check("the lost connection is shown", /reconnecting/.test(await page.textContent("#conn")));
    await page.waitForSelector('#conn[data-state="online"]', { timeout: 10000 });
    check("the page opened a new socket", sockets.length === count + 1, String(sockets.length - count));
  });

  await page.screenshot({ path: path.join(artifacts, "dashboard-live-mocked-ws.png"), fullPage: true });
  cleanRun([admin.log]);
});
