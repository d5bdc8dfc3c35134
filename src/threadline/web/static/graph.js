// Draws one network with the vendored Cytoscape.js; data comes from this server's API only.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") { return; }
  var colours = { seller: "#c0392b", facilitator: "#a04f00", buyer: "#2471a3", mule: "#7d3c98",
                  hub: "#117a65", other: "#5d6d7e" };
  fetch(box.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (data) {
      var cy = cytoscape({
        container: box,
        elements: data.elements,
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: {
              "label": "data(label)", "font-size": 9, "text-valign": "bottom", "color": "#1d2430",
              "background-color": function (n) {
                return n.data("restricted") ? "#b7bec8" : (colours[n.data("role")] || colours.other);
              },
              "width": "mapData(centrality, 0, 1, 14, 56)", "height": "mapData(centrality, 0, 1, 14, 56)"
          } },
          { selector: "node[?bridge]", style: { "border-width": 3, "border-color": "#1d2430" } },
          { selector: "edge", style: {
              "width": function (e) { return Math.min(8, 1 + Math.log(1 + e.data("messages") + e.data("payments") + e.data("sessions"))); },
              "line-color": function (e) { return e.data("sessions") > 0 ? "#8e44ad" : (e.data("payments") > 0 ? "#c0392b" : "#aab4c0"); },
              "curve-style": "bezier"
          } }
        ],
        layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 8000; } }
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
