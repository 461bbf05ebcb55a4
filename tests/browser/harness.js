// Shared set-up of the browser tests: the real server (XRV_BINARY) in a temp
// dir on free 127.0.0.1 ports, optionally the recording fake LLM
// (tests/support/fake_llm.js), real CR images sent with DCMTK's storescu,
// Debian's Chromium through playwright-core, and a pass/fail reporter.
// Every wait polls a condition against a deadline; nothing sleeps blindly.
"use strict";

const { chromium } = require("playwright-core");
const { spawn, execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const { freePort } = require("../support/free_port");

const binary = process.env.XRV_BINARY;
const source = process.env.XRV_SOURCE_DIR;
const artifacts = process.env.XRV_ARTIFACTS || path.join(os.tmpdir(), "xrv-artifacts");
const TEST_CR = "/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/77654033/CR1/6154";

// Polls `fn` (sync or async) until it returns a truthy value; returns it, or
// throws `what` after `ms`.
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out waiting for " + what + (last instanceof Error ? " (" + last.message + ")" : ""));
}

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok: !!ok, detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || detail === undefined ? "" : ": " + detail}`);
  return !!ok;
}

// Runs `fn`; a throw becomes a failed check instead of ending the test.
async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    check(name, false, String(e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : e));
  }
}

function summary() {
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// Children still running are killed when the test ends in any way (a CTest
// timeout sends SIGTERM).
const running = new Set();
function killAll() {
  for (const child of running) child.kill("SIGKILL");
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(1);
  });
}

class Server {
  // options: {ai: true} starts the fake LLM and points [openai] at it.
  async start(options = {}) {
    this.children = [];
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "xrv-browser-"));
    this.port = await freePort();
    this.dicomPort = await freePort();
    let openai = "OPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =";
    if (options.ai) {
      this.llmPort = await freePort();
      this.llm = this.spawn(process.execPath, [path.join(source, "tests/support/fake_llm.js"), String(this.llmPort)]);
      await until(() => this.llmCall("GET", "/__requests").then((r) => r.ok), 10000, "the fake LLM");
      openai = `OPENAI_URL_PRIMARY = http://127.0.0.1:${this.llmPort}/v1/chat/completions\n` +
        "OPENAI_URL_SECONDARY =\nHEALTH_INTERVAL = 1\nRETRY_DELAY_MS = 50";
    }
    fs.writeFileSync(path.join(this.dir, "xrayvision.cfg"), [
      "[general]",
      `STATIC_DIR = ${source}/static`,
      `IMAGES_DIR = ${this.dir}/images`,
      `LOG_FILE = ${this.dir}/xrv.log`,
      "[dashboard]",
      "DASHBOARD_BIND = 127.0.0.1",
      `DASHBOARD_PORT = ${this.port}`,
      "[dicom]",
      `AE_PORT = ${this.dicomPort}`,
      "MIN_FREE_MB = 1",
      "[openai]",
      openai,
      "[processing]",
      "NO_QUERY = true",
      "[limits]",
      "API_PER_MINUTE = 0",
      "HEAVY_PER_MINUTE = 0",
      "[users]",
      "doctor = doc-pass,admin",
      "reader = read-pass,user",
      "",
    ].join("\n"));
    this.output = "";
    this.proc = this.spawn(binary, []);
    this.proc.stdout.on("data", (d) => (this.output += d));
    this.proc.stderr.on("data", (d) => (this.output += d));
    this.base = `http://127.0.0.1:${this.port}`;
    await until(async () => (await fetch(this.base + "/healthz")).status === 200, 20000,
      "the server to start").catch((e) => {
      throw new Error(e.message + "\n" + this.output);
    });
    return this;
  }

  spawn(file, args) {
    const child = spawn(file, args, { cwd: this.dir, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.once("exit", () => running.delete(child));
    child.stdout.resume();
    child.stderr.resume();
    this.children.push(child);
    return child;
  }

  async stop() {
    for (const child of (this.children || []).reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await gone;
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async llmCall(method, p, body) {
    return fetch(`http://127.0.0.1:${this.llmPort}${p}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  // The next AI answers, in order (then the fake's default: negative).
  async scriptAi(answers) {
    await this.llmCall("POST", "/__script", answers.map((a) => ({ content: JSON.stringify(a) })));
  }

  // The server's JSON as an authenticated client (admin unless told).
  async api(p, { method = "GET", body, user = ["doctor", "doc-pass"] } = {}) {
    const r = await fetch(this.base + p, {
      method,
      headers: {
        Authorization: "Basic " + Buffer.from(user.join(":")).toString("base64"),
        "Content-Type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: r.status, json };
  }

  // Sends a copy of the CR test image with new UIDs; returns its SOP Instance UID.
  // fields: DICOM keyword or "(gggg,eeee)" → value, applied with dcmodify.
  sendImage(name, fields) {
    const file = path.join(this.dir, name + ".dcm");
    fs.copyFileSync(TEST_CR, file);
    const args = ["-nb", "-gin", "-gst", "-gse"];
    for (const [k, v] of Object.entries(fields)) args.push("-i", `${k}=${v}`);
    execFileSync("/usr/bin/dcmodify", [...args, file], { stdio: "pipe" });
    const dump = execFileSync("/usr/bin/dcmdump", ["+P", "SOPInstanceUID", file]).toString();
    const uid = /\[([0-9.]+)\]/.exec(dump)[1];
    execFileSync("/usr/bin/storescu", ["-aec", "XRAYVISION", "127.0.0.1", String(this.dicomPort), file],
      { env: Object.assign({}, process.env, { TCP_NODELAY: "1" }), stdio: "pipe" });
    return uid;
  }

  async waitStatus(uid, status, ms = 30000) {
    return until(async () => {
      const r = await this.api("/api/exams/" + uid);
      return r.status === 200 && r.json.exam.status === status && r.json;
    }, ms, `exam ${uid} to be ${status}`);
  }
}

// DICOM date/time fields putting an exam `minutes` after `base`.
function when(base, minutes) {
  const d = new Date(base.getTime() + minutes * 60000);
  const p = (n) => String(n).padStart(2, "0");
  const date = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`;
  const time = `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return { StudyDate: date, StudyTime: time, SeriesDate: date, SeriesTime: time, ContentDate: date, ContentTime: time,
    AcquisitionDate: date, AcquisitionTime: time };
}

async function launch() {
  fs.mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

// A browser context logged in as `user` that records requests leaving
// 127.0.0.1, page errors, console errors and dialogs.
async function context(browser, user, viewport = { width: 1280, height: 900 }) {
  // Reduced motion: charts draw without animation, so screenshots are final.
  const ctx = await browser.newContext({ viewport, reducedMotion: "reduce",
    httpCredentials: { username: user[0], password: user[1] } });
  const log = { external: [], errors: [], dialogs: [] };
  ctx.on("request", (r) => {
    if (!/^(http|ws):\/\/127\.0\.0\.1[:/]/.test(r.url()) && !r.url().startsWith("data:")) log.external.push(r.url());
  });
  ctx.on("page", (page) => watch(page, log));
  return { ctx, log };
}

function watch(page, log) {
  page.on("pageerror", (e) => log.errors.push(String(e)));
  page.on("console", (m) => {
    // Answers of routes that are not built yet (501/503) are logged by the
    // browser as network errors; they are not page errors.
    if (m.type() === "error" && !/Failed to load resource|WebSocket connection to/.test(m.text())) log.errors.push(m.text());
  });
  page.on("dialog", (d) => {
    log.dialogs.push(d.type() + ": " + d.message());
    if (d.type() === "confirm") d.accept();
    else d.dismiss();
  });
}

// The checks every browser test ends with, over the contexts' logs.
function cleanRun(logs) {
  const all = (key) => logs.flatMap((l) => l[key]);
  check("no request left 127.0.0.1", all("external").length === 0, all("external").join(", "));
  check("no page errors or console errors (CSP violations included)", all("errors").length === 0, all("errors").join(" | "));
  const alerts = all("dialogs").filter((d) => !d.startsWith("confirm"));
  check("no alert or prompt dialog", alerts.length === 0, alerts.join("; "));
}

// Starts a server (options as Server.start) and a browser, runs `body`,
// always cleans up, and exits with the tests' verdict.
async function run(name, options, body) {
  let server;
  let browser;
  try {
    server = new Server();
    await server.start(options);
    browser = await launch();
    await body(server, browser);
  } catch (e) {
    check(name + " run", false, String(e && e.stack ? e.stack : e));
  } finally {
    if (browser) await browser.close();
    if (server) await server.stop();
  }
  process.exit(summary());
}

module.exports = { Server, until, check, step, summary, launch, context, when, cleanRun, run, artifacts, source, path, fs };
