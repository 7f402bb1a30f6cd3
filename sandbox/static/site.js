// Small behaviours every page may use, without inline handlers (the Content-Security-Policy allows
// no inline script except nonce'd blocks): a <select data-autosubmit> submits its form on change
// (the language switcher), a [data-print] button prints the page (admission tickets).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
// Polling that must wait while someone is typing: an element with data-pause-while-open="<selector>"
// skips its htmx request while it contains a match (the examiner's board while a 延长时间 form is
// open). A listener instead of an hx-trigger filter, because filters need eval, which the CSP forbids.
document.addEventListener("htmx:beforeRequest", (event) => {
  const element = event.detail && event.detail.elt;
  const selector = element && element.dataset && element.dataset.pauseWhileOpen;
  if (selector && element.querySelector(selector)) event.preventDefault();
});
