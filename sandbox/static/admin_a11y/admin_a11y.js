/* Two Django admin widgets without accessible names (axe: label, aria-prohibited-attr):
 * - the split date/time inputs have their "日期:"/"时间:" text beside them but no <label>;
 * - SelectFilter's help icon is a <span> with aria-label, which a generic element may not carry.
 * SelectFilter builds its markup on window load, hence the late run. */
(function () {
  "use strict";
  function fix() {
    document.querySelectorAll("p.datetime input").forEach(function (input) {
      var text = input.previousSibling;
      while (text && text.nodeType !== Node.TEXT_NODE) text = text.previousSibling;
      if (text && text.textContent.trim() && !input.hasAttribute("aria-label")) {
        input.setAttribute("aria-label", text.textContent.trim().replace(/[:：]$/, ""));
      }
    });
    document.querySelectorAll("span.help-tooltip[aria-label]").forEach(function (span) {
      span.setAttribute("role", "img");
    });
  }
  window.addEventListener("load", function () { window.setTimeout(fix, 0); });
})();
