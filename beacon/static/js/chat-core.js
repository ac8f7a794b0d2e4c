// Live chat socket client shared by the customer chat and the agent console.
// Reconnects with backoff and resumes from the last sequence number it saw; every send has a
// client-generated id and is retried after a reconnect until the server acknowledges it, and
// the server stores an id only once, so nothing is lost or doubled.
(function () {
  "use strict";

  var STOP_CODES = { 4401: "unauthenticated", 4404: "not_found", 4429: "flood" };

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  function ChatSocket(options) {
    this.path = options.path; // "/ws/chat/<id>/"
    this.session = options.session || ""; // chat session token (customers); staff use cookies
    this.onFrame = options.onFrame || function () {};
    this.onStatus = options.onStatus || function () {};
    this.onStop = options.onStop || function () {};
    this.lastSeq = 0;
    this.pending = {}; // id -> frame, in send order
    this.order = [];
    this.delay = 500;
    this.stopped = false;
    this.ws = null;
  }

  ChatSocket.prototype.url = function () {
    var proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    var query = "last_seq=" + this.lastSeq;
    if (this.session) query += "&session=" + encodeURIComponent(this.session);
    return proto + "//" + window.location.host + this.path + "?" + query;
  };

  ChatSocket.prototype.connect = function () {
    var self = this;
    if (self.stopped) return;
    self.onStatus("connecting");
    var ws = new WebSocket(self.url());
    self.ws = ws;
    ws.onopen = function () {
      self.delay = 500;
      self.onStatus("online");
      // Unacknowledged sends go again with the same id: the server stores each id once.
      self.order.forEach(function (id) {
        if (self.pending[id]) ws.send(JSON.stringify(self.pending[id]));
      });
    };
    ws.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (frame.type === "message") {
        if (frame.seq <= self.lastSeq) return; // a replay of what we have
        self.lastSeq = frame.seq;
        if (frame.id && self.pending[frame.id]) self._acked(frame.id);
      } else if (frame.type === "ack") {
        self._acked(frame.id);
      } else if (frame.type === "error" && frame.id && frame.code !== "rate_limited") {
        self._acked(frame.id); // refused for good (too long, chat ended): do not resend
      }
      self.onFrame(frame);
    };
    ws.onclose = function (event) {
      self.ws = null;
      if (STOP_CODES[event.code]) {
        self.stopped = true;
        self.onStatus("stopped");
        self.onStop(STOP_CODES[event.code]);
        return;
      }
      if (self.stopped) return;
      self.onStatus("offline");
      window.setTimeout(function () {
        self.connect();
      }, self.delay + Math.random() * 250);
      self.delay = Math.min(self.delay * 2, 10000);
    };
  };

  ChatSocket.prototype._acked = function (id) {
    if (!id || !this.pending[id]) return;
    delete this.pending[id];
    this.order = this.order.filter(function (other) {
      return other !== id;
    });
  };

  ChatSocket.prototype.raw = function (frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  };

  ChatSocket.prototype.send = function (body, extra) {
    var frame = { type: "send", id: newId(), body: body };
    Object.keys(extra || {}).forEach(function (key) {
      frame[key] = extra[key];
    });
    this.pending[frame.id] = frame;
    this.order.push(frame.id);
    this.raw(frame);
    return frame.id;
  };

  ChatSocket.prototype.close = function () {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  };

  // Rendering shared by both sides: text only (textContent), never HTML from a message.
  function renderMessage(container, frame, options) {
    var mine = options.mine(frame);
    var item = frame.id ? container.querySelector('[data-id="' + CSS.escape(frame.id) + '"]') : null;
    if (!item) {
      item = document.createElement("li");
      container.appendChild(item);
    }
    item.className = "chat-msg chat-" + frame.sender + (mine ? " chat-mine" : "") + (frame.internal ? " chat-internal" : "");
    item.dataset.seq = frame.seq || "";
    if (frame.id) item.dataset.id = frame.id;
    item.textContent = "";
    if (frame.name || options.label(frame)) {
      var who = document.createElement("span");
      who.className = "chat-who";
      who.textContent = frame.name || options.label(frame);
      item.appendChild(who);
    }
    var body = document.createElement("p");
    body.className = "chat-body";
    body.textContent = frame.body || "";
    item.appendChild(body);
    var meta = frame.meta || {};
    (meta.links || []).forEach(function (link) {
      if (!/^(https?:\/\/|\/)/.test(link.url)) return;
      var a = document.createElement("a");
      a.href = link.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.className = "chat-link";
      a.textContent = link.title;
      item.appendChild(a);
    });
    if (frame.attachment) {
      var file = document.createElement("a");
      file.href = frame.attachment.url;
      file.className = "chat-file";
      file.textContent = frame.attachment.name;
      file.dataset.download = "1";
      item.appendChild(file);
    }
    if (meta.choices && meta.choices.length && options.onChoice) {
      var row = document.createElement("div");
      row.className = "chat-choices";
      meta.choices.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-secondary chat-choice";
        button.textContent = choice;
        button.addEventListener("click", function () {
          options.onChoice(choice);
        });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    var tick = document.createElement("span");
    tick.className = "chat-tick";
    item.appendChild(tick);
    if (!frame.seq) item.classList.add("chat-sending");
    container.scrollTop = container.scrollHeight;
    return item;
  }

  function markRead(container, seq) {
    Array.prototype.forEach.call(container.querySelectorAll(".chat-mine"), function (item) {
      if (Number(item.dataset.seq) && Number(item.dataset.seq) <= seq) item.classList.add("chat-read");
    });
  }

  window.BeaconChatCore = { ChatSocket: ChatSocket, renderMessage: renderMessage, markRead: markRead, newId: newId };
})();
