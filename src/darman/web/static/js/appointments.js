/* The fairness page: the impact ratio of each sex at each stage, as bars, against the
 * four-fifths line (from the data-chart attribute the server writes; nothing is fetched). */
(function () {
  "use strict";

  function draw() {
    var box = document.getElementById("impact-box");
    if (!box || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(box.getAttribute("data-chart"));
    var Chart = window.Chart;
    var colours = ["#0f766e", "#ca8a04", "#7c3aed", "#dc2626"];
    var datasets = Object.keys(data.groups).map(function (group, i) {
      return { type: "bar", label: group, data: data.groups[group],
               backgroundColor: colours[i % colours.length] };
    });
    datasets.push({ type: "line", label: "چهارپنجم", pointRadius: 0, borderDash: [5, 4],
                    borderColor: "#94a3b8", data: data.stages.map(function () { return 0.8; }) });
    Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
    new Chart(document.getElementById("impact-chart"), {
      data: { labels: data.stages, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, locale: "fa-IR", animation: false,
        scales: { y: { min: 0, max: 1.1, title: { display: true, text: "نسبت اثر" } } },
        plugins: { legend: { position: "top", align: "start", rtl: true, textDirection: "rtl" },
                   tooltip: { rtl: true, textDirection: "rtl" } }
      }
    });
    box.setAttribute("data-drawn", "yes");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
