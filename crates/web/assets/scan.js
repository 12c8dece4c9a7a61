// canyu (参与): the door scanner of a fan event. A ticket is `CY1.<payload>.<signature>`
// (base64url): the payload names the event, the place, the fan and the guests; the signature
// is Ed25519 with the event's key. This page checks it with the event's public key in the
// browser (WebCrypto), so the door keeps working without a network: each scan is kept in
// localStorage with its own nonce and uploaded when the network is back. An upload repeated
// (a lost answer) carries the same nonce and is counted once by the server; the same ticket
// scanned at another door comes back as a conflict.
(function () {
  "use strict";

  var box = document.querySelector("[data-scanner]");
  if (!box) { return; }
  var eventId = Number(box.getAttribute("data-event"));
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var msg = function (name) { return box.getAttribute("data-msg-" + name) || name; };
  var storeKey = "canyu-scans-" + eventId;
  var result = box.querySelector("[data-scan-result]");
  var queueCount = box.querySelector("[data-scan-queue]");
  var checkedCount = box.querySelector("[data-scan-checked]");
  var network = box.querySelector("[data-scan-network]");
  var log = box.querySelector("[data-scan-log]");
  var DOMAIN = new TextEncoder().encode("canyu-ticket-v1:");

  function load() {
    try {
      var raw = JSON.parse(localStorage.getItem(storeKey) || "{}");
      return { queue: raw.queue || [], seen: raw.seen || {}, door: raw.door || "" };
    } catch (e) {
      return { queue: [], seen: {}, door: "" };
    }
  }
  var state = load();
  function save() { localStorage.setItem(storeKey, JSON.stringify(state)); }
  function randomId(bytes) {
    var a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return b64(a);
  }
  if (!state.door) { state.door = "door-" + randomId(4); save(); }

  function b64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) { return null; }
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    try {
      var bin = atob(s);
      var out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
      return out;
    } catch (e) {
      return null;
    }
  }
  function int64(bytes, at) {
    var n = 0;
    for (var i = 0; i < 8; i++) { n = n * 256 + bytes[at + i]; }
    return n;
  }

  var keyPromise = null;
  function publicKey() {
    if (!keyPromise) {
      var raw = unb64(box.getAttribute("data-key") || "");
      keyPromise = crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    }
    return keyPromise;
  }

  // Resolves with {rsvp, guests} for a ticket of this event signed with its key, else null.
  // Without WebCrypto's Ed25519 the signature is left to the server (`unchecked`).
  function verify(ticket) {
    var parts = ticket.trim().split(".");
    if (parts.length !== 3 || parts[0] !== "CY1") { return Promise.resolve(null); }
    var payload = unb64(parts[1]);
    var signature = unb64(parts[2]);
    if (!payload || payload.length !== 25 || !signature || signature.length !== 64) { return Promise.resolve(null); }
    if (int64(payload, 0) !== eventId) { return Promise.resolve(null); }
    var found = { rsvp: int64(payload, 8), guests: payload[24], unchecked: false };
    var message = new Uint8Array(DOMAIN.length + payload.length);
    message.set(DOMAIN, 0);
    message.set(payload, DOMAIN.length);
    return publicKey().then(
      function (key) {
        return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message)
          .then(function (ok) { return ok ? found : null; });
      },
      function () { found.unchecked = true; return found; }
    );
  }

  function show(text, kind) {
    result.textContent = text;
    result.setAttribute("data-kind", kind);
  }
  function note(text) {
    var li = document.createElement("li");
    li.textContent = new Date().toLocaleTimeString() + " · " + text;
    log.insertBefore(li, log.firstChild);
  }
  function refresh() {
    queueCount.textContent = String(state.queue.length);
    network.textContent = navigator.onLine ? msg("online") : msg("offline");
    network.setAttribute("data-online", navigator.onLine ? "1" : "0");
  }

  function scan(ticket) {
    ticket = ticket.trim();
    if (!ticket) { return Promise.resolve(); }
    return verify(ticket).then(function (found) {
      if (!found) { show("✗ " + msg("invalid"), "invalid"); return; }
      if (state.seen[found.rsvp]) { show("⚠ " + msg("again"), "again"); return; }
      state.seen[found.rsvp] = true;
      state.queue.push({ ticket: ticket, nonce: randomId(12), door: state.door, scanned_at: new Date().toISOString() });
      save();
      var guests = found.guests ? " +" + found.guests : "";
      show("✓ " + (navigator.onLine ? msg("ok") : msg("saved")) + guests, "ok");
      refresh();
      flush();
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine || !state.queue.length) { refresh(); return; }
    flushing = true;
    var item = state.queue[0];
    fetch("/api/v1/events/" + eventId + "/checkins", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(item)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        flushing = false;
        if (res.status === 401 || res.status === 403 || res.status >= 500) {
          show((body.error && body.error.message) || String(res.status), "error");
          refresh();
          return;
        }
        state.queue.shift();
        save();
        if (res.ok) {
          if (!body.repeated) { checkedCount.textContent = String(Number(checkedCount.textContent) + 1 + (body.guests || 0)); }
          note("✓ " + msg("uploaded") + " · " + body.handle + (body.guests ? " +" + body.guests : ""));
        } else if (body.error && body.error.code === "already_checked_in") {
          note("⚠ " + msg("conflict"));
          show("⚠ " + msg("conflict"), "conflict");
        } else {
          note("✗ " + ((body.error && body.error.message) || res.status));
        }
        refresh();
        flush();
      });
    }, function () {
      // The network went away mid-upload: the scan stays queued with its nonce.
      flushing = false;
      refresh();
    });
  }

  box.querySelector("[data-scan-form]").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = e.target.querySelector("input[name=ticket]");
    scan(input.value).then(function () { input.value = ""; input.focus(); });
  });

  // Camera scanning with the browser's own barcode detector where it has one.
  var cameraButton = box.querySelector("[data-scan-camera]");
  cameraButton.addEventListener("click", function () {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
      show(msg("no-camera"), "error");
      return;
    }
    var video = box.querySelector("[data-scan-video]");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var last = "";
      var busy = false;
      setInterval(function () {
        if (busy || video.readyState < 2) { return; }
        busy = true;
        detector.detect(video).then(function (codes) {
          busy = false;
          var value = codes.length ? codes[0].rawValue : "";
          if (value && value !== last) { last = value; scan(value); }
        }, function () { busy = false; });
      }, 300);
    }, function () { show(msg("no-camera"), "error"); });
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", refresh);
  setInterval(flush, 5000);
  refresh();
  flush();
})();
