// The score-distribution bar chart (Chart.js); the same numbers are in the table below it.
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("score-chart");
    var source = document.getElementById("score-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var label = canvas.getAttribute("data-series-label") || "";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: label, data: data.counts, backgroundColor: "#ff6a00" }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
