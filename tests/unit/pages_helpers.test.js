// The web pages' pure helpers (static/common.js, static/charts.js) under
// Node, without a browser (CTest label `unit`): initials as API.md §1 defines
// them, paediatric ages, durations, timestamps shown without Date parsing,
// and the monthly-trend normalisation of both answer shapes in local time.
"use strict";

const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const source = process.env.XRV_SOURCE_DIR || path.join(__dirname, "../..");
const sandbox = { window: {}, console };
vm.createContext(sandbox);
for (const file of ["common.js", "charts.js"]) {
  vm.runInContext(fs.readFileSync(path.join(source, "static", file), "utf8"), sandbox, { filename: file });
}
const X = sandbox.window.XRV;
const S = sandbox.window.XRVStats;

let failed = 0;
function test(name, fn) {
  try {
    fn();
    console.log("ok   " + name);
  } catch (e) {
    failed += 1;
    console.log("FAIL " + name + ": " + e.message);
  }
}

test("initials of DICOM names and doctors (API.md §1)", () => {
  assert.strictEqual(X.initials("POPESCU^ION-MIHAI"), "P.I.M.");
  assert.strictEqual(X.initials("Dr. Ion Popescu"), "Dr. I.P.");
  assert.strictEqual(X.initials(""), "");
  assert.strictEqual(X.initials(null), "");
});

test("person names drop the DICOM separators", () => {
  assert.strictEqual(X.personName("POPESCU^ION^^"), "POPESCU ION");
  assert.strictEqual(X.personName(null), "Unknown patient");
});

test("ages: days and months for infants, years, unknown", () => {
  assert.strictEqual(X.formatAge(0, "2026-03-01", "20260311"), "10 days");
  assert.strictEqual(X.formatAge(0, "2026-01-01", "20260401"), "2 months");
  assert.strictEqual(X.formatAge(1, "2025-01-01", "20260201"), "13 months");
  assert.strictEqual(X.formatAge(7, "2019-01-01", "20260201"), "7 years");
  assert.strictEqual(X.formatAge(7, null, "20260201"), "7 years");
  assert.strictEqual(X.formatAge(-1, null, null), "age unknown");
});

test("durations", () => {
  assert.strictEqual(X.formatDuration(4.25), "4.3 s");
  assert.strictEqual(X.formatDuration(5400), "90 min");
  assert.strictEqual(X.formatDuration(3 * 3600), "3.0 h");
  assert.strictEqual(X.formatDuration(-1), "–");
  assert.strictEqual(X.formatDuration(null), "–");
});

test("timestamps are cut, never parsed", () => {
  assert.strictEqual(X.formatTimestamp("2026-11-24 20:45:07"), "2026-11-24 20:45");
  assert.strictEqual(X.formatTimestamp("garbage"), "garbage");
  assert.strictEqual(X.formatTimestamp(null), "");
});

test("monthly trends: the spec's shape and the original's", () => {
  assert.deepStrictEqual(JSON.parse(JSON.stringify(S.monthly({ "2026-10": { a: 2, b: 1 } }, "radiologist"))),
    { "2026-10": { a: 2, b: 1 } });
  assert.deepStrictEqual(JSON.parse(JSON.stringify(S.monthly({ trends: { "2026-10": [{ diagnostic: "x", count: 3 }] } }, "diagnostic"))),
    { "2026-10": { x: 3 } });
  assert.deepStrictEqual(JSON.parse(JSON.stringify(S.monthly(null, "x"))), {});
});

test("the last 12 months end with the current local month", () => {
  const months = S.lastMonths(12);
  const now = new Date();
  assert.strictEqual(months.length, 12);
  assert.strictEqual(months[11], now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0"));
  assert.strictEqual(new Set(months).size, 12);
  const days = S.lastDays(30);
  assert.strictEqual(days.length, 30);
  assert.strictEqual(new Set(days).size, 30);
});

test("a monthly chart drops names without counts and zero-fills months", () => {
  const cfg = S.monthlyConfig({ [S.lastMonths(12)[11]]: { a: 4, b: 0 } }, "Reports");
  assert.strictEqual(cfg.data.datasets.length, 1);
  assert.strictEqual(cfg.data.datasets[0].label, "a");
  assert.deepStrictEqual(Array.from(cfg.data.datasets[0].data), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
});

test("top lists are sorted by count", () => {
  assert.strictEqual(S.topList({ a: 1, b: 5, c: 3 }, 2), "b (5), c (3)");
  assert.strictEqual(S.topList(null, 2), "");
});

console.log(failed ? failed + " failed" : "all passed");
process.exit(failed ? 1 : 0);
