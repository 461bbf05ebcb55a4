// The dashboard's live side (window.XRVLive): the /ws connection with
// reconnection back-off, the status cards and system panel fed by every frame
// (API.md §6), the document title, and the chime for new AI positives.
"use strict";

window.XRVLive = (function () {
  const { byId, el, num } = window.XRV;

  // ---- Chime -------------------------------------------------------------------

  // A short two-tone chime synthesised with WebAudio (no file, no request).
  // Browsers keep audio suspended until the user interacts with the page; the
  // first click or key press unlocks it.
  const MUTE_KEY = "xrv.chime.muted";
  let audio = null;

  function audioContext() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      audio = new Ctx();
    }
    return audio;
  }

  function unlockAudio() {
    const ctx = audioContext();
    if (ctx && ctx.state === "suspended") ctx.resume().catch(() => {});
  }

  function isMuted() {
    try {
      return localStorage.getItem(MUTE_KEY) === "1";
    } catch {
      return false;
    }
  }

  function setMuted(muted) {
    try {
      localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
    } catch {
      // storage disabled: the choice lasts for this page only
    }
    showMute(muted);
  }

  function showMute(muted) {
    const btn = byId("mute");
    if (!btn) return;
    btn.setAttribute("aria-pressed", muted ? "true" : "false");
    btn.querySelector(".mute-label").textContent = muted ? "Chime off" : "Chime on";
    btn.querySelector(".mute-icon").textContent = muted ? "∅" : "♪";
  }

  // Returns "muted", "blocked" (audio not allowed yet) or "played".
  function chime() {
    const btn = byId("mute");
    if (btn) btn.dataset.chimes = String(Number(btn.dataset.chimes || 0) + 1);
    if (isMuted()) return "muted";
    const ctx = audioContext();
    if (!ctx || ctx.state !== "running") return "blocked";
    const t = ctx.currentTime;
    for (const [freq, start] of [[880, 0], [1318.5, 0.18]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + start);
      gain.gain.exponentialRampToValueAtTime(0.3, t + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + start + 0.9);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t + start);
      osc.stop(t + start + 1);
    }
    return "played";
  }

  // ---- Status panel ----------------------------------------------------------

  function setText(id, text) {
    const node = byId(id);
    if (node) node.textContent = text;
  }

  function processingText(p) {
    if (Array.isArray(p)) return p.length ? p.join(", ") : "Idle";
    return p ? String(p) : "Idle";
  }

  function seconds(v) {
    return typeof v === "number" && Number.isFinite(v) ? num(v, v < 10 ? 1 : 0) + " s" : "–";
  }

  let nextQuery = null;

  function renderHealth(openai) {
    const list = byId("ai-health");
    if (!list || !openai || typeof openai !== "object") return;
    const health = openai.health && typeof openai.health === "object" ? openai.health : {};
    const names = { pri: "Primary", sec: "Secondary" };
    list.replaceChildren();
    const keys = Object.keys(health);
    if (!keys.length) list.appendChild(el("li", { class: "muted", text: "No AI endpoint configured" }));
    for (const key of keys) {
      const up = health[key] === true;
      list.appendChild(el("li", { class: up ? "health-up" : "health-down" },
        el("span", { attrs: { "aria-hidden": "true" }, text: up ? "● " : "✕ " }),
        (names[key] || "Endpoint " + key) + ": " + (up ? "up" : "down")));
    }
    setText("ai-url", openai.url ? String(openai.url) : "none healthy");
  }

  // `fhir` is an extension key of the frame: {enabled, health}.
  function renderFhir(fhir) {
    const p = byId("fhir-health");
    if (!p || !fhir || typeof fhir !== "object") return;
    p.replaceChildren();
    if (fhir.enabled !== true) {
      p.className = "muted";
      p.textContent = "Not fetched (FHIR is off)";
      return;
    }
    const up = fhir.health === true;
    p.className = up ? "health-up" : "health-down";
    p.appendChild(el("span", { attrs: { "aria-hidden": "true" }, text: up ? "● " : "✕ " }));
    p.appendChild(document.createTextNode("FHIR server: " + (up ? "up" : "down")));
  }

  function applyFrame(frame) {
    const d = frame.dashboard;
    if (d && typeof d === "object") {
      setText("st-queue", num(d.queue_size));
      setText("st-check", num(d.check_queue_size));
      setText("st-processing", processingText(d.processing));
      setText("st-errors", num(d.error_count));
      setText("st-ignored", num(d.ignore_count));
      setText("st-success", num(d.success_count));
      document.title = "XRayVision — " + processingText(d.processing) +
        " (Q:" + (d.queue_size ?? 0) + "/C:" + (d.check_queue_size ?? 0) + ")";
    }
    renderHealth(frame.openai);
    renderFhir(frame.fhir);
    const t = frame.timings;
    if (t && typeof t === "object") {
      setText("tm-avg", seconds(t.avg_latency));
      setText("tm-min", seconds(t.min_latency));
      setText("tm-max", seconds(t.max_latency));
    }
    if (typeof frame.next_query === "string") {
      nextQuery = frame.next_query;
      tickNextQuery();
    }
  }

  // "YYYY-MM-DD HH:MM:SS" (server local time) as a countdown.
  function tickNextQuery() {
    if (nextQuery === null) return;
    if (nextQuery === "Disabled") return setText("next-query", "Disabled");
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(nextQuery);
    if (!m) return setText("next-query", nextQuery);
    const when = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    const secs = Math.round((when - Date.now()) / 1000);
    let text;
    if (secs <= 0) text = "due now";
    else if (secs < 90) text = "in " + secs + " s";
    else text = "in " + Math.round(secs / 60) + " min";
    setText("next-query", text + " (" + nextQuery.slice(11, 16) + ")");
  }

  // ---- WebSocket ---------------------------------------------------------------

  function setConnection(state, text) {
    const node = byId("conn");
    if (!node) return;
    node.dataset.state = state;
    node.querySelector(".conn-text").textContent = text;
  }

  // onEvent(name, payload) for named events; onConnect() after each (re)connect.
  function connect({ onEvent, onConnect }) {
    let socket = null;
    let attempt = 0;
    let timer = null;
    let everConnected = false;

    function schedule() {
      const delay = Math.min(30000, 1000 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() * 0.5);
      attempt += 1;
      const until = Date.now() + delay;
      const countdown = () => {
        const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
        setConnection("offline", "Live updates lost; reconnecting in " + left + " s");
      };
      countdown();
      clearInterval(timer);
      timer = setInterval(countdown, 1000);
      setTimeout(() => {
        clearInterval(timer);
        open();
      }, delay);
    }

    function open() {
      setConnection("connecting", "Connecting to live updates…");
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      try {
        socket = new WebSocket(scheme + location.host + "/ws");
      } catch {
        return schedule();
      }
      socket.addEventListener("open", () => {
        attempt = 0;
        setConnection("online", "Live");
        if (everConnected) onConnect();
        everConnected = true;
      });
      socket.addEventListener("message", (msg) => {
        let frame;
        try {
          frame = JSON.parse(msg.data);
        } catch {
          return; // not JSON: ignored
        }
        if (!frame || typeof frame !== "object") return;
        applyFrame(frame);
        const ev = frame.event;
        if (ev && typeof ev === "object" && typeof ev.name === "string") {
          try {
            onEvent(ev.name, ev.payload && typeof ev.payload === "object" ? ev.payload : {});
          } catch (err) {
            console.warn("event handler failed", err);
          }
        }
      });
      socket.addEventListener("close", () => {
        socket = null;
        schedule();
      });
      // An error is always followed by close, which reconnects.
    }

    setInterval(tickNextQuery, 1000);
    open();
  }

  function init() {
    showMute(isMuted());
    const btn = byId("mute");
    if (btn) btn.addEventListener("click", () => setMuted(!isMuted()));
    document.addEventListener("pointerdown", unlockAudio, { passive: true });
    document.addEventListener("keydown", unlockAudio);
  }

  return { init, connect, chime, isMuted };
})();
