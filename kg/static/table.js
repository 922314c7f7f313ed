// Sortable, filterable tables: <table class="sortable" data-filter="ID of a search box">, headers
// with data-sort="text|num"; a cell's data-v (if any) is what it sorts by. <select data-column="N"
// data-table="ID"> boxes keep only the rows whose column N holds the chosen value.
(function () {
  "use strict";
  function key(cell, kind) {
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    if (kind === "num") { var n = parseFloat(v); return isNaN(n) ? -Infinity : n; }
    return v;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var body = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      if (!th.hasAttribute("data-sort")) { return; }
      th.addEventListener("click", function () {
        var kind = th.getAttribute("data-sort"), asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], kind), y = key(b.cells[col], kind);
          var c = kind === "num" ? x - y : String(x).localeCompare(String(y), "zh");
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    var box = table.id ? document.querySelector('input[data-table="' + table.id + '"]') : null;
    var selects = table.id ? document.querySelectorAll('select[data-table="' + table.id + '"]') : [];
    var count = table.id ? document.querySelector('[data-count="' + table.id + '"]') : null;
    function apply() {
      var q = box ? box.value.trim().toLowerCase() : "", shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var ok = !q || row.textContent.toLowerCase().indexOf(q) >= 0;
        Array.prototype.forEach.call(selects, function (sel) {
          if (ok && sel.value) {
            var cell = row.cells[parseInt(sel.getAttribute("data-column"), 10)];
            ok = (cell.getAttribute("data-v") || cell.textContent).indexOf(sel.value) >= 0;
          }
        });
        row.classList.toggle("hidden", !ok);
        if (ok) { shown++; }
      });
      if (count) { count.textContent = shown + " / " + body.rows.length; }
    }
    if (box) { box.addEventListener("input", apply); }
    Array.prototype.forEach.call(selects, function (sel) { sel.addEventListener("change", apply); });
    apply();
  });
})();
