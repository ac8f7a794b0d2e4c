// New-request form: articles suggested while the subject is typed. When the customer opened a
// suggested article and leaves the form without sending it, a beacon tells the server, which
// counts a deflection for each opened article (once per visitor; filing later cancels it).
(function () {
  "use strict";
  var panel = document.getElementById("kb-portal-suggestions");
  if (!panel) { return; }
  var form = panel.closest("form");
  var opened = {};
  var submitted = false;
  panel.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("[data-kb-article]") : null;
    if (link) { opened[link.getAttribute("data-kb-article")] = true; }
  });
  if (form) { form.addEventListener("submit", function () { submitted = true; }); }
  function report() {
    var ids = Object.keys(opened);
    if (submitted || !ids.length || !navigator.sendBeacon) { return; }
    var data = new FormData();
    ids.forEach(function (id) { data.append("articles", id); });
    data.append("source", "portal");
    var subject = form ? form.querySelector("[name=subject]") : null;
    data.append("query", subject ? subject.value : "");
    var token = form ? form.querySelector("[name=csrfmiddlewaretoken]") : null;
    if (token) { data.append("csrfmiddlewaretoken", token.value); }
    navigator.sendBeacon(panel.getAttribute("data-deflect-url"), data);
    opened = {};
  }
  window.addEventListener("pagehide", report);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { report(); }
  });
})();
