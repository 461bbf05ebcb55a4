// A TCP port free on 127.0.0.1 right now, for the Node test peers and
// harnesses that start servers of their own.
"use strict";

const net = require("net");

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

module.exports = { freePort };
