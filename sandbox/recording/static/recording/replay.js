/* The examiner's replay: the rrweb player (vendored rrweb-player) fed from events.json, and the
 * journal beside it — clicking a journal row jumps the player to that moment and highlights the row.
 *
 * Replayed pages are rebuilt by rrweb inside an iframe sandboxed without allow-scripts (and their
 * <script> elements are not rebuilt at all), so nothing a candidate typed or a page contained can
 * run in the examiner's page. We never pass UNSAFE_replayCanvas, which would add allow-scripts.
 */
(function () {
  "use strict";
  var box = document.getElementById("player");
  var status = document.getElementById("player-status");
  if (!box || !box.dataset.eventsUrl || !window.rrwebPlayer) return;
  var player = null;
  var meta = null;

  function say(text) { if (status) status.textContent = text; }

  function highlight(row) {
    document.querySelectorAll(".journal-row.current").forEach(function (el) {
      el.classList.remove("current");
      el.removeAttribute("aria-current");
    });
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
  }

  function jump(ts) {
    if (!player || !meta) return null;
    var offset = Math.min(Math.max(ts - meta.startTime, 0), meta.totalTime);
    player.goto(offset, false);
    return offset;
  }

  /* The vendored player's icon buttons, skip switch and replay frame carry no text (or English): name them. */
  function nameControls() {
    var frame = box.querySelector("iframe");
    if (frame) frame.title = box.dataset.msgFrame;
    var skip = box.querySelector(".rr-controller input[type=checkbox]");
    if (skip) skip.setAttribute("aria-label", box.dataset.msgSkip);
    /* the switch's visible text is the player's English "skip inactive": say it in the page's language */
    var skipText = box.querySelector(".rr-controller .switch .label");
    if (skipText) skipText.textContent = box.dataset.msgSkip;
    var buttons = box.querySelectorAll(".rr-controller__btns > button");
    buttons.forEach(function (button, index) {
      if (button.textContent.trim() || button.hasAttribute("aria-label")) return;
      button.setAttribute("aria-label", index === 0 ? box.dataset.msgPlay : box.dataset.msgFullscreen);
    });
  }

  document.querySelectorAll("#journal .jump").forEach(function (button) {
    button.addEventListener("click", function () {
      var row = button.closest(".journal-row");
      if (row) highlight(row);
      var offset = jump(Number(button.dataset.ts));
      if (offset !== null) box.dataset.jumpedTo = String(Math.round(offset));
    });
  });

  window.fetch(box.dataset.eventsUrl, {credentials: "same-origin"}).then(function (response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }).then(function (events) {
    if (!Array.isArray(events) || events.length < 2) {
      box.dataset.state = "empty";
      say(box.dataset.msgEmpty);
      return;
    }
    var width = Math.max(box.clientWidth - 8, 320);
    player = new window.rrwebPlayer.Player({
      target: box,
      props: {
        events: events, width: width, height: Math.round(width * 0.62), autoPlay: false,
        showController: true, skipInactive: true, mouseTail: false, UNSAFE_replayCanvas: false,
      },
    });
    meta = player.getMetaData();
    nameControls();
    box.dataset.state = "ready";
    box.dataset.events = String(events.length);
    say("");
  }).catch(function () {
    box.dataset.state = "error";
    say(box.dataset.msgError);
  });
})();
