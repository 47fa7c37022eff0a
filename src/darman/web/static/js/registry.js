/* Registry page: one horizontal bar chart of the provinces in the caller's scope.
 * Data comes from the JSON block the server embeds; nothing is fetched. */
(function () {
  "use strict";

  var dataNode = document.getElementById("registry-chart-data");
  var canvas = document.getElementById("registry-chart");
  if (!dataNode || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var box = document.getElementById("registry-chart-box");
  var empty = document.getElementById("registry-chart-empty");
  var buttons = document.querySelectorAll("[data-metric]");
  var number = new Intl.NumberFormat("fa-IR", { maximumFractionDigits: 1 });
  var Chart = window.Chart;

  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#475569";

  /* Provinces with a value, largest first, so the ranking reads top to bottom. */
  function series(metric) {
    var values = data.series[metric];
    var pairs = [];
    for (var i = 0; i < data.labels.length; i++) {
      if (values[i] !== null) {
        pairs.push([data.labels[i], values[i]]);
      }
    }
    pairs.sort(function (a, b) { return b[1] - a[1]; });
    return {
      labels: pairs.map(function (p) { return p[0]; }),
      values: pairs.map(function (p) { return p[1]; })
    };
  }

  function fitHeight(count) {
    box.style.height = Math.max(140, count * 24 + 56) + "px";
  }

  function config(metric) {
    var s = series(metric);
    fitHeight(s.labels.length);
    return {
      type: "bar",
      data: {
        labels: s.labels,
        datasets: [{
          label: data.titles[metric],
          data: s.values,
          backgroundColor: "#0f766e",
          hoverBackgroundColor: "#115e59",
          borderRadius: 4,
          maxBarThickness: 16
        }]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        locale: "fa-IR",
        animation: { duration: 250 },
        plugins: {
          legend: { display: false },
          tooltip: {
            rtl: true,
            textDirection: "rtl",
            callbacks: {
              label: function (ctx) {
                return data.titles[metric] + ": " + number.format(ctx.parsed.x);
              }
            }
          }
        },
        scales: {
          x: {
            reverse: true,
            beginAtZero: true,
            grid: { color: "#e2e8f0" },
            ticks: {
              precision: metric === "beds_per_10k" ? undefined : 0,
              callback: function (v) { return number.format(v); }
            }
          },
          y: {
            position: "right",
            grid: { display: false },
            ticks: { autoSkip: false, color: "#1e293b" }
          }
        }
      }
    };
  }

  var chart = null;

  function show(metric) {
    var cfg = config(metric);
    var hasData = cfg.data.labels.length > 0;
    empty.hidden = hasData;
    box.hidden = !hasData;
    if (chart === null) {
      chart = new Chart(canvas, cfg);
    } else {
      chart.data = cfg.data;
      chart.options = cfg.options;
      chart.update();
    }
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.metric === metric ? "true" : "false");
    });
    canvas.dataset.metric = metric;
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () { show(b.dataset.metric); });
  });

  /* Draw once the web font is ready, otherwise the canvas keeps a fallback font. */
  var fonts = document.fonts
    ? Promise.all([
        document.fonts.load("400 12px Vazirmatn"),
        document.fonts.load("700 12px Vazirmatn")
      ]).catch(function () { return null; })
    : Promise.resolve(null);
  fonts.then(function () {
    show("insured");
    canvas.dataset.ready = "true";
  });
})();
