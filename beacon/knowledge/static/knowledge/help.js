// Help center: arrow keys move through the suggestions under the search box. Enhancement only:
// without it, suggestions are plain links and the form is a plain GET search.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    var box = target.closest(".kb-search");
    if (!box || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) { return; }
    var links = Array.prototype.slice.call(box.querySelectorAll(".kb-suggestion-list a"));
    if (!links.length) { return; }
    var index = links.indexOf(document.activeElement);
    var next = event.key === "ArrowDown" ? index + 1 : index - 1;
    if (next < 0) { box.querySelector("input").focus(); } else { links[Math.min(next, links.length - 1)].focus(); }
    event.preventDefault();
  });
})();
