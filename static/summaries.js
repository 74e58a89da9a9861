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
    if (!el || specs[id].geojson) { return; }
    Plotly.newPlot(el, specs[id].data, specs[id].layout, config).then(function () { el.dataset.drawn = "1"; });
  });

  // Printing (or saving as PDF): every chart is redrawn at the width of an A4 landscape page's text
  // (273 mm, less a margin), so none is cut or runs over a table; back to the screen's width after.
  var PRINT_WIDTH = 980, MAP_PRINT_HEIGHT = 470;
  function fitCharts(printing) {
    document.querySelectorAll(".summary .chart[data-drawn]").forEach(function (el) {
      var map = el.classList.contains("map");
      var size = printing ? { width: PRINT_WIDTH, height: map ? MAP_PRINT_HEIGHT : 360 }
                          : { width: null, height: map ? 560 : null, autosize: true };
      Plotly.relayout(el, size);
      el.dataset.printWidth = printing ? String(PRINT_WIDTH) : "";
    });
  }
  window.addEventListener("beforeprint", function () { fitCharts(true); });
  window.addEventListener("afterprint", function () { fitCharts(false); });
  var printMedia = window.matchMedia("print");
  var onMedia = function (event) { fitCharts(event.matches); };
  if (printMedia.addEventListener) { printMedia.addEventListener("change", onMedia); } else { printMedia.addListener(onMedia); }

  // The province maps (money disbursed, land released): each province a filled polygon,
  // shaded on a colour-blind-safe light-to-dark scale (cividis), its value in the hover
  // text and the table beside the map. The boundaries are fetched once for every map.
  var maps = Object.keys(specs).filter(function (id) { return specs[id].geojson && document.getElementById(id); });
  if (!maps.length) { return; }
  // The shades come with the map (summaries/exports.py map_legend), so the legend under it says what each one means.
  function shade(value, legend) {
    for (var i = 0; i < legend.length; i++) {
      if (value <= legend[i].upper) { return legend[i].colour; }
    }
    return legend[legend.length - 1].colour;  // darker = more, readable in grey print
  }
  function label(map, name, value) {
    var shown = Math.round(value).toLocaleString("en-US");
    return name + ": " + (map.unit ? shown + " " + map.unit : "US$ " + shown);
  }
  function draw(id, map, geo) {
    var mapEl = document.getElementById(id);
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
      traces.push({ type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: shade(value, map.legend),
                    line: { color: "#333", width: 0.6 }, name: map.names[code] || code,
                    text: label(map, map.names[code] || code, value), hoverinfo: "text", hoveron: "fills", showlegend: false });
    });
    var layout = { title: { text: map.title }, margin: { t: 40, r: 10, b: 10, l: 10 }, height: 560,
                   xaxis: { visible: false, scaleanchor: "y" }, yaxis: { visible: false }, hovermode: "closest" };
    return Plotly.newPlot(mapEl, traces, layout, config).then(function () { mapEl.dataset.drawn = "1"; });
  }
  var base = block.dataset.static || "/static/";
  var hashed = JSON.parse(block.dataset.assets || "{}");  // content-hashed URLs, cached for a year
  var files = {};
  maps.forEach(function (id) {
    var file = specs[id].geojson;
    if (!files[file]) {
      files[file] = fetch(hashed[file] || base + file, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    }
    files[file].then(function (geo) { return draw(id, specs[id], geo); });
  });
})();
