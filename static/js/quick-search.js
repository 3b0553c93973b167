// Search-as-you-type in the navigation bar: students and coaches by name, pinyin, initials or number.
//
// The input names its JSON endpoint in data-quick-search-url (students:quick-search). Names are data:
// they go into the page with textContent only, never as HTML. No inline script or style, so a strict
// Content-Security-Policy can forbid both. Without this script the form still searches the student list.
(function () {
  "use strict";

  var DELAY_MS = 150;

  function setUp(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) {
      return;
    }
    var url = input.getAttribute("data-quick-search-url");
    var emptyText = input.getAttribute("data-empty-text") || "";
    var timer = null;
    var controller = null;
    var lastQuery = null;
    var active = -1;

    function options() {
      return list.querySelectorAll("[role='option']");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var items = options();
      if (!items.length) {
        return;
      }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function show(results) {
      list.replaceChildren();
      active = -1;
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "quick-search-empty";
        none.textContent = emptyText;
        list.appendChild(none);
        open();
        return;
      }
      results.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        // The option itself leads to the page: no link inside it, as an option may hold no
        // interactive element (WCAG 4.1.2; axe: nested-interactive).
        item.dataset.url = result.url;
        var link = document.createElement("span");
        link.className = "quick-search-option";
        var name = document.createElement("span");
        name.className = "quick-search-name";
        name.textContent = result.name;
        var kind = document.createElement("span");
        kind.className = "quick-search-kind";
        kind.textContent = result.kind_label;
        link.appendChild(name);
        link.appendChild(kind);
        if (result.detail) {
          var detail = document.createElement("span");
          detail.className = "quick-search-detail";
          detail.textContent = result.detail;
          link.appendChild(detail);
        }
        item.appendChild(link);
        item.addEventListener("mousedown", function (event) {
          // Keep the focus in the input until the click has gone to the page.
          event.preventDefault();
        });
        item.addEventListener("click", function () {
          window.location.assign(item.dataset.url);
        });
        list.appendChild(item);
      });
      open();
    }

    function search() {
      var query = input.value.trim();
      if (query === lastQuery) {
        return;
      }
      lastQuery = query;
      if (controller) {
        controller.abort();
      }
      if (!query) {
        list.replaceChildren();
        close();
        return;
      }
      controller = new AbortController();
      var address = new URL(url, window.location.href);
      address.searchParams.set("q", query);
      fetch(address, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      })
        .then(function (response) {
          // A logged-out user is redirected to the login page: not JSON, so show nothing.
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("application/json") !== 0) {
            return null;
          }
          return response.json();
        })
        .then(function (data) {
          if (data && data.query === input.value.trim()) {
            show(data.results || []);
          }
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            close();
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden && options().length) {
          open();
        }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
        event.preventDefault();
      } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
        var chosen = options()[active];
        if (chosen && chosen.dataset.url) {
          event.preventDefault();
          window.location.assign(chosen.dataset.url);
        }
      } else if (event.key === "Escape") {
        close();
      }
    });

    input.addEventListener("focus", function () {
      if (list.children.length && input.value.trim()) {
        open();
      }
    });

    input.addEventListener("blur", close);
  }

  function init() {
    document.querySelectorAll("input[data-quick-search-url]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
