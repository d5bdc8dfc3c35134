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
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + r.status)); }
          return body;
        });
      });
  }
  // Colours, sizes and label sizes are worked out once per element into its data and mapped
  // with data(): style functions ran per element and per redraw (~0.7 s for 500 persons),
  // and every selector is matched against every element on each style pass.
  var style = [
    { selector: "node", style: {
        "label": "data(label)", "font-size": "data(fs)", "min-zoomed-font-size": 8,
        "text-valign": "bottom", "text-margin-y": 2, "color": "#1d2430",
        "text-background-color": "#ffffff", "text-background-opacity": 0.85,
        "text-background-padding": 1, "background-color": "data(colour)",
        "width": "data(size)", "height": "data(size)" } },
    { selector: "node[hop = 0]", style: { "border-width": 3, "border-color": "#1d2430" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#1f5fa8" } },
    { selector: "edge", style: { "width": "data(w)", "line-color": "data(colour)",
        "line-style": "data(line)", "curve-style": "haystack" } },
    { selector: "node.path", style: { "border-color": "#d4ac0d", "border-width": 5 } },
    { selector: "edge.path", style: { "line-color": "#d4ac0d", "width": 6 } }
  ];
  var cy = cytoscape({
    container: box, elements: [], wheelSensitivity: 0.3, minZoom: 0.1, maxZoom: 4,
    hideEdgesOnViewport: true, textureOnViewport: true, style: style
  });
  function sized(data) {
    var by = document.getElementById("ego-size").value;
    var v = by === "spend" ? Math.log(1 + (data.spend || 0)) * 6 : Math.sqrt(data.sessions || 0) * 8;
    data.size = Math.min(64, 16 + v);
    data.colour = data.restricted ? "#b7bec8" : (colours[data.role] || colours.other);
    // Cut long labels here: Cytoscape's own ellipsis measures every label's text.
    if (data.label && data.label.length > 32) { data.label = data.label.slice(0, 31) + "…"; }
    return data;
  }
  // Rings by hop (O(n)), computed before the elements are added: Cytoscape's layouts measure
  // every label first, and moving nodes once added costs an event and a bounding box each.
  // The viewport is fitted from the rings' radius, not cy.fit(): that measures every label's
  // box. A small graph stays at 1.2 so labels remain readable.
  function place(nodes) {
    var rings = {}, at = {}, radius = 0, fs = {};
    nodes.forEach(function (d) { (rings[d.hop] = rings[d.hop] || []).push(d); });
    var hops = Object.keys(rings).map(Number).sort(function (a, b) { return a - b; });
    var radii = hops.map(function (hop) {
      radius = hop === 0 ? 0 : Math.max(radius + 140, rings[hop].length * 46 / (2 * Math.PI));
      return radius;
    });
    var w = cy.width(), h = cy.height();
    var zoom = Math.min(1.2, Math.min(w, h) / (2 * (radius + 60)));
    hops.forEach(function (hop, k) {
      var ring = rings[hop], r = radii[k];
      // Labels are drawn at a readable size on screen for the person at the centre and the
      // first ring, all of it when its persons are far enough apart, else its 12 largest (by
      // paid sessions or amount); the rest (11 units) show as the analyst zooms in
      // (min-zoomed-font-size).
      var apart = ring.length <= 36 && 2 * Math.PI * r * zoom / ring.length >= 24;
      var big = hop === 1 && !apart ? ring.filter(function (d) { return d.size > 16; })
        .sort(function (a, b) { return b.size - a.size; }).slice(0, 12) : [];
      var readable = Math.round(Math.max(11, 11 / zoom));
      ring.forEach(function (d, i) {
        var angle = 2 * Math.PI * i / ring.length + hop * 0.3;
        at[d.id] = { x: r * Math.cos(angle), y: r * Math.sin(angle) };
        fs[d.id] = hop === 0 ? Math.round(Math.max(11, 14 / zoom))
          : (hop === 1 && (apart || big.indexOf(d) >= 0) ? readable : 11);
      });
    });
    return { at: at, fs: fs, zoom: zoom, pan: { x: w / 2, y: h / 2 } };
  }
  function add(elements, hopBase) {
    // One cy.add of every new element, placed: adding them one by one costs an event and a
    // style pass each.
    var t0 = performance.now();
    var nodes = [], edges = [], seen = {};
    elements.nodes.forEach(function (n) {
      if (!seen[n.data.id] && cy.getElementById(n.data.id).empty()) {
        seen[n.data.id] = true;
        n.data.hop = n.data.hop + hopBase;
        nodes.push({ group: "nodes", data: sized(n.data) });
      }
    });
    elements.edges.forEach(function (e) {
      e.data.id = e.data.id || edgeId(e.data);
      if (!seen[e.data.id] && cy.getElementById(e.data.id).empty()) {
        seen[e.data.id] = true;
        e.data.w = Math.min(8, 1 + Math.log(1 + (e.data.weight || 0)));
        e.data.colour = edgeColours[e.data.kind] || edgeColours.message;
        e.data.line = e.data.kind === "selector" ? "dashed" : "solid";
        edges.push({ group: "edges", data: e.data });
      }
    });
    var old = cy.nodes();
    var placed = place(old.map(function (n) { return n.data(); })
      .concat(nodes.map(function (n) { return n.data; })));
    nodes.forEach(function (n) {
      n.position = placed.at[n.data.id];
      n.data.fs = placed.fs[n.data.id];
    });
    cy.batch(function () {
      old.forEach(function (n) {
        n.position(placed.at[n.id()]);
        if (n.data("fs") !== placed.fs[n.id()]) { n.data("fs", placed.fs[n.id()]); }
      });
      cy.add(nodes.concat(edges));
    });
    cy.viewport({ zoom: placed.zoom, pan: placed.pan });
    box.setAttribute("data-layout-ms", String(Math.round(performance.now() - t0)));
    box.setAttribute("data-ready", String(cy.nodes().length));
  }
  // The API leaves edge ids out (a third of a large answer); source < target, so one per pair.
  function edgeId(data) { return data.source + "~" + data.target; }
  function draw(elements) { cy.elements().remove(); add(elements, 0); }
  function load() {
    return get(box.getAttribute("data-src") + "?hops=1&" + query())
      .then(function (d) { draw(d.elements); note(d); box.setAttribute("data-expanded", "0"); select(null); })
      .catch(function (err) { box.setAttribute("data-ready", "error"); report(err); });
  }
  // Says what the last answer left out: persons past the cap, links past the drawing budget.
  function note(d) {
    var parts = [];
    if (d.truncated) { parts.push("Stopped at " + d.max_nodes.toLocaleString("en") + " persons."); }
    if (d.links_truncated) {
      parts.push("Showing " + d.elements.edges.length.toLocaleString("en") + " of " +
        d.links.toLocaleString("en") + " links: those each person was reached by, then the " +
        "strongest (sessions, payments, messages, shared selectors). Filter by kind or date " +
        "for the rest.");
    }
    var el = document.getElementById("ego-note");
    el.textContent = parts.join(" ");
    el.hidden = !parts.length;
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
        note(d);
        box.setAttribute("data-expanded", String(Number(box.getAttribute("data-expanded") || 0) + 1));
      })
      .catch(report);
  }
  cy.on("tap", "node", function (evt) { select(evt.target); });
  document.getElementById("ego-expand").addEventListener("click", function () { expand(selected); });
  filters.addEventListener("submit", function (evt) { evt.preventDefault(); load(); });
  document.getElementById("ego-size").addEventListener("change", function () {
    cy.nodes().forEach(function (n) { n.data("size", sized(n.data()).size); });
  });
  document.getElementById("ego-path").addEventListener("submit", function (evt) {
    evt.preventDefault();
    var to = document.getElementById("path-to").value.trim();
    var out = document.getElementById("path-result");
    get("/api/links/path?a=" + encodeURIComponent(start) + "&b=" + encodeURIComponent(to) + "&" + query())
      .then(function (d) {
        cy.elements().removeClass("path");
        add(d.elements, 0);
        d.elements.nodes.concat(d.elements.edges).forEach(function (x) {
          cy.getElementById(x.data.id || edgeId(x.data)).addClass("path");
        });
        out.textContent = d.length + " links: " + d.elements.nodes.map(function (n) { return n.data.label; }).join(" → ");
        out.setAttribute("data-length", String(d.length));
      })
      .catch(function (err) { out.textContent = err.message; out.setAttribute("data-length", "none"); });
  });
  window.threadlineEgo = { cy: cy, draw: draw, expand: expand, select: select };
  load();
}());
