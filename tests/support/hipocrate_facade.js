// The "Hipocrate" HIS facade of the original (original-backend.md §5.1), for
// tests: its non-standard FHIR-like requests answered from scripted data.
//
//   node hipocrate_facade.js PORT   (env FHIR_BASIC=user:pass)
//
//   GET /fhir/Metadata                          200, no auth asked
//   GET /fhir/Patient?q=<cnp or "Last First">   a Bundle of the patients with
//       that CNP, or the one Patient with that name; else an
//       OperationOutcome (information)
//   GET /fhir/ServiceRequest?patient=<id>&dt=<YYYY-MM-DD HH:MM:SS>
//       [&type=<fhir type>][&region=<region>]   a Bundle of the requests of
//       that patient on that day (type and region must match when given)
//   GET /fhir/DiagnosticReport/<request id>     the report, or 404
// Control (no auth):
//   POST /__data {"patients": [{cnp, name, id, birthDate}],
//                 "requests": [{id, patient, day, type, region, info}],
//                 "reports": {"<request id>": {forms: [...], radiologist}}}
//   GET  /__requests recorded [{method, url, authorization}]
"use strict";
const http = require("http");

const port = Number(process.argv[2] || 0);
const auth = process.env.FHIR_BASIC ? "Basic " + Buffer.from(process.env.FHIR_BASIC).toString("base64") : null;
const log = [];
let data = { patients: [], requests: [], reports: {} };

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/fhir+json" });
  res.end(JSON.stringify(body));
}

const notFound = { resourceType: "OperationOutcome", issue: [{ severity: "information", code: "not-found", diagnostics: "no match" }] };

function patient(p) {
  return { resourceType: "Patient", id: p.id, birthDate: p.birthDate };
}

function route(req, res, u) {
  if (u.pathname === "/fhir/Metadata") return send(res, 200, { resourceType: "CapabilityStatement" });
  if (auth && req.headers.authorization !== auth) return send(res, 401, { resourceType: "OperationOutcome", issue: [{ severity: "error", code: "login" }] });
  const q = u.searchParams;
  if (u.pathname === "/fhir/Patient") {
    const byCnp = data.patients.filter((p) => p.cnp === q.get("q"));
    if (byCnp.length) return send(res, 200, { resourceType: "Bundle", entry: byCnp.map((p) => ({ resource: patient(p) })) });
    const byName = data.patients.filter((p) => p.name === q.get("q"));
    if (byName.length === 1) return send(res, 200, patient(byName[0]));
    return send(res, 200, notFound);
  }
  if (u.pathname === "/fhir/ServiceRequest") {
    const day = (q.get("dt") || "").slice(0, 10);
    const found = data.requests.filter((r) => r.patient === q.get("patient") && r.day === day &&
      (!q.has("type") || r.type === q.get("type")) && (!q.has("region") || r.region === q.get("region")));
    return send(res, 200, { resourceType: "Bundle", entry: found.map((r) => ({
      resource: { resourceType: "ServiceRequest", id: r.id, supportingInfo: r.info ? [{ display: r.info }] : [] },
    })) });
  }
  const m = u.pathname.match(/^\/fhir\/DiagnosticReport\/(.+)$/);
  if (m && data.reports[m[1]]) {
    const r = data.reports[m[1]];
    return send(res, 200, { resourceType: "DiagnosticReport", id: m[1], presentedForm: r.forms,
      resultsInterpreter: r.radiologist ? [{ display: r.radiologist }] : [] });
  }
  return send(res, 404, notFound);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (d) => chunks.push(d));
  req.on("end", () => {
    const u = new URL(req.url, "http://127.0.0.1");
    if (u.pathname === "/__requests") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(log));
    }
    if (u.pathname === "/__data") {
      data = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200);
      return res.end("{}");
    }
    log.push({ method: req.method, url: req.url, authorization: req.headers.authorization || null });
    route(req, res, u);
  });
});
server.listen(port, "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
