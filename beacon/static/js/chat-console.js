// Agent chat console: a socket per open chat panel (messages, typing, read receipts) and one
// console socket whose hints make the queue list refresh. No inline scripts (CSP).
(function () {
  "use strict";
  var root = document.getElementById("chat-console");
  if (!root) return;
  var core = window.BeaconChatCore;
  var strings = JSON.parse(document.getElementById("chat-strings").textContent);
  var panels = document.getElementById("chat-panels");
  var sockets = {};

  function queueSocket() {
    var proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(proto + "//" + window.location.host + root.dataset.consoleSocket);
    ws.onmessage = function () {
      document.body.dispatchEvent(new CustomEvent("chat-queue-changed"));
    };
    ws.onclose = function (event) {
      if (event.code >= 4000) return;
      window.setTimeout(queueSocket, 2000);
    };
  }

  function label(frame) {
    return strings.senders[frame.sender] || "";
  }

  function initPanel(panel) {
    var id = panel.dataset.chat;
    var log = panel.querySelector(".chat-log");
    var typing = panel.querySelector(".chat-typing");
    var old = sockets[id];
    var socket = new core.ChatSocket({
      path: "/ws/chat/" + id + "/",
      onFrame: function (frame) {
        if (frame.type === "message") {
          core.renderMessage(log, frame, {
            mine: function (f) {
              return f.sender === "agent";
            },
            label: label,
          });
          if (frame.sender === "customer") socket.raw({ type: "read", seq: frame.seq });
        } else if (frame.type === "typing" && frame.side === "customer") {
          typing.hidden = !frame.on;
        } else if (frame.type === "read" && frame.side === "customer") {
          core.markRead(log, frame.seq);
        } else if (frame.type === "state" && frame.status !== panel.dataset.status) {
          document.body.dispatchEvent(new CustomEvent("chat-queue-changed"));
        } else if (frame.type === "error") {
          var note = document.createElement("li");
          note.className = "chat-msg chat-system";
          note.textContent = frame.detail;
          log.appendChild(note);
        }
      },
    });
    if (old) old.close();
    sockets[id] = socket;
    socket.connect();

    var form = panel.querySelector(".chat-reply");
    if (form) {
      var input = form.querySelector("textarea");
      var internal = form.querySelector("[data-internal]");
      var timer = null;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var text = input.value.trim();
        if (!text) return;
        input.value = "";
        var frameId = socket.send(text, internal && internal.checked ? { internal: true } : {});
        core.renderMessage(log, { id: frameId, sender: "agent", body: text, internal: internal && internal.checked, meta: {} }, {
          mine: function () {
            return true;
          },
          label: label,
        });
        socket.raw({ type: "typing", on: false });
      });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      input.addEventListener("input", function () {
        socket.raw({ type: "typing", on: true });
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          socket.raw({ type: "typing", on: false });
        }, 3000);
      });
      var macro = form.querySelector("[data-macro]");
      if (macro) {
        macro.addEventListener("change", function () {
          if (!macro.value) return;
          fetch(macro.dataset.macroUrl + "?macro=" + encodeURIComponent(macro.value), { credentials: "same-origin" })
            .then(function (response) {
              return response.ok ? response.text() : "";
            })
            .then(function (text) {
              input.value = text;
              macro.value = "";
              input.focus();
            });
        });
      }
    }
    var closeButton = panel.querySelector("[data-close-panel]");
    if (closeButton) {
      closeButton.addEventListener("click", function () {
        socket.close();
        delete sockets[id];
        panel.remove();
      });
    }
  }

  function openChat(id) {
    var existing = document.getElementById("chat-panel-" + id);
    if (existing) {
      existing.scrollIntoView({ block: "nearest" });
      return;
    }
    var holder = document.createElement("div");
    panels.appendChild(holder);
    window.htmx.ajax("GET", "/console/chats/" + encodeURIComponent(id) + "/", { target: holder, swap: "outerHTML" });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-open-chat]");
    if (!link) return;
    event.preventDefault();
    openChat(link.dataset.openChat);
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    var found = target && target.matches && target.matches(".chat-panel") ? [target] : [];
    Array.prototype.forEach.call(panels.querySelectorAll(".chat-panel:not([data-ready])"), function (panel) {
      if (found.indexOf(panel) < 0) found.push(panel);
    });
    found.forEach(function (panel) {
      if (panel.dataset.ready) return;
      panel.dataset.ready = "1";
      initPanel(panel);
    });
  });

  // Chats already assigned open straight away: several at once, side by side.
  Array.prototype.forEach.call(root.querySelectorAll("[data-mine] [data-open-chat]"), function (link) {
    openChat(link.dataset.openChat);
  });
  queueSocket();
})();
