// About page: shows the non-secret configuration from GET /api/config.
// Values are written with textContent only; nothing from the server is parsed as HTML.
"use strict";

(function () {
  // Display order and labels of the keys /api/config returns (API.md §4).
  const LABELS = [
    ["OPENAI_URL_PRIMARY", "Primary AI endpoint"],
    ["OPENAI_URL_SECONDARY", "Secondary AI endpoint"],
    ["NTFY_URL", "Notification URL (ntfy)"],
    ["AE_TITLE", "Local AE title"],
    ["AE_PORT", "Local AE port"],
    ["REMOTE_AE_TITLE", "Remote AE title (PACS)"],
    ["REMOTE_AE_IP", "Remote AE address"],
    ["REMOTE_AE_PORT", "Remote AE port"],
  ];

  function show(value) {
    if (value === null || value === undefined || value === "") return "Not configured";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function addRow(list, label, value) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = show(value);
    if (value === null || value === undefined || value === "") dd.className = "muted";
    list.append(dt, dd);
  }

  function render(list, config) {
    const known = new Set();
    for (const [key, label] of LABELS) {
      known.add(key);
      addRow(list, label, config[key]);
    }
    // Keys added by a newer server are shown under their own name rather than hidden.
    for (const key of Object.keys(config).sort()) {
      if (!known.has(key)) addRow(list, key, config[key]);
    }
  }

  function describeFailure(response) {
    if (response.status === 401) return "You are not signed in. Reload the page to log in.";
    if (response.status === 429) {
      const wait = response.headers.get("Retry-After");
      return "Too many requests" + (wait ? "; try again in " + wait + " s." : "; try again shortly.");
    }
    return "The server answered HTTP " + response.status + ".";
  }

  async function load() {
    const list = document.getElementById("config");
    const status = document.getElementById("config-status");
    if (!list || !status) return;
    try {
      const response = await fetch("/api/config", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (!response.ok) throw new Error(describeFailure(response));
      let config;
      try {
        config = await response.json();
      } catch {
        throw new Error("The server's answer was not valid JSON.");
      }
      if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new Error("The server's answer was not a configuration object.");
      }
      list.replaceChildren();
      render(list, config);
      status.hidden = true;
    } catch (err) {
      list.replaceChildren();
      status.className = "error";
      const reason = err instanceof TypeError ? "The server could not be reached." : err.message;
      status.textContent = "Could not load the configuration. " + reason;
    } finally {
      list.removeAttribute("aria-busy");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", load);
  } else {
    load();
  }
})();
