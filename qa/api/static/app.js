// Verbatim web chat: streams answers from /v1/chat/stream and shows cited passages in place.
// No framework, no build step, no external assets. Document text is only ever inserted as
// text nodes, never as HTML.
"use strict";

const KEY_STORAGE = "verbatim.apiKey";
// The refusal headings come from the server's one wording table (qa/wording.py).
const WORDING = JSON.parse(document.getElementById("wording")?.textContent ?? "{}");
const REFUSAL_TITLES = WORDING.titles ?? {};
const GAP_NOTE = WORDING.gap_note ?? "The source is cut off after “{announcement}” ({document}).";

const state = { conversationId: null, busy: false, documents: new Map(), turn: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "className") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function authHeaders() {
  const key = localStorage.getItem(KEY_STORAGE);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function apiError(response) {
  let code = "http_error";
  let message = `The server answered ${response.status}.`;
  try {
    const body = await response.json();
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch (_) { /* not JSON: keep the generic message */ }
  if (response.status === 401) askForKey(message);
  return new ApiError(response.status, code, message);
}

async function getJSON(path) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw await apiError(response);
  return response.json();
}

// -- Server-Sent Events over fetch (EventSource cannot POST) --------------------------------

function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!data.length) return null;
  return { event, data: JSON.parse(data.join("\n")) };
}

async function* readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const parsed = parseEvent(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (parsed) yield parsed;
    }
  }
}

// -- rendering ----------------------------------------------------------------------------

function addMessage(node) {
  $("empty-state")?.remove();
  $("messages").append(node);
  node.scrollIntoView({ block: "end" });
  return node;
}

function userMessage(text) {
  return el("li", { className: "message user" }, el("p", { className: "role" }, "You"), text);
}

function answerWithMarkers(answer, citations) {
  const byId = new Map(citations.map((c) => [c.id, c]));
  const out = el("p", { className: "answer-text" });
  const parts = answer.split(/(\[\d+\])/);
  for (const part of parts) {
    const match = /^\[(\d+)\]$/.exec(part);
    const citation = match && byId.get(Number(match[1]));
    if (citation) out.append(citeButton(citation));
    else if (part) out.append(part);
  }
  return out;
}

function citeButton(citation) {
  return el(
    "button",
    {
      type: "button",
      className: "cite",
      "aria-label": `Citation ${citation.id}: show the passage in ${citation.document}`,
      "aria-pressed": "false",
      dataset: { cite: String(citation.id) },
      onclick: (event) => openCitation(citation, event.currentTarget),
    },
    String(citation.id),
  );
}

function citationList(citations) {
  if (!citations.length) return null;
  const list = el("ol", { className: "citations", "aria-label": "Citations" });
  for (const c of citations) {
    const where = c.section ? `${c.document} — ${c.section}` : c.document;
    list.append(
      el("li", {}, citeButton(c), el("blockquote", {}, c.quote, el("span", { className: "where" }, where))),
    );
  }
  return list;
}

function feedbackBar(turn) {
  const bar = el("div", { className: "feedback" }, "Was this useful?");
  const send = async (rating) => {
    for (const b of bar.querySelectorAll("button")) b.disabled = true;
    try {
      const response = await fetch("/v1/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...authHeaders() },
        body: JSON.stringify({ rating, conversation_id: state.conversationId, turn, source: "web" }),
      });
      bar.lastChild.textContent = response.ok ? "Thanks." : "Could not record feedback.";
    } catch (_) {
      bar.lastChild.textContent = "Could not record feedback.";
    }
  };
  bar.append(
    el("button", { type: "button", className: "secondary", onclick: () => send("up") }, "Yes"),
    el("button", { type: "button", className: "secondary", onclick: () => send("down") }, "No"),
    el("span", { role: "status" }),
  );
  return bar;
}

function renderAnswer(item, answer) {
  item.replaceChildren();
  item.classList.toggle("refusal", answer.refused);
  item.dataset.refusalReason = answer.refusal_reason ?? "";
  item.append(el("p", { className: "role" }, "Verbatim"));
  if (answer.refused) {
    const title = REFUSAL_TITLES[answer.refusal_reason] ?? "No answer from the documents";
    item.setAttribute("role", "note");
    item.append(el("p", { className: "refusal-title" }, title));
  }
  // append() would render a null child as the text "null": add only the parts that exist.
  const parts = [answerWithMarkers(answer.answer ?? "", answer.citations ?? []), citationList(answer.citations ?? [])];
  // An answer whose section runs into a cut-off list says so (a refusal already does).
  if (!answer.refused) parts.push(...(answer.gaps ?? []).slice(0, 3).map(gapNote));
  item.append(...parts.filter((part) => part !== null && part !== undefined), feedbackBar(state.turn));
}

function gapNote(gap) {
  // Replacer functions: a "$&" in the document's text is text, not a replacement pattern.
  const text = GAP_NOTE.replace("{announcement}", () => gap.announcement).replace("{document}", () => gap.document);
  return el("p", { className: "gap-note", role: "note" }, text);
}

function renderError(item, message) {
  item.replaceChildren(el("p", { className: "role" }, "Error"), el("p", {}, message));
  item.classList.add("error-box");
  item.setAttribute("role", "alert");
}

// -- the source panel ----------------------------------------------------------------------

function documentPath(id) {
  return "/v1/documents/" + id.split("/").map(encodeURIComponent).join("/");
}

async function loadDocument(citation) {
  let doc = state.documents.get(citation.document);
  if (!doc || doc.text.slice(citation.start, citation.end) !== citation.quote) {
    doc = await getJSON(documentPath(citation.document));
    state.documents.set(citation.document, doc);
  }
  return doc;
}

async function openCitation(citation, button) {
  for (const b of document.querySelectorAll(".cite[aria-pressed='true']")) {
    b.setAttribute("aria-pressed", "false");
  }
  button.setAttribute("aria-pressed", "true");
  showPanel();
  $("source-title").textContent = "Loading…";
  try {
    const doc = await loadDocument(citation);
    showPassage(doc, citation);
  } catch (error) {
    $("source-title").textContent = "Source unavailable";
    $("source-text").replaceChildren(error.message);
  }
  $("source-title").focus();
}

function showPassage(doc, citation) {
  const text = doc.text;
  const mark = el(
    "mark",
    { id: "cited-passage", dataset: { citation: String(citation.id) } },
    text.slice(citation.start, citation.end),
  );
  $("source-title").textContent = doc.title || doc.id;
  const section = citation.section ? ` · ${citation.section}` : "";
  $("source-meta").textContent = `${doc.id}${section} · citation ${citation.id}, characters ${citation.start}–${citation.end}`;
  $("source-text").replaceChildren(
    ...renderRange(doc, 0, citation.start),
    mark,
    ...renderRange(doc, citation.end, text.length),
  );
  mark.scrollIntoView({ block: "center" });
}

// Text of [from, to) with boilerplate and captions dimmed and gaps flagged where they fall.
function renderRange(doc, from, to) {
  const spans = [...doc.excluded, doc.caption].filter(Boolean);
  const cuts = new Set([from, to]);
  for (const s of spans) for (const p of [s.start, s.end]) if (p > from && p < to) cuts.add(p);
  for (const g of doc.gaps) if (g.offset > from && g.offset < to) cuts.add(g.offset);
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i < points.length - 1; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    for (const g of doc.gaps) if (g.offset === a) out.push(gapMarker());
    const span = spans.find((s) => s.start <= a && b <= s.end);
    const piece = doc.text.slice(a, b);
    out.push(span ? el("span", { className: `dimmed ${span.kind}`, title: dimTitle(span.kind) }, piece) : piece);
  }
  if (to === doc.text.length) for (const g of doc.gaps) if (g.offset === to) out.push(gapMarker());
  return out;
}

// What each kind of excluded span is, as the reader is told on hover.
const DIM_TITLES = {
  caption: "Image caption",
  contents: "Table of contents, not used for answers",
  markup: "Markup that shows no text (link targets, definitions), not used for answers",
};

function dimTitle(kind) {
  return DIM_TITLES[kind] ?? "Page boilerplate, not used for answers";
}

function gapMarker() {
  return el("span", { className: "gap-marker", title: "The document announces content here that it does not contain" }, " [nothing follows in the source] ");
}

function showPanel() {
  $("source-panel").hidden = false;
  document.querySelector(".layout").classList.remove("no-panel");
}

function closePanel() {
  $("source-panel").hidden = true;
  document.querySelector(".layout").classList.add("no-panel");
  const pressed = document.querySelector(".cite[aria-pressed='true']");
  pressed?.setAttribute("aria-pressed", "false");
  (pressed || $("question")).focus();
}

// -- asking ----------------------------------------------------------------------------------

async function streamAnswer(question, item) {
  const response = await fetch("/v1/chat/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...authHeaders() },
    body: JSON.stringify({ message: question, conversation_id: state.conversationId }),
  });
  if (!response.ok) throw await apiError(response);
  const live = el("p", { className: "answer-text streaming" });
  item.append(live);
  for await (const { event, data } of readEvents(response)) {
    if (event === "retrieval") item.dataset.evidence = String(data.evidence.length);
    else if (event === "delta") live.append(data.text ?? "");
    else if (event === "error") throw new ApiError(500, data.error.code, data.error.message);
    else if (event === "done") {
      state.conversationId = data.conversation_id;
      state.turn += 1;
      renderAnswer(item, data.answer);
      return;
    }
  }
  throw new ApiError(0, "stream_ended", "The answer stream ended early.");
}

async function ask(question) {
  state.busy = true;
  $("send").disabled = true;
  addMessage(userMessage(question));
  const item = addMessage(el("li", { className: "message assistant", "aria-busy": "true" }, el("p", { className: "role" }, "Verbatim")));
  try {
    await streamAnswer(question, item);
  } catch (error) {
    renderError(item, error.message);
  } finally {
    item.removeAttribute("aria-busy");
    item.scrollIntoView({ block: "nearest" });
    state.busy = false;
    $("send").disabled = false;
    $("question").focus();
  }
}

function submitQuestion(event) {
  event.preventDefault();
  const input = $("question");
  const question = input.value.trim();
  if (!question || state.busy) return;
  input.value = "";
  ask(question);
}

// -- API key ---------------------------------------------------------------------------------

function askForKey(message) {
  $("key-settings").open = true;
  $("key-status").textContent = message || "This server needs an API key.";
  $("api-key").focus();
}

function saveKey(event) {
  event.preventDefault();
  const key = $("api-key").value.trim();
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
  $("api-key").value = "";
  $("key-status").textContent = key ? "Key saved in this browser." : "Key removed.";
}

function newConversation() {
  state.conversationId = null;
  state.turn = 0;
  $("messages").replaceChildren();
  closePanel();
  $("question").focus();
}

function init() {
  $("ask-form").addEventListener("submit", submitQuestion);
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submitQuestion(event);
  });
  $("close-panel").addEventListener("click", closePanel);
  $("new-conversation").addEventListener("click", newConversation);
  $("key-form").addEventListener("submit", saveKey);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("source-panel").hidden) closePanel();
  });
  document.querySelector(".layout").classList.add("no-panel");
  if (localStorage.getItem(KEY_STORAGE)) $("key-status").textContent = "A key is saved in this browser.";
  $("question").focus();
}

init();
