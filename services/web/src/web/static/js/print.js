/* The credential letters' print button: shown only when scripts run, it
 * opens the browser's print dialogue (the page prints one letter a page
 * without it too, through the browser's own Print). No inline handlers: the
 * CSP allows scripts from the site only. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
