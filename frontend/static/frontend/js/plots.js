// Draw every [data-plot] element: its content is a plotly figure (JSON) built by the server.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") {
    return;
  }
  document.querySelectorAll("script[type='application/json'][data-plot]").forEach(function (node) {
    var target = document.getElementById(node.dataset.plot);
    if (!target) {
      return;
    }
    try {
      var figure = JSON.parse(node.textContent);
      window.Plotly.newPlot(target, figure.data, figure.layout, { displaylogo: false, responsive: true });
    } catch (error) {
      target.textContent = "This chart could not be drawn.";
    }
  });
})();
