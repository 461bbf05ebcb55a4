// Dashboard page: the exam list with every /api/exams filter kept in the URL,
// pagination, card actions with keyboard shortcuts, the lightbox, the manual
// PACS query, and live updates from /ws (static/live.js) that never move the
// list under a reader: away from the top of page 1 they show a "N new" banner.
"use strict";

(function () {
  const { el, byId, getJSON, postJSON, toast, personName } = window.XRV;
  const Cards = window.XRVCards;
  const Live = window.XRVLive;

  const FILTERS = ["search", "status", "positive", "reviewed", "correct", "region", "radiologist",
    "diagnostic", "severity", "ai_severity", "confidence", "limit"];

  const exams = new Map(); // uid → Exam shown on this page
  const shown = new Map(); // uid → JSON text the card was built from
  let pages = 0;
  let total = 0;
  let pendingNew = 0;
  let loading = null; // the running load, if any
  let reloadAgain = false;
  let lightbox = null;

  // ---- URL state -----------------------------------------------------------------

  function currentState() {
    const q = new URLSearchParams(location.search);
    const state = { page: Math.max(1, parseInt(q.get("page"), 10) || 1) };
    for (const f of FILTERS) state[f] = q.get(f) || "";
    return state;
  }

  function queryOf(state, withPage) {
    const q = new URLSearchParams();
    for (const f of FILTERS) if (state[f] && state[f] !== "any") q.set(f, state[f]);
    if (withPage && state.page > 1) q.set("page", String(state.page));
    return q.toString();
  }

  function formState() {
    const form = byId("filters");
    const state = { page: 1 };
    for (const f of FILTERS) state[f] = form.elements[f] ? form.elements[f].value.trim() : "";
    return state;
  }

  function ensureOption(select, value, label) {
    if (!value) return;
    for (const o of select.options) if (o.value === value) return;
    select.appendChild(el("option", { text: label || value, attrs: { value } }));
  }

  function showState(state) {
    const form = byId("filters");
    let active = 0;
    for (const f of FILTERS) {
      const c = form.elements[f];
      if (!c) continue;
      if (c.tagName === "SELECT") ensureOption(c, state[f]);
      c.value = state[f];
      if (state[f] && f !== "search" && f !== "limit") active += 1;
    }
    byId("filter-count").textContent = active ? "(" + active + " active)" : "";
    if (active) byId("filter-details").open = true;
  }

  function navigate(state, replace) {
    const qs = queryOf(state, true);
    const url = location.pathname + (qs ? "?" + qs : "");
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    return load();
  }

  // ---- Loading and rendering ------------------------------------------------------

  function examsSection() {
    return byId("exams");
  }

  function atTop() {
    const list = examsSection();
    return currentState().page === 1 && list.getBoundingClientRect().top > -20 &&
      !(lightbox && lightbox.current);
  }

  function setStatus(text, isError) {
    const s = byId("list-status");
    s.textContent = text;
    s.classList.toggle("error", !!isError);
  }

  // Replaces a card when its exam changed, keeping focus and open sections.
  function putCard(exam, before) {
    const uid = String(exam.uid);
    const json = JSON.stringify(exam);
    const list = examsSection();
    const old = list.querySelector('article.exam[data-uid="' + CSS.escape(uid) + '"]');
    exams.set(uid, exam);
    if (old && shown.get(uid) === json) {
      if (before !== undefined && old !== before && old.nextSibling !== before) list.insertBefore(old, before);
      return old;
    }
    shown.set(uid, json);
    const card = Cards.render(exam);
    if (old) {
      const focused = old.contains(document.activeElement) ? document.activeElement : null;
      const openDetails = [...old.querySelectorAll("details[open]")].map((d) => d.className);
      for (const d of card.querySelectorAll("details")) if (openDetails.includes(d.className)) d.open = true;
      old.replaceWith(card);
      if (before !== undefined && before !== old && card.nextSibling !== before) list.insertBefore(card, before);
      if (focused) {
        const action = focused.dataset && focused.dataset.action;
        const same = action ? card.querySelector('[data-action="' + action + '"]') : null;
        (same || card).focus({ preventScroll: true });
      }
    } else {
      list.insertBefore(card, before === undefined ? null : before);
    }
    if (lightbox) lightbox.refresh(uid);
    return card;
  }

  function render(list, state) {
    const section = examsSection();
    const keep = new Set(list.map((e) => String(e.uid)));
    for (const card of [...section.querySelectorAll("article.exam")]) {
      if (!keep.has(card.dataset.uid)) {
        exams.delete(card.dataset.uid);
        shown.delete(card.dataset.uid);
        card.remove();
      }
    }
    let cursor = section.firstElementChild;
    for (const exam of list) {
      const card = putCard(exam, cursor);
      cursor = card.nextElementSibling;
    }
    const size = list.length;
    if (!total) {
      setStatus("No exams match the current filters.");
    } else {
      const first = state.page >= pages ? total - size + 1 : (state.page - 1) * size + 1;
      setStatus("Exams " + first + "–" + (first + size - 1) + " of " + total + ", newest first.");
    }
    renderPagers(state.page);
  }

  async function load() {
    if (loading) {
      reloadAgain = true;
      return loading;
    }
    const state = currentState();
    showState(state);
    const section = examsSection();
    section.setAttribute("aria-busy", "true");
    loading = (async () => {
      let beyondLast = false;
      try {
        const data = await getJSON("/api/exams?" + queryOf(state, true));
        const list = Array.isArray(data && data.exams) ? data.exams : [];
        total = Number(data && data.total) || 0;
        pages = Number(data && data.pages) || 0;
        beyondLast = pages > 0 && state.page > pages;
        if (!beyondLast) {
          render(list, state);
          if (state.page === 1) hideBanner();
        }
      } catch (err) {
        setStatus("Could not load the exams: " + err.message, true);
      } finally {
        section.setAttribute("aria-busy", "false");
        loading = null;
      }
      if (beyondLast) {
        reloadAgain = false;
        return navigate(Object.assign(state, { page: pages }), true);
      }
      if (reloadAgain) {
        reloadAgain = false;
        await load();
      }
    })();
    return loading;
  }

  async function refreshCard(uid) {
    try {
      const exam = await getJSON("/api/exams/" + encodeURIComponent(uid));
      if (exams.has(uid) && exam && exam.uid) putCard(exam);
    } catch (err) {
      if (err.status === 404) load();
    }
  }

  // ---- Pagination -----------------------------------------------------------------

  function goPage(page) {
    const state = currentState();
    state.page = Math.min(Math.max(1, page), Math.max(1, pages));
    navigate(state).then(() => {
      const list = examsSection();
      if (list.getBoundingClientRect().top < 0) list.scrollIntoView({ block: "start" });
    });
  }

  function pagerButton(label, page, disabled, aria) {
    return el("button", {
      class: "secondary outline",
      text: label,
      attrs: { type: "button", disabled, "aria-label": aria, "data-page": page },
    });
  }

  function renderPagers(page) {
    for (const nav of document.querySelectorAll("[data-pager]")) {
      nav.replaceChildren();
      if (pages <= 1) continue;
      const input = el("input", {
        attrs: { type: "number", min: 1, max: pages, value: page, name: "page", inputmode: "numeric", "aria-label": "Page number" },
      });
      const form = el("form", { class: "pager-jump" }, el("span", { text: "Page" }), input,
        el("span", { text: "of " + pages }), el("button", { class: "secondary outline", text: "Go", attrs: { type: "submit" } }));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        goPage(parseInt(input.value, 10) || 1);
      });
      nav.append(
        pagerButton("« First", 1, page <= 1, "First page"),
        pagerButton("‹ Prev", page - 1, page <= 1, "Previous page"),
        form,
        pagerButton("Next ›", page + 1, page >= pages, "Next page"),
        pagerButton("Last »", pages, page >= pages, "Last page"));
      nav.addEventListener("click", (e) => {
        const b = e.target.closest("button[data-page]");
        if (b && !b.disabled) goPage(Number(b.dataset.page));
      });
    }
  }

  // ---- "N new" banner ---------------------------------------------------------------

  function hideBanner() {
    pendingNew = 0;
    byId("new-banner").hidden = true;
  }

  function bumpBanner() {
    pendingNew += 1;
    const b = byId("new-banner");
    b.textContent = pendingNew + (pendingNew === 1 ? " new exam" : " new exams") + " — show the latest";
    b.hidden = false;
  }

  function showLatest() {
    hideBanner();
    const state = currentState();
    state.page = 1;
    navigate(state).then(() => examsSection().scrollIntoView({ block: "start" }));
  }

  // ---- Actions -----------------------------------------------------------------

  function cardOf(node) {
    return node && node.closest ? node.closest("article.exam") : null;
  }

  function nameOf(uid) {
    const e = exams.get(uid);
    return personName(e && e.patient && e.patient.name);
  }

  async function act(action, uid) {
    if (!uid) return;
    const card = examsSection().querySelector('article.exam[data-uid="' + CSS.escape(uid) + '"]');
    const buttons = card ? [...card.querySelectorAll("button[data-action]")] : [];
    try {
      buttons.forEach((b) => (b.disabled = true));
      if (action === "normal" || action === "abnormal") {
        await postJSON("/api/radreview", { uid, normal: action === "normal" });
        toast("Recorded " + action + " for " + nameOf(uid) + ".", "success");
      } else if (action === "requeue") {
        if (!window.confirm("Ask the AI to look at " + nameOf(uid) + " again?")) return;
        await postJSON("/api/requeue", { uid });
        toast("Asked the AI to look again at " + nameOf(uid) + ".", "success");
      } else if (action === "getrad") {
        await postJSON("/api/getrad", { uid });
        toast("Fetching the radiologist report for " + nameOf(uid) + ".", "info");
      } else if (action === "open") {
        lightbox.open(uid);
        return;
      } else {
        return;
      }
      await refreshCard(uid);
    } catch (err) {
      toast("Could not " + ({ normal: "record the review", abnormal: "record the review", requeue: "re-queue the exam",
        getrad: "fetch the report" }[action] || action) + ": " + err.message, "error");
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  function moveFocus(delta) {
    const cards = [...examsSection().querySelectorAll("article.exam")];
    if (!cards.length) return;
    const cur = cards.indexOf(cardOf(document.activeElement));
    const next = cur < 0 ? (delta > 0 ? 0 : cards.length - 1) : Math.min(cards.length - 1, Math.max(0, cur + delta));
    cards[next].focus();
    cards[next].scrollIntoView({ block: "nearest" });
  }

  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    if (byId("lightbox").open) return;
    const t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) return;
    const key = e.key.toLowerCase();
    const card = cardOf(document.activeElement);
    const actions = { n: "normal", a: "abnormal", r: "requeue", f: "getrad", o: "open" };
    if (key === "j") moveFocus(1);
    else if (key === "k") moveFocus(-1);
    else if (key === "/") byId("f-search").focus();
    else if (actions[key]) {
      if (!card) {
        toast("Select an exam first (J / K or Tab).", "info");
      } else {
        act(actions[key], card.dataset.uid);
      }
    } else return;
    e.preventDefault();
  }

  // ---- PACS query (admin only) ------------------------------------------------------

  const USER_ROLE_KEY = "xrv.role.user";

  function hideQuery() {
    byId("query-form").hidden = true;
    byId("query-note").hidden = false;
  }

  async function onQuery(e) {
    e.preventDefault();
    const hours = Number(byId("query-hours").value);
    const btn = e.target.querySelector("button");
    btn.setAttribute("aria-busy", "true");
    btn.disabled = true;
    try {
      const r = await postJSON("/api/dicomquery", { hours });
      toast((r && r.message) || "PACS query started.", "success");
    } catch (err) {
      if (err.status === 403) {
        try {
          sessionStorage.setItem(USER_ROLE_KEY, "1");
        } catch {
          // no storage: the form is hidden for this page only
        }
        hideQuery();
        toast("Only administrators can query the PACS.", "warning");
      } else {
        toast("PACS query not started: " + err.message, err.status === 409 ? "warning" : "error");
      }
    } finally {
      btn.removeAttribute("aria-busy");
      btn.disabled = false;
    }
  }

  // ---- Filter choices -----------------------------------------------------------------

  function titleCase(s) {
    return String(s).replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
  }

  function fillSelect(name, values, label) {
    const select = byId("filters").elements[name];
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of values) select.appendChild(el("option", { text: label ? label(v) : v, attrs: { value: v } }));
    ensureOption(select, keep);
    select.value = keep;
  }

  async function loadChoices() {
    const names = (data) => (Array.isArray(data) ? data : data && typeof data === "object" ? Object.keys(data) : [])
      .filter((v) => typeof v === "string" && v);
    const jobs = [
      ["region", "/api/regions", titleCase],
      ["radiologist", "/api/radiologists", null],
      ["diagnostic", "/api/diagnostics", null],
    ];
    await Promise.all(jobs.map(async ([name, path, label]) => {
      try {
        fillSelect(name, names(await getJSON(path)).sort((a, b) => a.localeCompare(b)), label);
      } catch {
        // the choices stay as they were; the filter still works from the URL
      }
    }));
  }

  // ---- Live events -----------------------------------------------------------------

  // New reviews add radiologists and diagnostics to the filter choices.
  let choicesTimer = null;
  function refreshChoicesSoon() {
    clearTimeout(choicesTimer);
    choicesTimer = setTimeout(loadChoices, 2000);
  }

  function onEvent(name, payload) {
    const uid = typeof payload.uid === "string" ? payload.uid : null;
    if (name === "new_exam") {
      if (payload.positive === true) {
        const how = Live.chime();
        toast("New AI-positive exam" + (how === "blocked" ? " (click the page once to allow the chime)" : "") + ".", "warning");
      } else {
        toast("New exam analysed.", "info");
      }
    } else if (name === "radreport") {
      toast("Radiologist report fetched.", "info");
    } else if (name === "radcheck") {
      toast("Radiologist report graded by the AI.", "info");
    } else if (name === "error") {
      const why = payload.reason === "max_retries"
        ? "the AI failed too many times" + (payload.detail ? " (" + payload.detail + ")" : "")
        : payload.reason || "unknown error";
      toast("An exam failed: " + why + ".", "error");
    } else if (name === "connected") {
      // The server names the role (an extension key): a `user` never sees the
      // PACS query form.
      if (payload.role === "user") {
        try {
          sessionStorage.setItem(USER_ROLE_KEY, "1");
        } catch {
          // no storage: hidden for this page only
        }
        hideQuery();
      }
      return;
    } else if (!["radreview", "requeue", "processing_start"].includes(name)) {
      return; // events this page does not know
    }
    if (name === "radreview" || name === "radcheck") refreshChoicesSoon();
    if (name === "radreview" && uid && exams.has(uid) && payload.report) {
      putCard(payload);
    } else if (uid && exams.has(uid)) {
      refreshCard(uid);
    } else if (atTop()) {
      load();
    } else if (name === "new_exam") {
      bumpBanner();
    }
  }

  // ---- Start ---------------------------------------------------------------------

  function init() {
    lightbox = Cards.lightbox(byId("lightbox"), {
      cards: () => [...examsSection().querySelectorAll("article.exam")].map((c) => c.dataset.uid),
      lookup: (uid) => exams.get(uid),
      onAction: (action, uid) => act(action, uid),
    });
    const form = byId("filters");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      navigate(formState());
    });
    form.addEventListener("change", (e) => {
      if (e.target.name !== "search") navigate(formState());
    });
    byId("f-reset").addEventListener("click", (e) => {
      e.preventDefault();
      navigate({ page: 1 });
    });
    examsSection().addEventListener("click", (e) => {
      const b = e.target.closest("button[data-action]");
      if (b) act(b.dataset.action, cardOf(b).dataset.uid);
    });
    byId("new-banner").addEventListener("click", showLatest);
    // Back at the top of page 1, the waiting new exams come in.
    let scrollTimer = null;
    window.addEventListener("scroll", () => {
      clearTimeout(scrollTimer);
      scrollTimer = setTimeout(() => {
        if (pendingNew > 0 && atTop()) load();
      }, 250);
    }, { passive: true });
    window.addEventListener("popstate", () => load());
    document.addEventListener("keydown", onKey);
    let isUser = false;
    try {
      isUser = sessionStorage.getItem(USER_ROLE_KEY) === "1";
    } catch {
      isUser = false;
    }
    if (isUser) hideQuery();
    byId("query-form").addEventListener("submit", onQuery);
    // Phones start with the filters folded unless one is active.
    if (window.matchMedia("(max-width: 575px)").matches) byId("filter-details").open = false;
    Live.init();
    loadChoices();
    load();
    Live.connect({
      onEvent,
      onConnect: () => {
        loadChoices();
        load();
      },
    });
  }

  window.XRV.onReady(init);
})();
