// The navigation bar's menus (its <details>) work without this script: a click or
// Enter/Space on their summary opens and closes them. With it, Escape closes an open menu (focus
// goes back to its summary), and a click elsewhere or opening another menu closes it. No inline
// script, so the Content-Security-Policy can forbid them.
(function () {
  "use strict";

  function menus() {
    return document.querySelectorAll(".navbar details");
  }

  function closeAll(except) {
    menus().forEach(function (menu) {
      if (menu !== except) {
        menu.open = false;
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus().forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener("click", function (event) {
    var inside = event.target.closest ? event.target.closest(".navbar details") : null;
    closeAll(inside);
  });
})();
