/* Suggests home students and teachers while a name is typed into a list of names.
 *
 * Inputs with data-people-autocomplete="<url of people.json, maybe with ?kind=>" hold names
 * separated by 、 ; or ,
 * The last name being typed is looked up; choosing a suggestion replaces it. No inline scripts and
 * no inline style attributes: styles are set through the DOM, which a strict CSP allows.
 */
(function () {
  "use strict";

  var SEPARATORS = /[、;；,，]/;
  var DELAY_MS = 200;
  var list = null; // one suggestion list for the page, moved under the input in use
  var input = null;
  var items = [];
  var active = -1;
  var timer = null;
  var asked = 0;

  function lastToken(value) {
    var parts = value.split(SEPARATORS);
    return parts[parts.length - 1].trim();
  }

  function replaceLastToken(value, replacement) {
    var match = value.match(/^(.*[、;；,，]\s*)/);
    return (match ? match[1] : "") + replacement;
  }

  function makeList() {
    list = document.createElement("ul");
    list.id = "people-suggestions";
    list.setAttribute("role", "listbox");
    var style = list.style;
    style.position = "absolute";
    style.zIndex = "10";
    style.margin = "0";
    style.padding = "0.2rem 0";
    style.listStyle = "none";
    style.background = "#fff";
    style.border = "1px solid #d0d7de";
    style.borderRadius = "4px";
    style.boxShadow = "0 4px 12px rgba(0, 0, 0, 0.15)";
    style.maxHeight = "16rem";
    style.overflowY = "auto";
    style.display = "none";
    // mousedown, not click: the input must keep its focus.
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest("li");
      if (item) {
        event.preventDefault();
        choose(Number(item.dataset.index));
      }
    });
    document.body.appendChild(list);
  }

  function hide() {
    if (list) {
      list.style.display = "none";
    }
    if (input) {
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    items = [];
    active = -1;
  }

  function show(target, people) {
    if (!list) {
      makeList();
    }
    list.textContent = "";
    items = people;
    active = -1;
    if (!people.length) {
      hide();
      return;
    }
    people.forEach(function (person, index) {
      var item = document.createElement("li");
      item.id = "people-suggestion-" + index;
      item.setAttribute("role", "option");
      item.dataset.index = String(index);
      item.textContent = person.label;
      item.style.padding = "0.15rem 0.6rem";
      item.style.cursor = "pointer";
      list.appendChild(item);
    });
    var box = target.getBoundingClientRect();
    list.style.left = box.left + window.scrollX + "px";
    list.style.top = box.bottom + window.scrollY + "px";
    list.style.minWidth = box.width + "px";
    list.style.display = "block";
    target.setAttribute("aria-expanded", "true");
  }

  function highlight(index) {
    var children = list.children;
    for (var i = 0; i < children.length; i++) {
      children[i].style.background = i === index ? "#ddf4ff" : "";
      children[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", children[index].id);
      children[index].scrollIntoView({ block: "nearest" });
    }
  }

  function choose(index) {
    var person = items[index];
    if (person && input) {
      input.value = replaceLastToken(input.value, person.value);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    hide();
  }

  function lookUp(target) {
    var token = lastToken(target.value);
    if (!token) {
      hide();
      return;
    }
    var ask = ++asked;
    var url = new URL(target.dataset.peopleAutocomplete, window.location.href);
    url.searchParams.set("q", token);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(function (people) {
        // Only the answer to the latest question, and only if the input still has the focus.
        if (ask === asked && document.activeElement === target) {
          show(target, people);
        }
      })
      .catch(hide);
  }

  function attach(field) {
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", "people-suggestions");
    field.setAttribute("aria-expanded", "false");
    field.addEventListener("input", function () {
      input = field;
      clearTimeout(timer);
      timer = setTimeout(function () {
        lookUp(field);
      }, DELAY_MS);
    });
    field.addEventListener("keydown", function (event) {
      if (input !== field || !items.length) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + items.length) % items.length);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault(); // choose the person, do not submit the form
        choose(active);
      } else if (event.key === "Escape") {
        hide();
      }
    });
    field.addEventListener("blur", function () {
      clearTimeout(timer);
      asked++; // an answer still on its way is no longer wanted
      hide();
    });
  }

  document.querySelectorAll("input[data-people-autocomplete]").forEach(attach);
})();
