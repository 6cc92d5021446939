/* Progressive enhancement for the portal's pages; every page works without it.
 * 1. "Use my position": shows #use-position, and on a click searches around
 *    the browser's position (lat/lon, with the form's other fields but q);
 *    a failure shows the button's data-error text in #position-error.
 * 2. Filters: in form#search-form[data-autosubmit], a change of a filter in
 *    fieldset.filters submits the form (on change only, never while typing).
 * No inline handlers: the pages' CSP allows scripts from the site only. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var button = document.getElementById("use-position");

  function searchAround(position) {
    var params = new URLSearchParams();
    if (form) {
      new FormData(form).forEach(function (value, name) {
        if (name !== "q" && name !== "lat" && name !== "lon" && value !== "") {
          params.append(name, value);
        }
      });
    }
    params.set("lat", position.coords.latitude.toFixed(5));
    params.set("lon", position.coords.longitude.toFixed(5));
    var action = form ? form.action : window.location.pathname;
    window.location.assign(action.split("?")[0] + "?" + params.toString());
  }

  if (button && "geolocation" in navigator) {
    var message = document.getElementById("position-error");
    button.hidden = false;
    button.addEventListener("click", function () {
      if (message) {
        message.textContent = "";
      }
      navigator.geolocation.getCurrentPosition(
        searchAround,
        function () {
          if (message) {
            message.textContent = button.getAttribute("data-error") || "";
          }
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });
  }

  if (form && form.hasAttribute("data-autosubmit")) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.closest && target.closest("fieldset.filters")) {
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else {
          form.submit();
        }
      }
    });
  }
})();
