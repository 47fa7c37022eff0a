// The top bar's menus (<details> elements work on their own, without this script): one
// menu open at a time, Escape or a click elsewhere closes it, and on a phone the whole
// menu folds behind one button.
(function () {
  "use strict";
  function setup() {
    var bar = document.querySelector(".topbar");
    var nav = document.getElementById("mainnav");
    var toggle = document.getElementById("nav-toggle");
    if (!bar || !nav) return;
    var menus = Array.prototype.slice.call(nav.querySelectorAll("details.navmenu"));

    function closeMenus(except) {
      menus.forEach(function (m) { if (m !== except) m.open = false; });
    }
    menus.forEach(function (menu) {
      menu.addEventListener("toggle", function () { if (menu.open) closeMenus(menu); });
    });
    document.addEventListener("click", function (event) {
      if (!nav.contains(event.target)) closeMenus(null);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var open = menus.filter(function (m) { return m.open; })[0];
      if (open) {
        open.open = false;
        open.querySelector("summary").focus();
      } else if (bar.classList.contains("nav-open") && toggle) {
        bar.classList.remove("nav-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });

    if (!toggle) return;
    bar.classList.add("nav-js");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = bar.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
