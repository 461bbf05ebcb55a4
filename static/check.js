// Check page (/check): sends the pasted report to /api/check, /api/analyse or
// /api/translate (API.md §5) and shows the answer as text, or why it failed.
"use strict";

(function () {
  const { el, byId, postJSON, isObject } = window.XRV;

  const ROUTES = {
    check: ["/api/check", "Checking…"],
    analyse: ["/api/analyse", "Analysing…"],
    translate: ["/api/translate", "Translating…"],
  };

  function failure(err) {
    switch (err.status) {
      case 400:
        return "The server refused the report: " + err.message;
      case 413:
        return "The report is too long.";
      case 429:
        return err.message;
      case 502:
        return "The AI's answer could not be used: " + err.message;
      case 503:
        return "No AI endpoint is available right now: " + err.message;
      default:
        return err.message;
    }
  }

  function list(items) {
    const arr = Array.isArray(items) ? items : items ? [items] : [];
    if (!arr.length) return el("p", { class: "muted", text: "None." });
    return el("ul", null, arr.map((i) => el("li", { text: typeof i === "string" ? i : JSON.stringify(i) })));
  }

  function text(v) {
    if (v === null || v === undefined || v === "") return "–";
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  function field(label, value) {
    return el("p", null, el("strong", { text: label + ": " }), text(value));
  }

  function showCheck(r) {
    const yes = r.pathologic === "yes";
    const sev = Number(r.severity);
    return el("article", null,
      el("h2", { text: "Quick check" }),
      el("dl", { class: "cards-grid" },
        el("div", null, el("dt", { text: "Pathologic" }),
          el("dd", { class: yes ? "verdict-yes" : "verdict-no" },
            el("span", { attrs: { "aria-hidden": "true" }, text: yes ? "⚠ " : "✓ " }), yes ? "yes" : r.pathologic === "no" ? "no" : text(r.pathologic))),
        el("div", null, el("dt", { text: "Severity" }), el("dd", { text: Number.isFinite(sev) ? sev + " / 10" : "–" })),
        el("div", null, el("dt", { text: "Summary" }), el("dd", { text: text(r.summary) }))));
  }

  function showAnalysis(r) {
    const one = isObject(r.first_pass) ? r.first_pass : {};
    const two = isObject(r.second_pass) ? r.second_pass : {};
    const three = isObject(r.third_pass) ? r.third_pass : {};
    return el("article", { class: "analysis" },
      el("h2", { text: "Detailed analysis" }),
      el("section", null, el("h3", { text: "Overview and context" }),
        field("Topic", one.topic), field("Purpose", one.purpose), field("Primary findings", one.primary_findings)),
      el("section", null, el("h3", { text: "Content" }),
        el("h4", { text: "Main points" }), list(two.main_points),
        el("h4", { text: "Supporting evidence" }), list(two.supporting_evidence),
        field("Conclusions valid", two.conclusions_valid === true ? "yes" : two.conclusions_valid === false ? "no" : "–")),
      el("section", null, el("h3", { text: "Critical evaluation" }),
        el("h4", { text: "Assumptions" }), list(three.assumptions),
        el("h4", { text: "Missing information" }), list(three.missing_info),
        field("Critique", three.critique)),
      el("section", null, el("h3", { text: "Overall assessment" }), el("p", { text: text(r.overall_assessment) })));
  }

  function showTranslation(r) {
    return el("article", null, el("h2", { text: "English translation" }),
      el("p", { class: "report-text", text: text(r.translation), attrs: { lang: "en" } }));
  }

  async function run(mode, button) {
    const report = byId("report").value;
    const errorBox = byId("check-error");
    const results = byId("check-results");
    errorBox.textContent = "";
    if (!report.trim()) {
      errorBox.textContent = "Enter a report first.";
      byId("report").focus();
      return;
    }
    const [path, busy] = ROUTES[mode];
    const label = button.textContent;
    const buttons = [...document.querySelectorAll("#check-form button")];
    buttons.forEach((b) => (b.disabled = true));
    button.textContent = busy;
    button.setAttribute("aria-busy", "true");
    results.setAttribute("aria-busy", "true");
    try {
      const r = (await postJSON(path, { report })) || {};
      const node = mode === "check" ? showCheck(r) : mode === "analyse" ? showAnalysis(r) : showTranslation(r);
      node.dataset.mode = mode;
      const old = results.querySelector('[data-mode="' + mode + '"]');
      if (old) old.replaceWith(node);
      else results.prepend(node);
      node.scrollIntoView({ block: "nearest" });
    } catch (err) {
      errorBox.textContent = failure(err);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
      button.textContent = label;
      button.removeAttribute("aria-busy");
      results.setAttribute("aria-busy", "false");
    }
  }

  window.XRV.onReady(() => {
    byId("check-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const button = e.submitter && e.submitter.dataset.mode ? e.submitter : document.querySelector('[data-mode="check"]');
      run(button.dataset.mode, button);
    });
  });
})();
