#!/bin/sh
# Screenshot of a run's report.html with headless Chromium, for docs/img/.
#   deploy/screenshot-report.sh [RESULT_DIR] [OUT.png]
# Without RESULT_DIR it first runs, into a temporary directory, the bulk-throughput scenario with an undersized AEAD
# (1 engine at 250 MHz), so that the findings on top name a bottleneck and the change (docs/img/report.png).
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
  (cd "$root" && npm run -s sim -- scenarios/bulk-throughput.yaml --set traffic.records_per_client=1000 \
    --set traffic.rate.records_per_s=2000 --set aead.instances=1 --set aead.clock_mhz=250 --out "$dir" --quiet > /dev/null)
fi
[ -f "$dir/report.html" ] || { echo "screenshot-report: $dir/report.html not found" >&2; exit 2; }
mkdir -p "$(dirname "$out_png")"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,3000 \
  --screenshot="$out_png" "file://$dir/report.html" 2> /dev/null
echo "wrote $out_png"
