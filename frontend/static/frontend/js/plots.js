// Draws the plotly figures the server built (JSON in <script type="application/json" data-plot>).
//
// plotly.js is large (~1.4 MB compressed), so it is fetched only when a chart comes near the
// viewport (IntersectionObserver), once per page, from this script's data-plotly URL (a local
// static file, no CDN). Pages may also hand over a figure later, e.g. the submission page when
// its cost arrives live: CodeArenaPlots.show(target, figure) draws it, or redraws it in place.
(function () {
  "use strict";

  var PLOTLY_SRC = document.currentScript ? document.currentScript.dataset.plotly : "";
  var CONFIG = { displaylogo: false, responsive: true };
  var figures = {}; // target id -> the latest figure handed over
  var visible = {}; // target id -> true once it has come into view
  var loading = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = PLOTLY_SRC;
        script.async = true;
        script.onload = function () {
          resolve(window.Plotly);
        };
        script.onerror = function () {
          loading = null; // a later chart may try again
          reject(new Error("plotly.js did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function draw(target) {
    var figure = figures[target.id];
    loadPlotly()
      .then(function (Plotly) {
        // react() draws the first time and updates in place afterwards; a newer figure handed
        // over while plotly was loading wins, as it is read again here.
        return Plotly.react(target, figures[target.id].data, figures[target.id].layout, CONFIG);
      })
      .then(function () {
        target.dataset.drawn = "1";
      })
      .catch(function () {
        if (figures[target.id] === figure) target.textContent = "This chart could not be drawn.";
      });
  }

  var observer =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          function (entries) {
            entries.forEach(function (entry) {
              if (!entry.isIntersecting) return;
              observer.unobserve(entry.target);
              visible[entry.target.id] = true;
              draw(entry.target);
            });
          },
          { rootMargin: "200px 0px" } // start fetching just before the chart scrolls in
        )
      : null;

  function show(target, figure) {
    figures[target.id] = figure;
    if (visible[target.id] || !observer) {
      visible[target.id] = true;
      draw(target);
    } else {
      observer.observe(target); // observing twice is harmless: it is still reported once
    }
  }

  window.CodeArenaPlots = { show: show };

  document.querySelectorAll("script[type='application/json'][data-plot]").forEach(function (node) {
    var target = document.getElementById(node.dataset.plot);
    if (!target) return;
    try {
      show(target, JSON.parse(node.textContent));
    } catch (error) {
      target.textContent = "This chart could not be drawn.";
    }
  });
})();
