// Article editor: nothing needed beyond HTMX for the live preview; this file keeps the preview
// in step when the page is restored from the browser's cache.
(function () {
  "use strict";
  window.addEventListener("pageshow", function (event) {
    var body = document.getElementById("id_body");
    if (event.persisted && body && window.htmx) { window.htmx.trigger(body, "input"); }
  });
})();
