/* The physician's prescription form: add and remove line rows, keep each row's message
 * boxes numbered (the live check swaps findings into m-<row>-<field>), and switch a row
 * between a drug and a lab/imaging order. Inputs are never disabled, so every row sends
 * all six fields and the lists stay aligned on the server. */
(function () {
  "use strict";

  var body = document.getElementById("rx-body");
  var template = document.getElementById("rx-line-template");
  var live = document.getElementById("rx-live");
  var add = document.getElementById("rx-add");
  if (!body || !template || !live) {
    return;
  }
  var DIGITS = "۰۱۲۳۴۵۶۷۸۹";

  function persian(n) {
    return String(n).replace(/[0-9]/g, function (d) { return DIGITS[Number(d)]; });
  }

  function renumber() {
    var rows = body.querySelectorAll("tr.rx-line");
    rows.forEach(function (row, i) {
      row.dataset.row = String(i);
      row.querySelector(".rx-no").textContent = persian(i + 1);
      row.querySelector(".rx-kind").id = "kind-" + i;
      row.querySelector(".rx-name").id = "n-" + i;
      row.querySelectorAll(".field-msgs").forEach(function (box) {
        box.id = "m-" + i + "-" + box.dataset.msg;
      });
    });
  }

  function changed() {
    renumber();
    if (window.htmx) {
      window.htmx.trigger(live, "rx-changed");
    }
  }

  function setKind(row) {
    var kind = row.querySelector(".rx-kind").value;
    var code = row.querySelector(".rx-code");
    var days = row.querySelector(".rx-days");
    code.setAttribute("list", kind === "service" ? "rx-orders" : "rx-drugs");
    if (kind === "service") {
      days.value = "";
      days.readOnly = true;
    } else {
      days.readOnly = false;
    }
  }

  if (add) {
    add.addEventListener("click", function () {
      var row = template.content.firstElementChild.cloneNode(true);
      body.appendChild(row);
      renumber();
      row.querySelector(".rx-code").focus();
    });
  }

  body.addEventListener("click", function (event) {
    var button = event.target.closest(".rx-remove");
    if (!button) {
      return;
    }
    var row = button.closest("tr.rx-line");
    if (body.querySelectorAll("tr.rx-line").length > 1) {
      row.remove();
    } else {
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    }
    changed();
  });

  body.addEventListener("change", function (event) {
    if (event.target.classList.contains("rx-kind")) {
      setKind(event.target.closest("tr.rx-line"));
    }
  }, true);

  renumber();
})();
