// Draws one network with the vendored Cytoscape.js; data comes from this server's API only.
// Persons are placed in bands by role (sellers, facilitators and hubs at the centre, then
// mules, buyers, others), most central first, on a sunflower spiral: O(n) and computed before
// the elements are added. The force-directed cose layout took 10-13 s for the 703 persons and
// 1,820 links of the medium case's largest network, and drew a hairball.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") { return; }
  var colours = { seller: "#c0392b", facilitator: "#a04f00", buyer: "#2471a3", mule: "#7d3c98",
                  hub: "#117a65", other: "#5d6d7e" };
  var band = { seller: 0, facilitator: 0, hub: 0, mule: 1, buyer: 2, other: 3 };
  var GOLDEN = Math.PI * (3 - Math.sqrt(5)), STEP = 26;

  function place(nodes, w, h) {
    var top = 0;
    nodes.forEach(function (n) { top = Math.max(top, n.data.centrality || 0); });
    nodes.sort(function (a, b) {
      var ba = band[a.data.role] === undefined ? 3 : band[a.data.role];
      var bb = band[b.data.role] === undefined ? 3 : band[b.data.role];
      return ba - bb || (b.data.centrality || 0) - (a.data.centrality || 0) ||
        (a.data.id < b.data.id ? -1 : 1);
    });
    // The centre band on its own circle, wide enough for its labels; the rest on the spiral
    // from just outside it.
    var centre = nodes.filter(function (n) { return band[n.data.role] === 0; }).length;
    var inner = centre > 1 ? Math.max(80, centre * 150 / (2 * Math.PI)) : 0;
    var skip = Math.ceil(Math.pow((inner + 60) / STEP, 2));
    var radius = STEP * Math.sqrt(skip + nodes.length - centre + 0.5);
    var zoom = Math.min(1.2, Math.min(w, h) / (2 * (radius + 40)));
    var readable = Math.round(Math.max(9, 11 / zoom));
    nodes.forEach(function (n, k) {
      var d = n.data, r, angle;
      if (k < centre) {
        r = inner;
        angle = 2 * Math.PI * k / centre;
      } else {
        r = STEP * Math.sqrt(skip + k - centre + 0.5);
        angle = (skip + k) * GOLDEN;
      }
      n.position = { x: r * Math.cos(angle), y: r * Math.sin(angle) };
      // Centrality relative to the network's most central person: raw values are small
      // (at most ~0.05), which made every person the same size.
      d.size = 12 + 30 * Math.sqrt(top > 0 ? (d.centrality || 0) / top : 0);
      d.colour = d.restricted ? "#b7bec8" : (colours[d.role] || colours.other);
      // Readable labels for the centre band (else the 12 most central persons); the others
      // appear as the analyst zooms in.
      d.fs = !d.restricted && (k < centre || (!centre && k < 12)) ? readable : 9;
    });
    return { zoom: zoom, pan: { x: w / 2, y: h / 2 } };
  }

  fetch(box.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (data) {
      var nodes = data.elements.nodes, edges = data.elements.edges;
      var view = place(nodes, box.clientWidth, box.clientHeight);
      edges.forEach(function (e) {
        var d = e.data;
        d.w = Math.min(8, 1 + Math.log(1 + d.messages + d.payments + d.sessions));
        d.colour = d.sessions > 0 ? "#8e44ad" : (d.payments > 0 ? "#c0392b" : "#aab4c0");
      });
      var cy = cytoscape({
        container: box,
        elements: { nodes: nodes, edges: edges },
        layout: { name: "preset" },
        zoom: view.zoom, pan: view.pan,
        wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4,
        hideEdgesOnViewport: true, textureOnViewport: true,
        style: [
          { selector: "node", style: {
              "label": "data(label)", "font-size": "data(fs)", "min-zoomed-font-size": 8,
              "text-valign": "bottom", "color": "#1d2430", "text-background-color": "#ffffff",
              "text-background-opacity": 0.85, "text-background-padding": 1,
              "background-color": "data(colour)", "width": "data(size)", "height": "data(size)" } },
          { selector: "node[?bridge]", style: { "border-width": 3, "border-color": "#1d2430" } },
          { selector: "edge", style: {
              "width": "data(w)", "line-color": "data(colour)", "curve-style": "haystack",
              "opacity": 0.6 } }
        ]
      });
      cy.on("tap", "node", function (evt) {
        var href = evt.target.data("href");
        if (href && href.indexOf("/persons/") === 0) { window.location.assign(href); }
      });
      box.setAttribute("data-ready", String(cy.nodes().length));
      window.threadlineGraph = cy;
    })
    .catch(function (err) {
      box.textContent = "The graph could not be loaded: " + err.message;
      box.setAttribute("data-ready", "error");
    });
}());
