// An offline map with the vendored Leaflet: Natural Earth borders from the vendored
// world-atlas TopoJSON, no tile server. Draws location fixes and home estimates with radius.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined" || typeof topojson === "undefined") { return; }
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); });
  }
  var map = L.map(box, { attributionControl: false, worldCopyJump: true, preferCanvas: false }).setView([12, 122], 5);
  var points = [];
  function home(h, label) {
    if (!h || h.lat === null) { return; }
    L.circle([h.lat, h.lon], { radius: h.radius_m || 50, color: "#a04f00", weight: 2, fillOpacity: 0.15 }).addTo(map);
    L.circleMarker([h.lat, h.lon], { radius: 6, color: "#1d2430", weight: 2, fillColor: "#a04f00", fillOpacity: 1 })
      .bindTooltip(label + " · near " + h.place + " (within " + h.radius_m + " m)", { permanent: true, direction: "right" })
      .addTo(map);
    points.push([h.lat, h.lon]);
  }
  Promise.all([get("/static/vendor/countries-50m.json"), get(box.getAttribute("data-src"))])
    .then(function (both) {
      var topo = both[0], data = both[1];
      L.geoJSON(topojson.feature(topo, topo.objects.countries),
                { style: { color: "#8a99ab", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 }, interactive: false }).addTo(map);
      (data.places || []).forEach(function (p) {
        L.circleMarker([p.lat, p.lon], { radius: 2, color: "#5b6575", weight: 1, fillOpacity: 1, interactive: false })
          .bindTooltip(p.name, { permanent: true, direction: "top", className: "place-label", offset: [0, -2] })
          .addTo(map);
      });
      (data.facilitators || []).forEach(function (f) { home(f.home, f.label); });
      (data.fixes || []).forEach(function (f) {
        L.circleMarker([f.lat, f.lon], { radius: 4, color: "#1f5fa8", weight: 1, fillOpacity: 0.7 })
          .bindTooltip(f.at + " · near " + f.place).addTo(map);
        points.push([f.lat, f.lon]);
      });
      if (data.home) { home(data.home, "home estimate"); }
      if (points.length) { map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 9 }); }
      box.setAttribute("data-ready", String(points.length));
    })
    .catch(function (err) {
      box.textContent = "The map could not be loaded: " + err.message;
      box.setAttribute("data-ready", "error");
    });
}());
