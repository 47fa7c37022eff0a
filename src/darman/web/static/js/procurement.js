/* Strategic purchasing pages: the per-province bar chart of the stock-out dashboard (from
 * the data-chart attribute the server writes; nothing is fetched), click-to-sort tables,
 * and a confirmation before a form that cannot be undone (the award). Inline handlers are
 * not allowed by the page's CSP, hence listeners here. */
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

  function sortable(table) {
    var heads = table.querySelectorAll("th[data-sort]");
    heads.forEach(function (th, col) {
      th.setAttribute("tabindex", "0");
      function go() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) {
          return r.cells.length > col && r.cells[col].hasAttribute("data-value");
        });
        var numeric = th.getAttribute("data-sort") === "num";
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-value");
          var y = b.cells[col].getAttribute("data-value");
          var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "fa");
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
    });
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
    document.querySelectorAll("table.sortable").forEach(sortable);
    confirmations();
  });
})();
