/* The care cascade as a grouped bar chart per register on /population: the provinces
 * along the axis, one bar per stage. Each .cascade-chart box carries its data in the
 * data-chart attribute the server writes: {labels: [province...], series: [{label,
 * values}...]}; the table below it holds the same numbers. */
(function () {
  "use strict";

  var boxes = document.querySelectorAll(".cascade-chart");
  if (!boxes.length || typeof window.Chart === "undefined") {
    return;
  }
  var Chart = window.Chart;
  var number = new Intl.NumberFormat("fa-IR");
  // registered .. lost: from the widest stage to the ones that call for action
  var COLOURS = ["#1d4ed8", "#0f766e", "#65a30d", "#b45309", "#a16207", "#be123c"];

  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#475569";

  function draw(box) {
    var data = JSON.parse(box.getAttribute("data-chart"));
    var canvas = box.querySelector("canvas");
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: COLOURS[i % COLOURS.length],
                   maxBarThickness: 22 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        locale: "fa-IR",
        animation: { duration: 250 },
        plugins: {
          legend: { position: "top", align: "start", rtl: true, textDirection: "rtl",
                    labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: {
            rtl: true,
            textDirection: "rtl",
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + ": " + number.format(ctx.parsed.y) + " نفر";
              }
            }
          }
        },
        scales: {
          x: { reverse: true, grid: { display: false } },
          y: { position: "right", beginAtZero: true, grid: { color: "#e2e8f0" },
               ticks: { precision: 0, callback: function (v) { return number.format(v); } } }
        }
      }
    });
    canvas.dataset.ready = "true";
  }

  var fonts = document.fonts
    ? Promise.all([document.fonts.load("400 12px Vazirmatn")]).catch(function () { return null; })
    : Promise.resolve(null);
  fonts.then(function () {
    Array.prototype.forEach.call(boxes, draw);
  });
})();
