// A person's ego network with the vendored Cytoscape.js: expand one hop at a time, filter,
// size by sessions or spend, find a shortest path. Data comes from this server's API only.
(function () {
  "use strict";
  var box = document.getElementById("ego");
  if (!box || typeof cytoscape === "undefined") { return; }
  var colours = { seller: "#c0392b", facilitator: "#a04f00", buyer: "#2471a3", mule: "#7d3c98",
                  hub: "#117a65", other: "#5d6d7e" };
  var edgeColours = { session: "#7d3c98", payment: "#c0392b", message: "#8395a7", selector: "#117a65" };
  var start = box.getAttribute("data-person");
  var filters = document.getElementById("ego-filters");
  var selected = null;

  function query() {
    var fd = new FormData(filters), q = [];
    q.push("kinds=" + encodeURIComponent(fd.getAll("kinds").join(",")));
    q.push("roles=" + encodeURIComponent(fd.getAll("roles").join(",")));
    if (fd.get("since")) { q.push("since=" + encodeURIComponent(fd.get("since"))); }
    if (fd.get("until")) { q.push("until=" + encodeURIComponent(fd.get("until"))); }
    return q.join("&");
  }
  function sizeOf(n) {
    var by = document.getElementById("ego-size").value;
    var v = by === "spend" ? Math.log(1 + (n.data("spend") || 0)) * 6 : Math.sqrt(n.data("sessions") || 0) * 8;
    return Math.min(64, 16 + v);
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + r.status)); }
          return body;
        });
      });
  }
  var cy = cytoscape({
    container: box, elements: [], wheelSensitivity: 0.3, minZoom: 0.1, maxZoom: 4,
    style: [
      { selector: "node", style: {
          "label": "data(label)", "font-size": 11, "min-zoomed-font-size": 7, "text-valign": "bottom",
          "text-margin-y": 2, "color": "#1d2430", "text-background-color": "#ffffff",
          "text-background-opacity": 0.85, "text-background-padding": 1, "text-max-width": 140,
          "text-wrap": "ellipsis",
          "background-color": function (n) { return n.data("restricted") ? "#b7bec8" : (colours[n.data("role")] || colours.other); },
          "width": sizeOf, "height": sizeOf } },
      { selector: "node[hop = 0]", style: { "border-width": 3, "border-color": "#1d2430" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#1f5fa8" } },
      { selector: "edge", style: {
          "width": function (e) { return Math.min(8, 1 + Math.log(1 + e.data("weight"))); },
          "line-color": function (e) { return edgeColours[e.data("kind")] || "#8395a7"; },
          "line-style": function (e) { return e.data("kind") === "selector" ? "dashed" : "solid"; },
          "curve-style": "haystack" } },
      { selector: ".path", style: { "line-color": "#f1c40f", "border-color": "#f1c40f", "border-width": 4, "width": 6 } }
    ]
  });
  function layout() {
    var t0 = performance.now();
    cy.layout({ name: "concentric", animate: false, avoidOverlap: true, minNodeSpacing: 8,
                concentric: function (n) { return 100 - n.data("hop"); },
                levelWidth: function () { return 1; } }).run();
    box.setAttribute("data-layout-ms", String(Math.round(performance.now() - t0)));
    box.setAttribute("data-ready", String(cy.nodes().length));
  }
  function add(elements, hopBase) {
    cy.batch(function () {
      elements.nodes.forEach(function (n) {
        if (cy.getElementById(n.data.id).empty()) { n.data.hop = n.data.hop + hopBase; cy.add({ group: "nodes", data: n.data }); }
      });
      elements.edges.forEach(function (e) {
        if (cy.getElementById(e.data.id).empty()) { cy.add({ group: "edges", data: e.data }); }
      });
    });
    layout();
  }
  function draw(elements) { cy.elements().remove(); add(elements, 0); }
  function load() {
    return get(box.getAttribute("data-src") + "?hops=1&" + query())
      .then(function (d) { draw(d.elements); box.setAttribute("data-expanded", "0"); select(null); })
      .catch(function (err) { box.setAttribute("data-ready", "error"); report(err); });
  }
  function report(err) { document.getElementById("ego-selected-label").textContent = "Could not load: " + err.message; }
  function select(n) {
    selected = n;
    var label = document.getElementById("ego-selected-label");
    var button = document.getElementById("ego-expand");
    var open = document.getElementById("ego-open");
    if (!n) { label.textContent = "No person selected."; button.disabled = true; open.hidden = true; return; }
    label.textContent = n.data("label") + " · " + (n.data("restricted") ? "restricted" : n.data("role")) +
      " · " + n.data("sessions") + " paid sessions";
    button.disabled = !n.data("href");
    open.hidden = !n.data("href");
    if (n.data("href")) { open.setAttribute("href", n.data("href")); }
  }
  function expand(node) {
    if (!node || !node.data("href")) { return Promise.resolve(); }
    return get("/api/persons/" + encodeURIComponent(node.id()) + "/links?hops=1&" + query())
      .then(function (d) {
        add(d.elements, node.data("hop"));
        box.setAttribute("data-expanded", String(Number(box.getAttribute("data-expanded") || 0) + 1));
      })
      .catch(report);
  }
  cy.on("tap", "node", function (evt) { select(evt.target); });
  document.getElementById("ego-expand").addEventListener("click", function () { expand(selected); });
  filters.addEventListener("submit", function (evt) { evt.preventDefault(); load(); });
  document.getElementById("ego-size").addEventListener("change", function () { cy.style().update(); });
  document.getElementById("ego-path").addEventListener("submit", function (evt) {
    evt.preventDefault();
    var to = document.getElementById("path-to").value.trim();
    var out = document.getElementById("path-result");
    get("/api/links/path?a=" + encodeURIComponent(start) + "&b=" + encodeURIComponent(to) + "&" + query())
      .then(function (d) {
        cy.elements().removeClass("path");
        add(d.elements, 0);
        d.elements.nodes.concat(d.elements.edges).forEach(function (x) { cy.getElementById(x.data.id).addClass("path"); });
        out.textContent = d.length + " links: " + d.elements.nodes.map(function (n) { return n.data.label; }).join(" → ");
        out.setAttribute("data-length", String(d.length));
      })
      .catch(function (err) { out.textContent = err.message; out.setAttribute("data-length", "none"); });
  });
  window.threadlineEgo = { cy: cy, draw: draw, expand: expand, select: select };
  load();
}());
