// Browser smoke test (CTest label `browser`): Debian's Chromium driven by
// playwright-core against the real server. Logs in with Basic, opens every
// page, checks the session cookie, the CSP-compatible About page script, that
// no request leaves 127.0.0.1 and that no console error occurs; saves a
// screenshot of each page under XRV_ARTIFACTS.
"use strict";

const { chromium } = require("playwright-core");
const { spawn } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");

const binary = process.env.XRV_BINARY;
const source = process.env.XRV_SOURCE_DIR;
const artifacts = process.env.XRV_ARTIFACTS || path.join(os.tmpdir(), "xrv-artifacts");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitHealthy(url, deadlineMs) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(url + "/healthz");
      if (r.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok, detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : ": " + detail}`);
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xrv-browser-"));
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, "xrayvision.cfg"),
    [
      "[general]",
      `STATIC_DIR = ${source}/static`,
      `IMAGES_DIR = ${dir}/images`,
      `LOG_FILE = ${dir}/xrv.log`,
      "[dashboard]",
      "DASHBOARD_BIND = 127.0.0.1",
      `DASHBOARD_PORT = ${port}`,
      "[dicom]",
      `AE_PORT = ${await freePort()}`,
      "[openai]",
      "OPENAI_URL_PRIMARY =",
      "OPENAI_URL_SECONDARY =",
      "[processing]",
      "NO_QUERY = true",
      "[users]",
      "doctor = doc-pass,admin",
      "",
    ].join("\n")
  );
  const server = spawn(binary, [], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let serverOutput = "";
  server.stdout.on("data", (d) => (serverOutput += d));
  server.stderr.on("data", (d) => (serverOutput += d));
  const base = `http://127.0.0.1:${port}`;
  let browser;
  try {
    if (!(await waitHealthy(base, 15000))) throw new Error("server did not start:\n" + serverOutput);
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "xrv-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1024, height: 768 },
      httpCredentials: { username: "doctor", password: "doc-pass" },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = browser.pages()[0] || (await browser.newPage());
    const external = [];
    const consoleErrors = [];
    page.on("request", (r) => {
      if (!/^(http|ws):\/\/127\.0\.0\.1[:/]/.test(r.url()) && !r.url().startsWith("data:"))
        external.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));

    const pages = [
      ["/", "dashboard"],
      ["/stats", "stats"],
      ["/stats/radiologists", "radiologists"],
      ["/stats/diagnostics", "diagnostics"],
      ["/stats/insights", "insights"],
      ["/check", "check"],
      ["/about", "about"],
    ];
    for (const [url, name] of pages) {
      const resp = await page.goto(base + url, { waitUntil: "load" });
      check(`${url} loads`, resp && resp.status() === 200, resp && String(resp.status()));
      const title = await page.title();
      check(`${url} has a title`, title.startsWith("XRayVision"), title);
      const css = await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--pico-font-family").length > 0
      );
      check(`${url} has Pico CSS from the server`, css);
      if (name === "about") {
        await page.waitForSelector("#config dt", { timeout: 5000 }).catch(() => {});
        const text = await page.textContent("#config");
        check("about page shows the configuration via /api/config", /XRAYVISION|4010/.test(text || ""), text);
      }
      await page.screenshot({ path: path.join(artifacts, `page-${name}.png`), fullPage: true });
    }
    const cookies = await browser.cookies(base);
    const session = cookies.find((c) => c.name === "xrv_session");
    check("session cookie is set, HttpOnly and SameSite=Strict",
      !!session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(session));
    check("no request left 127.0.0.1", external.length === 0, external.join(", "));
    check("no console errors (CSP violations included)", consoleErrors.length === 0, consoleErrors.join(" | "));
  } catch (e) {
    check("browser run", false, String(e && e.stack ? e.stack : e));
  } finally {
    if (browser) await browser.close();
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
