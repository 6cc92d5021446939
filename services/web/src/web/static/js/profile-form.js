/* The closing-days form: "Add another closing day" adds an empty row like
 * the last one (the page already offers empty rows, so it works without
 * this). Each row's fields are named closing-<row>-<field>; the new row takes
 * the next number, and its legend the next ordinal. */
(function () {
  "use strict";
  var button = document.getElementById("add-closing-row");
  var rows = document.getElementById("closing-rows");
  if (!button || !rows) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var all = rows.querySelectorAll("fieldset.closing-row");
    var last = all[all.length - 1];
    if (!last) {
      return;
    }
    var from = Number(last.getAttribute("data-row"));
    var to = from + 1;
    var row = last.cloneNode(true);
    var old = "closing-" + from + "-";
    var now = "closing-" + to + "-";
    row.id = "closing-row-" + to;
    row.setAttribute("data-row", String(to));
    var legend = row.querySelector("legend");
    if (legend) {
      legend.textContent = legend.textContent.replace(/\d+/, String(to + 1));
    }
    row.querySelectorAll(".form-error-message").forEach(function (message) {
      message.parentNode.removeChild(message);
    });
    row.querySelectorAll(".form-error").forEach(function (group) {
      group.classList.remove("form-error");
    });
    row.querySelectorAll("[id], [for], [name], [aria-describedby]").forEach(function (element) {
      ["id", "for", "name", "aria-describedby"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) {
          element.setAttribute(attribute, value.split(old).join(now));
        }
      });
      var described = (element.getAttribute("aria-describedby") || "")
        .split(" ")
        .filter(function (token) {
          return token && token.indexOf("error-") !== 0;
        });
      if (described.length) {
        element.setAttribute("aria-describedby", described.join(" "));
      } else {
        element.removeAttribute("aria-describedby");
      }
      element.removeAttribute("aria-invalid");
      if (element.tagName === "INPUT") {
        element.value = "";
      }
    });
    rows.appendChild(row);
    var first = row.querySelector("input");
    if (first) {
      first.focus();
    }
  });
})();
