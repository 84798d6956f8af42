/* Côté Soin chat widget: plain JavaScript, no build step, no dependency but the socket.io client
 * served next to it (static/vendor/socket.io.min.js).
 *
 * It talks to Rasa's socket.io channel (bot/web/channel.py) through /socket.io/ on this origin:
 * on each connection it asks for its conversation with `session_request` {session_id, proof}, the
 * server confirms with `session_confirm` {session_id, proof} (a new conversation when the proof is
 * not the one it issued with that id), then `user_uttered` {message, session_id} goes out and
 * `bot_uttered` {text, quick_replies} comes back.
 *
 * - Every text is put in the page with textContent / createTextNode, never innerHTML: a message
 *   containing <script> shows as text. Links are <a> built from http(s) and e-mail addresses only.
 * - The conversation id, its proof and the history live in localStorage: a reload, another page of the site
 *   or a later visit shows the same conversation; « Nouvelle conversation » forgets both, once the
 *   person confirmed, and never while a request to the coordinators is open (the coordinator's
 *   answer would go to the old conversation).
 * - Hand-over: the server sends {handoff: "requested" | "joined" | "left" | "closed", coordinator}
 *   without text; a coordinator's messages carry their name (`coordinator`), shown on them, and
 *   while a coordinator holds the conversation their first name is in the header.
 * - On a small screen (≤ 30rem wide or high, e.g. a phone or 400 % zoom) the panel covers the page:
 *   it is then modal and Tab stays inside it.
 * - Another tab writing to the conversation: only the new messages are added here (a screen reader
 *   reads what is new, not everything again).
 * - Messages sent while no tab was connected (page closed, phone asleep, mid-reload): on each
 *   connection `session_request` says which message the history ends with (`holds`), and the server
 *   sends what came after it (bot/web/replay.py); those another tab already wrote down are dropped
 *   by their id.
 * - socket.io-client reconnects by itself; meanwhile a banner says the connection is lost and
 *   messages wait in a queue sent once the server confirms the conversation again.
 */
(function () {
  "use strict";

  var MAX_CHARS = 1000;
  var HISTORY_LIMIT = 200;
  var TYPING_TIMEOUT_MS = 30000;
  var FORGET_AFTER_MS = 30 * 24 * 3600 * 1000;
  var KEYS = { session: "cotesoin.chat.session", proof: "cotesoin.chat.proof", history: "cotesoin.chat.history",
               seen: "cotesoin.chat.seen", open: "cotesoin.chat.open", person: "cotesoin.chat.person",
               handoff: "cotesoin.chat.handoff" };
  var MAX_REPLIES = 4;   // more quick replies than this: the first ones and « Autres sujets »
  var MAX_ITEMS = 3;     // longer lists (« • » lines): the first ones and « Voir plus »
  var HUMAN_PAYLOAD = "/request_human";  // the footer has its own button for it
  var COVERING = "(max-width: 30rem), (max-height: 30rem)";  // same as widget.css
  var TEXT = {
    offline: "Connexion perdue, nouvelle tentative…",
    back: "Connexion rétablie.",
    empty: "Écrivez votre message avant d'envoyer.",
    tooLong: function (n) {
      return "Votre message fait " + frenchNumber(n) + " caractères : " + frenchNumber(MAX_CHARS) +
        " au plus. Raccourcissez-le, ou demandez un·e coordinateur·rice.";
    },
    queued: "Votre message partira dès le retour de la connexion.",
    slow: "L'assistant ne répond pas pour l'instant. Réessayez dans un moment.",
    you: "Vous : ",
    bot: "Assistant : ",
    person: function (name) { return name ? name + ", coordination Côté Soin : " : "Coordination Côté Soin : "; },
    title: "Assistant Côté Soin",
    heldTitle: function (name) { return (name || "Un·e coordinateur·rice") + ", coordination Côté Soin"; },
    confirmReset: "Effacer cette conversation de l'écran et en commencer une nouvelle ?",
    confirmYes: "Oui, recommencer",
    confirmNo: "Annuler",
    resetBlocked: "Votre demande à l'équipe de coordination est en cours : la réponse arrivera ici. " +
      "Vous pourrez commencer une nouvelle conversation quand elle sera close.",
    alreadyHeld: function (name) {
      return (name || "Un·e coordinateur·rice") + " vous répond déjà : écrivez votre message ci-dessous.";
    },
    moreTopics: "Autres sujets",
    moreItems: function (n) { return "Voir plus (" + frenchNumber(n) + ")"; },
    newWindow: " (nouvelle fenêtre)",
    count: function (n) { return frenchNumber(n) + " / " + frenchNumber(MAX_CHARS) + " caractères"; },
    greetPayload: "/greet"
  };

  function frenchNumber(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f"); }

  // -- storage that never throws (private browsing, storage disabled) ---------------------------
  function store(kind) {
    try { var s = window[kind]; var k = "__cs"; s.setItem(k, "1"); s.removeItem(k); return s; }
    catch (e) { var mem = {}; return { getItem: function (k) { return k in mem ? mem[k] : null; },
      setItem: function (k, v) { mem[k] = String(v); }, removeItem: function (k) { delete mem[k]; } }; }
  }
  var local = store("localStorage");
  var tabStore = store("sessionStorage");

  function parseHistory(json) {
    try {
      var saved = JSON.parse(json || "[]");
      return Array.isArray(saved) ? saved.filter(function (m) { return m && typeof m.text === "string"; }) : [];
    } catch (e) { return []; }
  }

  function readHistory() { return parseHistory(local.getItem(KEYS.history)); }

  /* The same message: by its server id when both have one, else by who wrote what. */
  function sameEntry(a, b) {
    if (a.id && b.id) return a.id === b.id;
    return a.from === b.from && a.text === b.text;
  }

  function startsWith(longer, shorter) {
    return longer.length >= shorter.length && shorter.every(function (entry, i) { return sameEntry(longer[i], entry); });
  }

  // -- safe rich text: line breaks, links, **bold**, [label](url), no HTML ever -----------------
  var TOKENS = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)|\*\*([^*\n]{1,300})\*\*|(https?:\/\/[^\s<>"]+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)|((?:\+33[\s.]?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b)/g;
  var TRAILING = /[.,;:!?)»'"]+$/;

  function link(href, label) {
    var url;
    try { url = new URL(href, window.location.href); } catch (e) { return document.createTextNode(label); }
    if (url.protocol !== "https:" && url.protocol !== "http:" && url.protocol !== "mailto:" && url.protocol !== "tel:") {
      return document.createTextNode(label);
    }
    var a = document.createElement("a");
    a.href = url.href;
    a.textContent = label;
    if (url.protocol !== "mailto:" && url.protocol !== "tel:" && url.origin !== window.location.origin) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = TEXT.newWindow;
      a.appendChild(hint);
    }
    return a;
  }

  function appendRichText(parent, text) {
    var last = 0, match;
    TOKENS.lastIndex = 0;
    while ((match = TOKENS.exec(text)) !== null) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) {
        parent.appendChild(link(match[2], match[1]));
      } else if (match[3] !== undefined) {
        var strong = document.createElement("strong");
        strong.textContent = match[3];
        parent.appendChild(strong);
      } else if (match[4] !== undefined) {
        var url = match[4], trail = (url.match(TRAILING) || [""])[0];
        if (trail) url = url.slice(0, -trail.length);
        parent.appendChild(link(url, url));
        if (trail) parent.appendChild(document.createTextNode(trail));
      } else if (match[5] !== undefined) {
        parent.appendChild(link("mailto:" + match[5], match[5]));
      } else {
        parent.appendChild(link("tel:" + phoneNumber(match[6]), match[6]));
      }
      last = TOKENS.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /* "02 40 00 00 00" or "+33 2 40…" -> "+33240000000" (what a phone dials). */
  function phoneNumber(text) {
    var digits = text.replace(/[^\d+]/g, "");
    return digits.charAt(0) === "0" ? "+33" + digits.slice(1) : digits;
  }

  // -- the widget ---------------------------------------------------------------------------------
  function Widget(root) {
    this.root = root;
    this.panel = root.querySelector(".cs-chat");
    this.launcher = root.querySelector("[data-chat-toggle]");
    this.badge = root.querySelector("[data-chat-badge]");
    this.log = root.querySelector("[data-chat-log]");
    this.form = root.querySelector("[data-chat-form]");
    this.input = root.querySelector("[data-chat-input]");
    this.hint = root.querySelector("[data-chat-hint]");
    this.count = root.querySelector("[data-chat-count]");
    this.typing = root.querySelector("[data-chat-typing]");
    this.offline = root.querySelector("[data-chat-offline]");
    this.title = root.querySelector("#cs-chat-title");
    this.resetButton = root.querySelector("[data-chat-reset]");
    this.confirmBar = null;
    this.covering = window.matchMedia ? window.matchMedia(COVERING) : { matches: false, addEventListener: null };
    this.sessionId = local.getItem(KEYS.session);
    this.history = readHistory();
    this.queue = [];
    this.socket = null;
    this.confirmed = false;
    this.everConfirmed = false;
    this.typingTimer = null;

    var seen = Number(local.getItem(KEYS.seen) || 0);
    if (this.sessionId && seen && Date.now() - seen > FORGET_AFTER_MS) this.forget();
  }

  Widget.prototype.start = function () {
    var self = this;
    this.launcher.hidden = false;
    document.querySelectorAll("[data-chat-open]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { self.open(); });
    });
    this.launcher.addEventListener("click", function () { self.isOpen() ? self.close() : self.open(); });
    this.root.querySelector("[data-chat-close]").addEventListener("click", function () { self.close(); });
    this.resetButton.addEventListener("click", function () { self.askReset(); });
    this.root.querySelector("[data-chat-human]").addEventListener("click", function (event) {
      if (local.getItem(KEYS.handoff) === "held") { self.announce(TEXT.alreadyHeld(self.coordinator())); return; }
      self.send(event.currentTarget.getAttribute("data-payload"), event.currentTarget.textContent.trim());
    });
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); self.close(); }
      else if (event.key === "Tab") self.trapTab(event);
    });
    // Covering the page, the panel keeps the focus: nothing hidden under it can be reached.
    document.addEventListener("focusin", function (event) {
      if (self.isOpen() && self.covering.matches && !self.panel.contains(event.target)) self.input.focus();
    });
    if (this.covering.addEventListener) {
      this.covering.addEventListener("change", function () { self.updateModal(); });
    }
    this.updateModal();
    this.updateSpeaker();
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); self.submit(); }
    });
    this.input.addEventListener("input", function () { self.updateCount(); });
    this.redraw();
    this.updateCount();
    // Another tab of the same site wrote to the conversation: show it here too.
    window.addEventListener("storage", function (event) {
      if (event.key === KEYS.history) self.catchUp(parseHistory(event.newValue));
      else if (event.key === KEYS.person || event.key === KEYS.handoff) self.updateSpeaker();
    });
    if (this.sessionId) this.connect();
    if (tabStore.getItem(KEYS.open) === "1") this.open({ focus: false });
  };

  Widget.prototype.isOpen = function () { return !this.panel.hidden; };

  /* Modal only while the panel covers the page (phone, 400 % zoom); the launcher is then hidden. */
  Widget.prototype.updateModal = function () {
    var covering = this.covering.matches && this.isOpen();
    this.panel.setAttribute("aria-modal", covering ? "true" : "false");
    this.root.classList.toggle("cs-widget--covering", covering);
  };

  Widget.prototype.focusables = function () {
    return Array.prototype.filter.call(
      this.panel.querySelectorAll("a[href], button, textarea, input, select, [tabindex='0']"),
      function (el) { return !el.disabled && !el.closest("[hidden]") && el.getClientRects().length > 0; });
  };

  Widget.prototype.trapTab = function (event) {
    if (!this.covering.matches) return;
    var items = this.focusables();
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  };

  /* The coordinator's first name while one holds the conversation, else "". */
  Widget.prototype.coordinator = function () {
    var person = local.getItem(KEYS.person);
    return person && person !== "1" ? person : "";
  };

  Widget.prototype.updateSpeaker = function () {
    var held = local.getItem(KEYS.handoff) === "held";
    this.title.textContent = held ? TEXT.heldTitle(this.coordinator()) : TEXT.title;
    this.root.classList.toggle("cs-widget--held", held);
  };

  Widget.prototype.open = function (options) {
    // Focus goes back where it was when the panel closes (the launcher or a button of the page).
    var active = document.activeElement;
    this.opener = active && active !== document.body && !this.panel.contains(active) ? active : this.launcher;
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.badge.hidden = true;
    tabStore.setItem(KEYS.open, "1");
    this.updateModal();
    this.scrollDown();
    this.connect();
    if (!this.history.length && !this.greeted) this.greet();
    if (!options || options.focus !== false) this.input.focus();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    tabStore.setItem(KEYS.open, "0");
    this.hideConfirm();
    this.updateModal();
    var back = this.opener && document.contains(this.opener) ? this.opener : this.launcher;
    back.focus();
  };

  // -- connection ---------------------------------------------------------------------------------
  Widget.prototype.connect = function () {
    if (this.socket) return;
    if (typeof window.io !== "function") { this.showOffline(TEXT.offline); return; }
    var self = this;
    var socket = window.io({ path: "/socket.io/", reconnectionDelay: 1000, reconnectionDelayMax: 5000,
                             timeout: 10000 });
    this.socket = socket;
    socket.on("connect", function () {
      // What this page believes of a hand-over: the server corrects it if it changed meanwhile.
      var handoff = local.getItem(KEYS.handoff);
      var request = { session_id: self.sessionId || null, proof: self.sessionId ? local.getItem(KEYS.proof) : null,
                      handoff: handoff === "held" ? "joined" : handoff };
      // What was sent while no tab was connected comes back after the last message held here.
      if (self.sessionId) request.holds = self.lastId();
      socket.emit("session_request", request);
    });
    socket.on("session_confirm", function (id) {
      var sessionId = id && id.session_id, proof = id && id.proof;
      if (typeof sessionId !== "string" || typeof proof !== "string") return;
      if (self.sessionId && sessionId !== self.sessionId) {  // the server did not know the old id
        self.history = [];
        self.save();
        self.redraw();
      }
      self.sessionId = sessionId;
      local.setItem(KEYS.session, sessionId);
      local.setItem(KEYS.proof, proof);
      self.confirmed = true;
      if (self.everConfirmed && !self.offline.hidden) self.announce(TEXT.back);
      self.everConfirmed = true;
      self.hideOffline();
      self.flush();
    });
    socket.on("bot_uttered", function (data) { self.receive(data); });
    socket.on("disconnect", function () { self.confirmed = false; self.showOffline(TEXT.offline); });
    socket.on("connect_error", function () { self.confirmed = false; self.showOffline(TEXT.offline); });
  };

  /* The id of the last message from the server in the shared history (null: none yet). */
  Widget.prototype.lastId = function () {
    var history = readHistory();
    for (var i = history.length - 1; i >= 0; i--) if (typeof history[i].id === "string") return history[i].id;
    return null;
  };

  Widget.prototype.showOffline = function (text) {
    if (this.offline.hidden || this.offline.textContent !== text) {
      this.offline.textContent = text;
      this.offline.hidden = false;
    }
  };

  Widget.prototype.hideOffline = function () {
    this.offline.hidden = true;
    this.offline.textContent = "";
  };

  Widget.prototype.announce = function (text) {
    this.addEntry({ from: "notice", text: text }, { save: false });
  };

  // -- sending ------------------------------------------------------------------------------------
  Widget.prototype.updateCount = function () {
    var length = this.input.value.length;
    this.count.textContent = TEXT.count(length);
    this.count.classList.toggle("cs-chat__count--over", length > MAX_CHARS);
    if (length <= MAX_CHARS && this.input.getAttribute("aria-invalid") === "true" && length) this.setHint("");
  };

  Widget.prototype.setHint = function (text) {
    this.hint.textContent = text;
    if (text) this.input.setAttribute("aria-invalid", "true");
    else this.input.removeAttribute("aria-invalid");
  };

  Widget.prototype.submit = function () {
    var text = this.input.value.trim();
    if (!text) { this.setHint(TEXT.empty); this.input.focus(); return; }
    if (text.length > MAX_CHARS) { this.setHint(TEXT.tooLong(text.length)); this.input.focus(); return; }
    this.setHint("");
    this.input.value = "";
    this.updateCount();
    this.send(text, text);
    this.input.focus();
  };

  /* Show `display` as the person's message and send `message` (a button's payload, or the text). */
  Widget.prototype.send = function (message, display) {
    this.clearReplies();
    this.addEntry({ from: "user", text: display });
    this.deliver(message);
    if (!this.confirmed) this.setHint(TEXT.queued);
  };

  Widget.prototype.deliver = function (message) {
    this.queue.push(message);
    this.connect();
    this.flush();
  };

  Widget.prototype.flush = function () {
    if (!this.confirmed || !this.socket) return;
    while (this.queue.length) {
      this.socket.emit("user_uttered", { message: this.queue.shift(), session_id: this.sessionId });
      this.startTyping();
    }
    if (this.hint.textContent === TEXT.queued) this.setHint("");
  };

  Widget.prototype.startTyping = function () {
    var self = this;
    if (local.getItem(KEYS.handoff) === "held") return;
    this.typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () {
      self.typing.hidden = true;
      self.setHint(TEXT.slow);
    }, TYPING_TIMEOUT_MS);
  };

  Widget.prototype.stopTyping = function () {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
    if (this.hint.textContent === TEXT.slow) this.setHint("");
  };

  // -- receiving ----------------------------------------------------------------------------------
  function repliesOf(data) {
    var raw = data.quick_replies || data.buttons || [];
    if (!Array.isArray(raw)) return [];
    return raw.filter(function (b) { return b && typeof b.title === "string"; }).slice(0, 12).map(function (b) {
      return { title: b.title, payload: typeof b.payload === "string" && b.payload ? b.payload : b.title };
    });
  }

  function textOf(data) {
    if (typeof data === "string") return data;
    if (!data || typeof data !== "object") return "";
    if (typeof data.text === "string") return data.text;
    var attachment = data.attachment;
    if (attachment && attachment.payload && typeof attachment.payload.src === "string") return attachment.payload.src;
    return "";
  }

  Widget.prototype.receive = function (data) {
    this.stopTyping();
    // « Supprimer mes données » done on the server: the browser forgets its copy too.
    if (data && data.erased === true) { this.forget(); return; }
    // Hand-over: a request recorded, a coordinator joined, left (request back in the queue) or closed
    // it. While a person answers, no « L'assistant écrit… » nor « ne répond pas ».
    if (data && typeof data.handoff === "string") { this.handoffChanged(data); return; }
    // Every tab of the conversation gets each answer: the first one to get it writes it down, the
    // others show it from the shared history (same id).
    var id = data && typeof data.id === "string" ? data.id : null;
    if (id) {
      this.catchUp(readHistory());
      if (this.history.some(function (entry) { return entry.id === id; })) return;
    }
    if (data && data.upload && typeof data.upload.url === "string") {
      // Kept in the history, so that the file button comes back after a reload (the token stays valid).
      var offer = { from: "upload", text: "", upload: { url: data.upload.url, accept: String(data.upload.accept || "") } };
      if (id) offer.id = id;
      this.addEntry(offer);
      return;
    }
    var text = textOf(data);
    var replies = data && typeof data === "object" ? repliesOf(data) : [];
    if (!text && !replies.length) return;
    // Buttons of earlier turns go; those of this answer stay (each opening's « Postuler », then « la suite »).
    if (replies.length) this.clearReplies(true);
    // A coordinator's message says whose it is, even sent again once the hand-over is over.
    var person = data && typeof data.coordinator === "string" ? (data.coordinator.split(" ")[0] || true) : false;
    var entry = { from: "bot", text: text, replies: replies, person: person };
    if (id) entry.id = id;
    this.addEntry(entry);
    if (!this.isOpen()) this.badge.hidden = false;
  };

  Widget.prototype.handoffChanged = function (data) {
    var name = typeof data.coordinator === "string" ? data.coordinator.split(" ")[0] : "";
    if (data.handoff === "joined") {
      local.setItem(KEYS.handoff, "held");
      local.setItem(KEYS.person, name || "1");
    } else {
      local.removeItem(KEYS.person);
      if (data.handoff === "closed") local.removeItem(KEYS.handoff);
      else local.setItem(KEYS.handoff, "requested");  // requested, or put back in the queue
    }
    this.updateSpeaker();
  };

  // -- drawing ------------------------------------------------------------------------------------
  /* Show an entry; unless `save` is false (a notice for this tab only), keep it in the shared history. */
  Widget.prototype.addEntry = function (entry, options) {
    if (!options || options.save !== false) {
      this.history.push(entry);
      if (this.history.length > HISTORY_LIMIT) this.history = this.history.slice(-HISTORY_LIMIT);
      this.save();
    }
    this.draw(entry);
    this.scrollDown();
  };

  Widget.prototype.save = function () {
    try {
      local.setItem(KEYS.history, JSON.stringify(this.history));
      local.setItem(KEYS.seen, String(Date.now()));
    } catch (e) { /* full storage: the conversation goes on, unsaved */ }
  };

  Widget.prototype.draw = function (entry) {
    var self = this;
    if (entry.upload) { this.drawUpload(entry); return; }
    if (entry.text) {
      var bubble = document.createElement("div");
      bubble.className = "cs-msg cs-msg--" + entry.from + (entry.person ? " cs-msg--person" : "");
      if (entry.from !== "notice") {
        var who = document.createElement("span");
        // A coordinator's name is shown; « Vous » and « Assistant » are for screen readers only.
        who.className = entry.person ? "cs-msg__who" : "visually-hidden";
        who.textContent = entry.from === "user" ? TEXT.you
          : (entry.person ? TEXT.person(typeof entry.person === "string" ? entry.person : "") : TEXT.bot);
        bubble.appendChild(who);
      }
      if (entry.from === "bot") this.drawText(bubble, entry.text);
      else bubble.appendChild(document.createTextNode(entry.text));
      this.log.appendChild(bubble);
    }
    var replies = (entry.replies || []).filter(function (r) { return r.payload !== HUMAN_PAYLOAD; });
    if (replies.length) {
      var group = document.createElement("div");
      group.className = "cs-replies";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Réponses proposées");
      replies.forEach(function (reply, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = reply.title;
        button.hidden = replies.length > MAX_REPLIES + 1 && index >= MAX_REPLIES;
        button.addEventListener("click", function () {
          self.send(reply.payload, reply.title);
          self.input.focus();
        });
        group.appendChild(button);
      });
      if (replies.length > MAX_REPLIES + 1) {
        group.appendChild(this.moreButton(TEXT.moreTopics, group.querySelectorAll("button[hidden]")));
      }
      group.entry = entry;  // so that the buttons go when another tab answers them
      this.log.appendChild(group);
    }
  };

  /* A button showing `hidden` elements, then going away (focus on the first one shown). */
  Widget.prototype.moreButton = function (label, hidden) {
    var more = document.createElement("button");
    more.type = "button";
    more.className = "cs-more";
    more.textContent = label;
    more.addEventListener("click", function () {
      Array.prototype.forEach.call(hidden, function (el) { el.hidden = false; });
      var first = hidden[0];
      more.remove();
      if (first) {
        if (first.tagName !== "BUTTON" && first.tagName !== "A") first.setAttribute("tabindex", "-1");
        first.focus();
      }
    });
    return more;
  };

  /* A bot text; a list of more than MAX_ITEMS « • » items shows the first ones and « Voir plus ». */
  Widget.prototype.drawText = function (bubble, text) {
    var lines = text.split("\n"), parts = [], current = null;
    lines.forEach(function (line) {
      if (/^• /.test(line)) { current = { item: true, lines: [line] }; parts.push(current); }
      else if (current && current.item && /^\s{2}\S/.test(line)) current.lines.push(line);
      else { current = { item: false, lines: [line] }; parts.push(current); }
    });
    var items = parts.filter(function (p) { return p.item; });
    if (items.length <= MAX_ITEMS + 1) { appendRichText(bubble, text); return; }
    var seen = 0, hidden = [], list = null, trailing = [];
    parts.forEach(function (part, index) {
      if (!part.item) {
        var block = part.lines.join("\n");
        if (list && hidden.length) { trailing.push(block); return; }
        if (list) list = null;
        var span = document.createElement("span");
        span.className = "cs-msg__para";
        appendRichText(span, block);
        bubble.appendChild(span);
        return;
      }
      if (!list) { list = document.createElement("ul"); list.className = "cs-list"; bubble.appendChild(list); }
      var li = document.createElement("li");
      var head = part.lines[0].replace(/^• /, "");
      if (part.lines.length > 1) {
        // The item's first line always shows (two lines at most on a phone); the rest (description,
        // contact) opens with it.
        var details = document.createElement("details");
        details.className = "cs-item";
        var summary = document.createElement("summary");
        var title = document.createElement("span");
        title.className = "cs-item__title";
        appendRichText(title, head);
        summary.appendChild(title);
        details.appendChild(summary);
        var rest = document.createElement("div");
        rest.className = "cs-item__more";
        appendRichText(rest, part.lines.slice(1).map(function (l) { return l.trim(); }).join("\n"));
        details.appendChild(rest);
        li.appendChild(details);
      } else {
        appendRichText(li, head);
      }
      if (seen >= MAX_ITEMS) { li.hidden = true; hidden.push(li); }
      seen += 1;
      list.appendChild(li);
    });
    if (hidden.length) bubble.appendChild(this.moreButton(TEXT.moreItems(hidden.length), hidden));
    trailing.forEach(function (block) {
      var span = document.createElement("span");
      span.className = "cs-msg__para";
      appendRichText(span, block);
      bubble.appendChild(span);
    });
  };

  /* Remove the reply buttons; with `keepThisTurn`, only those shown before the person's last message. */
  Widget.prototype.clearReplies = function (keepThisTurn) {
    var end = this.history.length;
    if (keepThisTurn) {
      end = 0;
      this.history.forEach(function (entry, index) { if (entry.from === "user") end = index; });
    }
    var changed = false;
    this.history.slice(0, end).forEach(function (entry) {
      if (entry.replies && entry.replies.length) { entry.replies = []; changed = true; }
      if (entry.upload) { entry.upload = null; changed = true; }
    });
    if (changed) this.save();
    var mine = this.log.querySelectorAll(".cs-msg--user");
    var last = keepThisTurn ? (mine.length ? mine[mine.length - 1] : null) : undefined;
    if (last === null) return;  // no message of the person yet: everything shown belongs to this turn
    this.log.querySelectorAll(".cs-replies").forEach(function (group) {
      if (!last || (group.compareDocumentPosition(last) & Node.DOCUMENT_POSITION_FOLLOWING)) group.remove();
    });
  };

  /* Another tab changed the history: add what is new, redraw only when it was emptied or replaced.
   * A copy shorter than what this tab shows, and the same so far, was written by a tab that had not
   * got the last answers yet: this tab keeps its own, and writes it back. */
  Widget.prototype.catchUp = function (history) {
    var drawn = this.history, self = this;
    if (history.length && history.length < drawn.length && startsWith(drawn, history)) { this.save(); return; }
    if (!startsWith(history, drawn)) { this.history = history; this.redraw(); return; }
    // Buttons answered in the other tab (or made obsolete by its message) go here too.
    drawn.forEach(function (entry, i) {
      var answered = entry.replies && entry.replies.length && !(history[i].replies && history[i].replies.length);
      if (!answered && !(entry.upload && !history[i].upload)) return;
      self.log.querySelectorAll(".cs-replies").forEach(function (group) { if (group.entry === entry) group.remove(); });
      drawn[i] = history[i];
    });
    var added = history.slice(drawn.length);
    added.forEach(function (entry) { drawn.push(entry); self.draw(entry); });
    this.updateSpeaker();
    this.scrollDown();
  };

  Widget.prototype.redraw = function () {
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    var self = this;
    this.history.forEach(function (entry) { self.draw(entry); });
    this.scrollDown();
  };

  /* Show the end of the conversation, but never scroll the person's last message out of view: a
   * long answer is then read from its start. */
  Widget.prototype.scrollDown = function () {
    var bottom = this.log.scrollHeight - this.log.clientHeight;
    var mine = this.log.querySelectorAll(".cs-msg--user");
    var last = mine.length ? mine[mine.length - 1] : null;
    // Before the person wrote anything, the conversation is read from its start (the privacy notice).
    this.log.scrollTop = last ? Math.min(bottom, last.offsetTop - 8) : 0;
  };

  // -- CV of the apply form: a file button while the form asks for it (POST /cv/<single-use token>) ---
  Widget.prototype.drawUpload = function (entry) {
    var self = this, upload = entry.upload;
    var group = document.createElement("div");
    group.entry = entry;
    group.className = "cs-replies cs-upload";
    var input = document.createElement("input");
    input.type = "file";
    input.hidden = true;
    input.accept = upload.accept || "";
    input.setAttribute("data-chat-file", "");
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "📎 Joindre mon CV";
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      button.disabled = true;
      var body = new FormData();
      body.append("file", file, file.name);
      fetch(upload.url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer && answer.token) {
            group.remove();
            self.send('/inform{"cv_token":"' + answer.token + '"}', "📎 " + answer.filename);
          } else {
            button.disabled = false;
            input.value = "";
            self.addEntry({ from: "bot", text: (answer && answer.error) || "Ce fichier n'a pas pu être envoyé." });
          }
        })
        .catch(function () {
          button.disabled = false;
          self.addEntry({ from: "bot", text: "Envoi impossible pour le moment : réessayez, ou écrivez « passer »." });
        });
    });
    group.appendChild(button);
    group.appendChild(input);
    this.log.appendChild(group);
  };

  // -- forgetting ---------------------------------------------------------------------------------
  Widget.prototype.forget = function () {
    local.removeItem(KEYS.session);
    local.removeItem(KEYS.proof);
    local.removeItem(KEYS.history);
    local.removeItem(KEYS.seen);
    local.removeItem(KEYS.person);
    local.removeItem(KEYS.handoff);
    this.sessionId = null;
    this.history = [];
  };

  /* « Nouvelle conversation »: asked first, in the panel; refused while a hand-over is open. */
  Widget.prototype.askReset = function () {
    var self = this;
    if (local.getItem(KEYS.handoff)) { this.announce(TEXT.resetBlocked); return; }
    if (this.confirmBar) { this.confirmBar.querySelector("button").focus(); return; }
    var bar = document.createElement("div");
    bar.className = "cs-chat__confirm";
    bar.setAttribute("role", "alertdialog");
    bar.setAttribute("aria-labelledby", "cs-chat-confirm-text");
    var question = document.createElement("p");
    question.id = "cs-chat-confirm-text";
    question.textContent = TEXT.confirmReset;
    var yes = document.createElement("button");
    yes.type = "button";
    yes.textContent = TEXT.confirmYes;
    yes.addEventListener("click", function () { self.hideConfirm(); self.reset(); });
    var no = document.createElement("button");
    no.type = "button";
    no.textContent = TEXT.confirmNo;
    no.addEventListener("click", function () { self.hideConfirm(); self.resetButton.focus(); });
    bar.appendChild(question);
    bar.appendChild(yes);
    bar.appendChild(no);
    this.panel.querySelector(".cs-chat__header").insertAdjacentElement("afterend", bar);
    this.confirmBar = bar;
    no.focus();
  };

  Widget.prototype.hideConfirm = function () {
    if (this.confirmBar) { this.confirmBar.remove(); this.confirmBar = null; }
  };

  Widget.prototype.reset = function () {
    this.forget();
    this.queue = [];
    this.greeted = false;
    this.stopTyping();
    this.setHint("");
    this.redraw();
    this.updateSpeaker();
    if (this.socket && this.confirmed) {
      this.confirmed = false;
      this.socket.emit("session_request", { session_id: null });
    }
    this.greet();
    this.input.focus();
  };

  /* A new conversation opens with what is kept, why and how long (the page's privacy notice). */
  Widget.prototype.greet = function () {
    this.greeted = true;
    var notice = this.root.querySelector("[data-chat-privacy]");
    if (notice) this.addEntry({ from: "notice", text: notice.getAttribute("data-chat-privacy") });
    this.deliver(TEXT.greetPayload);
  };

  function init() {
    var root = document.querySelector("[data-chat-widget]");
    if (!root) return;
    var widget = new Widget(root);
    widget.start();
    // A « Postuler » link of an alert e-mail (/?postuler=<opening id>): open the chat on its apply form.
    var opening = new URLSearchParams(window.location.search).get("postuler");
    if (opening && /^[A-Za-z0-9_.-]{1,40}$/.test(opening)) {
      widget.open();
      widget.send('/apply{"opening_id":"' + opening + '"}', "Postuler à l'offre " + opening);
      window.history.replaceState(null, "", window.location.pathname);
    }
    window.coteSoinChat = widget;  // for debugging and tests; holds nothing secret
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
