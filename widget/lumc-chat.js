/*
 * Leiden Study Assistant: embeddable chat widget for the Rasa REST channel.
 *
 * Embed with one tag (the widget loads lumc-chat.css from next to this file):
 *   <script src="https://example.org/lumc-chat.js" data-server-url="https://bot.example.org"
 *           data-title="Leiden Study Assistant" data-primary-color="#001158" defer></script>
 * Data attributes win over window.LUMCChatConfig = {serverUrl, title, primaryColor, cssUrl, lang}.
 * The widget speaks the page's language (<html lang="nl">: Dutch) unless data-lang names one, and
 * the student can switch it with the EN/NL buttons in the header.
 * Plain modern JavaScript, no build step, no dependencies. All user and bot text is inserted
 * as text nodes, never as HTML.
 */
(() => {
  "use strict";
  if (window.LUMCChat) return; // the tag was included twice

  const script = document.currentScript;
  const data = (script && script.dataset) || {};
  const global = window.LUMCChatConfig || {};
  const scriptUrl = new URL((script && script.src) || "lumc-chat.js", location.href);
  const pick = (key, fallback) => data[key] || global[key] || fallback;
  const config = {
    serverUrl: pick("serverUrl", "http://127.0.0.1:5005").replace(/\/+$/, ""),
    title: pick("title", "Leiden Study Assistant"),
    primaryColor: pick("primaryColor", "#001158"),
    cssUrl: pick("cssUrl", new URL("lumc-chat.css", scriptUrl).href),
    storageKey: pick("storageKey", "lumc-chat"),
    // How long the server keeps conversations (the bot's RETENTION_DAYS), for the privacy notice.
    retentionDays: parseInt(pick("retentionDays", "30"), 10) || 30,
    // The page's language, unless the tag or config names one: <html lang="nl"> gives a Dutch widget.
    lang: pick("lang", document.documentElement.lang || "en"),
  };
  // The hidden opening message names the widget's language (an entity in Rasa's payload syntax), so
  // the greeting and a conversation whose first questions are too short to tell start in it.
  const GREET = "/greet";
  const greet = () => send(`${GREET}${JSON.stringify({ language: currentLang() })}`, "", true);
  const TIMEOUT_MS = 30000;
  // A message whose answer did not arrive (the server could not be reached, a gateway error
  // 502/503/504 while a server restarts, a time-out) is sent again by itself after these pauses,
  // with the same message id, which the server uses to answer a resend only once.
  const RESEND_AFTER_MS = [500, 1500];
  const MAX_ITEMS = 200;

  // ---- the widget's own words, in each language it speaks --------------------------------------
  // One table for both languages, so a missing Dutch string is easy to see. `name` is the language's
  // own name, for the toggle. The bot's replies are worded by the bot, not here.
  const STRINGS = {
    en: {
      name: "English",
      openChat: (title) => `Open chat: ${title}`,
      askUs: "Ask us",
      closeChat: "Close chat",
      startOver: "Start over",
      language: "Language of the chat",
      conversation: "Conversation",
      typing: "The assistant is typing…",
      retry: "Retry",
      placeholder: "Type your question…",
      yourQuestion: "Your question",
      send: "Send",
      privacy: (days) => `Conversations are kept for ${days} days to improve answers. Please don't type ` +
        "personal details such as your student number or e-mail address.",
      contact: "Contact a person",
      notSent: "Not sent",
      youSaid: "You said: ",
      assistant: "Assistant: ",
      suggestions: "Suggested questions",
      notSentYet: "Your last message has not been sent. Check your connection and try again.",
      serverProblem: "The study assistant had a problem.",
      httpError: (detail, status) => `${detail} (error ${status}) Your message has not been sent.`,
      timeout: "The study assistant did not answer in time. Your message has not been sent.",
      unreachable: "The study assistant can't be reached right now. Your message has not been sent.",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      wasItHelpful: "Was this answer helpful?",
      helpfulShort: "Helpful?",
      whatWasWrong: "What was wrong? (optional)",
      voteFailed: "Your vote could not be sent. Please try again.",
      thanksComment: "Thank you, your comment was sent.",
      thanks: "Thank you for your feedback.",
    },
    nl: {
      name: "Nederlands",
      openChat: (title) => `Chat openen: ${title}`,
      askUs: "Stel je vraag",
      closeChat: "Chat sluiten",
      startOver: "Nieuw gesprek",
      language: "Taal van de chat",
      conversation: "Gesprek",
      typing: "De assistent typt…",
      retry: "Opnieuw proberen",
      placeholder: "Typ je vraag…",
      yourQuestion: "Je vraag",
      send: "Versturen",
      privacy: (days) => `Gesprekken worden ${days} dagen bewaard om de antwoorden te verbeteren. Typ geen ` +
        "persoonlijke gegevens, zoals je studentnummer of e-mailadres.",
      contact: "Contact met een medewerker",
      notSent: "Niet verstuurd",
      youSaid: "Jij zei: ",
      assistant: "Assistent: ",
      suggestions: "Voorgestelde vragen",
      notSentYet: "Je laatste bericht is niet verstuurd. Controleer je verbinding en probeer het opnieuw.",
      serverProblem: "De studieassistent had een probleem.",
      httpError: (detail, status) => `${detail} (fout ${status}) Je bericht is niet verstuurd.`,
      timeout: "De studieassistent antwoordde niet op tijd. Je bericht is niet verstuurd.",
      unreachable: "De studieassistent is nu niet bereikbaar. Je bericht is niet verstuurd.",
      helpful: "Nuttig",
      notHelpful: "Niet nuttig",
      wasItHelpful: "Had je iets aan dit antwoord?",
      helpfulShort: "Nuttig?",
      whatWasWrong: "Wat klopte er niet? (optioneel)",
      voteFailed: "Je stem kon niet worden verstuurd. Probeer het opnieuw.",
      thanksComment: "Bedankt, je opmerking is verstuurd.",
      thanks: "Bedankt voor je feedback.",
    },
  };
  const LANGS = Object.keys(STRINGS);
  // "nl", "nl-NL", "nl-BE" are Dutch; anything the widget does not speak is English.
  const langOf = (value) => {
    const primary = String(value || "").trim().toLowerCase().split(/[-_]/)[0];
    return LANGS.includes(primary) ? primary : "en";
  };

  // ---- state: sender id + transcript, kept in localStorage ----------------------------------
  // item: {id, role: "user"|"bot", text, lang: "en"|"nl", payload?, status?: "queued"|"sent"|"failed",
  //        hidden?: true (the /greet), source?, buttons?: [{title, payload}]}
  // state.lang is set only when the student picks a language with the toggle; it then beats the page's.
  const newId = () =>
    crypto.randomUUID ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)),
        (b) => b.toString(16).padStart(2, "0")).join("");
  const fresh = (open = false, lang = undefined) => ({ sender: newId(), items: [], open, lang });
  function load() {
    try {
      const s = JSON.parse(localStorage.getItem(config.storageKey));
      if (s && typeof s.sender === "string" && Array.isArray(s.items)) {
        // A request cut off by leaving the page may or may not have arrived: offer a retry.
        s.items.forEach((i) => { if (i.role === "user" && i.status !== "sent") i.status = "failed"; });
        if (!LANGS.includes(s.lang)) delete s.lang;
        return s;
      }
    } catch (e) { /* corrupt or blocked storage: start afresh */ }
    return fresh();
  }
  function save() {
    state.items = state.items.slice(-MAX_ITEMS);
    try { localStorage.setItem(config.storageKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  let state = load();
  let busy = false;
  let generation = 0; // bumped by "start over" so late answers of the old conversation are dropped
  let lastError = null; // {kind: "http"|"timeout"|"unreachable", detail?, status?}, worded when shown

  // The widget's language now: the student's choice, else the page's.
  const currentLang = () => state.lang || langOf(config.lang);
  const t = (key, ...args) => {
    const s = STRINGS[currentLang()][key];
    return typeof s === "function" ? s(...args) : s;
  };

  // ---- DOM -----------------------------------------------------------------------------------
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v === true) node.setAttribute(k, "");
      else if (v !== false && v != null) node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  };
  const icon = (d) => {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  };

  const host = el("div", { id: "lumc-chat", class: "lumc-chat-host" });
  const root = host.attachShadow({ mode: "open" });
  host.style.visibility = "hidden"; // until the stylesheet is in
  const css = el("link", { rel: "stylesheet", href: config.cssUrl });
  css.addEventListener("load", () => { host.style.visibility = ""; });
  css.addEventListener("error", () => { host.style.visibility = ""; });
  applyColours(host, config.primaryColor);

  // Texts are set by applyLanguage(), so that the toggle can change them in place.
  const launcherText = el("span");
  const launcher = el("button", {
    type: "button", class: "lcw-launcher", "aria-haspopup": "dialog", "aria-expanded": "false",
    "aria-controls": "lcw-panel",
  }, icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"), launcherText);
  const closeBtn = el("button", { type: "button", class: "lcw-icon-btn" }, icon("M6 6l12 12M18 6L6 18"));
  const resetBtn = el("button", { type: "button", class: "lcw-text-btn" });
  // The EN/NL toggle: one button per language, its name in that language (and marked so, for
  // screen readers), the visible code first in the name (WCAG 2.5.3, label in name).
  const langButtons = LANGS.map((code) => el("button", {
    type: "button", class: "lcw-lang-btn", lang: code, "data-lang": code, text: code.toUpperCase(),
    "aria-label": `${code.toUpperCase()}, ${STRINGS[code].name}`, onclick: () => setLanguage(code),
  }));
  const langGroup = el("div", { class: "lcw-lang", role: "group" }, ...langButtons);
  const log = el("div", { class: "lcw-log", role: "log", "aria-live": "polite", tabindex: "0" });
  const typingText = el("span", { class: "lcw-sr" });
  const typing = el("div", { class: "lcw-typing", role: "status", hidden: true },
    ...[1, 2, 3].map(() => el("span", { class: "lcw-dot", "aria-hidden": "true" })), typingText);
  const errorText = el("p", { class: "lcw-error-text" });
  const retryBtn = el("button", { type: "button", class: "lcw-retry" });
  const errorBox = el("div", { class: "lcw-error", role: "alert", hidden: true }, errorText, retryBtn);
  const input = el("input", {
    id: "lcw-input", class: "lcw-input", type: "text", autocomplete: "off", maxlength: "1000",
    enterkeyhint: "send",
  });
  const inputLabel = el("label", { for: "lcw-input", class: "lcw-sr" });
  const sendBtn = el("button", { type: "submit", class: "lcw-send" });
  const form = el("form", { class: "lcw-form" }, inputLabel, input, sendBtn);
  const privacy = el("p", { id: "lcw-privacy", class: "lcw-privacy" });
  const panel = el("section", {
    id: "lcw-panel", class: "lcw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "lcw-title", "aria-describedby": "lcw-privacy", hidden: true,
  },
  el("div", { class: "lcw-header" },
    el("h2", { id: "lcw-title", class: "lcw-title", text: config.title }),
    el("div", { class: "lcw-tools" }, langGroup, resetBtn, closeBtn)),
  privacy, log, typing, errorBox, form);
  root.append(css, launcher, panel);

  // ---- help: a person to contact, and focus kept in the panel while it covers the page -------
  // WCAG 2.2 SC 3.2.6 (consistent help): "Contact a person" is always in the same place, under the
  // question field (after Send in the tab order), on every page. It asks the bot (/ask_human), which answers from its knowledge
  // base with the contact for the conversation's topic and the next walk-in hour.
  // WCAG 2.4.11 (focus not obscured): at phone width the open panel covers the page, so Tab and
  // Shift+Tab wrap inside it and focus that lands on the hidden page is brought back.
  const HUMAN = "/ask_human";
  const contactBtn = el("button", {
    type: "button", class: "lcw-contact", onclick: () => send(HUMAN, t("contact")),
  });
  form.after(el("div", { class: "lcw-help" }, contactBtn));

  const covering = window.matchMedia("(max-width: 480px)");
  const coversPage = () => !panel.hidden && covering.matches;
  const tabbable = () => [...panel.querySelectorAll("button, input, a[href], [tabindex]")]
    .filter((n) => n.tabIndex >= 0 && !n.disabled && n.getClientRects().length);
  function markModal() { panel.setAttribute("aria-modal", coversPage() ? "true" : "false"); }
  new MutationObserver(markModal).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
  covering.addEventListener("change", markModal);
  panel.addEventListener("keydown", (e) => {
    if (e.key !== "Tab" || !coversPage()) return;
    const items = tabbable();
    if (!items.length) return;
    const active = root.activeElement;
    const edge = e.shiftKey ? items[0] : items[items.length - 1];
    if (active === edge || !items.includes(active)) {
      e.preventDefault();
      (e.shiftKey ? items[items.length - 1] : items[0]).focus();
    }
  });
  document.addEventListener("focusin", (e) => {
    if (coversPage() && e.target !== host) input.focus(); // focus went to the covered page
  });

  // ---- rendering -----------------------------------------------------------------------------
  // Markdown links [text](https://…), bare http(s) and www. addresses, e-mail addresses.
  const URL_RE = new RegExp([
    /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/.source,
    /\bhttps?:\/\/[^\s<>"]+|\bwww\.[^\s<>"]+/.source,
    /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+/.source,
  ].join("|"), "gi");
  function linkify(text) {
    const frag = document.createDocumentFragment();
    let at = 0;
    for (const m of text.matchAll(URL_RE)) {
      let label = m[1] || m[0];
      let target = m[2] || m[0];
      let end = m.index + m[0].length;
      if (!m[1]) { // a bare address: leave trailing punctuation and unbalanced ")" out of the link
        while (/[.,;:!?'")\]]$/.test(target) &&
               !(target.endsWith(")") && target.split("(").length > target.split(")").length - 1)) {
          target = target.slice(0, -1);
          end -= 1;
        }
        label = target;
      }
      let href;
      try {
        href = new URL(/^https?:/i.test(target) ? target
          : target.includes("@") && !/^www\./i.test(target) ? `mailto:${target}` : `https://${target}`);
      } catch (e) { continue; }
      if (!["http:", "https:", "mailto:"].includes(href.protocol)) continue;
      frag.append(document.createTextNode(text.slice(at, m.index)));
      frag.append(el("a", { href: href.href, target: "_blank", rel: "noopener noreferrer", text: label }));
      at = end;
    }
    frag.append(document.createTextNode(text.slice(at)));
    return frag;
  }

  // A message's own words carry its language (`lang` on the bubble, source line and quick replies),
  // so a screen reader pronounces them right; the hidden prefixes are in the widget's language.
  function build(item) {
    const lang = langOf(item.lang || currentLang());
    if (item.role === "user") {
      const note = el("span", { class: "lcw-note", text: t("notSent") });
      const node = el("div", { class: "lcw-msg lcw-user", "data-role": "user", hidden: !!item.hidden },
        el("span", { class: "lcw-sr", text: t("youSaid") }),
        el("p", { class: "lcw-bubble", lang, text: item.text }), note);
      return node;
    }
    const node = el("div", { class: "lcw-msg lcw-bot", "data-role": "bot" },
      el("span", { class: "lcw-sr", text: t("assistant") }));
    if (item.text) node.append(el("p", { class: "lcw-bubble", lang }, linkify(item.text)));
    if (item.source) node.append(el("p", { class: "lcw-source", lang }, linkify(item.source)));
    if (item.buttons && item.buttons.length) {
      node.append(el("div", { class: "lcw-replies", role: "group", "aria-label": t("suggestions") },
        ...item.buttons.map((b) => el("button", {
          type: "button", class: "lcw-reply", lang, text: b.title, onclick: () => send(b.payload, b.title, false, lang),
        }))));
    }
    if (item.rateable) node.append(voteControl(item));
    return node;
  }

  const nodes = new Map();
  function sync() {
    const ids = new Set(state.items.map((i) => i.id));
    for (const [id, node] of nodes) if (!ids.has(id)) { node.remove(); nodes.delete(id); }
    let prev = null;
    let lastUser = -1;
    state.items.forEach((item, index) => {
      let node = nodes.get(item.id);
      if (!node) { node = build(item); nodes.set(item.id, node); }
      if (item.role === "user") {
        node.dataset.status = item.status;
        node.classList.toggle("lcw-failed", item.status === "failed");
        node.querySelector(".lcw-note").hidden = item.status !== "failed";
        lastUser = index;
      }
      if (prev ? prev.nextSibling !== node : log.firstChild !== node) {
        if (prev) prev.after(node); else log.prepend(node);
      }
      prev = node;
    });
    // Quick replies only for the answer to the latest message.
    state.items.forEach((item, index) => {
      const group = item.role === "bot" && nodes.get(item.id).querySelector(".lcw-replies");
      if (group) group.hidden = index < lastUser;
    });
    const failed = state.items.some((i) => i.role === "user" && i.status === "failed");
    // The server's own error texts are English: a Dutch widget says it in its own words.
    const detail = lastError && currentLang() === "en" && lastError.detail;
    errorText.textContent = !lastError ? t("notSentYet")
      : lastError.kind === "http" ? t("httpError", detail || t("serverProblem"), lastError.status)
        : t(lastError.kind);
    errorBox.hidden = !failed;
    typing.hidden = !busy;
    log.scrollTop = log.scrollHeight;
  }

  // ---- talking to Rasa -----------------------------------------------------------------------
  // How a reply shows its language. The last line of a factual answer names its source: "Source: …"
  // in English, "Bron: …" in Dutch. Other replies are full sentences, which use many short words of
  // their language and few of the other's (words both languages have, "in", "is", "of", are left out).
  const REPLY_SIGNS = {
    en: {
      source: /^Source: /,
      words: ["the", "a", "an", "and", "or", "to", "you", "your", "i", "i'm", "it", "for", "with", "on",
        "this", "that", "what", "can", "not", "are", "about", "would", "like", "please", "there"],
    },
    nl: {
      source: /^Bron: /,
      words: ["de", "het", "een", "en", "je", "jij", "jouw", "u", "ik", "wat", "voor", "met", "op", "dit",
        "dat", "kan", "kun", "niet", "wil", "naar", "bij", "er", "ook", "zijn", "over", "hoi", "graag"],
    },
  };
  // The language a text is clearly written in (three of its short words or more, at least twice as
  // many as of the other language), else "".
  function languageOfWords(text) {
    const words = String(text).toLowerCase().match(/[a-z\u00e0-\u00ff']+/g) || [];
    const counts = LANGS.map((code) => words.filter((w) => REPLY_SIGNS[code].words.includes(w)).length);
    const best = counts.indexOf(Math.max(...counts));
    const other = Math.max(...counts.filter((_, i) => i !== best), 0);
    return counts[best] >= 3 && counts[best] >= 2 * other ? LANGS[best] : "";
  }
  function toBotItem(msg) {
    let text = typeof msg.text === "string" ? msg.text.trim() : "";
    let source = "";
    let lang = "";
    const lines = text.split("\n");
    const last = lines.length ? lines[lines.length - 1].trim() : "";
    const sourceLang = LANGS.find((code) => REPLY_SIGNS[code].source.test(last));
    if (sourceLang) {
      source = lines.pop().trim();
      text = lines.join("\n").trim();
      lang = sourceLang;
    }
    // A reply that names its language (a channel that passes it on) is taken at its word.
    const named = msg.language || (msg.metadata && msg.metadata.language);
    if (LANGS.includes(named)) lang = named;
    const byWords = !lang && languageOfWords(text);
    const buttons = (Array.isArray(msg.buttons) ? msg.buttons : [])
      .filter((b) => b && b.title)
      .map((b) => ({ title: String(b.title), payload: String(b.payload || b.title) }));
    if (!text && !source && !buttons.length) return null;
    const answerTo = typeof msg.in_reply_to === "string" ? msg.in_reply_to : "";
    return { id: newId(), role: "bot", text, lang, byWords, source, buttons, answerTo };
  }

  // Rasa's REST channel does not say which language a reply is in. An answer's source line does, and
  // the messages of one turn share it; else each message's own words, when they are clear; else the
  // widget's language, which the bot was told (metadata.language).
  function markLanguage(bots, fallback) {
    const known = (bots.find((b) => b.lang) || {}).lang;
    bots.forEach((b) => {
      if (!b.lang) b.lang = known || b.byWords || fallback;
      delete b.byWords;
    });
  }

  // The id the server stores the message under: the item's id as letters and digits.
  const messageId = (item) => String(item.id).replace(/[^A-Za-z0-9]/g, "").slice(0, 64);

  async function post(sender, message, id, lang) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    let res;
    try {
      res = await fetch(`${config.serverUrl}/webhooks/rest/webhook`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        // Rasa's REST channel passes `metadata` on with the message: the widget's language.
        body: JSON.stringify({ sender, message, message_id: id, metadata: { language: lang } }),
        signal: abort.signal,
      });
      if (!res.ok) {
        let detail = "";
        try {
          const body = await res.json();
          if (body && typeof body.error === "string") detail = body.error;
        } catch (e) { /* not JSON */ }
        const error = new Error(`error ${res.status}`);
        error.shown = { kind: "http", detail, status: res.status };
        error.resend = [502, 503, 504].includes(res.status);
        throw error;
      }
      const body = await res.json();
      return Array.isArray(body) ? body : [];
    } catch (e) {
      if (res && !res.ok) throw e;
      const kind = abort.signal.aborted ? "timeout" : "unreachable";
      const error = new Error(kind);
      error.shown = { kind };
      error.resend = true;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // post() again after a failure that a resend may cure (the same id: answered once at most).
  async function postWithResend(sender, item, mine) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await post(sender, item.payload, messageId(item), currentLang());
      } catch (e) {
        if (!e.resend || attempt >= RESEND_AFTER_MS.length || mine !== generation) throw e;
        await new Promise((resolve) => setTimeout(resolve, RESEND_AFTER_MS[attempt]));
        if (mine !== generation) throw e;
      }
    }
  }

  // Sends queued messages one at a time, in order; stops at the first failure.
  async function pump() {
    if (busy) return;
    const item = state.items.find((i) => i.role === "user" && i.status === "queued");
    if (!item) return;
    const mine = generation;
    busy = true;
    sync();
    try {
      const replies = await postWithResend(state.sender, item, mine);
      if (mine !== generation) return;
      item.status = "sent";
      lastError = null;
      const bots = replies.map(toBotItem).filter(Boolean);
      markLanguage(bots, currentLang());
      markRateable(item, bots);
      state.items.splice(state.items.indexOf(item) + 1, 0, ...bots);
    } catch (e) {
      if (mine !== generation) return;
      lastError = e.shown || { kind: "unreachable" };
      state.items.forEach((i) => { if (i.role === "user" && i.status === "queued") i.status = "failed"; });
    } finally {
      if (mine === generation) {
        busy = false;
        save();
        sync();
        pump();
      }
    }
  }

  // `lang`: the language of the message's words; what the student typed is taken to be in the
  // widget's language, a quick reply's title is in its answer's.
  function send(payload, text, hidden = false, lang = currentLang()) {
    // Sending again also resends whatever is still waiting, in the original order.
    state.items.forEach((i) => { if (i.role === "user" && i.status === "failed") i.status = "queued"; });
    state.items.push({ id: newId(), role: "user", text, lang, payload, status: "queued", hidden });
    save();
    sync();
    pump();
  }

  function retry() {
    state.items.forEach((i) => { if (i.role === "user" && i.status === "failed") i.status = "queued"; });
    save();
    sync();
    input.focus();
    pump();
  }

  // ---- votes on answers: thumbs up / down, an optional reason after a thumbs down ------------
  // The REST channel tags each reply with `in_reply_to` (the student message it answers); a vote
  // is POSTed to {server}/webhooks/rest/feedback and stored with the conversation. One vote per
  // answer: pressing the other thumb changes it. item.vote = {rating, reason, sent}.
  const VOTE_REASON_MAX = 300;
  function markRateable(userItem, bots) {
    if (userItem.hidden || !bots.length || !bots[bots.length - 1].answerTo) return;
    bots[bots.length - 1].rateable = true;
  }

  async function postVote(answerTo, rating, reason) {
    const res = await fetch(`${config.serverUrl}/webhooks/rest/feedback`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, answer_to: answerTo, rating, reason }),
    });
    if (!res.ok) throw new Error(`error ${res.status}`);
  }

  function voteControl(item) {
    const status = el("p", { class: "lcw-vote-status", role: "status" });
    const thumb = (rating, label, d) => el("button", {
      type: "button", class: `lcw-vote-btn lcw-vote-${rating}`, "aria-label": label,
      "aria-pressed": "false", title: label, "data-rating": rating,
      onclick: () => vote(rating),
    }, icon(d));
    const up = thumb("up", t("helpful"),
      "M7 10v11H3V10zM7 10l4-8a2 2 0 0 1 3 2l-1 5h6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 17.6 21H7");
    const down = thumb("down", t("notHelpful"),
      "M17 14V3h4v11zM17 14l-4 8a2 2 0 0 1-3-2l1-5H5a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 6.4 3H17");
    const reasonId = `lcw-reason-${item.id}`;
    const reasonInput = el("input", {
      id: reasonId, class: "lcw-vote-input", type: "text", maxlength: String(VOTE_REASON_MAX),
      autocomplete: "off",
    });
    const reasonForm = el("form", { class: "lcw-vote-reason", hidden: true },
      el("label", { for: reasonId, text: t("whatWasWrong") }), reasonInput,
      el("button", { type: "submit", class: "lcw-vote-send", text: t("send") }));
    const box = el("div", { class: "lcw-vote", role: "group", "aria-label": t("wasItHelpful") },
      el("span", { class: "lcw-vote-label", text: t("helpfulShort") }), up, down, status, reasonForm);

    function show() {
      const v = item.vote || {};
      up.setAttribute("aria-pressed", String(v.rating === "up"));
      down.setAttribute("aria-pressed", String(v.rating === "down"));
      status.textContent = v.error ? t("voteFailed") : v.sent ? t(v.reason ? "thanksComment" : "thanks") : "";
    }
    async function vote(rating, reason = "") {
      const previous = item.vote;
      item.vote = { rating, reason, sent: false };
      show();
      try {
        await postVote(item.answerTo, rating, reason);
        item.vote.sent = true;
      } catch (e) {
        item.vote = { ...(previous || {}), error: true };
      }
      save();
      show();
      reasonForm.hidden = !(item.vote.rating === "down" && item.vote.sent && !reason);
      if (!reasonForm.hidden && !reason) reasonInput.focus();
    }
    reasonForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const reason = reasonInput.value.trim().slice(0, VOTE_REASON_MAX);
      if (reason) vote("down", reason); else reasonForm.hidden = true;
    });
    show();
    return box;
  }

  // ---- opening, closing, starting over ------------------------------------------------------------
  function open(focus = true) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    if (!state.items.length) greet();
    save();
    sync();
    if (focus) input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }
  function startOver() {
    generation += 1;
    busy = false;
    lastError = null;
    state = fresh(true, state.lang); // a new conversation, in the language the student chose
    greet();
    input.focus();
  }

  // ---- the widget's language: the page's, or the student's choice (kept with the conversation) --
  function applyLanguage() {
    const lang = currentLang();
    host.setAttribute("lang", lang);
    launcher.setAttribute("aria-label", t("openChat", config.title));
    launcherText.textContent = t("askUs");
    closeBtn.setAttribute("aria-label", t("closeChat"));
    resetBtn.textContent = t("startOver");
    langGroup.setAttribute("aria-label", t("language"));
    langButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang)));
    privacy.textContent = t("privacy", config.retentionDays);
    log.setAttribute("aria-label", t("conversation"));
    typingText.textContent = t("typing");
    retryBtn.textContent = t("retry");
    input.placeholder = t("placeholder");
    inputLabel.textContent = t("yourQuestion");
    sendBtn.textContent = t("send");
    contactBtn.textContent = t("contact");
    // Messages are rebuilt for their hidden prefixes and vote buttons; their own words keep their lang.
    for (const node of nodes.values()) node.remove();
    nodes.clear();
    sync();
  }
  function setLanguage(code) {
    if (!LANGS.includes(code)) return;
    state.lang = code;
    save();
    applyLanguage();
  }

  launcher.addEventListener("click", () => open());
  closeBtn.addEventListener("click", close);
  resetBtn.addEventListener("click", startOver);
  retryBtn.addEventListener("click", retry);
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); close(); }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });

  function applyColours(target, colour) {
    // Pick white or near-black text for the chosen colour so contrast stays at WCAG AA.
    const rgb = parseHex(colour);
    const lum = rgb && luminance(rgb);
    const onPrimary = !rgb || contrast(lum, 1) >= 4.5 ? "#ffffff" : "#111111";
    const accentText = !rgb || contrast(lum, 1) >= 4.5 ? colour : "#111111";
    target.style.setProperty("--lcw-primary", colour);
    target.style.setProperty("--lcw-on-primary", onPrimary);
    target.style.setProperty("--lcw-accent-text", accentText);
  }
  function parseHex(c) {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(c).trim());
    if (!m) return null;
    const h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function contrast(a, b) { return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }

  function mount() {
    document.body.append(host);
    applyLanguage();
    if (state.open) open(false);
    if (state.items.some((i) => i.status === "queued")) pump();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  window.LUMCChat = { open, close, startOver, setLanguage, config };
})();
