// Agent console: keyboard shortcuts, row selection, reply modes and macro insertion.
// Loaded by the console templates; no inline scripts (CSP), no eval (htmx allowEval is off).
(function () {
  "use strict";

  // The current row is marked in the DOM, so a list replaced by htmx starts without one.
  var current = -1;

  function isTyping(element) {
    return !!element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-ticket-row]"));
  }

  function setCurrent(index) {
    var list = rows();
    if (!list.length) {
      current = -1;
      return;
    }
    current = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row, n) {
      row.classList.toggle("is-current", n === current);
      if (n === current) {
        row.setAttribute("aria-current", "true");
      } else {
        row.removeAttribute("aria-current");
      }
    });
    list[current].scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    var list = rows();
    current = -1;
    for (var n = 0; n < list.length; n++) {
      if (list[n].classList.contains("is-current")) current = n;
    }
    return list[current] || null;
  }

  // --- help overlay ------------------------------------------------------------------------

  function help() {
    return document.getElementById("kbd-help");
  }

  function openHelp() {
    var overlay = help();
    if (overlay) {
      overlay.hidden = false;
      var close = overlay.querySelector("[data-close-help]");
      if (close) close.focus();
    }
  }

  function closeHelp() {
    var overlay = help();
    if (overlay && !overlay.hidden) {
      overlay.hidden = true;
      return true;
    }
    return false;
  }

  // --- reply box ---------------------------------------------------------------------------

  function replyForm() {
    return document.getElementById("reply-form");
  }

  function syncReplyMode(form) {
    var note = form.querySelector("input[name=kind][value=note]");
    form.classList.toggle("is-note", !!(note && note.checked));
  }

  function startReply(kind) {
    var form = replyForm();
    if (!form) return false;
    var radio = form.querySelector("input[name=kind][value=" + kind + "]");
    if (radio) {
      radio.checked = true;
      syncReplyMode(form);
    }
    var body = form.querySelector("textarea[name=body]");
    if (body) body.focus();
    return true;
  }

  function insertIntoReply(text) {
    var form = replyForm();
    var body = form && form.querySelector("textarea[name=body]");
    if (!body) return;
    // Insert at the cursor, keeping whatever the agent already typed.
    var start = body.selectionStart || 0;
    var end = body.selectionEnd || 0;
    var before = body.value.slice(0, start);
    var after = body.value.slice(end);
    var glue = before && !/\n$/.test(before) ? "\n" : "";
    body.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    body.focus();
    body.setSelectionRange(caret, caret);
  }

  // --- events ------------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      if (closeHelp()) {
        event.preventDefault();
        return;
      }
      if (isTyping(document.activeElement)) document.activeElement.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var handled = true;
    switch (event.key) {
      case "?":
        openHelp();
        break;
      case "/": {
        var search = document.querySelector("[data-search]");
        if (search) {
          search.focus();
          search.select();
        } else {
          handled = false;
        }
        break;
      }
      case "j":
        currentRow();
        setCurrent(current + 1);
        break;
      case "k":
        currentRow();
        setCurrent(current < 0 ? 0 : current - 1);
        break;
      case "Enter": {
        var row = currentRow();
        if (row && row.dataset.href) {
          window.location.assign(row.dataset.href);
        } else {
          handled = false;
        }
        break;
      }
      case "x": {
        var selected = currentRow();
        var box = selected && selected.querySelector("[data-row-check]");
        if (box) {
          box.checked = !box.checked;
        } else {
          handled = false;
        }
        break;
      }
      case "r":
        handled = startReply("reply");
        break;
      case "n":
        handled = startReply("note");
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-close-help]") || target.id === "kbd-help") {
      closeHelp();
      return;
    }
    var insert = target.closest("[data-insert-macro]");
    if (insert) {
      var source = document.getElementById(insert.getAttribute("data-insert-macro"));
      if (source) insertIntoReply(source.textContent);
      return;
    }
    var row = target.closest("[data-ticket-row]");
    if (row) setCurrent(rows().indexOf(row));
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.hasAttribute("data-check-all")) {
      document.querySelectorAll("[data-row-check]").forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target.name === "kind" && target.form && target.form.id === "reply-form") {
      syncReplyMode(target.form);
    }
  });
})();

// Times in lists are rendered as absolute UTC by the server (cheap and cacheable); here they
// become "5 minutes ago" in the page's language, with the exact local time as a tooltip.
(function () {
  "use strict";
  var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];

  function relativise(root) {
    if (typeof Intl === "undefined" || !Intl.RelativeTimeFormat) {
      return;
    }
    var format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });
    var now = Date.now();
    root.querySelectorAll("time[data-relative]").forEach(function (element) {
      var when = Date.parse(element.getAttribute("datetime"));
      if (isNaN(when)) {
        return;
      }
      var seconds = Math.round((when - now) / 1000);
      var text = format.format(seconds, "second");
      for (var i = 0; i < units.length; i += 1) {
        if (Math.abs(seconds) >= units[i][1]) {
          text = format.format(Math.round(seconds / units[i][1]), units[i][0]);
          break;
        }
      }
      element.title = new Date(when).toLocaleString();
      element.textContent = text;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { relativise(document); });
  document.addEventListener("htmx:afterSwap", function (event) { relativise(event.target); });
})();
