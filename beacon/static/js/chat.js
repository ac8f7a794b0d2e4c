// Customer chat (full page and the widget's frame): session exchange, then the socket.
// The exchange's sign-in token arrives in the URL fragment (#token=...), so it never reaches
// server logs; the chat session Beacon returns is kept in localStorage to resume later.
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root) return;
  var core = window.BeaconChatCore;
  var strings = JSON.parse(document.getElementById("chat-strings").textContent);
  var log = root.querySelector(".chat-log");
  var form = root.querySelector(".chat-form");
  var input = form.querySelector("textarea");
  var fileInput = form.querySelector("input[type=file]");
  var banner = root.querySelector(".chat-banner");
  var status = root.querySelector(".chat-status");
  var typing = root.querySelector(".chat-typing");
  var rating = root.querySelector(".chat-rating");
  var STORE = "beacon.chat.session";
  var socket = null;
  var conversation = null;
  var session = null;
  var typingTimer = null;
  var typingSent = false;
  var readSent = 0;

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function tokenFromFragment() {
    var hash = window.location.hash.replace(/^#/, "");
    var params = new URLSearchParams(hash);
    var token = params.get("token") || "";
    if (token && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return token;
  }

  function showError(text) {
    banner.hidden = false;
    banner.className = "chat-banner chat-banner-error";
    banner.textContent = text;
  }

  function label(frame) {
    return strings.senders[frame.sender] || "";
  }

  function render(frame) {
    core.renderMessage(log, frame, {
      mine: function (f) {
        return f.sender === "customer";
      },
      label: label,
      onChoice: function (choice) {
        sendText(choice);
      },
    });
  }

  function showState(state) {
    var text = "";
    if (state.status === "queued" && state.queue_position) {
      text = strings.queued
        .replace("%(position)s", state.queue_position)
        .replace("%(minutes)s", Math.max(1, Math.round((state.eta_seconds || 0) / 60)));
    } else if (state.status === "active" && state.agent) {
      text = strings.with_agent.replace("%(name)s", state.agent);
    } else if (state.status === "ticket" && state.ticket) {
      text = strings.ticket.replace("%(reference)s", state.ticket);
    } else if (state.status === "closed") {
      text = strings.closed;
    }
    banner.hidden = !text;
    banner.className = "chat-banner";
    banner.textContent = text;
    root.dataset.status = state.status;
    var ended = state.status === "closed" || state.status === "ticket";
    form.hidden = ended;
    rating.hidden = !ended || !!state.rating;
  }

  function onFrame(frame) {
    if (frame.type === "message") {
      render(frame);
      if (frame.sender !== "customer" && frame.seq > readSent && document.visibilityState === "visible") {
        readSent = frame.seq;
        socket.raw({ type: "read", seq: frame.seq });
      }
    } else if (frame.type === "ack") {
      var item = log.querySelector('[data-id="' + CSS.escape(frame.id || "") + '"]');
      if (item) {
        item.dataset.seq = frame.seq;
        item.classList.remove("chat-sending");
      }
    } else if (frame.type === "typing" && frame.side === "agent") {
      typing.hidden = !frame.on;
    } else if (frame.type === "read" && frame.side === "agent") {
      core.markRead(log, frame.seq);
    } else if (frame.type === "state") {
      showState(frame);
    } else if (frame.type === "rated") {
      rating.hidden = true;
      banner.hidden = false;
      banner.textContent = strings.thanks;
    } else if (frame.type === "error") {
      showError(frame.detail);
    }
  }

  function sendText(text, extra) {
    if (!socket) return;
    var id = socket.send(text, extra);
    render({ id: id, sender: "customer", body: text, meta: {} });
  }

  function begin(data) {
    session = data.session;
    conversation = data.conversation;
    try {
      window.localStorage.setItem(STORE, session);
    } catch (err) {
      // Private mode: the chat works, it just will not resume after a reload.
    }
    root.dataset.guest = data.guest ? "1" : "0";
    root.querySelector(".chat-guest").hidden = !data.guest;
    socket = new core.ChatSocket({
      path: data.socket,
      session: session,
      onFrame: onFrame,
      onStatus: function (name) {
        status.dataset.state = name;
        status.textContent = strings.status[name] || "";
      },
      onStop: function (reason) {
        if (reason === "unauthenticated") {
          window.localStorage.removeItem(STORE);
        }
        showError(strings.stopped[reason] || strings.stopped.not_found);
      },
    });
    socket.connect();
  }

  function start() {
    var stored = null;
    try {
      stored = window.localStorage.getItem(STORE);
    } catch (err) {
      stored = null;
    }
    fetch("/chat/api/session/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ token: tokenFromFragment() || root.dataset.token || "", session: stored || "", language: root.dataset.language || "" }),
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          showError(result.data.detail || strings.failed);
          return;
        }
        begin(result.data);
      })
      .catch(function () {
        showError(strings.failed);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(text);
    socket.raw({ type: "typing", on: false });
    typingSent = false;
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  input.addEventListener("input", function () {
    if (!socket) return;
    if (!typingSent) {
      socket.raw({ type: "typing", on: true });
      typingSent = true;
    }
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () {
      socket.raw({ type: "typing", on: false });
      typingSent = false;
    }, 3000);
  });

  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    if (!file || !conversation) return;
    var data = new FormData();
    data.append("file", file);
    fetch("/chat/api/" + conversation + "/upload/", {
      method: "POST",
      headers: { "X-Chat-Session": session },
      body: data,
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        fileInput.value = "";
        if (!result.ok) {
          showError(result.body.detail || strings.failed);
          return;
        }
        sendText("", { attachment: result.body.token });
      });
  });

  // Files download through fetch so the session header goes along.
  log.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-download]");
    if (!link) return;
    event.preventDefault();
    fetch(link.getAttribute("href"), { headers: { "X-Chat-Session": session } })
      .then(function (response) {
        return response.blob();
      })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = document.createElement("a");
        a.href = url;
        a.download = link.textContent;
        a.click();
        window.setTimeout(function () {
          URL.revokeObjectURL(url);
        }, 1000);
      });
  });

  root.querySelector("[data-end]").addEventListener("click", function () {
    if (socket) socket.raw({ type: "close" });
  });
  root.querySelector("[data-transcript]").addEventListener("click", function () {
    if (socket) socket.raw({ type: "transcript" });
  });
  Array.prototype.forEach.call(rating.querySelectorAll("[data-score]"), function (button) {
    button.addEventListener("click", function () {
      var comment = rating.querySelector("textarea").value;
      socket.raw({ type: "rate", score: Number(button.dataset.score), comment: comment });
    });
  });

  start();
})();
