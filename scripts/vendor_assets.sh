#!/usr/bin/env bash
# Vendor the web shell's front-end assets from the npm registry into
# src/darman/web/static/vendor/. Pages never load anything from a CDN: what the
# browser needs is committed, and this script is how it got there.
#
# Reproducible: exact versions are pinned below and each tarball is checked
# against the registry's sha512 integrity before anything is copied.
# Needs: npm (any recent version), node, tar. Run from anywhere:
#     scripts/vendor_assets.sh
set -euo pipefail

HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
CHARTJS_VERSION="4.6.1"
CHARTJS_INTEGRITY="sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="
VAZIRMATN_VERSION="33.0.3"
VAZIRMATN_INTEGRITY="sha512-fbjNc0CMjazZpIegWzz9OHGzI1APFboT+x7ZecXlUCtDe/nkyx7gtCTZnWS/+eeXG7fbfXymCPKJI8EsnM3iqw=="
SWAGGER_UI_VERSION="5.35.0"
SWAGGER_UI_INTEGRITY="sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="
# Only the weights the stylesheet uses (400 body, 700 headings and figures).
VAZIRMATN_WEIGHTS=("Regular:400" "Bold:700")

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/src/darman/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch <package> <version> <integrity>: npm pack into $WORK, verify, unpack to $WORK/<package>/
fetch() {
    local pkg="$1" version="$2" integrity="$3" tgz actual
    (cd "$WORK" && npm pack --silent "${pkg}@${version}" >/dev/null 2>&1)
    tgz="$WORK/${pkg}-${version}.tgz"
    [[ -f "$tgz" ]] || { echo "npm pack did not produce $tgz" >&2; exit 1; }
    actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | openssl base64 -A)"
    if [[ "$actual" != "$integrity" ]]; then
        echo "integrity mismatch for ${pkg}@${version}:" >&2
        echo "  expected $integrity" >&2
        echo "  got      $actual" >&2
        exit 1
    fi
    mkdir -p "$WORK/$pkg"
    tar -xzf "$tgz" -C "$WORK/$pkg"
}

fetch htmx.org "$HTMX_VERSION" "$HTMX_INTEGRITY"
fetch chart.js "$CHARTJS_VERSION" "$CHARTJS_INTEGRITY"
fetch vazirmatn "$VAZIRMATN_VERSION" "$VAZIRMATN_INTEGRITY"
fetch swagger-ui-dist "$SWAGGER_UI_VERSION" "$SWAGGER_UI_INTEGRITY"

rm -rf "$DEST"
mkdir -p "$DEST/vazirmatn" "$DEST/swagger-ui" "$DEST/licenses"

cp "$WORK/htmx.org/package/dist/htmx.min.js" "$DEST/htmx.min.js"
# The source map is not vendored, so drop the comment that points at it
# (otherwise browser dev tools ask the server for a file that is not there).
sed '/^\/\/# sourceMappingURL=/d' "$WORK/chart.js/package/dist/chart.umd.min.js" \
    >"$DEST/chart.umd.min.js"
# Swagger UI for the API docs at /docs (darman.web.docs): the self-contained
# bundle and its stylesheet only, again without the source-map comments.
sed '/^\/\/# sourceMappingURL=/d' "$WORK/swagger-ui-dist/package/swagger-ui-bundle.js" \
    >"$DEST/swagger-ui/swagger-ui-bundle.js"
sed '/^\/\*# sourceMappingURL=.*\*\/$/d' "$WORK/swagger-ui-dist/package/swagger-ui.css" \
    >"$DEST/swagger-ui/swagger-ui.css"

{
    echo "/* Vazirmatn ${VAZIRMATN_VERSION} (SIL OFL 1.1), written by scripts/vendor_assets.sh */"
    for entry in "${VAZIRMATN_WEIGHTS[@]}"; do
        name="${entry%%:*}"
        weight="${entry##*:}"
        cp "$WORK/vazirmatn/package/fonts/webfonts/Vazirmatn-${name}.woff2" "$DEST/vazirmatn/"
        cat <<CSS
@font-face {
  font-family: "Vazirmatn";
  src: url("Vazirmatn-${name}.woff2") format("woff2");
  font-weight: ${weight};
  font-style: normal;
  font-display: swap;
}
CSS
    done
} >"$DEST/vazirmatn/vazirmatn.css"

cp "$WORK/htmx.org/package/LICENSE" "$DEST/licenses/htmx.org-LICENSE.txt"
cp "$WORK/chart.js/package/LICENSE.md" "$DEST/licenses/chart.js-LICENSE.md"
cp "$WORK/vazirmatn/package/OFL.txt" "$DEST/licenses/vazirmatn-OFL.txt"
# Apache-2.0 asks for the NOTICE too; the bundle's own file lists what webpack bundled.
cp "$WORK/swagger-ui-dist/package/LICENSE" "$DEST/licenses/swagger-ui-dist-LICENSE.txt"
cp "$WORK/swagger-ui-dist/package/NOTICE" "$DEST/licenses/swagger-ui-dist-NOTICE.txt"
cp "$WORK/swagger-ui-dist/package/swagger-ui-bundle.js.LICENSE.txt" \
    "$DEST/licenses/swagger-ui-bundle.js.LICENSE.txt"

{
    echo "# Vendored front-end assets: written by scripts/vendor_assets.sh, do not edit by hand."
    echo "# package        version   licence        files"
    echo "htmx.org         ${HTMX_VERSION}    0BSD           htmx.min.js"
    echo "chart.js         ${CHARTJS_VERSION}     MIT            chart.umd.min.js (sourceMappingURL comment removed)"
    echo "vazirmatn        ${VAZIRMATN_VERSION}    OFL-1.1        vazirmatn/*.woff2, vazirmatn/vazirmatn.css (written here)"
    echo "swagger-ui-dist  ${SWAGGER_UI_VERSION}    Apache-2.0     swagger-ui/swagger-ui-bundle.js, swagger-ui/swagger-ui.css (sourceMappingURL comments removed)"
    echo
    echo "# npm integrity of each tarball"
    echo "htmx.org@${HTMX_VERSION} ${HTMX_INTEGRITY}"
    echo "chart.js@${CHARTJS_VERSION} ${CHARTJS_INTEGRITY}"
    echo "vazirmatn@${VAZIRMATN_VERSION} ${VAZIRMATN_INTEGRITY}"
    echo "swagger-ui-dist@${SWAGGER_UI_VERSION} ${SWAGGER_UI_INTEGRITY}"
    echo
    echo "# sha256 of the vendored files"
    (cd "$DEST" && find . -type f ! -name VERSIONS.txt | LC_ALL=C sort | xargs sha256sum)
} >"$DEST/VERSIONS.txt"

echo "vendored into $DEST:"
du -ab "$DEST" | LC_ALL=C sort -k2
