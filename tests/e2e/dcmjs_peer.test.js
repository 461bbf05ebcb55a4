// A non-DCMTK DICOM peer (CTest label `e2e`): npm dcmjs-dimse 0.3.3 (its own
// DIMSE stack, on dcmjs) against the real server. Sends a C-ECHO, then a
// C-STORE of a real CR nobody here wrote (pydicom's test file, Debian package
// python3-pydicom) under a new SOP Instance UID set with dcmjs, and expects
// Success, a queued exam in /api/exams/<uid> and a PNG at /images/<uid>.png;
// an association to a wrong called AE title must be rejected, and its image
// not stored; malformed datasets are refused with a failure status.
"use strict";

const { spawn } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

const { freePort } = require("../support/free_port");

const dimse = require("dcmjs-dimse");
const dcmjs = require("dcmjs");

dimse.log.setLevel("error");
dcmjs.log.setLevel("error"); // else "Unknown name in dataset" per private tag

const { Client, Dataset } = dimse;
const { CEchoRequest, CStoreRequest } = dimse.requests;
const { Status, RejectResult, RejectSource, RejectReason } = dimse.constants;

const binary = process.env.XRV_BINARY;
const source = process.env.XRV_SOURCE_DIR;
const realCr = "/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/77654033/CR1/6154";
const calledAe = "XRAYVISION";
const callingAe = "DCMJS";
const auth = "Basic " + Buffer.from("admin:adm").toString("base64");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Polls `probe` every 100 ms until it returns a truthy value or `ms` pass.
async function waitFor(probe, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v) return v;
    } catch {
      // not ready yet
    }
    await sleep(100);
  }
  return null;
}

/// A new UID under the UUID-derived root 2.25 (PS3.5 B.2).
function newUid() {
  return "2.25." + BigInt("0x" + crypto.randomBytes(16).toString("hex")).toString();
}

/// Runs `requests` over one association; resolves with what happened:
/// { accepted, rejected: {result, source, reason} | null, error, responses }.
function associate(port, called, requests, timeoutMs = 20000) {
  return new Promise((resolve) => {
    const outcome = { accepted: false, rejected: null, error: null, responses: [] };
    const client = new Client();
    const timer = setTimeout(() => {
      outcome.error = outcome.error || new Error(`no outcome after ${timeoutMs} ms`);
      try {
        client.abort();
      } catch {
        // already closed
      }
      resolve(outcome);
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      resolve(outcome);
    };
    for (const r of requests) {
      r.on("response", (response) => outcome.responses.push(response));
      client.addRequest(r);
    }
    client.on("associationAccepted", () => (outcome.accepted = true));
    client.on("associationRejected", (reject) => (outcome.rejected = reject));
    client.on("networkError", (e) => {
      outcome.error = e;
      finish();
    });
    client.on("closed", finish);
    client.send("127.0.0.1", port, callingAe, called, {
      connectTimeout: 5000,
      associationTimeout: 10000,
      pduTimeout: 10000,
    });
  });
}

/// The real CR with a new SOP Instance UID, as a dcmjs Dataset.
function crWithNewUid() {
  const ds = Dataset.fromFile(realCr);
  const uid = newUid();
  ds.setElement("SOPInstanceUID", uid);
  return { ds, uid };
}

async function httpGet(base, p) {
  const r = await fetch(base + p, { headers: { Authorization: auth } });
  return { status: r.status, type: r.headers.get("content-type"), body: Buffer.from(await r.arrayBuffer()) };
}

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || detail === undefined ? "" : ": " + detail}`);
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/// What an association did, for failure messages; statuses in hex.
function describe(outcome) {
  return JSON.stringify({
    accepted: outcome.accepted,
    rejected: outcome.rejected,
    error: outcome.error ? String(outcome.error) : null,
    statuses: outcome.responses.map((r) => "0x" + r.getStatus().toString(16).padStart(4, "0")),
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xrv-dcmjs-"));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  fs.writeFileSync(
    path.join(dir, "xrayvision.cfg"),
    [
      "[general]",
      `STATIC_DIR = ${source}/static`,
      `IMAGES_DIR = ${dir}/images`,
      `LOG_FILE = ${dir}/xrv.log`,
      "[dashboard]",
      "DASHBOARD_BIND = 127.0.0.1",
      `DASHBOARD_PORT = ${httpPort}`,
      "[dicom]",
      `AE_PORT = ${dicomPort}`,
      "MIN_FREE_MB = 1",
      "[users]",
      "admin = adm,admin",
      "[limits]",
      "API_PER_MINUTE = 0",
      "[processing]",
      "NO_QUERY = true",
      "KEEP_DICOM = true",
      "",
    ].join("\n")
  );
  const server = spawn(binary, [], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let serverOutput = "";
  server.stdout.on("data", (d) => (serverOutput += d));
  server.stderr.on("data", (d) => (serverOutput += d));
  let exited = false;
  server.on("exit", () => (exited = true));
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    if (!fs.existsSync(realCr)) throw new Error(`${realCr} missing: install python3-pydicom (scripts/setup)`);
    const up = await waitFor(async () => (await fetch(base + "/healthz")).status === 200, 20000);
    if (!up) throw new Error("server did not start:\n" + serverOutput);

    // C-ECHO. The DICOM listener may start a moment after HTTP: retry briefly.
    let echo;
    await waitFor(async () => {
      echo = await associate(dicomPort, calledAe, [new CEchoRequest()], 5000);
      return echo.accepted;
    }, 10000);
    check(
      "C-ECHO is answered with Success",
      echo.accepted && echo.responses.length === 1 && echo.responses[0].getStatus() === Status.Success,
      describe(echo)
    );

    // C-STORE of the real CR under a new UID.
    const { ds, uid } = crWithNewUid();
    const store = await associate(dicomPort, calledAe, [new CStoreRequest(ds)]);
    const stored = store.responses[0];
    check(
      "C-STORE is answered with Success",
      store.accepted && store.responses.length === 1 && stored.getStatus() === Status.Success,
      describe(store)
    );
    check(
      "the C-STORE response names the SOP Instance UID",
      !!stored && stored.getAffectedSopInstanceUid() === uid,
      stored ? stored.getAffectedSopInstanceUid() : "no response"
    );

    let exam = null;
    await waitFor(async () => {
      const r = await httpGet(base, `/api/exams/${uid}`);
      if (r.status !== 200) return false;
      exam = JSON.parse(r.body.toString("utf8"));
      return exam.exam && exam.exam.status === "queued";
    }, 20000);
    check("the exam is stored and queued", !!exam && exam.exam.status === "queued", JSON.stringify(exam));
    check(
      "the exam is a CR of the sent patient",
      !!exam && exam.exam.type === "CR" && JSON.stringify(exam).includes("77654033"),
      JSON.stringify(exam)
    );
    const png = await httpGet(base, `/images/${uid}.png`);
    check(
      "/images/<uid>.png serves a PNG",
      png.status === 200 && png.body.subarray(0, 8).equals(pngSignature),
      `HTTP ${png.status}, ${png.type}, ${png.body.length} bytes`
    );
    check("the DICOM file is kept as <uid>.dcm", fs.existsSync(path.join(dir, "images", uid + ".dcm")));

    // A wrong called AE title: the association is rejected, nothing stored.
    const other = crWithNewUid();
    const wrong = await associate(dicomPort, "SOMEONE_ELSE", [new CStoreRequest(other.ds)]);
    const reject = wrong.rejected;
    check(
      "a wrong called AE title is rejected (permanent, service user, called AE not recognized)",
      !wrong.accepted &&
        !!reject &&
        reject.result === RejectResult.Permanent &&
        reject.source === RejectSource.ServiceUser &&
        reject.reason === RejectReason.CalledAeNotRecognized &&
        wrong.responses.length === 0,
      describe(wrong)
    );
    const notStored = await httpGet(base, `/api/exams/${other.uid}`);
    check(
      "the rejected image is not stored",
      notStored.status === 404 && !fs.existsSync(path.join(dir, "images", other.uid + ".dcm")),
      `HTTP ${notStored.status}`
    );

    // Malformed datasets that only a non-DCMTK peer can send (storescu
    // checks its files first): cut inside the pixel data, and bytes that are
    // no dataset at all. Each is refused with a failure status (0xC000,
    // cannot understand), nothing is stored, and the association goes on.
    for (const [what, mangle] of [
      ["a dataset cut inside its pixel data", (b) => b.subarray(0, Math.floor(b.length * 0.6))],
      ["bytes that are no dataset", (b) => crypto.randomBytes(Math.min(b.length, 4096))],
    ]) {
      const bad = crWithNewUid();
      const encode = bad.ds.getDenaturalizedDataset.bind(bad.ds);
      bad.ds.getDenaturalizedDataset = (...args) => mangle(encode(...args));
      const good = crWithNewUid();
      const sent = await associate(dicomPort, calledAe, [new CStoreRequest(bad.ds), new CStoreRequest(good.ds)]);
      const statuses = sent.responses.map((r) => r.getStatus());
      check(
        `${what} is refused with a failure status, and the next image on the association is stored`,
        sent.accepted && statuses.length === 2 && (statuses[0] & 0xf000) === 0xc000 && statuses[1] === Status.Success,
        describe(sent)
      );
      const refused = await httpGet(base, `/api/exams/${bad.uid}`);
      check(
        `${what} leaves no exam and no file`,
        refused.status === 404 && !fs.existsSync(path.join(dir, "images", bad.uid + ".dcm")),
        `HTTP ${refused.status}`
      );
    }

    const health = await fetch(base + "/healthz");
    check("the server is still healthy", health.status === 200 && !exited, `HTTP ${health.status}`);
  } catch (e) {
    check("dcmjs peer run", false, String(e && e.stack ? e.stack : e));
  } finally {
    if (!exited) {
      server.kill("SIGTERM");
      await Promise.race([new Promise((r) => server.once("exit", r)), sleep(10000)]);
      if (!exited) server.kill("SIGKILL");
    }
    if (results.some((r) => !r.ok)) {
      const log = path.join(dir, "xrv.log");
      const text = serverOutput + (fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "");
      console.log("--- server output and log (tail) ---");
      console.log(text.split("\n").slice(-40).join("\n"));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
