/* Follows an import on its page: asks for its progress every second, moves
 * the progress bar and says the rows read in the aria-live region, and
 * reloads the page (which then shows the report) once the import has ended.
 * Without JavaScript the page reloads itself instead (a <noscript> refresh).
 * The words come from the page's data attributes, in the page's language. */
(function () {
  "use strict";
  var box = document.getElementById("import-progress-box");
  if (!box || !box.getAttribute("data-status-url") || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("progress-text");
  var status = document.getElementById("import-status");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "da");
  var failures = 0;

  function label(done, total) {
    var template = total === null
      ? box.getAttribute("data-label-unknown")
      : box.getAttribute("data-label");
    return (template || "")
      .replace("{done}", numbers.format(done))
      .replace("{total}", total === null ? "" : numbers.format(total));
  }

  function show(progress) {
    var total = typeof progress.rows_total === "number" ? progress.rows_total : null;
    var done = typeof progress.rows_done === "number" ? progress.rows_done : 0;
    if (bar && total !== null) {
      bar.max = Math.max(total, 1);
      bar.value = Math.min(done, bar.max);
    }
    var words = label(done, total);
    // Only a change is spoken: the same words again would repeat every second.
    if (text && text.textContent !== words) {
      text.textContent = words;
    }
    var statusWords = box.getAttribute("data-status-" + progress.status);
    if (status && statusWords && status.textContent !== statusWords) {
      status.textContent = statusWords;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        failures = 0;
        if (progress.done) {
          window.location.reload();
          return;
        }
        show(progress);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        // A signed-out session or a server away: try a few times, then let
        // the reader reload the page themselves.
        failures += 1;
        if (failures < 5) {
          window.setTimeout(poll, 2000 * failures);
        }
      });
  }

  window.setTimeout(poll, 1000);
})();
