/* Click-to-sort for every table.sortable: a header with data-sort="num" or "text" sorts
 * its column by the cells' data-value, ascending then descending. Rows without a value in
 * that column (totals) stay where they are, at the end. Shared by the planning and
 * procurement pages. */
(function () {
  "use strict";

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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(sortable);
  });
})();
