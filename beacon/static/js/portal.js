// Customer portal behaviours. Everything here is an enhancement: forms work without it and the
// server checks every value again.
(function () {
  "use strict";

  function memoLabels() {
    var node = document.getElementById("memo-labels");
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent || "{}"); } catch (error) { return {}; }
  }

  // Show the memo / tag input only for networks that use one, named the way that network
  // names it ("Destination tag" on XRP), and mark it required there.
  function updateMemo(form) {
    var select = form.querySelector("[data-network-select]");
    if (!select) { return; }
    var label = memoLabels()[select.value];
    form.querySelectorAll("[data-memo-field]").forEach(function (wrapper) {
      var input = wrapper.querySelector("[data-memo-input]");
      var text = wrapper.querySelector("[data-label-text]");
      var marker = wrapper.querySelector("[data-memo-required]");
      var always = wrapper.hasAttribute("data-memo-always");
      // Never hide something the customer typed or an error they must see.
      var keep = always || (input && input.value !== "") || wrapper.classList.contains("has-error");
      wrapper.hidden = !label && !keep;
      if (text) { text.textContent = label || wrapper.getAttribute("data-default-label"); }
      if (marker) { marker.hidden = !(label || always); }
      if (input) {
        if (label || always) { input.setAttribute("aria-required", "true"); } else { input.removeAttribute("aria-required"); }
      }
    });
  }

  // datetime-local values carry no time zone; send the offset that applied on that date.
  function fillTimeZone(form) {
    var field = form.querySelector("[data-tz-offset]");
    if (!field) { return; }
    var input = form.querySelector("input[type=datetime-local]");
    var moment = input && input.value ? new Date(input.value) : new Date();
    if (isNaN(moment.getTime())) { moment = new Date(); }
    field.value = String(-moment.getTimezoneOffset());
  }

  function enhance(root) {
    root.querySelectorAll("form").forEach(function (form) {
      updateMemo(form);
      fillTimeZone(form);
    });
    if (navigator.clipboard) {
      root.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
    }
    var focus = root.querySelector("[data-focus-on-load]");
    if (focus) { focus.focus(); }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLElement && target.form) {
      if (target.hasAttribute("data-network-select")) { updateMemo(target.form); }
      if (target.matches("input[type=datetime-local]")) { fillTimeZone(target.form); }
    }
  });

  // Capture phase: runs before htmx reads the form, so the offset and the confirmation apply
  // to HTMX posts too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    fillTimeZone(form);
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(button.getAttribute("data-copy") || "").then(function () {
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied") || original;
      window.setTimeout(function () { button.textContent = original; }, 1500);
    });
  });

  document.addEventListener("htmx:load", function (event) {
    if (event.target instanceof Element && event.target !== document.body) { enhance(event.target); }
  });

  // A failed HTMX post is not swapped in; say so next to the form instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.target instanceof Element ? event.target.closest("form[data-request-error]") : null;
    if (!form) { return; }
    var note = form.querySelector(".request-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "errorlist request-error";
      note.setAttribute("role", "alert");
      form.insertBefore(note, form.firstChild);
    }
    note.textContent = form.getAttribute("data-request-error");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
