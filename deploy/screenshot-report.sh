#!/bin/sh
# Screenshot of a run's report.html with headless Chromium, for docs/img/.
#   deploy/screenshot-report.sh [RESULT_DIR] [OUT.png]
# Without RESULT_DIR it runs `npm run sim` on scenarios/single-client.yaml into a temporary directory first.
# Needs chromium (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/chrome.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out_png=${2:-$root/docs/img/report.png}
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
[ -n "$browser" ] || { echo "screenshot-report: no chromium found (apt-get install -y chromium, or set CHROMIUM)" >&2; exit 2; }
if [ $# -ge 1 ]; then
  dir=$(cd "$1" && pwd)
else
  dir=$(mktemp -d)
  (cd "$root" && npm run -s sim -- scenarios/single-client.yaml --out "$dir" --quiet > /dev/null)
fi
[ -f "$dir/report.html" ] || { echo "screenshot-report: $dir/report.html not found" >&2; exit 2; }
mkdir -p "$(dirname "$out_png")"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,3000 \
  --screenshot="$out_png" "file://$dir/report.html" 2> /dev/null
echo "wrote $out_png"
