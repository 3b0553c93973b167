/* The entries form is saved a page at a time: leaving a page with unsaved typing (another page,
 * a link, closing the tab) asks the browser's "Leave this page?" question first. Saving does not.
 * No inline scripts: loaded from a static file, which a strict CSP allows.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.entries-form");
  if (!form) {
    return;
  }
  var changed = false;
  form.addEventListener("input", function () {
    changed = true;
  });
  form.addEventListener("change", function () {
    changed = true;
  });
  form.addEventListener("submit", function () {
    changed = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (changed) {
      event.preventDefault();
      event.returnValue = ""; // older browsers need a value to ask
    }
  });
})();
