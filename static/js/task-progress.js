// Follows a background task on a page with [data-task-progress]: asks its data-status-url (JSON:
// state, running, label, done, total, stuck) every two seconds, moves the <progress> bar, and reloads
// the page once the task is done or stuck (the page then shows the outcome or "Try again").
// Without JavaScript the page still works: its "Reload" link shows the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-task-progress]");
  if (!box) {
    return;
  }
  var bar = box.querySelector("[data-progress-bar]");
  var label = box.querySelector("[data-progress-label]");
  var count = box.querySelector("[data-progress-count]");
  var stuckShown = document.querySelector("[name=action][value=retry]") !== null;

  function show(status) {
    label.textContent = status.label;
    if (status.total > 0) {
      bar.max = status.total;
      bar.value = status.done;
      bar.textContent = status.done + " / " + status.total;
      count.textContent = status.done + " / " + status.total;
    } else {
      bar.removeAttribute("value");
      count.textContent = "";
    }
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (status) {
        if (!status.running || status.stuck !== stuckShown) {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
