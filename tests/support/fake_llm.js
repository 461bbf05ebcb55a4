// A recording OpenAI-compatible fake for tests and benchmarks: it speaks the
// real chat-completions protocol over HTTP, records what it receives, and
// answers as scripted, including faults an LLM server really shows.
//
//   node fake_llm.js PORT
//
// Control (JSON bodies):
//   POST /__default  {"content": "...", "delay_ms": 0, "status": 200}
//                    the answer to every request without a script entry
//   POST /__script   [{"content"|"body"|"status"|"delay_ms"|"hang"|
//                      "slow_ms"|"reset"}...] answers for the next requests
//   POST /__models   {"status": 200}  what GET /v1/models answers
//   GET  /__requests recorded requests [{method, path, headers, body, at}]
//   GET  /__times    when each request arrived (ms since the epoch)
//   GET  /__spans    [first byte, answer sent] of each chat request (ms since
//                    the epoch, sub-millisecond), to tell the fake's own time
//                    (reading and parsing the body, the delay) from the
//                    client's
//   DELETE /__requests clears them
"use strict";
const http = require("http");

const port = Number(process.argv[2] || 0);
const log = [];
let script = [];
let fallback = {
  content: JSON.stringify({ short: "no", report: "No acute findings.", confidence: 90, severity: 0, summary: "normal" }),
  delay_ms: 0,
  status: 200,
};
let modelsStatus = 200;

function completion(model, content) {
  return JSON.stringify({
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: model || "fake-model",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

function readJson(req, cb) {
  const chunks = [];
  req.on("data", (d) => chunks.push(d));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch (e) {
      parsed = undefined;
    }
    cb(text, parsed);
  });
}

function answer(req, res, parsed) {
  const step = script.length ? script.shift() : fallback;
  const respond = () => {
    if (step.reset) return req.socket.destroy();
    if (step.hang) return; // never answers; the client must time out
    const status = step.status || 200;
    let body = step.body;
    if (body === undefined) {
      body = status === 200
        ? completion(parsed && parsed.model, step.content !== undefined ? step.content : fallback.content)
        : JSON.stringify({ error: { message: "fake error " + status, type: "server_error", code: status } });
    }
    res.writeHead(status, { "content-type": "application/json" });
    if (step.slow_ms) {
      // Half the body now, the rest later: a slow, chunked answer.
      const half = Math.floor(body.length / 2);
      res.write(body.slice(0, half));
      return setTimeout(() => res.end(body.slice(half)), step.slow_ms);
    }
    res.end(body);
  };
  const delay = step.delay_ms !== undefined ? step.delay_ms : fallback.delay_ms;
  if (delay > 0) setTimeout(respond, delay);
  else respond();
}

const nowMs = () => performance.timeOrigin + performance.now();

const server = http.createServer((req, res) => {
  const start = nowMs();
  const path = req.url.split("?")[0];
  if (path === "/__times") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(log.map((r) => r.at)));
  }
  if (path === "/__spans") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(log.map((r) => [r.start, r.end])));
  }
  if (path === "/__requests") {
    if (req.method === "DELETE") log.length = 0;
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(log));
  }
  readJson(req, (text, parsed) => {
    const ok = () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    };
    if (path === "/__default") {
      fallback = Object.assign({ delay_ms: 0, status: 200 }, parsed || {});
      if (fallback.content === undefined) fallback.content = "";
      return ok();
    }
    if (path === "/__script") {
      script = script.concat(parsed || []);
      return ok();
    }
    if (path === "/__models") {
      modelsStatus = (parsed && parsed.status) || 200;
      return ok();
    }
    if (req.method === "GET" && path.endsWith("/models")) {
      res.writeHead(modelsStatus, { "content-type": "application/json" });
      return res.end(JSON.stringify({ object: "list", data: [{ id: "fake-model", object: "model" }] }));
    }
    if (req.method === "POST" && path.endsWith("/chat/completions")) {
      const entry = { method: req.method, path: req.url, headers: req.headers, body: parsed === undefined ? text : parsed, at: Date.now(), start };
      log.push(entry);
      res.on("finish", () => (entry.end = nowMs()));
      return answer(req, res, parsed);
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "no route " + path } }));
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", 511, () => {
  process.stdout.write("listening " + server.address().port + "\n");
});
