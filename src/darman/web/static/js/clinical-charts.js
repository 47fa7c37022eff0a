/* A grouped bar chart of one figure per Jalali month and province (the e-prescription
 * savings and the referral indicators pages). The data comes from the data-chart
 * attribute the server writes: {labels: [month...], series: [{label, values}...]}. */
(function () {
  "use strict";

  var box = document.getElementById("clinical-chart-box");
  var canvas = document.getElementById("clinical-chart");
  if (!box || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(box.getAttribute("data-chart"));
  var unit = box.getAttribute("data-unit") || "";
  var whole = box.getAttribute("data-whole") === "true"; // counts: no fractional ticks
  var Chart = window.Chart;
  var number = new Intl.NumberFormat("fa-IR", { maximumFractionDigits: 1 });
  var COLOURS = ["#0f766e", "#b45309", "#1d4ed8", "#be123c", "#65a30d", "#7c3aed", "#0e7490", "#a16207"];

  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#475569";

  function draw() {
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: COLOURS[i % COLOURS.length],
                   maxBarThickness: 28 };
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
                return ctx.dataset.label + ": " + number.format(ctx.parsed.y) + " " + unit;
              }
            }
          }
        },
        scales: {
          x: { reverse: true, grid: { display: false } },
          y: { position: "right", beginAtZero: true, grid: { color: "#e2e8f0" },
               ticks: { precision: whole ? 0 : undefined,
                        callback: function (v) { return number.format(v); } } }
        }
      }
    });
    canvas.dataset.ready = "true";
  }

  var fonts = document.fonts
    ? Promise.all([document.fonts.load("400 12px Vazirmatn")]).catch(function () { return null; })
    : Promise.resolve(null);
  fonts.then(draw);
})();
