// Preload for @dwmkerr/mock-llm: express.json's default 100 kB body limit
// refuses a real vision request (reference/peers.md §4); raise it.
"use strict";
const path = require("path");
const express = require(require.resolve("express", {
  paths: [path.dirname(require.resolve("@dwmkerr/mock-llm/package.json"))],
}));
const original = express.json;
express.json = (options = {}) =>
  original({ limit: process.env.BODY_LIMIT || "64mb", ...options });
