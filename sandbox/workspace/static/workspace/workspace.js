/* The exam countdown and the workspace's console frame. No build step.
 *
 * A clock ([data-exam-clock]) counts down to the server's deadline: the page embeds the deadline and
 * the server's time, so the local clock only ticks (its own error is cancelled by the offset), and a
 * reload shows the same remaining time. Every 20 s, and at 0, it asks the server again
 * (data-clock-url): extra time an examiner granted moves the deadline, and when the server's status
 * differs from the page's (time up, auto-submitted, submitted in another tab) the workspace reloads
 * (data-on-change="reload") or the console banner just says so (data-on-change="mark").
 * Screen readers hear the remaining minutes once a minute (aria-live polite), not every second.
 */
(function () {
  "use strict";
  var SYNC_MS = 20000;
  var AT_ZERO_RETRY_MS = 3000;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function mmss(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    return pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
  }

  function Clock(el) {
    var d = el.dataset;
    this.el = el;
    this.pageStatus = d.status;
    this.status = d.status;
    this.offset = Date.parse(d.serverNow) - Date.now();
    this.deadline = Date.parse(d.deadline);
    this.submitUntil = Date.parse(d.submitUntil);
    this.time = el.querySelector("[data-clock-time]");
    this.label = el.querySelector("[data-clock-label]");
    this.announce = el.querySelector("[data-clock-announce]");
    this.lastMinute = null;
    this.lastSync = 0;
    this.syncing = false;
    this.changed = false;
  }

  Clock.prototype.serverNow = function () { return Date.now() + this.offset; };

  Clock.prototype.render = function () {
    var d = this.el.dataset;
    if (this.status === "submitted") {
      this.label.textContent = d.textSubmitted;
      this.time.hidden = true;
      return;
    }
    var working = this.status === "in_progress";
    var left = ((working ? this.deadline : this.submitUntil) - this.serverNow()) / 1000;
    if (working) {
      this.label.textContent = d.textWorking;
    } else {
      this.label.textContent = left > 0 ? d.textTimeUp : d.textOver;
    }
    this.time.hidden = false;
    this.time.textContent = mmss(left);
    var minutes = Math.ceil(Math.max(left, 0) / 60);
    if (working && minutes !== this.lastMinute) {
      if (this.lastMinute !== null && minutes > 0) {
        this.announce.textContent = d.textMinutes.replace("{n}", minutes);
      }
      this.lastMinute = minutes;
    }
    if (left <= 0 && Date.now() - this.lastSync > AT_ZERO_RETRY_MS) {
      this.sync();  // at 0: the server decides what happened (time up, auto-submitted, extra time)
    }
  };

  Clock.prototype.sync = function () {
    var self = this;
    var d = this.el.dataset;
    if (this.syncing || this.changed) { return; }
    this.syncing = true;
    this.lastSync = Date.now();
    fetch(d.clockUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("clock " + response.status); }
        return response.json();
      })
      .then(function (data) {
        self.offset = Date.parse(data.server_now) - Date.now();
        self.deadline = Date.parse(data.deadline);
        self.submitUntil = Date.parse(data.submit_until);
        self.status = data.status;
        var task = d.task ? parseInt(d.task, 10) : null;
        var taskDone = task !== null && d.taskSubmitted === "0" && data.submitted_tasks.indexOf(task) >= 0;
        if ((data.status !== self.pageStatus || taskDone) && d.onChange === "reload") {
          self.changed = true;
          window.location.reload();
          return;
        }
        self.render();
      })
      .catch(function () { /* offline for a moment: keep ticking, try again at the next sync */ })
      .then(function () { self.syncing = false; });
  };

  function frameCheck(frame, notice) {
    /* The console's sandbox lives in the session: opening another task in a second tab switches
       it. Say so when the frame shows another task's shop, and offer to switch back. */
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.body) { return; }
      var banner = doc.querySelector("[data-exam-task]");
      var other = banner ? banner.getAttribute("data-exam-task") !== frame.getAttribute("data-console-for")
        : doc.body.classList.contains("console");
      notice.hidden = !other;
    } catch (e) {
      notice.hidden = true;
    }
  }

  function init() {
    var clocks = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-exam-clock]"), function (el) {
      if (el.dataset.started) { return; }
      el.dataset.started = "1";
      var clock = new Clock(el);
      clock.render();
      clocks.push(clock);
    });
    if (clocks.length) {
      setInterval(function () { clocks.forEach(function (c) { c.render(); }); }, 1000);
      setInterval(function () { clocks.forEach(function (c) { c.sync(); }); }, SYNC_MS);
      document.addEventListener("visibilitychange", function () {
        if (!document.hidden) { clocks.forEach(function (c) { c.sync(); }); }
      });
    }
    var frame = document.querySelector("iframe[data-console-for]");
    var notice = document.getElementById("console-mismatch");
    if (frame && notice) {
      frame.addEventListener("load", function () { frameCheck(frame, notice); });
      frameCheck(frame, notice);
      var button = notice.querySelector("[data-console-reload]");
      if (button) {
        button.addEventListener("click", function () {
          notice.hidden = true;
          frame.src = frame.getAttribute("data-src");
        });
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
