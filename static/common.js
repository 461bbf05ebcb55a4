// Shared helpers of every page (window.XRV): JSON requests with readable
// errors, a DOM builder that only ever writes text, toasts announced to screen
// readers, and formatters. Nothing here parses server data as HTML.
"use strict";

window.XRV = (function () {
  // ---- DOM -----------------------------------------------------------------

  // el("p", {class: "x", text: "hello", attrs: {id: "y"}, on: {click: fn}}, child, "text")
  // Children may be nodes, strings (inserted as text), null/false (skipped) or arrays.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    const p = props || {};
    if (p.class) node.className = p.class;
    if (p.text !== undefined && p.text !== null) node.textContent = String(p.text);
    if (p.hidden) node.hidden = true;
    if (p.attrs) {
      for (const [k, v] of Object.entries(p.attrs)) {
        if (v === false || v === null || v === undefined) continue;
        node.setAttribute(k, v === true ? "" : String(v));
      }
    }
    if (p.dataset) for (const [k, v] of Object.entries(p.dataset)) node.dataset[k] = String(v);
    if (p.on) for (const [k, fn] of Object.entries(p.on)) node.addEventListener(k, fn);
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) append(node, c);
      else if (c instanceof Node) node.appendChild(c);
      else node.appendChild(document.createTextNode(String(c)));
    }
    return node;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // ---- HTTP ----------------------------------------------------------------

  class ApiError extends Error {
    constructor(message, status, data) {
      super(message);
      this.status = status;
      this.data = data;
    }
  }

  function messageOf(status, data, headers) {
    const said = data && typeof data === "object" ? data.message || data.error : null;
    if (status === 401) return "You are not signed in. Reload the page to log in.";
    if (status === 403) return said || "Your role does not allow this action.";
    if (status === 429) {
      const wait = headers && headers.get("Retry-After");
      return "Too many requests" + (wait ? "; try again in " + wait + " s." : "; try again shortly.");
    }
    if (said) return String(said);
    return "The server answered HTTP " + status + ".";
  }

  // Resolves to the parsed JSON body of a 2xx answer; rejects with ApiError
  // (status 0 when the server could not be reached).
  async function request(method, path, body) {
    const init = {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError("The server could not be reached.", 0, null);
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
        if (response.ok) throw new ApiError("The server's answer was not valid JSON.", response.status, null);
      }
    }
    if (!response.ok) throw new ApiError(messageOf(response.status, data, response.headers), response.status, data);
    return data;
  }

  const getJSON = (path) => request("GET", path);
  const postJSON = (path, body) => request("POST", path, body === undefined ? {} : body);

  // ---- Toasts --------------------------------------------------------------

  let toastBox = null;
  let alertBox = null;
  function toastRegions() {
    if (!toastBox) {
      const wrap = el("div", { class: "toasts" });
      toastBox = el("div", { attrs: { role: "status", "aria-live": "polite" } });
      alertBox = el("div", { attrs: { role: "alert", "aria-live": "assertive" } });
      wrap.append(alertBox, toastBox);
      document.body.appendChild(wrap);
    }
  }

  // kind: "info" | "success" | "error" | "warning". Toasts stack (at most 5)
  // and each disappears on its own or when dismissed.
  function toast(message, kind = "info") {
    toastRegions();
    const box = kind === "error" ? alertBox : toastBox;
    const icon = { success: "✓", error: "✕", warning: "⚠", info: "ℹ" }[kind] || "ℹ";
    const item = el("div", { class: "toast toast-" + kind },
      el("span", { class: "toast-icon", text: icon, attrs: { "aria-hidden": "true" } }),
      el("span", { class: "toast-text", text: message }));
    const close = el("button", {
      class: "toast-close",
      text: "×",
      attrs: { type: "button", "aria-label": "Dismiss" },
      on: { click: () => item.remove() },
    });
    item.appendChild(close);
    box.appendChild(item);
    while (toastBox.childElementCount + alertBox.childElementCount > 5) {
      (toastBox.firstElementChild || alertBox.firstElementChild).remove();
    }
    setTimeout(() => item.remove(), kind === "error" ? 10000 : 6000);
    return item;
  }

  // ---- Formatting ------------------------------------------------------------

  // "POPESCU^ION-MIHAI" → "P.I.M."; "Dr. Ion Popescu" → "Dr. I.P." (API.md §1).
  function initials(name) {
    if (!name) return "";
    let s = String(name).trim();
    let prefix = "";
    if (/^dr\.?\s/i.test(s)) {
      prefix = "Dr. ";
      s = s.replace(/^dr\.?\s+/i, "");
    }
    const parts = s.split(/[\^\s\-]+/).filter(Boolean);
    return prefix + parts.map((p) => p[0].toUpperCase() + ".").join("");
  }

  // DICOM person name "FAMILY^GIVEN^MIDDLE" → "FAMILY Given Middle"-ish display.
  function personName(name) {
    if (!name) return "Unknown patient";
    return String(name).split("^").filter(Boolean).join(" ");
  }

  // Ages in the paediatric sense: days/months for infants, "unknown" for -1.
  function formatAge(age, birthdate, examDate) {
    if (birthdate && examDate && /^\d{8}$/.test(examDate)) {
      const b = new Date(birthdate + "T00:00:00");
      const e = new Date(examDate.slice(0, 4) + "-" + examDate.slice(4, 6) + "-" + examDate.slice(6, 8) + "T00:00:00");
      const days = Math.round((e - b) / 86400000);
      if (Number.isFinite(days) && days >= 0) {
        if (days < 31) return days + (days === 1 ? " day" : " days");
        const months = Math.floor(days / 30.44);
        if (months < 24) return months + (months === 1 ? " month" : " months");
      }
    }
    if (typeof age !== "number" || age < 0) return "age unknown";
    return age + (age === 1 ? " year" : " years");
  }

  const SEX = { M: "male", F: "female", O: "sex unknown" };
  function formatSex(sex) {
    return SEX[sex] || "sex unknown";
  }

  // "YYYY-MM-DD HH:MM:SS" is shown as-is (server local time); never parsed by Date.
  function formatTimestamp(ts) {
    if (!ts) return "";
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})/.exec(String(ts));
    return m ? m[1] + " " + m[2] : String(ts);
  }

  // A number or a dash; `digits` decimals.
  function num(value, digits = 0) {
    if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) return "–";
    return Number(value).toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function pct(value, digits = 1) {
    if (value === null || value === undefined || value === "-" || Number.isNaN(Number(value))) return "–";
    return num(value, digits) + " %";
  }

  // Seconds as "42 s", "12 min", "3.5 h" or "2.1 days".
  function formatDuration(seconds) {
    const s = Number(seconds);
    if (seconds === null || seconds === undefined || !Number.isFinite(s) || s < 0) return "–";
    if (s < 120) return num(s, s < 10 ? 1 : 0) + " s";
    if (s < 7200) return num(s / 60, 0) + " min";
    if (s < 172800) return num(s / 3600, 1) + " h";
    return num(s / 86400, 1) + " days";
  }

  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  // The first present key of several (tolerates the original's key names).
  function pick(obj, ...keys) {
    if (!isObject(obj)) return undefined;
    for (const k of keys) if (obj[k] !== undefined) return obj[k];
    return undefined;
  }

  return {
    el,
    append,
    byId,
    onReady,
    ApiError,
    request,
    getJSON,
    postJSON,
    toast,
    initials,
    personName,
    formatAge,
    formatSex,
    formatTimestamp,
    num,
    pct,
    formatDuration,
    isObject,
    pick,
  };
})();
