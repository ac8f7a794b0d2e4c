// Beacon chat widget: one <script> tag on the exchange's site.
//   <script src="https://support.example.com/static/js/chat-widget.js" async
//           data-token="<JWT signed by the exchange, empty for guests>" data-language="zh-hans"></script>
// It adds a button in a shadow root (the page's styles cannot break it, nor it the page's) that
// opens the chat in an iframe served by Beacon. The token travels in the frame's URL fragment,
// which browsers never send to servers. window.BeaconChat.open()/close()/setToken(t) for apps.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.BeaconChat) return;
  var origin = new URL(script.src).origin;
  var token = script.dataset.token || "";
  var language = script.dataset.language || (navigator.language || "en").toLowerCase();
  var label = script.dataset.label || (language.indexOf("zh") === 0 ? "在线客服" : "Chat with us");

  var host = document.createElement("div");
  host.setAttribute("data-beacon-chat", "");
  // Open, so the page (and browser tests) can inspect it; styles are isolated either way.
  var shadow = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent =
    ":host{all:initial}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;" +
    "padding:12px 18px;background:#1f4fd1;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:min(380px,calc(100vw - 40px));" +
    "height:min(600px,calc(100vh - 100px));border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);" +
    "background:#fff}" +
    ".panel[hidden]{display:none}";
  var button = document.createElement("button");
  button.className = "launcher";
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  var frame = null;

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "panel";
      frame.title = label;
      frame.src =
        origin + "/chat/widget/?lang=" + encodeURIComponent(language) +
        (token ? "#token=" + encodeURIComponent(token) : "");
      frame.setAttribute("allow", "clipboard-write");
      shadow.appendChild(frame);
    }
    frame.hidden = false;
    button.setAttribute("aria-expanded", "true");
  }

  function close() {
    if (frame) frame.hidden = true;
    button.setAttribute("aria-expanded", "false");
  }

  button.addEventListener("click", function () {
    if (frame && !frame.hidden) close();
    else open();
  });
  shadow.appendChild(style);
  shadow.appendChild(button);
  (document.body || document.documentElement).appendChild(host);

  window.BeaconChat = {
    open: open,
    close: close,
    setToken: function (value) {
      token = value || "";
      if (frame) {
        frame.remove();
        frame = null;
      }
    },
  };
})();
