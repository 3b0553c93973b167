/* Suggests home students and teachers while a name is typed into a list of names.
 *
 * Inputs with data-people-autocomplete="<url of people.json, maybe with ?kind=>" hold names
 * separated by 、 ; or ,
 * The last name being typed is looked up; choosing a suggestion replaces it.
 *
 * The WAI-ARIA combobox pattern (ARIA 1.2, "list autocomplete with manual selection"): each input is
 * a combobox that controls one listbox for the page, moved under the input in use. The focus stays
 * in the input; aria-activedescendant names the highlighted option. Keys: Down and Up move through
 * the suggestions (Down, or Alt+Down, also asks for them when the list is closed), Enter chooses the
 * highlighted one, Escape closes the list, Tab leaves the input as usual.
 *
 * No inline scripts and no inline style attributes: the look is in site.css (.people-suggestions),
 * and only the list's position is set through the DOM, which a strict CSP allows.
 */
(function () {
  "use strict";

  var SEPARATORS = /[、;；,，]/;
  var DELAY_MS = 200;
  var LIST_ID = "people-suggestions";
  var list = null; // one suggestion list for the page, moved under the input in use
  var input = null; // the input the list belongs to
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
    list.id = LIST_ID;
    list.className = "people-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    // mousedown, not click: the input must keep its focus.
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest("li");
      if (item) {
        event.preventDefault();
        choose(Number(item.dataset.index));
      }
    });
    // Inside the page's main landmark, as the inputs are.
    (document.querySelector("main") || document.body).appendChild(list);
  }

  function isOpen() {
    return list !== null && !list.hidden && items.length > 0;
  }

  function hide() {
    if (list) {
      list.hidden = true;
      list.textContent = "";
    }
    if (input) {
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    items = [];
    active = -1;
  }

  function show(target, people) {
    list.textContent = "";
    items = people;
    active = -1;
    target.removeAttribute("aria-activedescendant"); // the options it named are gone
    if (!people.length) {
      hide();
      return;
    }
    people.forEach(function (person, index) {
      var item = document.createElement("li");
      item.id = LIST_ID + "-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.index = String(index);
      item.textContent = person.label;
      list.appendChild(item);
    });
    // The list is named as its input is ("Members, entry 3").
    var label = target.labels && target.labels.length ? target.labels[0].textContent.trim() : "";
    var name = target.getAttribute("aria-label") || label;
    if (name) {
      list.setAttribute("aria-label", name);
    }
    list.hidden = false;
    place(target);
    target.setAttribute("aria-expanded", "true");
  }

  // Under the input, in the coordinates of the list's containing block (the page, or a positioned
  // ancestor), and kept on the screen: near the right edge it opens towards the left.
  function place(target) {
    var box = target.getBoundingClientRect();
    var origin = { left: -window.scrollX, top: -window.scrollY };
    var parent = list.offsetParent;
    if (parent && getComputedStyle(parent).position !== "static") {
      origin = parent.getBoundingClientRect();
    }
    list.style.minWidth = box.width + "px";
    list.style.left = box.left - origin.left + "px";
    list.style.top = box.bottom - origin.top + "px";
    var overflow = list.getBoundingClientRect().right - document.documentElement.clientWidth;
    if (overflow > 0) {
      list.style.left = Math.max(-origin.left, box.left - origin.left - overflow - 4) + "px";
    }
  }

  function highlight(index) {
    var children = list.children;
    for (var i = 0; i < children.length; i++) {
      children[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", children[index].id);
      children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
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
        if (ask === asked && document.activeElement === target && input === target) {
          show(target, people);
        }
      })
      .catch(hide);
  }

  function attach(field) {
    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", LIST_ID);
    field.setAttribute("aria-expanded", "false");
    field.addEventListener("input", function () {
      input = field;
      clearTimeout(timer);
      timer = setTimeout(function () {
        lookUp(field);
      }, DELAY_MS);
    });
    field.addEventListener("keydown", function (event) {
      if (event.isComposing) {
        return; // an input method (拼音) is choosing characters: its keys are its own
      }
      var open = input === field && isOpen();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!open) {
          if (event.key === "ArrowDown") {
            input = field;
            clearTimeout(timer);
            lookUp(field);
          }
          return;
        }
        if (event.altKey) {
          return; // Alt+Down opens the list without moving into it
        }
        var down = event.key === "ArrowDown";
        if (active < 0) {
          highlight(down ? 0 : items.length - 1);
        } else {
          highlight((active + (down ? 1 : -1) + items.length) % items.length);
        }
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault(); // choose the person, do not submit the form
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        hide();
      }
    });
    field.addEventListener("blur", function () {
      clearTimeout(timer);
      asked++; // an answer still on its way is no longer wanted
      if (input === field) {
        hide();
      }
    });
  }

  var fields = document.querySelectorAll("input[data-people-autocomplete]");
  if (fields.length) {
    makeList(); // before the inputs name it in aria-controls
    fields.forEach(attach);
  }
})();
