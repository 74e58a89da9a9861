// Summaries: draws the charts whose plotly specs sit in the page's JSON block, and the print button.
(function () {
  "use strict";
  var block = document.getElementById("summary-charts");
  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }
  if (!block || typeof Plotly === "undefined") { return; }
  var specs = JSON.parse(block.textContent);
  var config = { displayModeBar: false, responsive: true };  // the mode bar sets inline styles the CSP refuses

  Object.keys(specs).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el || id === "chart-map") { return; }
    Plotly.newPlot(el, specs[id].data, specs[id].layout, config).then(function () { el.dataset.drawn = "1"; });
  });

  // The province map: each province a filled polygon, shaded on a colour-blind-safe
  // light-to-dark scale (cividis), with its value in the hover text and the table.
  var map = specs["chart-map"];
  var mapEl = document.getElementById("chart-map");
  if (!map || !mapEl) { return; }
  var cividis = ["#00224e", "#123570", "#3b496c", "#575d6d", "#707173", "#8a8779", "#a69d75", "#c4b56c", "#e4cf5b", "#fee838"];
  function shade(value, max) {
    if (!value) { return "#f2f2f2"; }
    var i = Math.min(cividis.length - 1, Math.floor((value / max) * (cividis.length - 1)));
    return cividis[cividis.length - 1 - i];  // darker = more money, readable in grey print
  }
  var base = block.dataset.static || "/static/";
  fetch(base + map.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
    var max = 0;
    Object.keys(map.values).forEach(function (k) { max = Math.max(max, map.values[k]); });
    var traces = [];
    geo.features.forEach(function (f) {
      var code = f.properties.shapeISO;
      var value = map.values[code] || 0;
      var polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      var xs = [], ys = [];
      polygons.forEach(function (poly) {
        poly[0].forEach(function (pt) { xs.push(pt[0]); ys.push(pt[1]); });
        xs.push(null); ys.push(null);
      });
      var label = (map.names[code] || code) + ": US$ " + Math.round(value).toLocaleString("en-US");
      traces.push({ type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: shade(value, max),
                    line: { color: "#333", width: 0.6 }, name: map.names[code] || code, text: label,
                    hoverinfo: "text", hoveron: "fills", showlegend: false });
    });
    var layout = { title: { text: map.title }, margin: { t: 40, r: 10, b: 10, l: 10 }, height: 560,
                   xaxis: { visible: false, scaleanchor: "y" }, yaxis: { visible: false }, hovermode: "closest" };
    return Plotly.newPlot(mapEl, traces, layout, config);
  }).then(function () { mapEl.dataset.drawn = "1"; });
})();
