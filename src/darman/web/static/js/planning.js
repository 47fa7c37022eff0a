/* Planning pages: the Lorenz curve of the equity page and the allocation's money per
 * province (from the data-chart attribute the server writes; nothing is fetched). Sorting
 * lives in sortable-tables.js. */
(function () {
  "use strict";

  function lorenz() {
    var box = document.getElementById("lorenz-box");
    if (!box || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(box.getAttribute("data-chart"));
    var Chart = window.Chart;
    var number = new Intl.NumberFormat("fa-IR", { maximumFractionDigits: 2 });
    function points(curve) {
      return curve.x.map(function (x, i) { return { x: x, y: curve.y[i] }; });
    }
    Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
    new Chart(document.getElementById("lorenz-chart"), {
      type: "line",
      data: {
        datasets: [
          { label: "همه‌ی استان‌ها", data: points(data.all), borderColor: "#0f766e",
            backgroundColor: "#0f766e", pointRadius: 2, tension: 0 },
          { label: "بدون تهران", data: points(data.without), borderColor: "#ca8a04",
            backgroundColor: "#ca8a04", pointRadius: 0, borderDash: [5, 4], tension: 0 },
          { label: "برابری کامل", data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: "#94a3b8",
            pointRadius: 0, borderWidth: 1 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, locale: "fa-IR", animation: false,
        parsing: false,
        scales: {
          x: { type: "linear", min: 0, max: 1, reverse: true,
               title: { display: true, text: "سهم تجمعی جمعیت" },
               ticks: { callback: function (v) { return number.format(v * 100) + "٪"; } } },
          y: { type: "linear", min: 0, max: 1,
               title: { display: true, text: "سهم تجمعی منبع" },
               ticks: { callback: function (v) { return number.format(v * 100) + "٪"; } } }
        },
        plugins: {
          legend: { position: "top", align: "start", rtl: true, textDirection: "rtl" },
          tooltip: {
            rtl: true, textDirection: "rtl",
            callbacks: {
              title: function (items) {
                var it = items[0];
                return it.datasetIndex === 0 ? (data.labels[it.dataIndex] || "") : "";
              },
              label: function (ctx) {
                return number.format(ctx.parsed.x * 100) + "٪ جمعیت، " +
                  number.format(ctx.parsed.y * 100) + "٪ منبع";
              }
            }
          }
        }
      }
    });
    box.setAttribute("data-drawn", "yes");
  }

  // Rials per province, one stacked bar per province and one colour per budget line; the
  // axis reads in billions of rials.
  function money() {
    var box = document.getElementById("money-box");
    if (!box || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(box.getAttribute("data-chart"));
    var Chart = window.Chart;
    var billions = new Intl.NumberFormat("fa-IR", { maximumFractionDigits: 1 });
    var colours = ["#0f766e", "#ca8a04", "#1d4ed8", "#b91c1c", "#7c3aed", "#0891b2",
                   "#65a30d", "#db2777", "#475569", "#ea580c"];
    function inBillions(rials) { return billions.format(rials / 1e9) + " میلیارد ریال"; }
    // one bar's room per province that got something, so 4 or 31 provinces both read
    box.style.height = Math.max(220, 26 * data.labels.length + 110) + "px";
    Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
    new Chart(document.getElementById("money-chart"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (d, i) {
          return { label: d.label, data: d.data, backgroundColor: colours[i % colours.length],
                   stack: "money" };
        })
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, locale: "fa-IR",
        animation: false,
        scales: {
          x: { stacked: true, position: "top", reverse: true,
               ticks: { callback: function (v) { return billions.format(v / 1e9); } },
               title: { display: true, text: "میلیارد ریال" } },
          y: { stacked: true, position: "right", ticks: { autoSkip: false } }
        },
        plugins: {
          legend: { position: "top", align: "start", rtl: true, textDirection: "rtl" },
          tooltip: {
            rtl: true, textDirection: "rtl",
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + inBillions(ctx.parsed.x); }
            }
          }
        }
      }
    });
    box.setAttribute("data-drawn", "yes");
  }

  document.addEventListener("DOMContentLoaded", function () {
    lorenz();
    money();
  });
})();
