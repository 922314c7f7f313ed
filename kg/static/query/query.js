// The query page of `kg serve`: the saved questions with their parameters, free SPARQL, the
// answer as a table, CSV and JSON downloads, and a permalink (the question or the query, and its
// parameters, in the page's address). Parameters are filled by the server (kg.query.fill_params),
// never here: a saved question runs as POST /questions/NAME with its parameters as form fields.
"use strict";

const $ = (id) => document.getElementById(id);
const query = $("query"), paramsBox = $("params"), statusEl = $("status"), results = $("results");
let saved = [];
let current = null;  // the saved question whose text is in the box, if unchanged

function show(text, isError) {
  const el = document.createElement(isError ? "div" : "pre");
  if (isError) el.className = "error";
  el.textContent = text;
  results.appendChild(el);
}

function choose(question, values) {
  current = question;
  query.value = question.text;
  paramsBox.textContent = "";
  for (const b of document.querySelectorAll("#questions button")) {
    b.classList.toggle("current", b.dataset.name === question.name);
  }
  for (const p of question.params) {
    const label = document.createElement("label");
    label.textContent = p.name + (p.required ? " (required) " : " (optional) ");
    const input = document.createElement("input");
    input.name = p.name;
    input.title = p.help;
    input.placeholder = p.help;
    input.value = (values && values[p.name]) || "";
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") run(); });
    label.appendChild(input);
    paramsBox.appendChild(label);
  }
}

function isSaved() {
  return current !== null && query.value === current.text;
}

function paramValues() {
  const values = {};
  for (const input of paramsBox.querySelectorAll("input")) {
    if (input.value !== "") values[input.name] = input.value;
  }
  return values;
}

// Where the box's content goes, and with which fields.
function target() {
  if (isSaved()) {
    return {url: "../questions/" + encodeURIComponent(current.name),
            fields: paramValues(), link: {question: current.name, ...paramValues()}};
  }
  return {url: "../sparql", fields: {query: query.value}, link: {query: query.value}};
}

function cell(t) {
  if (!t) return "";
  if (t.type === "literal") return t.value;  // its language or datatype: on hover (kind())
  if (t.type === "bnode") return "_:" + t.value;
  if (t.type === "triple") {
    return "<< " + cell(t.value.subject) + " " + cell(t.value.predicate) + " " +
      cell(t.value.object) + " >>";
  }
  return t.value;
}

function kind(t) {
  if (!t) return "";
  if (t["xml:lang"]) return "@" + t["xml:lang"];
  return t.datatype || t.type;
}

function cutNote(r) {
  const cut = r.headers.get("X-Result-Truncated");
  if (!cut) return "";
  const cap = Number(r.headers.get("X-Result-Cap"));
  return cut === "bytes" ? " (cut at " + (cap / 1048576).toFixed(1) + " MB)"
                         : " (cut at " + cap + " rows)";
}

function setDownloads(kind) {
  const table = $("download-table"), json = $("download-json");
  if (kind === "graph") {
    table.textContent = "Turtle"; table.dataset.format = "turtle";
    json.textContent = "JSON-LD"; json.dataset.format = "jsonld";
  } else {
    table.textContent = "CSV"; table.dataset.format = "csv";
    json.textContent = "JSON"; json.dataset.format = "json";
  }
  $("downloads").hidden = false;
}

async function run() {
  const started = performance.now();
  const t = target();
  statusEl.textContent = "running\u2026";
  results.textContent = "";
  const link = "?" + new URLSearchParams(t.link).toString();
  history.replaceState(null, "", link);
  $("permalink").href = link;
  $("permalink").hidden = false;
  let r, text;
  try {
    r = await fetch(t.url, {method: "POST", body: new URLSearchParams(t.fields),
      headers: {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}});
    text = await r.text();
  } catch (e) {
    statusEl.textContent = "";
    show(String(e), true);
    return;
  }
  const ms = Math.round(performance.now() - started);
  if (!r.ok) {
    statusEl.textContent = r.status + " after " + ms + " ms";
    show(text, true);
    return;
  }
  if ((r.headers.get("Content-Type") || "").includes("turtle")) {
    show(text, false);
    statusEl.textContent = r.headers.get("X-Result-Rows") + " triples" + cutNote(r) + ", " +
      ms + " ms";
    setDownloads("graph");
    return;
  }
  const data = JSON.parse(text);
  setDownloads("table");
  if ("boolean" in data) {
    statusEl.textContent = "answer: " + data.boolean + ", " + ms + " ms";
    return;
  }
  const vars = data.head.vars, rows = data.results.bindings;
  const table = document.createElement("table"), head = table.insertRow();
  for (const v of vars) {
    const th = document.createElement("th");
    th.textContent = v;
    head.appendChild(th);
  }
  for (const b of rows) {
    const tr = table.insertRow();
    for (const v of vars) {
      const td = tr.insertCell();
      td.textContent = cell(b[v]);
      td.title = kind(b[v]);
    }
  }
  results.appendChild(table);
  statusEl.textContent = rows.length + " rows" + cutNote(r) + ", " + ms + " ms";
}

// A download is a form posted to the same address with format= and download=1: the server
// answers with an attachment (CSV with a UTF-8 BOM, so that Excel reads it), the page stays.
function download(format) {
  const t = target();
  const form = document.createElement("form");
  form.method = "post";
  form.action = t.url;
  form.hidden = true;
  for (const [name, value] of Object.entries({...t.fields, format: format, download: "1"})) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
  form.remove();
}

function openPermalink() {
  const p = new URLSearchParams(location.search);
  if (p.has("question")) {
    const question = saved.find((s) => s.name === p.get("question"));
    if (!question) {
      show("no saved question called " + p.get("question"), true);
      return;
    }
    const values = {};
    for (const prm of question.params) if (p.has(prm.name)) values[prm.name] = p.get(prm.name);
    choose(question, values);
    run();
  } else if (p.has("query")) {
    query.value = p.get("query");
    run();
  }
}

async function start() {
  const box = $("questions");
  try {
    const [questions, status] = await Promise.all([
      fetch("../questions").then((r) => r.json()), fetch("../status").then((r) => r.json())]);
    saved = questions;
    $("limits").textContent = "Timeout " + status.timeout + " s, at most " + status.max_rows +
      " rows or " + (status.max_bytes / 1048576).toFixed(0) + " MB per answer.";
  } catch (e) {
    box.textContent = "";
    show("could not read the saved questions: " + e, true);
    return;
  }
  box.textContent = saved.length ? "" : "(no saved questions in kg/queries)";
  for (const s of saved) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.name = s.name;
    b.textContent = s.title;
    const small = document.createElement("small");
    small.textContent = s.name + (s.description ? " \u2014 " + s.description : "");
    b.appendChild(small);
    b.addEventListener("click", () => {
      choose(s);
      if (!s.params.some((p) => p.required)) run();
    });
    box.appendChild(b);
  }
  openPermalink();
}

query.addEventListener("input", () => {
  if (current !== null && query.value !== current.text) {
    current = null;
    paramsBox.textContent = "";
  }
});
query.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
$("run").addEventListener("click", run);
for (const b of document.querySelectorAll("#downloads button")) {
  b.addEventListener("click", () => download(b.dataset.format));
}
start();
