(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("kg-data").textContent);
  var kg = window.kg = {expected: payload.nodes.length, stabilized: false,
                        startedAt: performance.now()};

  // A force-directed layout (Fruchterman-Reingold, grid-limited repulsion) on typed arrays,
  // started from a breadth-first placement; much faster than vis-network's Barnes-Hut on
  // thousands of nodes. Seeded, so the same page always gets the same picture.
  function layout(n, from, to, iterations, root) {
    var x = new Float64Array(n), y = new Float64Array(n), dx = new Float64Array(n), dy = new Float64Array(n);
    var adj = [], i, j, e, seed = 7;
    if (n === 0) { return {x: x, y: y}; }
    function rnd() { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; }
    for (i = 0; i < n; i++) { adj.push([]); }
    for (e = 0; e < from.length; e++) { adj[from[e]].push(to[e]); adj[to[e]].push(from[e]); }
    var k = 70, placed = new Uint8Array(n), order = [];
    for (i = 0; i < n; i++) { order.push(i); }
    order.sort(function (a, b) { return adj[b].length - adj[a].length || a - b; });
    if (root !== null && root !== undefined) { order.unshift(root); }
    var spread = Math.sqrt(n) * k;
    order.forEach(function (root) {
      if (placed[root]) { return; }
      placed[root] = 1;
      x[root] = (rnd() - 0.5) * spread; y[root] = (rnd() - 0.5) * spread;
      var queue = [root];
      for (var q = 0; q < queue.length; q++) {
        var p = queue[q], kids = adj[p].filter(function (c) { return !placed[c]; });
        var r = k * (1 + Math.sqrt(kids.length) / 2), a0 = rnd() * 6.283;
        kids.forEach(function (c, m) {
          var a = a0 + 6.283 * m / kids.length;
          placed[c] = 1; x[c] = x[p] + r * Math.cos(a); y[c] = y[p] + r * Math.sin(a);
          queue.push(c);
        });
      }
    });
    // repulsion reaches 5k on small graphs, 1.5k on big ones (where it is the cost)
    var cell = n <= 700 ? 5 * k : 1.5 * k, t = 4 * k, cool = t / (iterations + 1), rep = 4 * k * k, c2 = cell * cell;
    var NBX = [0, 1, -1, 0, 1], NBY = [0, 0, 1, 1, 1], gravity = n <= 700 ? 0.01 : 0.002;
    var cellOf = new Int32Array(n), start = null, items = new Int32Array(n);
    for (var it = 0; it < iterations; it++) {
      dx.fill(0); dy.fill(0);
      // bucket the nodes into a grid of cell x cell squares (counting sort, no allocation per node)
      var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (i = 0; i < n; i++) {
        if (x[i] < minX) { minX = x[i]; } if (x[i] > maxX) { maxX = x[i]; }
        if (y[i] < minY) { minY = y[i]; } if (y[i] > maxY) { maxY = y[i]; }
      }
      var gw = Math.floor((maxX - minX) / cell) + 1, gh = Math.floor((maxY - minY) / cell) + 1;
      if (gw * gh > 4 * n + 16) {  // very sparse picture: coarser cells, same cut-off
        gw = Math.min(gw, 2 * Math.ceil(Math.sqrt(n)) + 1); gh = Math.min(gh, 2 * Math.ceil(Math.sqrt(n)) + 1);
      }
      var sx = gw / (maxX - minX + 1e-9), sy = gh / (maxY - minY + 1e-9);
      start = new Int32Array(gw * gh + 1);
      for (i = 0; i < n; i++) {
        var gx = Math.min(gw - 1, Math.floor((x[i] - minX) * sx)), gy = Math.min(gh - 1, Math.floor((y[i] - minY) * sy));
        cellOf[i] = gy * gw + gx; start[cellOf[i] + 1]++;
      }
      for (i = 0; i < gw * gh; i++) { start[i + 1] += start[i]; }
      var fill = start.slice(0, gw * gh);
      for (i = 0; i < n; i++) { items[fill[cellOf[i]]++] = i; }
      // repulsion between nodes closer than `cell`: each cell against itself and four neighbours
      for (var cy = 0; cy < gh; cy++) {
        for (var cx = 0; cx < gw; cx++) {
          var c = cy * gw + cx, a0 = start[c], a1 = start[c + 1];
          if (a0 === a1) { continue; }
          for (var nb = 0; nb < 5; nb++) {
            var nx = cx + NBX[nb], ny = cy + NBY[nb];
            if (nx < 0 || nx >= gw || ny >= gh) { continue; }
            var cn = ny * gw + nx, b1 = start[cn + 1];
            for (var la = a0; la < a1; la++) {
              i = items[la];
              var xi = x[i], yi = y[i], fxi = 0, fyi = 0;
              for (var lb = (nb === 0 ? la + 1 : start[cn]); lb < b1; lb++) {
                j = items[lb];
                var ddx = xi - x[j], ddy = yi - y[j], d2 = ddx * ddx + ddy * ddy;
                if (d2 > c2) { continue; }
                if (d2 < 0.01) { ddx = rnd() - 0.5; ddy = rnd() - 0.5; d2 = 0.5; }
                var f = rep / d2;
                fxi += ddx * f; fyi += ddy * f; dx[j] -= ddx * f; dy[j] -= ddy * f;
              }
              dx[i] += fxi; dy[i] += fyi;
            }
          }
        }
      }
      for (e = 0; e < from.length; e++) {
        i = from[e]; j = to[e];
        var ex = x[i] - x[j], ey = y[i] - y[j], d = Math.sqrt(ex * ex + ey * ey) + 0.01, g = d / k;
        dx[i] -= ex * g; dy[i] -= ey * g; dx[j] += ex * g; dy[j] += ey * g;
      }
      for (i = 0; i < n; i++) {
        dx[i] -= gravity * x[i]; dy[i] -= gravity * y[i];
        var len = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
        if (len > 0) { var s = Math.min(len, t) / len; x[i] += dx[i] * s; y[i] += dy[i] * s; }
      }
      t -= cool;
    }
    // nodes without links: a tidy grid under the picture instead of scattered far away
    var lone = [], bottom = -Infinity, left = Infinity, right = -Infinity;
    for (i = 0; i < n; i++) {
      if (adj[i].length === 0) { lone.push(i); continue; }
      if (y[i] > bottom) { bottom = y[i]; } if (x[i] < left) { left = x[i]; } if (x[i] > right) { right = x[i]; }
    }
    if (lone.length) {
      if (lone.length === n) { bottom = 0; left = 0; right = Math.sqrt(n) * k; }
      var per = Math.max(1, Math.floor((right - left) / k) + 1);
      lone.forEach(function (v, m) { x[v] = left + (m % per) * k; y[v] = bottom + 1.5 * k + Math.floor(m / per) * k; });
    }
    return {x: x, y: y};
  }

  // node i has id i; payload.meta[i] holds what is not drawn (class, status, tooltip text)
  var meta = kg.meta = payload.meta, rels = payload.rels;
  var from = new Int32Array(payload.edges.length), to = new Int32Array(payload.edges.length);
  payload.edges.forEach(function (e, i) { from[i] = e[0]; to[i] = e[1]; });
  if (!payload.fixed) {  // a page may bring its own positions (the aggregate's columns)
    var pos = layout(payload.nodes.length, from, to, payload.iterations, payload.root);
    payload.nodes.forEach(function (n, i) { n.x = pos.x[i]; n.y = pos.y[i]; });
  }
  kg.laidOutAt = performance.now();
  var nodes = kg.nodes = new vis.DataSet(payload.nodes);
  var edges = kg.edges = new vis.DataSet(payload.edges.map(function (e, i) {
    var item = {id: i, from: e[0], to: e[1]};
    if (payload.widths) { item.width = payload.widths[i]; }  // the aggregate: reports joining the two
    return item;
  }));
  var container = document.getElementById("kg-network");
  var network = kg.network = new vis.Network(container, {nodes: nodes, edges: edges}, payload.options);
  kg.createdAt = performance.now();
  function settle() {
    if (kg.stabilized) { return; }
    kg.stabilized = true;
    kg.stabilizedAt = performance.now();
    document.documentElement.setAttribute("data-stabilized", "1");
  }
  if (payload.options.physics && payload.options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () { network.setOptions({physics: false}); settle(); });
  } else {
    network.once("afterDrawing", settle);
  }

  // tooltips: plain text in our own box (nothing from a document is ever parsed as HTML)
  var tooltip = document.getElementById("kg-tooltip");
  // text from a document goes in line by line, each line isolated in a <bdi> (a U+202E in a report
  // must not reorder the page's own words), always as text, never parsed as HTML
  function setText(box, text) {
    box.textContent = "";
    String(text).split("\n").forEach(function (line, i) {
      if (i) { box.appendChild(document.createElement("br")); }
      var b = document.createElement("bdi");
      b.textContent = line;
      box.appendChild(b);
    });
  }
  kg.setText = setText;
  function showTip(text, ev) {
    setText(tooltip, text);
    tooltip.style.display = "block";
    var box = container.getBoundingClientRect(), px = ev && ev.clientX !== undefined ? ev.clientX : box.left + 20,
        py = ev && ev.clientY !== undefined ? ev.clientY : box.top + 20;
    tooltip.style.left = Math.min(px + 14, window.innerWidth - tooltip.offsetWidth - 8) + "px";
    tooltip.style.top = Math.min(py + 14, window.innerHeight - tooltip.offsetHeight - 8) + "px";
  }
  function hideTip() { tooltip.style.display = "none"; }
  network.on("hoverNode", function (p) { showTip(meta[p.node].tip, p.event && (p.event.srcEvent || p.event)); });
  network.on("hoverEdge", function (p) { if (rels[p.edge]) { showTip(rels[p.edge], p.event && (p.event.srcEvent || p.event)); } });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);

  // report views: switch between the force layout and columns (report → … → policies and units)
  var columnsButton = document.getElementById("kg-columns"), inColumns = false;
  if (columnsButton) {
    columnsButton.addEventListener("click", function () {
      if (inColumns) { location.reload(); return; }  // the force layout is seeded: same picture
      inColumns = true;
      network.setOptions({layout: {hierarchical: payload.columns}});
      columnsButton.textContent = "force 力导向";
      network.once("afterDrawing", function () { network.fit({animation: false}); });
      network.redraw();
    });
  }

  // a node's details, and the link to its report page at the passage it was read from
  var details = document.getElementById("kg-details-text"), opener = document.getElementById("kg-open");
  function showDetails(id) {
    setText(details, meta[id].tip);
    opener.textContent = "";
    (meta[id].links || []).forEach(function (link) {  // drill down: the reports behind a node
      var a = document.createElement("a"), b = document.createElement("bdi");
      a.href = link.href;
      b.textContent = link.text;
      a.appendChild(b);
      opener.appendChild(a);
      opener.appendChild(document.createElement("br"));
    });
    if (meta[id].href) {
      var a = document.createElement("a");
      a.href = meta[id].href;
      a.textContent = meta[id].cls === "report" ? "open the report page 打开报告页" :
        "open in its report, at this passage 在原文中查看";
      opener.appendChild(a);
    }
  }
  network.on("click", function (params) {
    if (params.nodes.length) { showDetails(params.nodes[0]); }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length && meta[params.nodes[0]].href) { window.location.href = meta[params.nodes[0]].href; }
  });

  function applyFilters() {
    var cls = {}, st = {};
    document.querySelectorAll("input[data-cls]").forEach(function (box) { cls[box.getAttribute("data-cls")] = box.checked; });
    document.querySelectorAll("input[data-status]").forEach(function (box) { st[box.getAttribute("data-status")] = box.checked; });
    var changes = [];
    nodes.forEach(function (n) {
      var m = meta[n.id];
      var hide = cls[m.cls] === false || (m.cls === "problem" && m.status && st[m.status] === false);
      if (Boolean(n.hidden) !== hide) { changes.push({id: n.id, hidden: hide}); }
    });
    if (changes.length) { nodes.update(changes); }
  }
  document.querySelectorAll("input[data-cls], input[data-status]").forEach(function (box) {
    box.addEventListener("change", applyFilters);
  });

  var search = document.getElementById("kg-search"), found = document.getElementById("kg-found");
  var matches = [], at = 0;
  function runSearch(step) {
    var q = search.value.trim().toLowerCase();
    if (!q) { matches = []; found.textContent = ""; network.unselectAll(); return; }
    if (!step) {
      matches = nodes.get({filter: function (n) { return !n.hidden && meta[n.id].search.toLowerCase().indexOf(q) >= 0; }})
                     .map(function (n) { return n.id; });
      at = 0;
    } else if (matches.length) {
      at = (at + 1) % matches.length;
    }
    found.textContent = matches.length ? (at + 1) + " / " + matches.length : "no match";
    if (matches.length) {
      network.selectNodes(matches);
      network.focus(matches[at], {scale: 1.2, animation: false});
      showDetails(matches[at]);
    }
  }
  search.addEventListener("input", function () { runSearch(false); });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { runSearch(true); } });
})();
