/* The entries form's error summary: read first when the page comes back with errors, and each of its
 * links puts the focus in the field it names (a link to an input only scrolls to it). */
(function () {
  "use strict";

  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    // A field, or the first field of a row whose error is the whole row's.
    var field = target.matches("input, select, textarea") ? target : target.querySelector("input:not([type=hidden])");
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
      history.replaceState(null, "", link.getAttribute("href"));
    }
  });
})();
