/* The case's money-flow graph (elements built by api/ui/graph_view.py).

   Layouts (the server's data-layout):
     layered        chains, loops, layering blocks: left to right in time order (dagre);
     courier        travellers -> flight/vessel/vehicle -> destination (dagre, three columns);
     radial         fan-in / fan-out around the hub: senders on the left, receivers on the right;
     neighbourhood  the subject's 2-hop neighbourhood, left to right in the direction money moved
                    (dagre; rings by hops only if dagre is missing).
   Every account is labelled.  Above 25 accounts, accounts with exactly the same counterparties
   (a hub's one-off senders, say) are folded into one "+N accounts" node; selecting it (or
   "Show all accounts") unfolds them.  Rings mark only parties rated medium or high risk. */
(function () {
  "use strict";
  var holder = document.getElementById("cy");
  var data = document.getElementById("graph-data");
  if (!holder || !data || typeof cytoscape !== "function") { return; }
  var all = JSON.parse(data.textContent);
  var mode = holder.getAttribute("data-layout") || "layered";
  var FOLD_ABOVE = 25;   /* nodes drawn before look-alike accounts are folded */
  var FOLD_MIN = 5;      /* accounts with the same counterparties folded from this many */

  /* ------------------------------------------------------------ folding groups */
  var byId = {};
  all.nodes.forEach(function (n) { byId[n.data.id] = n.data; });
  /* Accounts with exactly the same counterparties, in the same directions (a hub's one-off
     senders, or many small accounts that all pay the same two collectors), fold together. */
  var groups = {};      /* signature -> {members[], links} */
  var memberOf = {};    /* node id -> group key */
  if (all.nodes.length > FOLD_ABOVE) {
    var sig = {};
    all.edges.forEach(function (e) {
      var s = e.data.source, t = e.data.target;
      (sig[s] = sig[s] || {})[">" + t] = true;
      (sig[t] = sig[t] || {})["<" + s] = true;
    });
    var cand = {};
    all.nodes.forEach(function (n) {
      var d = n.data;
      if (d.subject || d.role === "hub" || d.kind === "transport" || d.kind === "destination" || !sig[d.id]) { return; }
      var key = Object.keys(sig[d.id]).sort().join(" ");
      (cand[key] = cand[key] || []).push(d.id);
    });
    Object.keys(cand).forEach(function (key) {
      if (cand[key].length >= FOLD_MIN) {
        groups[key] = { members: cand[key], links: key.split(" ") };
        cand[key].forEach(function (m) { memberOf[m] = key; });
      }
    });
  }
  var folded = {};
  Object.keys(groups).forEach(function (k) { folded[k] = true; });

  function firstOf(ids) {
    return ids.map(function (id) { return byId[id].first || "~"; }).sort()[0];
  }
  function money(v) { return Math.round(v).toLocaleString("en-US"); }

  /* The elements to draw with the current folding. */
  function view() {
    var nodes = [], edges = [], agg = {};
    all.nodes.forEach(function (n) {
      var g = memberOf[n.data.id];
      if (!(g && folded[g])) { nodes.push({ group: "nodes", data: n.data }); }
    });
    Object.keys(groups).forEach(function (key) {
      if (!folded[key]) { return; }
      var g = groups[key], what;
      if (g.links.length === 1) {
        var other = byId[g.links[0].slice(1)];
        var name = other ? (other.party_name || other.id) : g.links[0].slice(1);
        what = (g.links[0].charAt(0) === ">" ? "paying " : "paid by ") + (name.length > 22 ? name.slice(0, 21) + "…" : name);
      } else {
        what = "with the same " + g.links.length + " counterparties";
      }
      nodes.push({ group: "nodes", data: {
        id: "fold:" + key, kind: "fold", fold: key, role: "folded", colour: "#94a3b8", ring: 0, ring_colour: "#fff",
        label: "+" + g.members.length + " accounts " + what + "\n(select to show)",
        first: firstOf(g.members), subject: false } });
    });
    all.edges.forEach(function (e) {
      var s = e.data.source, t = e.data.target;
      var gs = memberOf[s] && folded[memberOf[s]] ? memberOf[s] : null;
      var gt = memberOf[t] && folded[memberOf[t]] ? memberOf[t] : null;
      if (!gs && !gt) { edges.push({ group: "edges", data: e.data }); return; }
      var src = gs ? "fold:" + gs : s, dst = gt ? "fold:" + gt : t, id = "fe:" + src + ">" + dst;
      var a = agg[id] = agg[id] || { id: id, source: src, target: dst, count: 0, amount: 0, txn_ids: [], first: e.data.first };
      a.count += e.data.count; a.amount += e.data.amount; a.txn_ids = a.txn_ids.concat(e.data.txn_ids || []);
      if (e.data.first && e.data.first < a.first) { a.first = e.data.first; }
    });
    Object.keys(agg).forEach(function (id) {
      var a = agg[id];
      a.label = a.count + " transfers · " + money(a.amount);
      edges.push({ group: "edges", data: a });
    });
    return nodes.concat(edges);
  }

  /* ------------------------------------------------------------ layouts */
  function labelSize(n) {
    var lines = String(n.data("label") || "").split("\n");
    var w = Math.max.apply(null, lines.map(function (l) { return l.length; }));
    return { w: Math.max(40, Math.min(150, w * 6.4)), h: 34 + lines.length * 13 };
  }

  /* dagre, left to right; a long chain that would have to shrink below 60% to fit the box
     is drawn top to bottom instead (still in time order) so its labels stay readable. */
  function dagrePositions(cy) {
    if (typeof dagre === "undefined") { return null; }
    function run(dir) {
      var g = new dagre.graphlib.Graph({ multigraph: false });
      g.setGraph({ rankdir: dir, nodesep: dir === "LR" ? 14 : 60, ranksep: dir === "TB" ? 45 : (crowded ? 90 : 160),
                   edgesep: 8, marginx: 20, marginy: 20, acyclicer: "greedy", ranker: "network-simplex" });
      g.setDefaultEdgeLabel(function () { return {}; });
      /* insert nodes and edges in time order so loops are broken at their last transfer */
      cy.nodes().sort(function (a, b) { return (a.data("first") || "~").localeCompare(b.data("first") || "~"); })
        .forEach(function (n) { var s = labelSize(n); g.setNode(n.id(), { width: s.w, height: s.h }); });
      cy.edges().sort(function (a, b) { return (a.data("first") || "").localeCompare(b.data("first") || ""); })
        .forEach(function (e) { g.setEdge(e.source().id(), e.target().id()); });
      dagre.layout(g);
      return g;
    }
    var g = run("LR");
    var box = holder.clientWidth || 800;
    if (g.graph().width * 0.6 > box && g.graph().width > 2 * g.graph().height) { g = run("TB"); }
    holder.setAttribute("data-direction", g.graph().rankdir);
    cy.style().selector("edge").style("text-rotation", g.graph().rankdir === "TB" ? "none" : "autorotate").update();
    var pos = {};
    g.nodes().forEach(function (id) { var p = g.node(id); pos[id] = { x: p.x, y: p.y }; });
    return pos;
  }

  function radialPositions(cy) {
    var hubs = cy.nodes().filter(function (n) { return n.data("role") === "hub"; });
    if (hubs.length !== 1) { return null; }
    var hub = hubs[0], pos = {};
    pos[hub.id()] = { x: 0, y: 0 };
    var ins = hub.incomers("node"), outs = hub.outgoers("node").difference(ins);
    var near = ins.union(outs), rest = cy.nodes().difference(near).difference(hub);
    function arc(nodes, from, to, r) {
      var k = nodes.length;
      nodes.sort(function (a, b) { return (a.data("first") || "").localeCompare(b.data("first") || ""); })
        .forEach(function (n, i) {
          var t = k === 1 ? (from + to) / 2 : from + (to - from) * i / (k - 1);
          pos[n.id()] = { x: r * Math.cos(t), y: r * Math.sin(t) };
        });
    }
    var r = Math.max(170, Math.max(ins.length, outs.length) * 42 / Math.PI);
    arc(ins, Math.PI * 0.62, Math.PI * 1.38, r);     /* senders on the left, top to bottom */
    arc(outs, -Math.PI * 0.38, Math.PI * 0.38, r);   /* receivers on the right */
    arc(rest, -Math.PI * 0.5, Math.PI * 1.5 - 0.01, r + 160);
    return pos;
  }

  function layoutOf(cy) {
    var pos = null;
    if (mode === "radial") { pos = radialPositions(cy); }
    if (!pos) { pos = dagrePositions(cy); }
    if (pos) {
      return { name: "preset", padding: 24, positions: function (n) { return pos[n.id()] || { x: 0, y: 0 }; } };
    }
    if (mode === "neighbourhood") {
      return { name: "concentric", padding: 30, minNodeSpacing: 40, startAngle: 0, animate: false,
               concentric: function (n) { return n.data("subject") ? 10 : 10 - (n.data("hop") || 1); },
               levelWidth: function () { return 1; } };
    }
    return { name: "breadthfirst", directed: true, padding: 30, animate: false };
  }

  /* ------------------------------------------------------------ drawing */
  var amounts = all.edges.map(function (e) { return e.data.amount || 0; });
  var top = Math.max.apply(null, amounts.concat([1]));
  var crowded = all.edges.length > 30;
  var cy = cytoscape({
    container: holder,
    elements: view(),
    wheelSensitivity: 0.3,
    boxSelectionEnabled: false,
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
          "background-color": "data(colour)",
          "label": "data(label)",
          "text-wrap": "wrap",
          "text-max-width": 150,
          "font-size": 10,
          "color": "#1f2937",
          "text-valign": "bottom",
          "text-margin-y": 3,
          "text-background-color": "#fbfcfd",
          "text-background-opacity": 0.8,
          "text-background-padding": 1,
          "width": 22,
          "height": 22,
          "border-color": "data(ring_colour)",
          "border-width": "data(ring)"
      } },
      { selector: "node[?subject]", style: { "shape": "round-rectangle", "font-weight": "bold", "width": 28, "height": 28 } },
      { selector: "node[kind = 'transport']", style: { "shape": "diamond", "width": 30, "height": 30, "font-weight": "bold" } },
      { selector: "node[kind = 'destination']", style: { "shape": "hexagon", "width": 30, "height": 30, "font-weight": "bold" } },
      { selector: "node[kind = 'fold']", style: { "shape": "round-rectangle", "width": 34, "height": 18,
          "border-width": 1, "border-color": "#64748b", "border-style": "dashed", "font-style": "italic" } },
      { selector: "node:selected", style: { "overlay-color": "#111827", "overlay-opacity": 0.15, "overlay-padding": 6 } },
      { selector: "edge", style: {
          "width": function (e) { return 1.2 + 4.8 * Math.sqrt((e.data("amount") || 0) / top); },
          "line-color": "#94a3b8",
          "target-arrow-color": "#64748b",
          "target-arrow-shape": "triangle",
          "curve-style": "bezier",
          "label": crowded ? "" : "data(label)",
          "font-size": 9,
          "color": "#334155",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": 2
      } },
      { selector: "edge[?leg]", style: { "line-style": "dashed" } },
      { selector: "edge:selected, edge.hover", style: { "line-color": "#111827", "target-arrow-color": "#111827",
          "label": "data(label)", "z-index": 10 } }
    ],
    layout: { name: "preset" }
  });

  function fit() {
    cy.fit(undefined, 24);
    if (cy.zoom() > 1.3) { cy.zoom(1.3); cy.center(); }   /* small graphs: do not blow them up */
    if (cy.zoom() < 0.75) {                                 /* big graphs: grow the box, then zoom to read */
      var bb = cy.elements().boundingBox();
      holder.style.height = Math.round(Math.min(900, Math.max(480, bb.h * 0.8 + 48))) + "px";
      cy.resize();
      cy.fit(undefined, 24);
      if (cy.zoom() < 0.6) { cy.zoom({ level: 0.6, position: cy.nodes().filter("[?subject]").position() || { x: 0, y: 0 } }); }
    }
  }
  function draw() {
    cy.elements().remove();
    cy.add(view());
    var lay = cy.layout(layoutOf(cy));
    lay.run();
    fit();
    holder.setAttribute("data-drawn", String(cy.nodes().length));
    holder.setAttribute("data-folded", String(Object.keys(folded).filter(function (k) { return folded[k]; }).length));
    if (toggle) { toggle.hidden = !Object.keys(groups).length; toggle.textContent = anyFolded() ? "Show all accounts" : "Fold one-off counterparties"; }
  }
  function anyFolded() { return Object.keys(folded).some(function (k) { return folded[k]; }); }

  var toggle = null;
  if (Object.keys(groups).length) {
    toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "graph-toggle";
    toggle.setAttribute("data-testid", "graph-toggle");
    toggle.addEventListener("click", function () {
      var to = !anyFolded();
      Object.keys(groups).forEach(function (k) { folded[k] = to; });
      draw();
    });
    holder.parentNode.insertBefore(toggle, holder);
  }

  var info = document.getElementById("node-info");
  cy.on("tap", "node", function (evt) {
    var d = evt.target.data();
    if (d.kind === "fold") { folded[d.fold] = false; draw(); info.textContent = "Showing the " + groups[d.fold].members.length + " folded accounts."; return; }
    if (d.kind === "transport" || d.kind === "destination") { info.textContent = (d.kind === "transport" ? "Travelled on " : "Destination ") + d.label.replace("\n", " ") + "."; return; }
    var who = d.party_name ? d.party_name + (d.party_id ? " (" + d.party_id + ")" : "") : (d.party_id || "owner not on file");
    info.textContent = (d.kind === "traveller" ? "Traveller " + who : "Account " + d.id + ": " + who) + "; role " + d.role +
      (d.tier ? "; party risk " + d.tier : "") +
      (d.risk > 0 ? "; open case risk " + d.risk.toFixed(2) : "; no open case") +
      (d.hop !== null && d.hop !== undefined ? "; " + d.hop + " hop(s) from the subject" : "") + ".";
  });
  cy.on("mouseover", "edge", function (evt) { evt.target.addClass("hover"); });
  cy.on("mouseout", "edge", function (evt) { evt.target.removeClass("hover"); });

  window.ctfmonGraph = cy;
  window.ctfmonGraphView = {
    unfoldAll: function () { Object.keys(groups).forEach(function (k) { folded[k] = false; }); draw(); },
    groups: groups
  };
  draw();
})();
