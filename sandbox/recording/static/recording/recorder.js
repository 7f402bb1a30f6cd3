/* The DOM recording of a candidate's exam page (rrweb), sent in batches to the ingest URL.
 *
 * Loaded only on exam pages ({% recorder %}); the server checks every batch again (own attempt, in
 * progress, before the deadline), so this script may simply stop when it is told no (403/404/409/413).
 *
 * Batching: every 5 s, or at 200 events, or right after a full snapshot (the biggest event, so a
 * quick navigation does not lose it), and on pagehide / tab hidden with fetch(keepalive) so the
 * last seconds of a page survive the navigation. A failed batch (network error, 429, 5xx) is tried
 * once more on the next tick under the same seq — the server stores a seq only once.
 *
 * Two tabs of one attempt: a hidden tab sends nothing (its background timers would otherwise be
 * replayed over the visible page) and takes a fresh full snapshot when it becomes visible again, so
 * the merged, time-ordered replay always shows the page the candidate was looking at.
 */
(function () {
  "use strict";
  var script = document.getElementById("rr-recorder");
  if (!script || !window.rrwebRecord || !window.rrwebRecord.record) return;
  // A frame inside a page that records itself (the decoration preview in the console) is captured
  // by the parent's recorder. The console inside the exam workspace's frame records itself: the
  // workspace page is not recorded.
  try {
    if (window.parent !== window.self
        && (window.parent.__examRecorder || window.parent.document.getElementById("rr-recorder"))) return;
  } catch (e) { /* a cross-origin parent: record */ }
  window.__examRecorder = true;

  var INGEST_URL = script.dataset.ingestUrl;
  var CSRF = script.dataset.csrf;
  var FLUSH_MS = 5000;
  var MAX_EVENTS = 200;
  var MAX_BODY_BYTES = 900 * 1024; // the server takes 1 MB; leave room for the envelope
  var KEEPALIVE_BYTES = 60 * 1024; // browsers cap keepalive bodies at 64 KB in flight
  var FULL_SNAPSHOT = 2;

  function randomHex() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // A page shown again from the HTTP cache carries the segment id it was first served with; its
  // seq would restart at 0 and the server would take the new batches for retries. Use a new id.
  var segment = script.dataset.segment;
  try {
    var seen = "rr-segment:" + segment;
    if (window.sessionStorage.getItem(seen)) segment = randomHex();
    else window.sessionStorage.setItem(seen, "1");
  } catch (e) { /* storage disabled: the server's id it is */ }

  var encoder = new TextEncoder();
  var buffer = [];
  var retries = [];
  var seq = 0;
  var stopped = false;
  var stopRecording = null;
  var timer = null;

  function pageUrl() {
    return (window.location.pathname + window.location.search).slice(0, 500);
  }

  function stop() {
    stopped = true;
    buffer = [];
    retries = [];
    if (timer) window.clearInterval(timer);
    if (stopRecording) { try { stopRecording(); } catch (e) { /* already stopped */ } }
  }

  // Split events into batches whose JSON stays under the body limit (halving; one huge event alone).
  function pieces(events) {
    var size = encoder.encode(JSON.stringify(events)).length;
    if (size <= MAX_BODY_BYTES || events.length < 2) return [events];
    var half = Math.ceil(events.length / 2);
    return pieces(events.slice(0, half)).concat(pieces(events.slice(half)));
  }

  function post(batch, leaving) {
    var body = JSON.stringify({segment: segment, seq: batch.seq, page_url: batch.url, events: batch.events});
    batch.tries += 1;
    var keepalive = Boolean(leaving) && encoder.encode(body).length < KEEPALIVE_BYTES;
    var parked = null;
    if (leaving && !keepalive) parked = park(body); // too big to outlive the page: the next page sends it
    send(INGEST_URL, body, keepalive).then(function (response) {
      if (parked && response.status < 500 && response.status !== 429) unpark(parked);
      if (response.ok) return;
      if ([403, 404, 409, 413].indexOf(response.status) >= 0) stop(); // deadline, submitted, not allowed, full
      else if (response.status === 429 || response.status >= 500) retry(batch);
      // 400: this batch is malformed and will stay so; drop it and go on
    }, function () { retry(batch); });
  }

  function send(url, body, keepalive) {
    return window.fetch(url, {
      method: "POST", credentials: "same-origin", body: body, keepalive: keepalive,
      headers: {"Content-Type": "application/json", "X-CSRFToken": CSRF},
    });
  }

  // A batch too big for keepalive, sent as the page goes away, is parked in sessionStorage; the
  // next page of this tab posts it again (the server acknowledges a seq it already has).
  var PARKED = "rr-parked:";
  function park(body) {
    var key = PARKED + segment + ":" + seq + ":" + Math.random();
    try { window.sessionStorage.setItem(key, JSON.stringify({url: INGEST_URL, body: body})); return key; }
    catch (e) { return null; }
  }
  function unpark(key) {
    try { window.sessionStorage.removeItem(key); } catch (e) { /* gone */ }
  }
  function sendParked() {
    var keys = [];
    try {
      for (var i = 0; i < window.sessionStorage.length; i++) {
        var key = window.sessionStorage.key(i);
        if (key && key.indexOf(PARKED) === 0) keys.push(key);
      }
    } catch (e) { return; }
    keys.forEach(function (key) {
      var item;
      try { item = JSON.parse(window.sessionStorage.getItem(key)); } catch (e) { item = null; }
      if (!item || !item.url || !item.body) { unpark(key); return; }
      send(item.url, item.body, false).then(function (response) {
        if (response.status < 500 && response.status !== 429) unpark(key);
      }, function () { /* offline: try on the next page */ });
    });
  }

  function retry(batch) {
    if (!stopped && batch.tries < 2) retries.push(batch);
  }

  function flush(leaving) {
    if (stopped) return;
    var batches = retries;
    retries = [];
    if (buffer.length) {
      var url = pageUrl();
      pieces(buffer).forEach(function (events) {
        batches.push({seq: seq++, url: url, events: events, tries: 0});
      });
      buffer = [];
    }
    batches.forEach(function (batch) { post(batch, leaving); });
  }

  function emit(event) {
    if (stopped || document.visibilityState === "hidden") return;
    buffer.push(event);
    if (event.type === FULL_SNAPSHOT) window.setTimeout(flush, 0);
    else if (buffer.length >= MAX_EVENTS) flush(false);
  }

  stopRecording = window.rrwebRecord.record({
    emit: emit,
    // A full snapshot every minute of activity, so the player can seek without replaying from the
    // page load; every page load starts with one anyway.
    checkoutEveryNms: 60000,
    // Size: nothing the examiner does not need. No canvas frames, fonts or inlined image bytes
    // (images replay from their URLs on this server); <script>, comments and head metadata dropped.
    recordCanvas: false,
    collectFonts: false,
    inlineImages: false,
    // The site's stylesheets are kept as <link>s to /static/ (which the replay loads from this
    // server) instead of their text in every full snapshot: a fifth of the stored size.
    inlineStylesheet: false,
    slimDOMOptions: "all",
    recordCrossOriginIframes: false,
    // Privacy: passwords, e-mail and phone inputs are recorded as ***; any element with class
    // rr-mask (the exam banner's name and ticket number) has its text masked; rr-block is left out.
    maskInputOptions: {password: true, email: true, tel: true},
    maskTextClass: "rr-mask",
    blockClass: "rr-block",
    sampling: {
      // the pointer's path at 4 positions a second is enough to see where the candidate looked;
      // rrweb's default (every 50 ms) is most of a recording's size for a person who moves the mouse
      mousemove: 250,
      mouseInteraction: true,
      scroll: 150,   // one scroll position per 150 ms
      media: 800,
      input: "last", // the final value of a burst of typing, not every keystroke
    },
  }) || null;

  sendParked();
  timer = window.setInterval(function () { flush(false); }, FLUSH_MS);
  window.addEventListener("pagehide", function () { flush(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush(true);
    } else if (!stopped) {
      try { window.rrwebRecord.record.takeFullSnapshot(true); } catch (e) { /* not recording */ }
    }
  });
  window.addEventListener("pageshow", function (event) {
    // back from the back/forward cache: the page is current again, start it afresh in the replay
    if (event.persisted && !stopped) {
      try { window.rrwebRecord.record.takeFullSnapshot(true); } catch (e) { /* not recording */ }
    }
  });
})();
