/* The shared province map: the value of the tile under the pointer, or focused by the
 * keyboard or a tap, is written into the map's readout line (which screen readers hear,
 * aria-live). Without this script each tile still shows its value as a title. */
(function () {
  "use strict";

  function show(map, tile) {
    var readout = map.querySelector("[data-readout]");
    if (readout && tile) {
      readout.textContent = tile.getAttribute("data-label");
    }
  }

  document.querySelectorAll("[data-province-map]").forEach(function (map) {
    ["mouseover", "focusin"].forEach(function (kind) {
      map.addEventListener(kind, function (event) {
        show(map, event.target.closest(".pmap-tile"));
      });
    });
  });
})();
