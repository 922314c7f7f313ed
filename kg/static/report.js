// The report page: every extracted fact is highlighted at its span in the text. Clicking a ledger
// row (or a link in it) marks that fact's span and scrolls to it; clicking highlighted text lists
// what was extracted from there. #s-START-END in the address opens the page at that span.
(function () {
  "use strict";
  var facts = JSON.parse(document.getElementById("kg-facts").textContent);
  var kinds = JSON.parse(document.getElementById("kg-kinds").textContent);
  var text = document.getElementById("text"), panel = document.getElementById("extracted");
  var bySpan = {};
  facts.forEach(function (f, i) { var k = f.s + "-" + f.e; if (!(k in bySpan)) { bySpan[k] = i; } });
  var kg = window.kg = {facts: facts, active: -1, ready: false};

  function segmentsOf(i) { return text.querySelectorAll('[data-f~="' + i + '"]'); }
  function clear() {
    text.querySelectorAll(".f.active").forEach(function (el) { el.classList.remove("active"); });
    document.querySelectorAll("#ledger tr.active").forEach(function (el) { el.classList.remove("active"); });
  }
  // mark fact i's span; scroll to it; returns the text the marked segments hold
  function activate(i, scroll) {
    clear();
    kg.active = i;
    var segs = segmentsOf(i);
    segs.forEach(function (el) { el.classList.add("active"); });
    if (segs.length && scroll !== false) { segs[0].scrollIntoView({block: "center"}); }
    var row = facts[i] && facts[i].row >= 0 ? document.getElementById("row-" + facts[i].row) : null;
    if (row) { row.classList.add("active"); }
    show([i]);
    return Array.prototype.map.call(segs, function (el) { return el.textContent; }).join("");
  }
  kg.activate = activate;

  function line(parent, label, value) {
    var div = document.createElement("div");
    var b = document.createElement("b");
    b.textContent = label + " ";
    div.appendChild(b);
    var v = document.createElement("bdi");
    v.textContent = value;
    div.appendChild(v);
    parent.appendChild(div);
  }
  function show(list) {
    panel.textContent = "";
    list.forEach(function (i) {
      var f = facts[i], item = document.createElement("div");
      item.className = "item";
      line(item, (kinds[f.k] || f.k) + ":", f.l || f.x);
      if (f.l && f.l !== f.x) { line(item, "text 原文:", f.x); }
      line(item, "at 位置:", f.s + "–" + f.e + (f.id ? " · " + f.id : ""));
      if (f.row >= 0) {
        var a = document.createElement("a");
        a.href = "#row-" + f.row;
        a.textContent = "ledger row 台账行 " + (f.row + 1);
        item.appendChild(a);
      }
      panel.appendChild(item);
    });
  }

  text.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest(".f") : null;
    if (!el) { return; }
    var ids = el.getAttribute("data-f").split(" ").map(Number);
    // narrowest first: the fact the click most likely meant
    ids.sort(function (a, b) { return (facts[a].e - facts[a].s) - (facts[b].e - facts[b].s); });
    clear();
    el.classList.add("active");
    show(ids);
  });
  document.querySelectorAll("#ledger tbody tr").forEach(function (row) {
    row.addEventListener("click", function (ev) {
      var link = ev.target.closest ? ev.target.closest("[data-goto]") : null;
      var i = parseInt((link || row).getAttribute("data-goto"), 10);
      if (!isNaN(i)) { ev.preventDefault(); activate(i); history.replaceState(null, "", "#s-" + facts[i].s + "-" + facts[i].e); }
    });
  });
  document.querySelectorAll(".legend span[data-kind]").forEach(function (sw) {
    sw.addEventListener("click", function () {
      sw.classList.toggle("off");
      text.classList.toggle("hide-" + sw.getAttribute("data-kind"));
    });
  });
  function fromHash() {
    var m = /^#s-(\d+)-(\d+)$/.exec(location.hash);
    if (m && (m[1] + "-" + m[2]) in bySpan) { activate(bySpan[m[1] + "-" + m[2]]); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  kg.ready = kg.stabilized = true;  // (the tests wait for kg.stabilized, as on the graph pages)
})();
