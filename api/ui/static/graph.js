/* The case's money-flow graph: nodes coloured by role, ringed by the risk of their
   party's open case; edges labelled with amount and date. */
(function () {
  "use strict";
  var holder = document.getElementById("cy");
  var data = document.getElementById("graph-data");
  if (!holder || !data || typeof cytoscape !== "function") { return; }
  var elements = JSON.parse(data.textContent);
  var many = elements.nodes.length > 25;
  var source = holder.getAttribute("data-source");

  /* A neighbourhood: rings by hops from the subject.  Other large graphs: force-directed.
     A small alert subgraph (cycle, chain, fan): a circle keeps every transfer visible.
     Large graphs label only the subject and the selected account. */
  /* Around the circle in the direction money flows, so fewer transfers cross. */
  var ORDER = ["source", "origin", "seed", "layer1", "hub", "subject", "exposed", "member", "intermediary",
               "layer2", "layer3", "sink", "counterparty"];
  function rank(n) {
    var i = ORDER.indexOf(n.data("role"));
    return (i < 0 ? ORDER.length : i) * 2 + (n.data("subject") ? 0 : 1);
  }
  function layout(els) {
    if (source === "neighbourhood") {
      return { name: "concentric", padding: 30, minNodeSpacing: many ? 12 : 60, startAngle: 0,
               spacingFactor: els.nodes.length < 10 ? 2.4 : 1, animate: false,
               concentric: function (n) { return n.data("subject") ? 10 : 10 - (n.data("hop") || 1); },
               levelWidth: function () { return 1; } };
    }
    if (many) {
      return { name: "cose", animate: false, randomize: true, nodeRepulsion: 400000, idealEdgeLength: 120,
               nodeOverlap: 20, padding: 20 };
    }
    if (els.nodes.length <= 2) {
      return { name: "grid", padding: 40 };
    }
    return { name: "circle", padding: 40, startAngle: -Math.PI / 2, spacingFactor: 1.15,
             sort: function (a, b) { return rank(a) - rank(b); } };
  }
  var cy = cytoscape({
    container: holder,
    elements: elements,
    wheelSensitivity: 0.3,
    boxSelectionEnabled: false,
    style: [
      { selector: "node", style: {
          "background-color": "data(colour)",
          "label": many ? "" : "data(label)",
          "text-wrap": "wrap",
          "text-max-width": 140,
          "font-size": many ? 8 : 10,
          "color": "#1f2937",
          "text-valign": "bottom",
          "text-margin-y": 4,
          "width": "mapData(risk, 0, 1, 22, 34)",
          "height": "mapData(risk, 0, 1, 22, 34)",
          "border-color": "#b91c1c",
          "border-width": "mapData(risk, 0, 1, 0, 7)"
      } },
      { selector: "node[?subject]", style: { "shape": "round-rectangle", "font-weight": "bold", "label": "data(label)" } },
      { selector: "node:selected", style: { "label": "data(label)", "overlay-color": "#111827", "overlay-opacity": 0.15, "overlay-padding": 6 } },
      { selector: "edge", style: {
          "width": 1.6,
          "line-color": "#94a3b8",
          "target-arrow-color": "#64748b",
          "target-arrow-shape": "triangle",
          "curve-style": "bezier",
          "label": many ? "" : "data(label)",
          "font-size": 9,
          "color": "#334155",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": 2
      } },
      { selector: "edge:selected", style: { "line-color": "#111827", "target-arrow-color": "#111827", "label": "data(label)" } }
    ],
    layout: layout(elements)
  });
  if (cy.zoom() > 1.3) { cy.zoom(1.3); cy.center(); }  /* small graphs: do not blow them up */
  var info = document.getElementById("node-info");
  cy.on("tap", "node", function (evt) {
    var d = evt.target.data();
    var owner = d.party_name ? d.party_name + " (" + d.party_id + ")" : (d.party_id || "owner not on file");
    info.textContent = "Account " + d.id + ": " + owner + "; role " + d.role +
      (d.risk > 0 ? "; open case risk " + d.risk.toFixed(2) : "; no open case") +
      (d.hop !== null && d.hop !== undefined ? "; " + d.hop + " hop(s) from the subject" : "") + ".";
  });
  window.ctfmonGraph = cy;
  holder.setAttribute("data-drawn", String(cy.nodes().length));
})();
