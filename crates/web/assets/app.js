// canyu (参与): progressive enhancement. Every form here also works without this file;
// with it, voting and commenting go through the JSON API without reloading the page.
(function () {
  "use strict";

  var body = document.body;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var msg = function (name, fallback) {
    return (body && body.getAttribute("data-msg-" + name)) || fallback;
  };

  // A countdown as people read it: `2 天 03:04:05` / `2 days 03:04:05`, `03:04:05` under a day.
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function countdown(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(s / 86400);
    s = s % 86400;
    var clock = pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
    if (!d) { return clock; }
    var days = msg(d === 1 ? "day" : "days", "{n}d").replace("{n}", String(d));
    return days + " " + clock;
  }

  // Calls the API; resolves with the JSON body or rejects with a message for people
  // (the API's own, already in the request's language).
  function api(method, url, payload) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init).then(
      function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (!res.ok) {
            var m = data && data.error && data.error.message;
            var err = new Error(m || msg("network", "Error"));
            err.status = res.status;
            throw err;
          }
          return data;
        });
      },
      function () { throw new Error(msg("network", "Network error")); }
    );
  }

  function showError(form, text) {
    var box = form.querySelector("[data-error]");
    if (box) {
      box.textContent = text;
      box.hidden = false;
    } else {
      toast(text);
    }
  }

  function clearError(form) {
    var box = form.querySelector("[data-error]");
    if (box) { box.textContent = ""; box.hidden = true; }
  }

  var toastTimer = null;
  function toast(text) {
    var el = document.getElementById("toast");
    if (!el) {
      el = document.createElement("div");
      el.id = "toast";
      el.className = "toast";
      el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.classList.remove("show"); }, 4000);
  }

  function busy(form, on) {
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = on;
      if (on) { buttons[i].setAttribute("aria-busy", "true"); } else { buttons[i].removeAttribute("aria-busy"); }
    }
    if (on) { form.setAttribute("data-busy", "1"); } else { form.removeAttribute("data-busy"); }
  }

  // ---- votes ---------------------------------------------------------------------
  function onVote(form) {
    var id = form.getAttribute("data-post");
    var button = form.querySelector(".vote-btn");
    if (!id || !button) { return; }
    var voted = button.getAttribute("aria-pressed") === "true";
    clearError(form);
    busy(form, true);
    api(voted ? "DELETE" : "PUT", "/api/v1/posts/" + encodeURIComponent(id) + "/vote")
      .then(function (data) {
        var nowVoted = !voted;
        button.setAttribute("aria-pressed", nowVoted ? "true" : "false");
        button.classList.toggle("is-voted", nowVoted);
        button.title = nowVoted ? msg("voted", "") : msg("vote", "");
        var count = button.querySelector(".vote-count");
        if (count && data && typeof data.votes === "number") { count.textContent = String(data.votes); }
        var label = button.querySelector("[data-vote-label]");
        if (label) { label.textContent = nowVoted ? msg("voted", label.textContent) : msg("vote", label.textContent); }
        button.classList.remove("pop");
        void button.offsetWidth;
        button.classList.add("pop");
      })
      .catch(function (err) { showError(form, err.message); })
      .then(function () { busy(form, false); });
  }

  // ---- comments ------------------------------------------------------------------
  function initial(handle) {
    return handle ? handle.charAt(0).toUpperCase() : "";
  }

  function commentItem(c) {
    var author = c.author;
    var handle = typeof author === "string" ? author : (author && (author.handle || author.name)) || "";
    var li = document.createElement("li");
    li.className = "comment is-new" + (c.official ? " is-official" : "");
    li.id = "c" + c.id;
    li.setAttribute("data-testid", "comment");

    var head = document.createElement("div");
    head.className = "comment-head";
    var avatar = document.createElement("span");
    avatar.className = "avatar avatar-sm" + (c.official ? " is-staff" : "");
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = initial(handle);
    var link = document.createElement("a");
    link.className = "comment-author";
    link.href = "/users/" + encodeURIComponent(handle);
    link.textContent = handle;
    head.appendChild(avatar);
    head.appendChild(link);
    if (c.official) {
      var badge = document.createElement("span");
      badge.className = "badge badge-official";
      badge.setAttribute("data-testid", "official-badge");
      badge.textContent = msg("official", "");
      head.appendChild(badge);
    }
    var time = document.createElement("time");
    if (typeof c.created_at === "string") {
      time.dateTime = c.created_at;
    } else if (typeof c.created_at === "number") {
      time.dateTime = new Date(c.created_at).toISOString();
    }
    time.textContent = msg("just-now", "");
    head.appendChild(time);

    var text = document.createElement("div");
    text.className = "prose comment-body";
    if (typeof c.body_html === "string") {
      // Rendered and sanitised by the server (the same Markdown cleaner as the page).
      text.innerHTML = c.body_html;
    } else {
      text.textContent = c.body || "";
    }
    li.appendChild(head);
    li.appendChild(text);
    return li;
  }

  function hasFiles(form) {
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) { if (inputs[i].files && inputs[i].files.length) { return true; } }
    return !!form.querySelector("input[name=image]");
  }

  function onComment(form) {
    var id = form.getAttribute("data-post");
    var field = form.querySelector("textarea[name=body]");
    if (!id || !field) { return; }
    clearError(form);
    busy(form, true);
    var payload = { body: field.value };
    var replyTo = form.querySelector("input[name=reply_to]");
    if (replyTo && replyTo.value) { payload.reply_to = parseInt(replyTo.value, 10); }
    api("POST", "/api/v1/posts/" + encodeURIComponent(id) + "/comments", payload)
      .then(function (c) {
        var list = document.querySelector("[data-comment-list]");
        if (list && c) { list.appendChild(commentItem(c)); }
        var empty = document.querySelector("[data-comments-empty]");
        if (empty) { empty.remove(); }
        var counts = document.querySelectorAll("[data-comment-count]");
        for (var i = 0; i < counts.length; i++) {
          counts[i].textContent = String((parseInt(counts[i].textContent, 10) || 0) + 1);
        }
        field.value = "";
      })
      .catch(function (err) { showError(form, err.message); })
      .then(function () { busy(form, false); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !window.fetch) { return; }
    if (form.hasAttribute("data-vote")) {
      event.preventDefault();
      if (!form.hasAttribute("data-busy")) { onVote(form); }
    } else if (form.hasAttribute("data-comment-form") && !hasFiles(form)) {
      // With images the form goes as it is (multipart, a page load): the upload needs no script.
      event.preventDefault();
      if (!form.hasAttribute("data-busy")) { onComment(form); }
    }
  });

  // Ctrl/⌘ + Enter sends a comment.
  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && t && t.form && t.form.hasAttribute("data-comment-form")) {
      event.preventDefault();
      if (typeof t.form.requestSubmit === "function") { t.form.requestSubmit(); }
    }
  });

  // ---- AMA: votes and questions through the API, and the live page ----------------
  // The page works without this: every form posts and reloads. With it, a vote or a question
  // goes through the API, and the live stream (one server-sent event stream, frames shared by
  // every viewer) re-ranks the questions and shows each answer as it arrives.
  var ama = document.querySelector("[data-ama]");
  function amaMsg(name, fallback) { return (ama && ama.getAttribute("data-msg-" + name)) || fallback; }
  function amaPath(q) { return "/amas/" + encodeURIComponent(ama.getAttribute("data-ama")) + "/questions" + (q ? "/" + encodeURIComponent(q) : ""); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function setAmaVote(form, voted, votes) {
    var button = form.querySelector(".vote-btn");
    button.setAttribute("aria-pressed", voted ? "true" : "false");
    button.classList.toggle("is-voted", voted);
    button.title = voted ? amaMsg("voted", "") : amaMsg("vote", "");
    var action = form.querySelector("input[name=action]");
    if (action) { action.value = voted ? "unvote" : "vote"; }
    if (typeof votes === "number") { form.querySelector("[data-votes]").textContent = String(votes); }
  }

  // A question as the server renders it (without the host's tools, which need a reload).
  function amaQuestion(q) {
    var me = ama.getAttribute("data-me");
    var own = !!me && q.author === me;
    var li = el("li", "ama-q is-new");
    li.id = "q" + q.id;
    li.setAttribute("data-q", String(q.id));
    li.setAttribute("data-testid", "ama-question");
    if (own) { li.setAttribute("data-own", ""); }
    var main = el("div", "ama-q-main");
    var body = el("p", "ama-q-body", q.body);
    body.setAttribute("data-testid", "ama-question-body");
    main.appendChild(body);
    var meta = el("p", "muted small");
    meta.appendChild(el("span", "ama-q-no", "#" + q.id));
    meta.appendChild(document.createTextNode(" " + q.author + " "));
    var badge = el("span", "badge badge-answered", amaMsg("answered", ""));
    badge.setAttribute("data-answered-badge", "");
    badge.hidden = true;
    meta.appendChild(badge);
    main.appendChild(meta);
    var answer = el("div", "ama-answer");
    answer.setAttribute("data-answer", "");
    answer.hidden = true;
    var by = el("p", "ama-answer-by small");
    by.setAttribute("data-answer-by", "");
    answer.appendChild(by);
    var text = el("div", "prose");
    text.setAttribute("data-answer-body", "");
    answer.appendChild(text);
    main.appendChild(answer);
    li.appendChild(main);
    var canVote = ama.hasAttribute("data-can-vote") && !own;
    var icon = '<svg class="vote-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M12 4l8 10h-5v6H9v-6H4z"/></svg>';
    if (canVote) {
      var form = el("form", "ama-vote");
      form.method = "post";
      form.action = amaPath(q.id) + "/vote";
      form.setAttribute("data-ama-vote", "");
      form.setAttribute("data-q", String(q.id));
      var c = el("input");
      c.type = "hidden"; c.name = "csrf"; c.value = csrf;
      var a = el("input");
      a.type = "hidden"; a.name = "action"; a.value = "vote";
      var b = el("button", "vote-btn");
      b.type = "submit";
      b.setAttribute("aria-pressed", "false");
      b.setAttribute("data-testid", "ama-vote");
      b.title = amaMsg("vote", "");
      b.innerHTML = icon;
      var n = el("span", "vote-count", q.votes);
      n.setAttribute("data-votes", "");
      b.appendChild(n);
      form.appendChild(c); form.appendChild(a); form.appendChild(b);
      li.appendChild(form);
    } else {
      var span = el("span", "ama-votes vote-btn");
      span.innerHTML = icon;
      var m = el("span", "vote-count", q.votes);
      m.setAttribute("data-votes", "");
      span.appendChild(m);
      li.appendChild(span);
    }
    return li;
  }

  // Shows an answer on a question of the list (the live text is the Markdown as written).
  function amaShowAnswer(li, q) {
    var box = li.querySelector("[data-answer]");
    var badge = li.querySelector("[data-answered-badge]");
    if (badge) { badge.hidden = false; }
    if (!box || !q.answer) { return; }
    var body = box.querySelector("[data-answer-body]");
    if (box.hidden || body.getAttribute("data-live-answer") !== null) {
      if (body.getAttribute("data-live-answer") !== q.answer) {
        body.textContent = "";
        body.appendChild(el("p", "ama-answer-text", q.answer));
        body.setAttribute("data-live-answer", q.answer);
      }
      box.querySelector("[data-answer-by]").textContent = amaMsg("answered-by", "").replace("{host}", q.answered_by || "");
      box.hidden = false;
    }
  }

  function amaSnapshot(s) {
    var counts = ama.querySelector("[data-ama-questions]");
    if (counts) { counts.textContent = amaMsg("counts", "").replace("{q}", s.questions).replace("{a}", s.answered); }
    var votes = ama.querySelector("[data-ama-votes]");
    if (votes) { votes.textContent = String(s.votes); }
    var list = document.querySelector("[data-ama-top]");
    var runs = ama.hasAttribute("data-can-run");
    var answers = {};
    s.answers.forEach(function (q) { answers[q.id] = q; });
    if (list) {
      var seen = {};
      s.top.forEach(function (q) {
        seen[q.id] = true;
        var li = list.querySelector('[data-q="' + q.id + '"]');
        if (!li) {
          if (runs) { return; }
          li = amaQuestion(q);
        }
        var form = li.querySelector("form[data-ama-vote]");
        if (!form || !form.hasAttribute("data-busy")) {
          var n = li.querySelector("[data-votes]");
          if (n) { n.textContent = String(q.votes); }
        }
        if (q.status === "answered") { amaShowAnswer(li, answers[q.id] || q); }
        // The host's own list keeps its order and its hidden questions until a reload.
        if (!runs) { list.appendChild(li); }
      });
      if (!runs) {
        var items = list.querySelectorAll("[data-q]");
        for (var i = 0; i < items.length; i++) {
          var id = items[i].getAttribute("data-q");
          if (!seen[id] && !items[i].hasAttribute("data-own")) { items[i].remove(); }
        }
      }
      var empty = document.querySelector("[data-ama-empty]");
      if (empty) { empty.hidden = !!list.querySelector("[data-q]"); }
    }
    var box = document.querySelector("[data-ama-answers]");
    if (box) {
      s.answers.slice().reverse().forEach(function (q) {
        var item = box.querySelector('[data-answer-id="' + q.id + '"]');
        if (item) { return; }
        item = el("li", "ama-answer-item is-new");
        item.setAttribute("data-answer-id", String(q.id));
        item.setAttribute("data-testid", "ama-answer");
        var p = el("p", "ama-q-body");
        var link = el("a", "", q.body);
        link.href = "#q" + q.id;
        p.appendChild(link);
        item.appendChild(p);
        item.appendChild(el("p", "ama-answer-by small", amaMsg("answered-by", "").replace("{host}", q.answered_by || "")));
        var prose = el("div", "prose");
        prose.appendChild(el("p", "ama-answer-text", q.answer));
        item.appendChild(prose);
        box.insertBefore(item, box.firstChild);
        var inList = list && list.querySelector('[data-q="' + q.id + '"]');
        if (inList) { amaShowAnswer(inList, q); }
      });
      while (box.children.length > 10) { box.removeChild(box.lastChild); }
      var none = document.querySelector("[data-ama-no-answers]");
      if (none) { none.hidden = box.children.length > 0; }
    }
    amaPhase(s.phase);
  }

  // Answering started or the session ended: the badge changes in place. Not a reload — every
  // viewer of a big session would load the page in the same second.
  function amaPhase(phase) {
    if (phase === ama.getAttribute("data-phase")) { return; }
    ama.setAttribute("data-phase", phase);
    var badge = ama.querySelector("[data-testid=ama-phase]");
    if (badge) {
      badge.textContent = amaMsg("phase-" + phase, badge.textContent);
      badge.className = "badge ama-phase ama-phase-" + phase;
    }
    if (phase === "ended") {
      if (amaSource) { amaSource.close(); }
      var ask = document.querySelector("[data-ama-ask]");
      if (ask) {
        var note = el("p", "muted", amaMsg("closed", ""));
        ask.parentNode.replaceChild(note, ask);
      }
      var buttons = document.querySelectorAll("form[data-ama-vote] button");
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
      var dot = ama.querySelector(".live-dot");
      if (dot) { dot.remove(); }
    }
  }

  if (ama && window.fetch) {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) { return; }
      if (form.hasAttribute("data-ama-vote")) {
        event.preventDefault();
        if (form.hasAttribute("data-busy")) { return; }
        var voted = form.querySelector(".vote-btn").getAttribute("aria-pressed") === "true";
        busy(form, true);
        api(voted ? "DELETE" : "PUT", "/api/v1" + amaPath(form.getAttribute("data-q")) + "/vote")
          .then(function (data) { setAmaVote(form, !voted, data && data.votes); })
          .catch(function (err) { toast(err.message); })
          .then(function () { busy(form, false); });
      } else if (form.hasAttribute("data-ama-ask")) {
        event.preventDefault();
        if (form.hasAttribute("data-busy")) { return; }
        var field = form.querySelector("textarea[name=body]");
        clearError(form);
        busy(form, true);
        api("POST", "/api/v1" + amaPath(), { body: field.value })
          .then(function (q) {
            field.value = "";
            toast(amaMsg("asked", ""));
            var list = document.querySelector("[data-ama-top]");
            if (list && !list.querySelector('[data-q="' + q.id + '"]')) {
              list.appendChild(amaQuestion(q));
              var empty = document.querySelector("[data-ama-empty]");
              if (empty) { empty.hidden = true; }
            }
          })
          .catch(function (err) { showError(form, err.message); })
          .then(function () { busy(form, false); });
      }
    });
  }

  var amaSource = null;
  if (ama && ama.hasAttribute("data-ama-live") && window.EventSource) {
    amaSource = new EventSource("/api/v1" + amaPath().replace(/\/questions$/, "") + "/live");
    amaSource.addEventListener("snapshot", function (e) {
      var s;
      try { s = JSON.parse(e.data); } catch (err) { return; }
      amaSnapshot(s);
    });
  }

  // ---- triage: select all ----------------------------------------------------------
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.hasAttribute && box.hasAttribute("data-check-all") && box.form) {
      var picks = box.form.querySelectorAll('input[name="ids"]');
      for (var i = 0; i < picks.length; i++) { picks[i].checked = box.checked; }
    }
  });
  // ---- similar posts while writing a new one -----------------------------------------
  // Asks the API for posts that say what the draft says, 350 ms after the fan stops
  // typing; answers that arrive after a newer request are dropped.
  (function () {
    var box = document.querySelector("[data-similar]");
    var form = box && box.closest("form");
    if (!box || !form || !window.fetch) { return; }
    var list = box.querySelector("[data-similar-list]");
    var title = form.querySelector("[name=title]");
    var text = form.querySelector("[name=body]");
    var product = form.querySelector("[name=product]");
    var timer = null;
    var seq = 0;
    var last = "";

    // A vote button for a suggestion. Not a form: the list sits inside the new-post form,
    // and a form inside a form submits the outer one in some browsers.
    function voteForm(p) {
      var wrap = document.createElement("span");
      wrap.className = "vote vote-small";
      wrap.setAttribute("data-post", String(p.id));
      var b = document.createElement("button");
      b.type = "button";
      b.className = "vote-btn" + (p.voted ? " is-voted" : "");
      b.setAttribute("aria-pressed", p.voted ? "true" : "false");
      b.title = p.voted ? msg("voted", "") : msg("vote", "");
      b.setAttribute("data-testid", "similar-vote");
      var label = document.createElement("span");
      label.className = "sr-only";
      label.textContent = p.voted ? msg("voted", "") : msg("vote", "");
      var count = document.createElement("span");
      count.className = "vote-count";
      count.textContent = String(p.votes);
      b.appendChild(document.createTextNode("▲ "));
      b.appendChild(label);
      b.appendChild(count);
      b.addEventListener("click", function () {
        if (b.disabled) { return; }
        var voted = b.getAttribute("aria-pressed") === "true";
        b.disabled = true;
        api(voted ? "DELETE" : "PUT", "/api/v1/posts/" + encodeURIComponent(p.id) + "/vote")
          .then(function (data) {
            var now = !voted;
            b.setAttribute("aria-pressed", now ? "true" : "false");
            b.classList.toggle("is-voted", now);
            b.title = now ? msg("voted", "") : msg("vote", "");
            label.textContent = b.title;
            if (data && typeof data.votes === "number") { count.textContent = String(data.votes); }
          })
          .catch(function (err) { b.title = err.message; })
          .then(function () { b.disabled = false; });
      });
      wrap.appendChild(b);
      return wrap;
    }

    function render(items) {
      list.textContent = "";
      items.forEach(function (p) {
        var li = document.createElement("li");
        li.className = "similar-item";
        li.setAttribute("data-testid", "similar-item");
        var a = document.createElement("a");
        a.href = p.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = p.title;
        var meta = document.createElement("span");
        meta.className = "muted small";
        meta.textContent = msgOf(box, "match", "") + " " + Math.round(p.score * 100) + "% · " +
          p.votes + " " + msgOf(box, "votes", "");
        li.appendChild(voteForm(p));
        var main = document.createElement("span");
        main.className = "similar-main";
        main.appendChild(a);
        main.appendChild(document.createTextNode(" "));
        main.appendChild(meta);
        li.appendChild(main);
        list.appendChild(li);
      });
      box.hidden = items.length === 0;
    }

    function lookup() {
      var draft = ((title && title.value) || "") + "\n" + ((text && text.value) || "");
      draft = draft.trim().slice(0, 2000);
      var key = (product ? product.value : "") + "|" + draft;
      if (key === last) { return; }
      last = key;
      if (draft.length < 4) { render([]); return; }
      var mine = ++seq;
      var url = "/api/v1/posts/similar?limit=5&text=" + encodeURIComponent(draft) +
        (product && product.value ? "&product=" + encodeURIComponent(product.value) : "");
      api("GET", url)
        .then(function (data) { if (mine === seq) { render((data && data.items) || []); } })
        .catch(function () { if (mine === seq) { render([]); } });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(lookup, 350);
    }
    [title, text].forEach(function (el) { if (el) { el.addEventListener("input", schedule); } });
    if (product) { product.addEventListener("change", schedule); }
    if (title && title.value) { schedule(); }
  })();

  // A wave's page: the countdown to the start (then the end) on the server's clock, and
  // the remaining stock, the quantity and the end refreshed every few seconds. The buy button
  // stays a plain form.
  (function () {
    var box = document.querySelector("[data-wave]");
    if (!box) { return; }
    var id = box.getAttribute("data-wave");
    var starts = Date.parse(box.getAttribute("data-starts"));
    var ends = Date.parse(box.getAttribute("data-ends"));
    var skew = Number(box.getAttribute("data-now")) - Date.now();
    var clock = box.querySelector("[data-countdown]");
    var left = box.querySelector("[data-remaining]");
    var total = box.querySelector("[data-quantity]");
    var buy = box.querySelector("[data-buy]");
    var cancelled = box.hasAttribute("data-cancelled");
    function tick() {
      var now = Date.now() + skew;
      var open = !cancelled && now >= starts && now < ends && Number(left.textContent) > 0;
      if (cancelled) {
        clock.textContent = msgOf(box, "cancelled", "Cancelled");
      } else if (now < starts) {
        clock.textContent = msgOf(box, "starts-in", "Starts in") + " " + countdown(starts - now);
      } else if (now < ends) {
        clock.textContent = msgOf(box, "ends-in", "Ends in") + " " + countdown(ends - now);
      } else {
        clock.textContent = msgOf(box, "ended", "Ended");
      }
      if (buy) { buy.disabled = !open; }
    }
    function refresh() {
      api("GET", "/api/v1/waves/" + encodeURIComponent(id))
        .then(function (w) {
          // Staff may end the wave early, give it longer or add stock: follow them too. The
          // page counts online units, which a split wave keeps under channels.online.
          if (!w) { return; }
          cancelled = cancelled || w.status === "cancelled";
          left.textContent = w.remaining;
          if (total) {
            var split = w.channels && Object.keys(w.channels).length > 0;
            total.textContent = split ? (w.channels.online || 0) : w.quantity;
          }
          ends = Date.parse(w.ends_at) || ends;
          tick();
        })
        .catch(function () {});
    }
    tick();
    setInterval(tick, 1000);
    setInterval(refresh, 3000);
  })();

  // A campaign's page: the countdown to its next phase on the server's clock. The page is
  // rendered per phase (the price is not in it before the reveal), so at zero it reloads.
  (function () {
    var box = document.querySelector("[data-campaign]");
    var clock = box && box.querySelector("[data-countdown-clock]");
    if (!clock) { return; }
    var target = Date.parse(box.getAttribute("data-target"));
    var skew = Number(box.getAttribute("data-now")) - Date.now();
    function tick() {
      clock.textContent = countdown(target - Date.now() - skew);
      if (target - Date.now() - skew <= 0) {
        clearInterval(timer);
        setTimeout(function () { window.location.reload(); }, 1000);
      }
    }
    var timer = setInterval(tick, 1000);
    tick();
  })();

  // A fan event's page: the countdown to its start on the server's clock.
  (function () {
    var box = document.querySelector("[data-event]");
    var clock = box && box.querySelector("[data-event-clock]");
    if (!clock) { return; }
    var target = Date.parse(box.getAttribute("data-target"));
    var skew = Number(box.getAttribute("data-now")) - Date.now();
    function tick() {
      var left = target - Date.now() - skew;
      clock.textContent = left > 0 ? countdown(left) : msgOf(box, "started", "");
    }
    setInterval(tick, 1000);
    tick();
  })();

  // The organisers' console: check-in progress follows the doors every few seconds.
  (function () {
    var box = document.querySelector("[data-event-progress]");
    if (!box || !window.fetch) { return; }
    var id = box.getAttribute("data-event-progress");
    var checked = box.querySelector("[data-progress-checked]");
    var confirmed = box.querySelector("[data-progress-confirmed]");
    var bar = box.querySelector("[data-progress-bar]");
    setInterval(function () {
      fetch("/api/v1/events/" + id, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (e) {
          if (!e) { return; }
          checked.textContent = String(e.checked_in);
          confirmed.textContent = String(e.confirmed);
          bar.max = Math.max(1, e.confirmed);
          bar.value = e.checked_in;
        }, function () {});
    }, 5000);
  })();

  // The live counter: one server-sent event stream; every snapshot replaces the numbers. The
  // chart is an SVG the server draws; it is fetched again every few snapshots.
  (function () {
    var box = document.querySelector("[data-live]");
    if (!box || !window.EventSource) { return; }
    var zh = document.documentElement.lang === "zh-CN";
    var fmt = function (n) { return Number(n).toLocaleString(zh ? "zh-CN" : "en"); };
    var skew = Number(box.getAttribute("data-now")) - Date.now();
    var offset = Number(box.getAttribute("data-offset")) * 60000;
    var clock = box.querySelector("[data-live-clock]");
    function tickClock() {
      // The site's wall clock: the server's time, shifted by the site zone's offset.
      var d = new Date(Date.now() + skew + offset);
      clock.textContent = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    }
    tickClock();
    setInterval(tickClock, 1000);
    function minutes(ms) {
      var m = Math.max(1, Math.round(ms / 60000));
      return zh ? m + " 分钟" : m + (m === 1 ? " minute" : " minutes");
    }
    var chart = box.querySelector("[data-live-chart]");
    var chartBase = chart ? chart.getAttribute("src") : "";
    var lastChart = Date.now();
    function refreshChart() {
      if (!chart || Date.now() - lastChart < 10000) { return; }
      lastChart = Date.now();
      chart.setAttribute("src", chartBase + "?at=" + lastChart);
    }
    var milestones = box.querySelector("[data-live-milestones]");
    var shown = {};
    function addMilestone(m) {
      if (shown[m.orders]) { return; }
      shown[m.orders] = true;
      var li = document.createElement("li");
      var n = document.createElement("strong");
      n.textContent = zh ? fmt(m.orders) + " 单" : fmt(m.orders) + " orders";
      li.appendChild(n);
      if (m.after_ms != null) {
        var t = document.createElement("span");
        t.textContent = " · " + minutes(m.after_ms);
        li.appendChild(t);
      }
      li.className = "is-new";
      milestones.insertBefore(li, milestones.firstChild);
    }
    function fillWaves(list, waves) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      waves.forEach(function (w) {
        var li = document.createElement("li");
        var head = document.createElement("div");
        head.className = "live-wave-head";
        var name = document.createElement("span");
        name.textContent = w.name || w.sku;
        var left = document.createElement("span");
        left.className = "live-wave-left";
        left.textContent = fmt(w.remaining) + " / " + fmt(w.quantity);
        head.appendChild(name);
        head.appendChild(left);
        var meter = document.createElement("meter");
        meter.min = 0;
        meter.max = Math.max(1, w.quantity);
        meter.value = w.remaining;
        meter.setAttribute("aria-label", (w.name || w.sku));
        li.appendChild(head);
        li.appendChild(meter);
        list.appendChild(li);
      });
    }
    var source = new EventSource("/api/v1/campaigns/" + encodeURIComponent(box.getAttribute("data-live")) + "/live");
    source.addEventListener("snapshot", function (e) {
      var s = JSON.parse(e.data);
      box.querySelector("[data-live-total]").textContent = fmt(s.orders.total);
      Object.keys(s.orders.by_kind).forEach(function (k) {
        var dd = box.querySelector('[data-live-kind="' + k + '"]');
        if (dd) { dd.textContent = fmt(s.orders.by_kind[k]); }
      });
      s.milestones.forEach(addMilestone);
      var next = box.querySelector("[data-live-next]");
      next.textContent = s.next_milestone == null ? "" :
        msgOf(next, "next", "Next: {n}").replace("{n}", fmt(s.next_milestone));
      fillWaves(box.querySelector("[data-live-waves]"), s.waves);
      var p = s.production;
      if (p) {
        var delivered = zh ? "已交付 " + fmt(p.delivered) + " 台" : fmt(p.delivered) + " delivered";
        if (p.delivered_in_days != null) {
          delivered += zh ? "，用时 " + fmt(p.delivered_in_days) + " 天" : " in " + fmt(p.delivered_in_days) + " days";
        }
        box.querySelector("[data-live-production]").textContent = delivered + (zh
          ? " · 生产中 " + fmt(p.in_production) + " · 排产中 " + fmt(p.queued)
          : " · " + fmt(p.in_production) + " in production · " + fmt(p.queued) + " queued");
      }
      refreshChart();
    });
  })();

  function msgOf(el, name, fallback) {
    return el.getAttribute("data-msg-" + name) || fallback;
  }
})();
