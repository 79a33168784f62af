/*! hoidap web chat widget — plain JavaScript, no build step, no third-party code.
 *
 * Embed on any page:
 *   <script src="https://HOST/widget.js" data-api="https://HOST" data-title="Hỏi đáp" defer></script>
 * Attributes (all optional): data-api (default: where widget.js came from), data-title,
 *   data-examples="câu 1|câu 2", data-mode="floating|page", data-target="element id" (page mode),
 *   data-stream="false" (never use the streaming endpoint).
 *
 * Safety rule of this file: text from the server (answers, documents, questions) only ever reaches the
 * page through textContent / createTextNode — never innerHTML — so "<script>" in a document stays text.
 */
(function () {
  "use strict";

  var TEXT = {
    title: "Hỏi đáp kế hoạch giáo dục",
    subtitle: "Trả lời kèm trích dẫn văn bản gốc",
    launcher: "Hỏi đáp",
    open: "Mở khung hỏi đáp",
    close: "Đóng khung hỏi đáp",
    newChat: "Cuộc trò chuyện mới",
    log: "Nội dung cuộc trò chuyện",
    welcome: "Xin chào! Hãy đặt câu hỏi về kế hoạch giáo dục của các tỉnh. Mỗi ý trong câu trả lời có số trích dẫn [1] — bấm vào để xem đoạn văn bản gốc.",
    examplesTitle: "Gợi ý câu hỏi",
    inputLabel: "Câu hỏi của bạn",
    placeholder: "Nhập câu hỏi…",
    hint: "Enter để gửi · Shift+Enter để xuống dòng",
    send: "Gửi câu hỏi",
    you: "Bạn hỏi:",
    bot: "Trả lời:",
    typing: "Đang tìm câu trả lời…",
    sources: "Nguồn trích dẫn",
    related: "Đoạn văn bản có thể liên quan",
    citeLabel: function (n, c) { return "Xem nguồn [" + n + "]: " + (c.title || c.source) + (c.province ? ", " + c.province : ""); },
    sourceTitle: function (n) { return "Nguồn [" + n + "]"; },
    relatedTitle: function (n) { return "Đoạn liên quan " + n; },
    closeSource: "Đóng nguồn, quay lại cuộc trò chuyện",
    province: "Tỉnh",
    section: "Mục",
    document: "Văn bản",
    file: "Tệp",
    page: "Trang",
    pageShort: function (n) { return "trang " + n; },
    original: function (n) { return n ? "Mở bản gốc tại trang " + n : "Mở bản gốc"; },
    issued: "ngày",
    paragraph: "Đoạn văn bản (câu được trích dẫn được tô sáng)",
    helpful: "Câu trả lời có hữu ích không?",
    thumbUp: "Hữu ích",
    thumbDown: "Chưa tốt",
    commentLabel: "Góp ý thêm (không bắt buộc)",
    commentPlaceholder: "Ví dụ: thiếu số liệu của tỉnh…",
    sendFeedback: "Gửi đánh giá",
    cancel: "Bỏ qua",
    thanks: "Cảm ơn bạn đã góp ý!",
    retry: "Thử lại",
    unreachable: "Không kết nối được với máy chủ hỏi đáp. Vui lòng kiểm tra kết nối mạng và thử lại sau.",
    rateLimited: function (s) {
      return "Bạn đã gửi quá nhiều câu hỏi trong thời gian ngắn. Vui lòng thử lại sau " + (s || "ít") + " giây.";
    },
    unavailable: "Hệ thống hỏi đáp đang tạm thời không sẵn sàng. Vui lòng thử lại sau ít phút.",
    serverError: function (status) { return "Máy chủ gặp sự cố (mã " + status + "). Vui lòng thử lại sau."; },
    interrupted: "Câu trả lời bị gián đoạn. Vui lòng thử lại."
  };
  var EXAMPLES = [
    "Mục tiêu chi ngân sách cho giáo dục là bao nhiêu?",
    "Tỷ lệ huy động trẻ nhà trẻ ở Lai Châu năm học 2024-2025?",
    "Chủ đề năm học 2024-2025 là gì?"
  ];
  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = { // Feather icons (MIT), as path data
    chat: ["M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 8 8v.5z"],
    close: ["M18 6L6 18", "M6 6l12 12"],
    plus: ["M12 5v14", "M5 12h14"],
    send: ["M22 2L11 13", "M22 2l-7 20-4-9-9-4 20-7z"],
    back: ["M19 12H5", "M12 19l-7-7 7-7"],
    up: ["M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"],
    down: ["M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"]
  };

  // ---------------------------------------------------------------- DOM helpers (text only)
  function h(tag, props, children) {
    var node = document.createElement(tag);
    var key;
    props = props || {};
    for (key in props) {
      if (!Object.prototype.hasOwnProperty.call(props, key) || props[key] == null) continue;
      if (key === "class") node.className = props[key];
      else if (key === "text") node.textContent = props[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), props[key]);
      else if (key === "hidden") node.hidden = !!props[key];
      else node.setAttribute(key, props[key]);
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    (children || []).forEach(function (child) {
      if (child == null) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function icon(name) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    ICONS[name].forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // ---------------------------------------------------------------- talking to the API
  function Failure(status, detail, retryAfter) {
    this.status = status; // 0 = the server could not be reached
    this.detail = detail || "";
    this.retryAfter = retryAfter || "";
  }

  function describe(failure) {
    if (!(failure instanceof Failure) || failure.status === 0) return TEXT.unreachable;
    if (failure.status === 429) return TEXT.rateLimited(failure.retryAfter);
    if (failure.status === 422 && failure.detail) return failure.detail;
    if (failure.status === 503) return TEXT.unavailable;
    if (failure.status === -1) return TEXT.interrupted;
    return TEXT.serverError(failure.status);
  }

  function failureFrom(response) {
    var retry = response.headers.get("Retry-After");
    return response.json().then(
      function (body) { return new Failure(response.status, body && body.detail, retry); },
      function () { return new Failure(response.status, "", retry); }
    );
  }

  function post(url, body, accept) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": accept || "application/json" },
      body: JSON.stringify(body)
    }).catch(function () { throw new Failure(0); });
  }

  function postJson(url, body) {
    return post(url, body).then(function (response) {
      if (!response.ok) return failureFrom(response).then(function (f) { throw f; });
      return response.json();
    });
  }

  /** Parse "event:/data:" blocks; calls onEvent(name, data) for each complete one, returns the rest. */
  function parseSse(buffer, onEvent) {
    var blocks = buffer.split(/\r?\n\r?\n/);
    var rest = blocks.pop();
    blocks.forEach(function (block) {
      var name = "message", data = [];
      block.split(/\r?\n/).forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    });
    return rest;
  }

  /** POST /api/ask/stream; resolves with the done payload, null when the server has no stream endpoint. */
  function askStream(api, body, onDelta) {
    return post(api + "/api/ask/stream", body, "text/event-stream").then(function (response) {
      if (response.status === 404 || response.status === 405) return null;
      if (!response.ok) return failureFrom(response).then(function (f) { throw f; });
      var result = null, failure = null;
      function onEvent(name, data) {
        if (name === "delta") onDelta(data.text || "");
        else if (name === "done") result = data;
        else if (name === "error") failure = new Failure(data.status || 500, data.detail);
      }
      function finish() {
        if (failure) throw failure;
        if (!result) throw new Failure(-1);
        return result;
      }
      if (!response.body || !response.body.getReader || typeof TextDecoder === "undefined") {
        return response.text().then(function (text) { parseSse(text + "\n\n", onEvent); return finish(); });
      }
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { parseSse(buffer + "\n\n", onEvent); return finish(); }
          buffer = parseSse(buffer + decoder.decode(chunk.value, { stream: true }), onEvent);
          return failure ? finish() : pump();
        });
      }
      return pump().catch(function (err) { throw err instanceof Failure ? err : new Failure(-1); });
    });
  }

  // ---------------------------------------------------------------- the widget
  var instances = 0;

  function Widget(config) {
    this.config = config;
    this.uid = "hd" + (++instances) + "-";
    this.conversationId = null;
    this.generation = 0; // bumped by "new conversation": late answers to the old one are dropped
    this.busy = false;
    this.streaming = config.stream;
    this.returnFocus = null;
  }

  Widget.prototype.id = function (name) { return this.uid + name; };

  Widget.prototype.mount = function (container) {
    var self = this, page = this.config.mode === "page";
    this.host = h("hoidap-chat", { "data-mode": page ? "page" : "floating" });
    var root = this.host.attachShadow({ mode: "open" });
    this.root = h("div", { class: "hd " + (page ? "hd--page" : "hd--floating"), lang: "vi", hidden: true });
    var sheet = h("link", { rel: "stylesheet", href: this.config.api + "/chat.css" });
    // Show nothing until the stylesheet is there (no flash of unstyled widget); show anyway if it fails.
    sheet.addEventListener("load", function () { self.root.hidden = false; });
    sheet.addEventListener("error", function () { self.root.hidden = false; });
    root.appendChild(sheet);
    root.appendChild(this.root);
    if (!page) this.root.appendChild(this.buildLauncher());
    this.root.appendChild(this.buildPanel(page));
    this.root.addEventListener("keydown", function (e) { self.onKeydown(e); });
    container.appendChild(this.host);
  };

  Widget.prototype.buildLauncher = function () {
    var self = this;
    this.launcher = h("button", {
      type: "button", class: "hd-launcher", "aria-label": TEXT.open, "aria-expanded": "false",
      "aria-controls": this.id("panel"), onclick: function () { self.toggle(); }
    }, [icon("chat"), h("span", { text: TEXT.launcher, "aria-hidden": "true" })]);
    return this.launcher;
  };

  Widget.prototype.buildPanel = function (page) {
    var self = this;
    var headerButtons = [
      h("button", { type: "button", class: "hd-icon-btn", "aria-label": TEXT.newChat, title: TEXT.newChat,
        onclick: function () { self.reset(); } }, [icon("plus")])
    ];
    if (!page) {
      headerButtons.push(h("button", { type: "button", class: "hd-icon-btn", "aria-label": TEXT.close, title: TEXT.close,
        onclick: function () { self.toggle(false); } }, [icon("close")]));
    }
    this.log = h("div", { class: "hd-log", role: "log", "aria-live": "polite", "aria-label": TEXT.log, tabindex: "0" });
    this.welcome = this.buildWelcome();
    this.log.appendChild(this.welcome);
    this.source = h("div", { class: "hd-source", role: "dialog", "aria-modal": "true",
      "aria-labelledby": this.id("source-title"), hidden: true });
    this.panel = h(page ? "section" : "div", {
      class: "hd-panel", id: this.id("panel"), role: page ? "region" : "dialog",
      "aria-labelledby": this.id("title"), hidden: !page
    }, [
      h("div", { class: "hd-header" }, [
        h("div", { class: "hd-heading" }, [
          h("h2", { class: "hd-title", id: this.id("title"), text: this.config.title }),
          h("p", { class: "hd-subtitle", text: TEXT.subtitle })
        ])
      ].concat(headerButtons)),
      this.log,
      this.buildForm(),
      this.source
    ]);
    return this.panel;
  };

  Widget.prototype.buildWelcome = function () {
    var self = this;
    var items = this.config.examples.map(function (question) {
      return h("li", null, [h("button", { type: "button", class: "hd-suggestion", text: question,
        onclick: function () { self.ask(question); } })]);
    });
    return h("div", { class: "hd-welcome" }, [
      h("p", { text: TEXT.welcome }),
      h("p", { class: "hd-welcome-title", id: this.id("examples"), text: TEXT.examplesTitle }),
      h("ul", { class: "hd-suggestions", "aria-labelledby": this.id("examples") }, items)
    ]);
  };

  Widget.prototype.buildForm = function () {
    var self = this;
    this.input = h("textarea", {
      class: "hd-input", id: this.id("input"), rows: "1", placeholder: TEXT.placeholder,
      "aria-describedby": this.id("hint"), autocomplete: "off", enterkeyhint: "send"
    });
    this.input.addEventListener("keydown", function (e) {
      // Enter sends, Shift+Enter is a new line; never while an input method composes (Vietnamese Telex/VNI).
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        self.submit();
      }
    });
    this.input.addEventListener("input", function () { self.fitInput(); });
    this.sendButton = h("button", { type: "submit", class: "hd-send", "aria-label": TEXT.send, title: TEXT.send },
      [icon("send")]);
    return h("form", { class: "hd-form", onsubmit: function (e) { e.preventDefault(); self.submit(); } }, [
      h("label", { class: "hd-sr", for: this.id("input"), text: TEXT.inputLabel }),
      this.input,
      this.sendButton,
      h("p", { class: "hd-hint", id: this.id("hint"), text: TEXT.hint })
    ]);
  };

  Widget.prototype.fitInput = function () {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight + 2, 132) + "px";
  };

  // ------------------------------------------------ opening, closing, keyboard
  Widget.prototype.toggle = function (open) {
    if (!this.launcher) return;
    open = open === undefined ? this.panel.hidden : open;
    this.panel.hidden = !open;
    this.root.classList.toggle("hd--open", open);
    this.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    this.launcher.setAttribute("aria-label", open ? TEXT.close : TEXT.open);
    if (open) this.input.focus();
    else this.launcher.focus();
  };

  Widget.prototype.onKeydown = function (e) {
    if (e.key === "Escape") {
      if (!this.source.hidden) { e.preventDefault(); this.closeSource(); }
      else if (this.launcher && !this.panel.hidden) { e.preventDefault(); this.toggle(false); }
    } else if (e.key === "Tab" && !this.source.hidden) {
      this.trapFocus(e);
    }
  };

  /** Keep Tab inside the open source view (a modal over the conversation). */
  Widget.prototype.trapFocus = function (e) {
    var focusable = this.source.querySelectorAll("button, [tabindex='0']");
    var first = focusable[0], last = focusable[focusable.length - 1];
    var active = this.host.shadowRoot.activeElement;
    if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
  };

  Widget.prototype.reset = function () {
    this.generation += 1;
    this.conversationId = null;
    this.setBusy(false);
    this.closeSource();
    clear(this.log);
    this.log.appendChild(this.welcome);
    this.welcome.hidden = false;
    this.input.value = "";
    this.fitInput();
    this.input.focus();
  };

  // ------------------------------------------------ asking
  Widget.prototype.submit = function () {
    var question = this.input.value.trim();
    if (!question || this.busy) return;
    this.input.value = "";
    this.fitInput();
    this.ask(question);
  };

  Widget.prototype.ask = function (question) {
    var self = this;
    if (this.busy) return;
    this.setBusy(true);
    this.welcome.hidden = true;
    this.addMessage(h("div", { class: "hd-msg hd-msg--user" }, [h("span", { class: "hd-sr", text: TEXT.you + " " }), question]));
    var typing = this.addMessage(h("div", { class: "hd-msg hd-msg--bot hd-typing", role: "status" }, [
      h("span", { class: "hd-dots", "aria-hidden": "true" }, [h("span"), h("span"), h("span")]),
      h("span", { text: TEXT.typing })
    ]));
    var body = { question: question, conversation_id: this.conversationId, new_conversation: !this.conversationId };
    var live = null, generation = this.generation;
    function current() { return generation === self.generation; }
    function onDelta(text) {
      if (!current()) return;
      if (!live) {
        live = self.addMessage(h("div", { class: "hd-msg hd-msg--bot", "aria-busy": "true" }, [
          h("div", { class: "hd-answer" }, [""])
        ]));
        typing.remove();
      }
      live.firstChild.firstChild.appendData(text);
      self.scrollDown();
    }
    this.fetchAnswer(body, onDelta).then(function (answer) {
      if (!current()) return;
      if (answer.conversation_id) self.conversationId = answer.conversation_id;
      var bubble = self.renderAnswer(answer);
      if (live) live.replaceWith(bubble); else typing.replaceWith(bubble);
      self.scrollDown();
    }, function (failure) {
      if (!current()) return;
      var note = self.renderError(failure, question);
      if (live) live.remove();
      typing.replaceWith(note);
      self.scrollDown();
    }).then(function () { if (current()) self.setBusy(false); });
  };

  /** The streaming endpoint when there is one, else the plain JSON endpoint. */
  Widget.prototype.fetchAnswer = function (body, onDelta) {
    var self = this, api = this.config.api;
    if (!this.streaming) return postJson(api + "/api/ask", body);
    return askStream(api, body, onDelta).then(function (answer) {
      if (answer) return answer;
      self.streaming = false;
      return postJson(api + "/api/ask", body);
    });
  };

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendButton.setAttribute("aria-disabled", busy ? "true" : "false");
    this.log.setAttribute("aria-busy", busy ? "true" : "false");
  };

  Widget.prototype.addMessage = function (node) {
    this.log.appendChild(node);
    this.scrollDown();
    return node;
  };

  Widget.prototype.scrollDown = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.renderError = function (failure, question) {
    var self = this;
    var note = h("div", { class: "hd-msg hd-msg--error", role: "alert" }, [h("div", { text: describe(failure) })]);
    if (!(failure instanceof Failure) || failure.status !== 422) {
      note.appendChild(h("button", { type: "button", class: "hd-btn hd-btn--ghost hd-retry", text: TEXT.retry,
        onclick: function () { note.remove(); self.ask(question); } }));
    }
    return note;
  };

  // ------------------------------------------------ answers, citations, sources
  Widget.prototype.renderAnswer = function (answer) {
    var citations = answer.citations || [];
    var bubble = h("div", { class: "hd-msg hd-msg--bot" }, [
      h("span", { class: "hd-sr", text: TEXT.bot + " " }),
      this.renderAnswerText(answer.answer || "", citations)
    ]);
    if (citations.length) bubble.appendChild(this.renderSourceList(TEXT.sources, citations, TEXT.sourceTitle));
    if (answer.related && answer.related.length) {
      bubble.appendChild(this.renderSourceList(TEXT.related, answer.related, TEXT.relatedTitle));
    }
    bubble.appendChild(this.renderFeedback(answer));
    return bubble;
  };

  /** The answer as text nodes, each [n] that has a citation turned into a button opening the source. */
  Widget.prototype.renderAnswerText = function (text, citations) {
    var self = this, byN = {}, box = h("div", { class: "hd-answer" }), pattern = /\[(\d+)\]/g, last = 0, match;
    citations.forEach(function (c) { byN[c.n] = c; });
    while ((match = pattern.exec(text)) !== null) {
      var citation = byN[Number(match[1])];
      if (!citation) continue;
      box.appendChild(document.createTextNode(text.slice(last, match.index)));
      box.appendChild(h("button", {
        type: "button", class: "hd-cite", "aria-label": TEXT.citeLabel(citation.n, citation),
        "aria-haspopup": "dialog", text: "[" + citation.n + "]",
        onclick: (function (c) { return function (e) { self.openSource(c, TEXT.sourceTitle(c.n), e.currentTarget); }; })(citation)
      }));
      last = pattern.lastIndex;
    }
    box.appendChild(document.createTextNode(text.slice(last)));
    return box;
  };

  /** The heading nearest to a cited passage, shortened: lines citing one plan twice must differ. */
  function sectionTail(section) {
    var parts = (section || "").split(" > ");
    var tail = parts[parts.length - 1].trim();
    return tail.length > 60 ? tail.slice(0, 59).trim() + "…" : tail;
  }

  Widget.prototype.renderSourceList = function (title, citations, heading) {
    var self = this, titleId = this.id("list-" + Math.random().toString(36).slice(2, 9));
    return h("div", { class: "hd-sources" }, [
      h("p", { class: "hd-sources-title", id: titleId, text: title }),
      h("ol", { "aria-labelledby": titleId }, citations.map(function (c, i) {
        var n = c.n || i + 1;
        var label = [c.province, c.title || c.source, sectionTail(c.section), c.page ? TEXT.pageShort(c.page) : ""]
          .filter(Boolean).join(" · ");
        return h("li", null, [h("button", {
          type: "button", class: "hd-source-link", "aria-haspopup": "dialog",
          onclick: function (e) { self.openSource(c, heading(n), e.currentTarget); }
        }, [h("span", { class: "hd-source-n", text: "[" + n + "]" }), h("span", { class: "hd-source-label", text: label })])]);
      }))
    ]);
  };

  Widget.prototype.openSource = function (c, heading, opener) {
    var self = this;
    this.returnFocus = opener || null;
    var number = [c.number, c.date ? TEXT.issued + " " + c.date : ""].filter(Boolean).join(", ");
    var facts = [[TEXT.province, c.province], [TEXT.section, (c.section || "").split(" > ").join(" › ")],
      [TEXT.document, number], [TEXT.file, c.source], [TEXT.page, c.page ? String(c.page) : ""]]
      .filter(function (row) { return row[1]; });
    var closeButton = h("button", { type: "button", class: "hd-icon-btn hd-source-close", "aria-label": TEXT.closeSource,
      title: TEXT.closeSource, onclick: function () { self.closeSource(); } }, [icon("back")]);
    clear(this.source);
    append(this.source, [
      h("div", { class: "hd-source-head" }, [closeButton, h("h3", { id: this.id("source-title"), text: heading })]),
      h("div", { class: "hd-source-body", tabindex: "0" }, [
        h("p", { class: "hd-doc-title", text: c.title || c.source }),
        h("dl", { class: "hd-facts" }, facts.reduce(function (list, row) {
          return list.concat([h("dt", { text: row[0] }), h("dd", { text: row[1] })]);
        }, [])),
        h("p", { class: "hd-paragraph-label", text: TEXT.paragraph }),
        this.highlighted(c.text || "", c.quote || ""),
        c.note ? h("p", { class: "hd-note", role: "note", text: c.note }) : null,
        c.source ? h("a", { class: "hd-original", href: this.originalUrl(c), target: "_blank",
          rel: "noopener noreferrer", text: TEXT.original(c.page) }) : null
      ])
    ]);
    this.source.hidden = false;
    closeButton.focus();
  };

  /** The original file on the hoidap server; a PDF viewer opens it at the cited page (#page=N). */
  Widget.prototype.originalUrl = function (c) {
    return this.config.api + "/api/documents/" + encodeURIComponent(c.source) + "/file" + (c.page ? "#page=" + c.page : "");
  };

  /** The paragraph with the quoted sentence in <mark>; both stay plain text. */
  Widget.prototype.highlighted = function (text, quote) {
    var at = quote ? text.indexOf(quote) : -1;
    if (at < 0) return h("blockquote", { class: "hd-paragraph" }, [text || quote]);
    return h("blockquote", { class: "hd-paragraph" }, [
      text.slice(0, at), h("mark", { text: quote }), text.slice(at + quote.length)
    ]);
  };

  Widget.prototype.closeSource = function () {
    if (this.source.hidden) return;
    this.source.hidden = true;
    clear(this.source);
    if (this.returnFocus && this.returnFocus.isConnected) this.returnFocus.focus();
    else this.input.focus();
  };

  // ------------------------------------------------ feedback
  Widget.prototype.renderFeedback = function (answer) {
    var self = this, rating = 0, formId = this.id("fb-" + Math.random().toString(36).slice(2, 9));
    var status = h("p", { class: "hd-feedback-status", role: "status" });
    var comment = h("textarea", { id: formId + "-c", maxlength: "2000", placeholder: TEXT.commentPlaceholder });
    var form = h("form", { class: "hd-feedback-form", id: formId, hidden: true }, [
      h("label", { for: formId + "-c", text: TEXT.commentLabel }),
      comment,
      h("div", { class: "hd-feedback-actions" }, [
        h("button", { type: "submit", class: "hd-btn", text: TEXT.sendFeedback }),
        h("button", { type: "button", class: "hd-btn hd-btn--ghost", text: TEXT.cancel, onclick: function () {
          form.hidden = true; rating = 0; up.setAttribute("aria-pressed", "false"); down.setAttribute("aria-pressed", "false");
        } })
      ])
    ]);
    function choose(value) {
      rating = value;
      up.setAttribute("aria-pressed", value === 1 ? "true" : "false");
      down.setAttribute("aria-pressed", value === -1 ? "true" : "false");
      form.hidden = false;
      comment.focus();
    }
    var up = h("button", { type: "button", class: "hd-thumb", "aria-label": TEXT.thumbUp, title: TEXT.thumbUp,
      "aria-pressed": "false", "aria-controls": formId, onclick: function () { choose(1); } }, [icon("up")]);
    var down = h("button", { type: "button", class: "hd-thumb", "aria-label": TEXT.thumbDown, title: TEXT.thumbDown,
      "aria-pressed": "false", "aria-controls": formId, onclick: function () { choose(-1); } }, [icon("down")]);
    comment.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!rating) return;
      self.sendFeedback(answer, rating, comment.value.trim()).then(function () {
        form.remove();
        up.disabled = down.disabled = true;
        status.textContent = TEXT.thanks;
        self.input.focus(); // the focused comment box is gone: continue where the next question goes
      }, function (failure) { status.textContent = describe(failure); });
    });
    return h("div", null, [
      h("div", { class: "hd-feedback", role: "group", "aria-label": TEXT.helpful }, [
        h("span", { class: "hd-feedback-q", text: TEXT.helpful, "aria-hidden": "true" }), up, down
      ]),
      form,
      status
    ]);
  };

  Widget.prototype.sendFeedback = function (answer, rating, comment) {
    return postJson(this.config.api + "/api/feedback", {
      question: answer.question,
      answer: answer.answer,
      citations: (answer.citations || []).map(function (c) {
        return { n: c.n, source: c.source, title: c.title, province: c.province, section: c.section,
          quote: c.quote, text: c.text };
      }),
      rating: rating,
      comment: comment,
      conversation_id: answer.conversation_id || null
    });
  };

  // ---------------------------------------------------------------- boot
  function readConfig(script) {
    var data = script ? script.dataset : {};
    var origin = script && script.src ? new URL(script.src, document.baseURI).origin : window.location.origin;
    var examples = data.examples ? data.examples.split("|").map(function (s) { return s.trim(); }).filter(Boolean) : EXAMPLES;
    return {
      api: (data.api || origin).replace(/\/+$/, ""),
      title: data.title || TEXT.title,
      mode: data.mode === "page" ? "page" : "floating",
      target: data.target || "",
      examples: examples,
      stream: data.stream !== "false"
    };
  }

  function boot(script) {
    var config = readConfig(script);
    var container = (config.mode === "page" && config.target && document.getElementById(config.target)) || document.body;
    new Widget(config).mount(container);
  }

  var current = document.currentScript;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { boot(current); });
  } else {
    boot(current);
  }
})();
