// A local stand-in for an ntfy server (none is packaged for Debian; see
// reference/peers.md §5). It answers publishes like ntfy and records them.
//
//   node ntfy_sink.js PORT
//
// GET /__requests     every publish so far: method, path, headers (names in
//                     lower case), body (UTF-8), title (Title or X-Title with
//                     RFC 2047 encoded words decoded, as ntfy does), status
// DELETE /__requests  forgets them
// PUT /__fail?status=503&count=2
//                     the next `count` publishes (all when absent) answer
//                     `status`; DELETE /__fail ends that
// env FAIL=<status>   every publish answers <status>
// env FAIL_FIRST=<n>  only the first n publishes fail (with FAIL, else 503)

'use strict';
const http = require('http');
const url = require('url');

const port = +(process.argv[2] || 28100);
const log = [];
let failStatus = process.env.FAIL ? +process.env.FAIL : 0;
let failLeft = Infinity;
if (process.env.FAIL_FIRST) {
  failStatus = failStatus || 503;
  failLeft = +process.env.FAIL_FIRST;
}

// RFC 2047 `B` words; whitespace between adjacent words is dropped (§6.2).
function decodeWords(value) {
  if (value === undefined) return undefined;
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi,
             (_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (d) => chunks.push(d));
  req.on('end', () => {
    const { pathname, query } = url.parse(req.url, true);
    if (pathname === '/__requests') {
      if (req.method === 'DELETE') log.length = 0;
      return json(res, 200, log);
    }
    if (pathname === '/__fail') {
      if (req.method === 'DELETE') {
        failStatus = 0;
      } else {
        failStatus = +(query.status || 503);
        failLeft = query.count === undefined ? Infinity : +query.count;
      }
      return json(res, 200, { status: failStatus, count: String(failLeft) });
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const failing = failStatus !== 0 && failLeft > 0;
    const status = failing ? failStatus : 200;
    if (failing) failLeft -= 1;
    log.push({
      method: req.method,
      path: req.url,
      headers: req.headers,
      title: decodeWords(req.headers.title || req.headers['x-title']),
      body,
      status,
    });
    if (failing) {
      return json(res, status, {
        code: status * 100 + 1, http: status, error: 'failing on purpose',
      });
    }
    const now = Math.floor(Date.now() / 1000);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      id: Math.random().toString(36).slice(2, 14), time: now,
      expires: now + 43200, event: 'message',
      topic: pathname.slice(1), message: body,
    }) + '\n');
  });
});
server.listen(port, '127.0.0.1', 511);
