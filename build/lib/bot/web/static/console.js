/* Côté Soin console: live queue and transcript (server-sent events), replies without reloading. */
(function () {
  "use strict";
  var body = document.body;
  var live = body.getAttribute("data-live") || "/console/flux";
  if (!document.querySelector("[data-queue-badge]")) { return; }  // login page
  var badge = document.querySelector("[data-queue-badge]");
  var baseTitle = document.title;
  var lastWaiting = null;

  function fetchHtml(url, target, after) {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html-fragment" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { target.innerHTML = html; if (after) { after(); } })
      .catch(function () { /* next event retries */ });
  }

  function chime() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      var ctx = new Context();
      var tone = ctx.createOscillator();
      var gain = ctx.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4);
      tone.connect(gain); gain.connect(ctx.destination);
      tone.start(); tone.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no sound allowed: the badge is enough */ }
  }

  function showWaiting(count) {
    badge.hidden = count === 0;
    badge.textContent = String(count);
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
    if (lastWaiting !== null && count > lastWaiting) { chime(); }
    lastWaiting = count;
  }

  var queueList = document.querySelector("[data-queue-list]");
  var transcriptBox = document.querySelector("[data-transcript-box]");
  function scrollDown() { if (transcriptBox) { transcriptBox.scrollTop = transcriptBox.scrollHeight; } }
  scrollDown();

  var source = new EventSource(live);
  source.addEventListener("queue", function (event) {
    showWaiting(parseInt(event.data, 10) || 0);
    if (queueList) { fetchHtml(body.getAttribute("data-queue"), queueList); }
  });
  source.addEventListener("transcript", function () {
    if (transcriptBox) { fetchHtml(body.getAttribute("data-transcript"), transcriptBox, scrollDown); }
  });
  window.addEventListener("beforeunload", function () { source.close(); });

  var form = document.querySelector("[data-reply-form]");
  if (form) {
    var error = form.querySelector("[data-reply-error]");
    var field = form.querySelector("textarea");
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { form.requestSubmit(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      error.hidden = true;
      fetch(form.action, {
        method: "POST", credentials: "same-origin", body: new FormData(form),
        headers: { "X-Requested-With": "fetch", "X-CSRF-Token": form.elements.csrf.value }
      }).then(function (r) {
        return r.json().catch(function () { return { ok: false, error: "Envoi impossible (erreur " + r.status + ")." }; });
      }).then(function (answer) {
        if (answer.ok) { field.value = ""; }
        else { error.textContent = answer.error; error.hidden = false; }
      }).catch(function () {
        error.textContent = "Le serveur est injoignable : votre message n'est pas parti.";
        error.hidden = false;
      }).finally(function () { button.disabled = false; field.focus(); });
    });
  }
})();
