// Dashboard exam cards (window.XRVCards): one <article> per Exam object
// (API.md §3), built with createElement/textContent only. Every state has a
// text label and an icon as well as a colour.
"use strict";

window.XRVCards = (function () {
  const { el, personName, formatAge, formatSex, formatTimestamp } = window.XRV;

  const STATUS_LABEL = {
    none: "Received",
    queued: "Queued",
    requeue: "Re-queued",
    processing: "Processing",
    check: "Checking report",
    error: "Error",
    ignore: "Ignored",
  };

  function get(obj, path, fallback) {
    let v = obj;
    for (const k of path) {
      if (v === null || typeof v !== "object") return fallback;
      v = v[k];
    }
    return v === undefined || v === null ? fallback : v;
  }

  // The card's states: which badges it shows and which classes colour it.
  function states(exam) {
    const ai = get(exam, ["report", "ai"], {});
    const rad = get(exam, ["report", "rad"], {});
    const status = get(exam, ["exam", "status"], "none");
    const correct = get(exam, ["report", "correct"], -1);
    const reviewed = get(exam, ["report", "reviewed"], 0) === 1 || (rad.positive !== undefined && rad.positive !== -1);
    const badges = [];
    const classes = ["exam"];
    if (ai.positive === 1) {
      badges.push(["positive", "⚠", "AI: positive"]);
      classes.push("is-positive");
    } else if (ai.positive === 0) {
      badges.push(["negative", "○", "AI: negative"]);
    } else {
      badges.push(["pending", "…", "AI: not analysed"]);
    }
    if (reviewed) {
      classes.push("is-reviewed");
      badges.push(["reviewed", "✔", rad.positive === 1 ? "Reviewed: abnormal" : "Reviewed: normal"]);
      if (correct === 1) {
        classes.push("is-agree");
        badges.push(["agree", "=", "Agrees with AI"]);
      } else if (correct === 0) {
        classes.push("is-disagree");
        badges.push(["disagree", "≠", ai.positive === 1 ? "Disagrees: AI false positive" : "Disagrees: AI false negative"]);
      }
    } else {
      badges.push(["unreviewed", "○", "Not reviewed"]);
      if (ai.positive === 1) classes.push("is-urgent");
    }
    if (status !== "done") {
      classes.push("status-" + status.replace(/[^a-z]/g, ""));
      badges.push(["status", "◷", STATUS_LABEL[status] || status]);
    }
    return { badges, classes, reviewed, status };
  }

  function badge([kind, icon, label]) {
    return el("span", { class: "badge badge-" + kind },
      el("span", { class: "badge-icon", text: icon, attrs: { "aria-hidden": "true" } }),
      " " + label);
  }

  function scoreLine(parts) {
    return parts.filter(Boolean).join(" · ");
  }

  function aiSection(ai) {
    const summary = ai.summary || (ai.positive === 1 ? "Positive" : ai.positive === 0 ? "Negative" : null);
    if (!ai.text && !summary) return null;
    const scores = scoreLine([
      ai.severity >= 0 ? "severity " + ai.severity + "/10" : null,
      ai.confidence >= 0 ? "confidence " + ai.confidence + " %" : null,
      ai.model ? "model " + ai.model : null,
    ]);
    return el("section", { class: "report report-ai", attrs: { "aria-label": "AI report" } },
      el("h4", null, "AI report", summary ? ": " : "", summary ? el("span", { class: "summary", text: summary }) : null),
      scores ? el("p", { class: "scores", text: scores }) : null,
      ai.text ? el("p", { class: "report-text", text: ai.text, attrs: { lang: "en" } }) : null);
  }

  function radSection(rad) {
    if (!rad.text && !rad.summary && (rad.positive === undefined || rad.positive === -1)) return null;
    const verdict = rad.positive === 1 ? "abnormal" : rad.positive === 0 ? "normal" : null;
    const scores = scoreLine([
      verdict ? "verdict " + verdict : null,
      rad.severity >= 0 ? "severity " + rad.severity + "/10" : null,
      rad.updated ? "updated " + formatTimestamp(rad.updated) : null,
    ]);
    const sev = rad.severity;
    const band = sev < 0 || sev === undefined ? "none" : sev <= 2 ? "low" : sev <= 6 ? "mid" : "high";
    return el("section", { class: "report report-rad severity-" + band, attrs: { "aria-label": "Radiologist report" } },
      el("h4", null, rad.radiologist ? el("span", { class: "radiologist", text: rad.radiologist }) : "Radiologist",
        rad.summary ? ": " : "", rad.summary ? el("span", { class: "summary", text: rad.summary }) : null),
      scores ? el("p", { class: "scores", text: scores }) : null,
      rad.text ? el("p", { class: "report-text", text: rad.text, attrs: { lang: "ro" } }) : null,
      rad.text_en
        ? el("details", { class: "translation" },
          el("summary", { text: "English translation" }),
          el("p", { class: "report-text", text: rad.text_en, attrs: { lang: "en" } }))
        : null);
  }

  function actionButton(action, icon, label, key) {
    return el("button", {
      class: "action action-" + action + (action === "requeue" || action === "getrad" ? " secondary outline" : ""),
      attrs: { type: "button", "data-action": action, "aria-keyshortcuts": key, title: label + " (" + key + ")" },
    }, el("span", { attrs: { "aria-hidden": "true" }, text: icon }), " " + label,
    el("kbd", { text: key, attrs: { "aria-hidden": "true" } }));
  }

  // A new <article> for one exam.
  function render(exam) {
    const uid = String(exam.uid || "");
    const p = exam.patient || {};
    const x = exam.exam || {};
    const ai = get(exam, ["report", "ai"], {});
    const rad = get(exam, ["report", "rad"], {});
    const st = states(exam);
    const name = personName(p.name);
    const headingId = "h-" + uid.replace(/[^0-9A-Za-z]/g, "-");
    const card = el("article", {
      class: st.classes.join(" "),
      attrs: { tabindex: "-1", "aria-labelledby": headingId },
      dataset: { uid },
    });
    const img = el("img", {
      attrs: {
        src: "/images/" + encodeURIComponent(uid) + ".png",
        alt: "Radiograph: " + (x.protocol || x.region || "exam") + ", " + name,
        loading: "lazy",
        decoding: "async",
      },
    });
    img.addEventListener("error", () => img.classList.add("missing"), { once: true });
    const figure = el("figure", { class: "thumb" },
      el("button", { class: "thumb-open", attrs: { type: "button", "data-action": "open", "aria-label": "Enlarge image of " + name } }, img),
      x.protocol ? el("figcaption", { text: x.protocol }) : null);
    const meta = [
      formatSex(p.sex),
      formatAge(p.age, p.birthdate, x.date),
      x.region || null,
      x.created ? formatTimestamp(x.created) : null,
    ].filter(Boolean).join(" · ");
    const ids = [p.cnp ? "CNP " + p.cnp : null, p.id ? "HIS " + p.id : null, rad.id ? "report " + rad.id : null]
      .filter(Boolean).join(" · ");
    const body = el("div", { class: "exam-body" },
      el("header", null,
        el("h3", { class: "patient", text: name, attrs: { id: headingId } }),
        el("p", { class: "badges" }, st.badges.map(badge))),
      el("p", { class: "meta", text: meta }),
      ids ? el("p", { class: "ids muted", text: ids }) : null,
      rad.justification ? el("p", { class: "justification" }, el("strong", { text: "Indication: " }), rad.justification) : null,
      st.status === "error" && x.reason ? el("p", { class: "error", text: "Error: " + x.reason }) : null,
      aiSection(ai),
      radSection(rad),
      el("div", { class: "actions", attrs: { role: "group", "aria-label": "Actions for " + name } },
        actionButton("normal", "✓", "Normal", "N"),
        actionButton("abnormal", "⚠", "Abnormal", "A"),
        actionButton("requeue", "↻", "Look again", "R"),
        actionButton("getrad", "⇩", "Fetch report", "F")));
    card.append(figure, body);
    return card;
  }

  // ---- Lightbox ---------------------------------------------------------------

  // The <dialog> shows one exam at a time; ArrowLeft/ArrowRight move through
  // the cards on the page, Escape closes it (native <dialog>), focus returns
  // to the card's thumbnail.
  function lightbox(dialog, { cards, lookup, onAction }) {
    const img = dialog.querySelector("img");
    const caption = dialog.querySelector(".lightbox-caption");
    const position = dialog.querySelector(".lightbox-position");
    let current = null;
    let opener = null;

    function show(uid) {
      const exam = lookup(uid);
      if (!exam) return;
      current = uid;
      const name = personName(exam.patient && exam.patient.name);
      img.src = "/images/" + encodeURIComponent(uid) + ".png";
      img.alt = "Radiograph of " + name;
      const ai = get(exam, ["report", "ai"], {});
      const rad = get(exam, ["report", "rad"], {});
      caption.replaceChildren(
        el("h2", { text: name }),
        el("p", { class: "badges" }, states(exam).badges.map(badge)),
        aiSection(ai),
        radSection(rad));
      const list = cards();
      const i = list.indexOf(uid);
      position.textContent = list.length ? "Image " + (i + 1) + " of " + list.length : "";
      dialog.dataset.uid = uid;
    }

    function open(uid) {
      opener = document.activeElement;
      show(uid);
      if (!dialog.open) dialog.showModal();
    }

    function step(delta) {
      const list = cards();
      const i = list.indexOf(current);
      if (i < 0 || !list.length) return;
      const next = list[(i + delta + list.length) % list.length];
      show(next);
    }

    dialog.addEventListener("keydown", (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === "ArrowRight") step(1);
      else if (e.key === "ArrowLeft") step(-1);
      else if (e.key === "n" || e.key === "N") onAction("normal", current);
      else if (e.key === "a" || e.key === "A") onAction("abnormal", current);
      else return;
      e.preventDefault();
    });
    dialog.addEventListener("click", (e) => {
      const btn = e.target.closest("[data-lightbox]");
      if (btn) {
        const what = btn.dataset.lightbox;
        if (what === "prev") step(-1);
        else if (what === "next") step(1);
        else if (what === "close") dialog.close();
        else onAction(what, current);
      } else if (e.target === dialog) {
        dialog.close(); // a click on the backdrop
      }
    });
    dialog.addEventListener("close", () => {
      const card = document.querySelector('article.exam[data-uid="' + CSS.escape(current || "") + '"] .thumb-open');
      (card || opener || document.body).focus();
      current = null;
    });

    return {
      open,
      refresh: (uid) => {
        if (dialog.open && uid === current) show(uid);
      },
      get current() {
        return dialog.open ? current : null;
      },
    };
  }

  return { render, states, lightbox };
})();
