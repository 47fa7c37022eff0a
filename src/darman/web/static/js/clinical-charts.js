/* A line chart of one figure per Jalali month and province (the e-prescription savings
 * and the referral indicators pages). The data comes from the data-chart attribute the
 * server writes (web/chart_series.py): {labels: [month...], series: [{label, values,
 * role}...]}, role "top" or "bottom" (the five provinces of highest and of lowest total),
 * "all" (a scope of ten provinces or fewer) or "national" (the average per province). */
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
  var COLOURS = {
    all: ["#0f766e", "#b45309", "#1d4ed8", "#be123c", "#65a30d", "#7c3aed", "#0e7490", "#a16207", "#9d174d", "#475569"],
    top: ["#065f46", "#047857", "#059669", "#10b981", "#34d399"],
    bottom: ["#fca5a5", "#f87171", "#ef4444", "#dc2626", "#991b1b"]
  };
  var seen = { all: 0, top: 0, bottom: 0 };

  function dataset(s) {
    if (s.role === "national") {
      return { label: s.label, data: s.values, borderColor: "#0f172a", backgroundColor: "#0f172a",
               borderWidth: 3, borderDash: [6, 4], pointRadius: 0, tension: 0.2 };
    }
    var role = COLOURS[s.role] ? s.role : "all";
    var colour = COLOURS[role][seen[role]++ % COLOURS[role].length];
    return { label: s.label, data: s.values, borderColor: colour, backgroundColor: colour,
             borderWidth: 2, pointRadius: 2, tension: 0.2 };
  }

  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#475569";

  function draw() {
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: data.series.map(dataset) },
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
