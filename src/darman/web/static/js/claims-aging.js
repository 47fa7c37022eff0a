/* Claims aging page: a stacked bar chart of unpaid rials by months waited, and a line
 * chart of the mean and 90th-percentile payment delay by Jalali month. The data comes
 * from the data-chart attribute the server writes; nothing is fetched. */
(function () {
  "use strict";

  var holder = document.getElementById("aging-charts");
  if (!holder || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(holder.getAttribute("data-chart"));
  var Chart = window.Chart;
  var number = new Intl.NumberFormat("fa-IR", { maximumFractionDigits: 1 });
  // from fresh (green) to very late (red)
  var COLOURS = ["#0f766e", "#65a30d", "#ca8a04", "#ea580c", "#dc2626", "#7f1d1d"];

  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#475569";

  function tooltip(unit) {
    return {
      rtl: true,
      textDirection: "rtl",
      callbacks: {
        label: function (ctx) {
          var value = ctx.chart.options.indexAxis === "y" ? ctx.parsed.x : ctx.parsed.y;
          return ctx.dataset.label + ": " + number.format(value) + " " + unit;
        }
      }
    };
  }

  function legend(points) {
    return { position: "top", align: "start", rtl: true, textDirection: "rtl",
             labels: { boxWidth: 12, boxHeight: 12, usePointStyle: points } };
  }

  function agingChart(canvas) {
    var box = document.getElementById("aging-chart-box");
    box.style.height = Math.max(180, data.labels.length * 26 + 90) + "px";
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.buckets.map(function (b, i) {
          return { label: b.label, data: b.values, backgroundColor: COLOURS[i % COLOURS.length],
                   maxBarThickness: 18 };
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        locale: "fa-IR",
        animation: { duration: 250 },
        plugins: { legend: legend(false), tooltip: tooltip("ریال") },
        scales: {
          x: { stacked: true, reverse: true, beginAtZero: true, grid: { color: "#e2e8f0" },
               ticks: { callback: function (v) { return number.format(v); } } },
          y: { stacked: true, position: "right", grid: { display: false },
               ticks: { autoSkip: false, color: "#1e293b" } }
        }
      }
    });
  }

  function delayChart(canvas) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.months,
        datasets: [
          { label: "میانگین تأخیر", data: data.mean, borderColor: "#0f766e",
            backgroundColor: "#0f766e", tension: 0.25, pointRadius: 3 },
          { label: "صدک ۹۰", data: data.p90, borderColor: "#b45309", backgroundColor: "#b45309",
            borderDash: [6, 4], tension: 0.25, pointRadius: 3 }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        locale: "fa-IR",
        animation: { duration: 250 },
        plugins: { legend: legend(true), tooltip: tooltip("روز") },
        scales: {
          x: { reverse: true, grid: { display: false } },
          y: { position: "right", beginAtZero: true, grid: { color: "#e2e8f0" },
               title: { display: true, text: "روز" },
               ticks: { callback: function (v) { return number.format(v); } } }
        }
      }
    });
  }

  /* Draw once the web font is ready, otherwise the canvas keeps a fallback font. */
  var fonts = document.fonts
    ? Promise.all([
        document.fonts.load("400 12px Vazirmatn"),
        document.fonts.load("700 12px Vazirmatn")
      ]).catch(function () { return null; })
    : Promise.resolve(null);
  fonts.then(function () {
    var aging = document.getElementById("aging-chart");
    var delay = document.getElementById("delay-chart");
    if (aging) {
      agingChart(aging);
      aging.dataset.ready = "true";
    }
    if (delay) {
      delayChart(delay);
      delay.dataset.ready = "true";
    }
    holder.dataset.ready = "true";
  });
})();
