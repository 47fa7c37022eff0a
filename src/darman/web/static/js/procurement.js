/* Strategic purchasing pages: the per-province bar chart of the stock-out dashboard (from
 * the data-chart attribute the server writes; nothing is fetched) and a confirmation before a form that cannot be undone (the award). Inline handlers are
 * not allowed by the page's CSP, hence listeners here. Sorting lives in sortable-tables.js. */
(function () {
  "use strict";

  function stockoutChart() {
    var box = document.getElementById("stockout-box");
    if (!box || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(box.getAttribute("data-chart"));
    var Chart = window.Chart;
    var number = new Intl.NumberFormat("fa-IR", { maximumFractionDigits: 1 });
    Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
    new Chart(document.getElementById("stockout-chart"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "میانه‌ی ماه موجودی", data: data.mos, backgroundColor: "#0f766e",
            yAxisID: "months", maxBarThickness: 22 },
          { label: "اقلام حیاتیِ موجود (٪)", data: data.vital, backgroundColor: "#b45309",
            yAxisID: "share", maxBarThickness: 22 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, locale: "fa-IR", animation: false,
        scales: {
          x: { reverse: true, grid: { display: false } },
          months: { type: "linear", position: "right", beginAtZero: true,
                    title: { display: true, text: "ماه موجودی" },
                    ticks: { callback: function (v) { return number.format(v); } } },
          share: { type: "linear", position: "left", min: 0, max: 100,
                   grid: { drawOnChartArea: false },
                   title: { display: true, text: "درصد اقلام حیاتیِ موجود" },
                   ticks: { callback: function (v) { return number.format(v) + "٪"; } } }
        },
        plugins: {
          legend: { position: "top", align: "start", rtl: true, textDirection: "rtl" },
          tooltip: {
            rtl: true, textDirection: "rtl",
            callbacks: {
              label: function (ctx) {
                var v = ctx.parsed.y;
                return ctx.dataset.label + ": " + (v === null ? "—" : number.format(v));
              }
            }
          }
        }
      }
    });
    box.setAttribute("data-drawn", "yes");
  }

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          e.preventDefault();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    stockoutChart();
    confirmations();
  });
})();
