/* 客服 chat over WebSockets: the merchant's 客服工作台 and the buyer's widget on the storefront.
 * Message text is only ever set with textContent, never parsed as HTML. Translated strings come from
 * data-* attributes the templates render, so this file has no language of its own. */
(function () {
  "use strict";

  var STOP_CODES = { 4403: true, 4404: true };

  function wsUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  /* A socket that reconnects with backoff until the server refuses us for good (4403/4404).
   * Every connection starts with {type: "sync", after: <newest message id seen>}: the server sends
   * what was stored while we were away (a Redis restart, a replica restart), then "synced". Only
   * then is the connection live (handlers.open, ready()): a server that accepts the socket but
   * cannot join the chat (Redis down) closes it before that, so the backoff keeps growing and the
   * page keeps saying "offline" instead of flickering. */
  function liveSocket(path, handlers) {
    var state = { ws: null, failures: 0, stopped: false, live: false, lastId: null, connected: false };
    /* 1 s for the first three tries (a restart of Redis or of a replica takes a few seconds), then
     * doubling up to 15 s; ±20 % jitter so a room of pages does not reconnect in lockstep. */
    function delay() {
      var base = state.failures < 3 ? 1000 : Math.min(1000 * Math.pow(2, state.failures - 2), 15000);
      return base * (0.8 + Math.random() * 0.4);
    }
    function open() {
      var ws = new WebSocket(wsUrl(path));
      state.ws = ws;
      ws.onopen = function () {
        ws.send(JSON.stringify({ type: "sync", after: state.connected ? state.lastId : null }));
      };
      ws.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data.type === "message" && data.message && (state.lastId === null || data.message.id > state.lastId)) {
          state.lastId = data.message.id;
        }
        if (data.type === "synced") {
          if (state.lastId === null || data.last_id > state.lastId) state.lastId = data.last_id;
          var again = state.connected;
          state.live = true;
          state.connected = true;
          state.failures = 0;
          if (handlers.open) handlers.open(again);
          return;
        }
        if (handlers.data) handlers.data(data);
      };
      ws.onclose = function (event) {
        state.live = false;
        if (handlers.close) handlers.close(event.code);
        if (STOP_CODES[event.code]) { state.stopped = true; return; }
        setTimeout(open, delay());
        state.failures += 1;
      };
    }
    open();
    return {
      ready: function () { return state.live && state.ws && state.ws.readyState === WebSocket.OPEN; },
      send: function (obj) { state.ws.send(JSON.stringify(obj)); },
    };
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function messageItem(message, senderLabel) {
    var li = el("li", "chat-msg chat-msg-" + message.sender);
    li.setAttribute("data-message-id", String(message.id));
    var meta = el("div", "chat-meta");
    meta.appendChild(el("span", "chat-sender", senderLabel));
    meta.appendChild(document.createTextNode(" "));
    var time = el("time", null, message.time || "");
    time.setAttribute("datetime", message.created_at || "");
    meta.appendChild(time);
    li.appendChild(meta);
    li.appendChild(el("div", "chat-body", message.body));
    return li;
  }

  function appendMessage(list, message, senderLabel) {
    if (!list || list.querySelector('[data-message-id="' + String(Number(message.id)) + '"]')) return false;
    var hint = list.querySelector("[data-chat-hint]");
    if (hint) hint.remove();
    list.appendChild(messageItem(message, senderLabel));
    list.scrollTop = list.scrollHeight;
    return true;
  }

  function showError(node, text) {
    if (!node) return;
    node.textContent = text || "";
    node.hidden = !text;
  }

  /* The socket closed with a message sent but not yet confirmed (no echo): its fate is unknown, so
   * give the text back at once — the person sees it was not confirmed and can send it again. */
  function giveBack(textarea, pending) {
    if (pending === null || !textarea || textarea.value) return null;
    textarea.value = pending;
    return pending;
  }

  /* …and if the reconnection's sync shows it was stored after all, take it back out of the box so
   * it is not sent twice. */
  function takeBack(textarea, returned, body) {
    if (returned === null || body !== returned.trim()) return returned;
    if (textarea && textarea.value === returned) textarea.value = "";
    return null;
  }

  function truncate(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  /* Enter sends in the buyer widget, Ctrl/⌘+Enter in the console; Shift+Enter is a new line. */
  function submitOnEnter(textarea, form, needModifier) {
    textarea.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
      if (needModifier && !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  }

  function merchant(root) {
    var d = root.dataset;
    var currentId = d.sessionId ? Number(d.sessionId) : null;
    var list = root.querySelector("[data-chat-session-list]");
    var empty = root.querySelector("[data-chat-empty]");
    var messages = root.querySelector("[data-chat-messages]");
    var form = root.querySelector("[data-chat-form]");
    var textarea = form ? form.querySelector("textarea") : null;
    var errorNode = root.querySelector("[data-chat-error]");
    var conn = root.querySelector("[data-chat-conn]");
    var pending = null;
    var returned = null;
    if (messages) messages.scrollTop = messages.scrollHeight;

    function sessionUrl(id) {
      return d.sessionUrl.replace(/\/0\/$/, "/" + Number(id) + "/");
    }

    function sessionItem(session) {
      var li = list.querySelector('li[data-session-id="' + Number(session.id) + '"]');
      if (li) return li;
      li = el("li");
      li.setAttribute("data-session-id", String(Number(session.id)));
      var a = el("a");
      a.href = sessionUrl(session.id);
      var head = el("span", "chat-session-head");
      head.appendChild(el("span", "chat-nick", session.customer));
      head.appendChild(document.createTextNode(" "));
      var badge = el("span", "badge chat-unread", "0");
      badge.hidden = true;
      head.appendChild(badge);
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("time", "chat-session-time", ""));
      a.appendChild(head);
      a.appendChild(el("span", "chat-preview", ""));
      li.appendChild(a);
      return li;
    }

    function setBadge(li, count) {
      var badge = li.querySelector(".chat-unread");
      if (!badge) return;
      badge.textContent = String(count);
      badge.hidden = !count;
    }

    function bump(payload) {
      if (!list || !payload.session) return;
      var li = sessionItem(payload.session);
      li.querySelector(".chat-preview").textContent = truncate(payload.message.body, 40);
      var time = li.querySelector(".chat-session-time");
      time.textContent = payload.message.time || "";
      time.setAttribute("datetime", payload.message.created_at || "");
      setBadge(li, payload.session.id === currentId ? 0 : payload.session.unread_count);
      if (payload.session.id !== currentId && payload.message.sender === "buyer") li.classList.add("is-new");
      list.insertBefore(li, list.firstChild);
      if (empty) empty.hidden = true;
    }

    function label(payload) {
      var m = payload.message;
      if (m.sender === "buyer") return payload.session ? payload.session.customer : d.labelBuyer;
      return m.sender === "merchant" ? d.labelMerchant : d.labelAuto;
    }

    var socket = liveSocket(d.wsPath, {
      open: function () { if (conn) conn.textContent = d.textOnline; returned = null; },
      close: function () {
        if (conn) conn.textContent = d.textOffline;
        returned = giveBack(textarea, pending);
        pending = null;
      },
      data: function (payload) {
        if (payload.type === "message") {
          if (payload.message.sender === "merchant") returned = takeBack(textarea, returned, payload.message.body);
          bump(payload);
          if (payload.session_id === currentId) {
            appendMessage(messages, payload.message, label(payload));
            if (payload.message.sender === "merchant" && pending !== null && payload.message.body === pending.trim()) {
              pending = null;
            }
            if (payload.message.sender === "buyer" && document.visibilityState === "visible" && socket.ready()) {
              socket.send({ type: "read", session_id: currentId });
            }
          }
        } else if (payload.type === "read") {
          var li = list && list.querySelector('li[data-session-id="' + Number(payload.session_id) + '"]');
          if (li) { setBadge(li, 0); li.classList.remove("is-new"); }
        } else if (payload.type === "error") {
          showError(errorNode, payload.message);
          if (pending !== null && textarea && !textarea.value) textarea.value = pending;
          pending = null;
        }
      },
    });

    if (form && textarea) {
      submitOnEnter(textarea, form, true);
      form.addEventListener("submit", function (event) {
        if (!socket.ready() || currentId === null) return; // plain POST fallback
        event.preventDefault();
        showError(errorNode, "");
        pending = textarea.value;
        socket.send({ type: "message", session_id: currentId, body: textarea.value });
        textarea.value = "";
        textarea.focus();
      });
    }
  }

  function buyer(root) {
    var d = root.dataset;
    var launcher = root.querySelector(".chat-launcher");
    var panel = root.querySelector(".chat-panel");
    var closer = root.querySelector(".chat-panel-close");
    var dot = root.querySelector(".chat-dot");
    var messages = root.querySelector("[data-chat-messages]");
    var form = root.querySelector("[data-chat-form]");
    var textarea = form ? form.querySelector("textarea") : null;
    var errorNode = root.querySelector("[data-chat-error]");
    var pending = null;
    var returned = null;
    var socket = null;

    function setOpen(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        if (dot) dot.hidden = true;
        if (messages) messages.scrollTop = messages.scrollHeight;
        if (textarea) textarea.focus();
      }
    }
    launcher.addEventListener("click", function () { setOpen(panel.hidden); });
    if (closer) closer.addEventListener("click", function () { setOpen(false); launcher.focus(); });

    if (!d.loggedIn || !form) return;

    socket = liveSocket(d.wsPath, {
      open: function () {
        showError(errorNode, "");
        returned = null; // the sync has shown everything the server stored
      },
      close: function (code) {
        if (code === 4403) showError(errorNode, d.textLogin);
        else if (code === 4404) showError(errorNode, d.textClosed);
        else showError(errorNode, d.textOffline);
        returned = giveBack(textarea, pending);
        pending = null;
      },
      data: function (payload) {
        if (payload.type === "message") {
          var m = payload.message;
          var who = m.sender === "buyer" ? d.labelBuyer : (m.sender === "merchant" ? d.labelMerchant : d.labelAuto);
          if (appendMessage(messages, m, who) && m.sender !== "buyer" && panel.hidden && dot) dot.hidden = false;
          if (m.sender === "buyer" && pending !== null && m.body === pending.trim()) pending = null;
          if (m.sender === "buyer") returned = takeBack(textarea, returned, m.body);
        } else if (payload.type === "error") {
          showError(errorNode, payload.message);
          if (pending !== null && textarea && !textarea.value) textarea.value = pending;
          pending = null;
        }
      },
    });

    submitOnEnter(textarea, form, false);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!socket.ready()) { showError(errorNode, d.textNotReady); return; }
      showError(errorNode, "");
      pending = textarea.value;
      socket.send({ type: "message", body: textarea.value });
      textarea.value = "";
      textarea.focus();
    });
  }

  function start() {
    var roots = document.querySelectorAll("[data-chat-role]");
    for (var i = 0; i < roots.length; i++) {
      var root = roots[i];
      if (root.getAttribute("data-chat-started")) continue;
      root.setAttribute("data-chat-started", "1");
      if (root.dataset.chatRole === "merchant") merchant(root);
      else if (root.dataset.chatRole === "buyer") buyer(root);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
