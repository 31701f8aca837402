#!/usr/bin/env bash
# Byline's rendition benchmark (issue 15): how fast renditions are made on first request
# (cold) and served once made (warm), and what making them costs article reads. It seeds a
# synthetic dataset, uploads generated photographs (JPEG, 3000 × 2000 by default) through the
# admin API, makes each the lead picture of a published article, then drives a release build
# with wrk over loopback. Prints a Markdown table: requests/s, p50, p99, non-2xx (the 503s of
# renditions that found no turn within 0.5 s) and the server's peak RSS.
#
#   bench/media.sh                                  # SQLite, 10 000 articles
#   BACKEND=postgres bench/media.sh
#   MEDIA_CONCURRENCY=4 PHOTO=4000x3000 bench/media.sh
#
# Settings (environment):
#   BACKEND            sqlite (default) or postgres
#   SIZE               articles in the dataset (default 10000)
#   ASSETS             photographs uploaded (default 24)
#   PHOTO              their size, WIDTHxHEIGHT (default 3000x2000)
#   DURATION           seconds per scenario (default 10)
#   MEDIA_CONCURRENCY  --media-concurrency (default: the server's, 2)
#   PG_URL, PORT, BYLINE_BIN, SERVER_ARGS as in bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${BACKEND:-sqlite}
SIZE=${SIZE:-10000}
ASSETS=${ASSETS:-24}
PHOTO=${PHOTO:-3000x2000}
DURATION=${DURATION:-10}
MEDIA_CONCURRENCY=${MEDIA_CONCURRENCY:-}
SERVER_ARGS=${SERVER_ARGS:-}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18081}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${BYLINE_BIN:-}" ]; then
  cargo build --release --quiet
fi
BIN="${BYLINE_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/byline}"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; } || true
  [ "$BACKEND" = postgres ] && psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS byline_bench_media WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# Photographs: Pillow draws them (smooth gradients with grain, so JPEG sizes are a camera's,
# ~1–2 MB), in a virtualenv of the run's own.
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "pillow==13.0.0"
"$WORK/venv/bin/python" - "$WORK/photos" "$ASSETS" "$PHOTO" <<'PY'
import os, random, sys
from PIL import Image, ImageFilter
out, count, size = sys.argv[1], int(sys.argv[2]), sys.argv[3]
w, h = (int(v) for v in size.split("x"))
os.makedirs(out)
for n in range(count):
    rng = random.Random(n)
    small = Image.new("RGB", (16, 12))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(16 * 12)])
    photo = small.resize((w, h), Image.BICUBIC)
    grain = Image.effect_noise((w, h), 24).convert("RGB")
    photo = Image.blend(photo, grain, 0.12).filter(ImageFilter.SMOOTH)
    photo.save(f"{out}/{n}.jpg", quality=90)
PY

case "$BACKEND" in
  sqlite) URL="$WORK/bench.db" ;;
  postgres)
    URL="$PG_URL/byline_bench_media"
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS byline_bench_media WITH (FORCE)" -c "CREATE DATABASE byline_bench_media" >/dev/null ;;
  *) echo "unknown backend $BACKEND" >&2; exit 2 ;;
esac
RUST_LOG=warn "$BIN" seed --synthetic "$SIZE" --database-url "$URL" --media-dir "$WORK/media" >/dev/null
KEY=$("$BIN" keys create --role editor --name bench --database-url "$URL" | grep -o 'byl_[A-Za-z0-9_-]*' | head -n 1)

# shellcheck disable=SC2086 # SERVER_ARGS is a list of flags
RUST_LOG=warn "$BIN" serve --database-url "$URL" --bind "127.0.0.1:$PORT" \
  --media-dir "$WORK/media" --rate-limit-anonymous 1000000000 --response-cache-mb 0 \
  ${MEDIA_CONCURRENCY:+--media-concurrency "$MEDIA_CONCURRENCY"} $SERVER_ARGS >/dev/null &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
peak() { awk '/^VmHWM/ {printf "%.0f\n", $2/1024}' "/proc/$SERVER_PID/status"; }

# Upload each photograph and make it the lead picture of one published article; write each
# asset's rendition URL template, one a line.
curl -sf "$BASE/v1/articles?limit=$ASSETS&fields=id,slug" | python3 -c '
import json, sys; print("\n".join(a["id"] + " " + a["slug"] for a in json.load(sys.stdin)["data"]))' >"$WORK/articles"
started=$(date +%s.%N)
n=0
while read -r article _; do
  asset=$(curl -sf -X POST "$BASE/admin/v1/assets" -H "Authorization: Bearer $KEY" \
    -F "file=@$WORK/photos/$n.jpg" -F "alt=Photograph $n" -F focal_x=0.4 -F focal_y=0.35)
  echo "$asset" | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(d["rendition_url_template"])' >>"$WORK/templates"
  id=$(echo "$asset" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
  etag=$(curl -sfI "$BASE/admin/v1/articles/$article" -H "Authorization: Bearer $KEY" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
  curl -sf -o /dev/null -X PATCH "$BASE/admin/v1/articles/$article" -H "Authorization: Bearer $KEY" \
    -H "If-Match: $etag" -H 'content-type: application/json' -d "{\"hero_image\":{\"asset_id\":\"$id\"}}"
  n=$((n + 1))
done <"$WORK/articles"
upload_s=$(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')")
echo "uploaded $n photographs ($(du -sh "$WORK/photos" | cut -f1)) and linked them in $upload_s s" >&2
slug=$(head -n 1 "$WORK/articles" | cut -d' ' -f2)

# Every standard JPEG rendition (widths × aspects) of the templates on lines FROM..TO.
specs() {
  sed -n "$1,$2p" "$WORK/templates" | python3 -c '
import sys
widths = [320, 480, 640, 960, 1280, 1920]
aspects = ["", "-1x1", "-4x3", "-3x2", "-16x9", "-9x16", "-4x5"]
for template in sys.stdin.read().split():
    for a in aspects:
        for w in widths:
            print(template.replace("{rendition}", f"{w}w{a}.jpg"))'
}
# wrk over a list of URLs, each thread from its own share of it, in order.
cat >"$WORK/list.lua" <<'LUA'
local urls, thread_count, made = {}, 0, 0
setup = function(thread) thread:set("id", thread_count); thread_count = thread_count + 1 end
init = function(args)
  for line in io.lines(args[1]) do urls[#urls + 1] = line end
  local share = math.floor(#urls / tonumber(args[2]))
  made = id * share
end
request = function()
  made = made + 1
  return wrk.format("GET", urls[(made - 1) % #urls + 1])
end
LUA
summarize() {
  python3 -c '
import re, sys
text = sys.stdin.read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.1f} {p50:.2f} {p99:.2f} {errors.group(1) if errors else 0}")'
}
row() { echo "| $BACKEND | $1 | $2 | $3 | $4 | $5 | $(peak) |"; }

echo "| backend | scenario | req/s | p50 ms | p99 ms | non-2xx | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"

# 1. One at a time: the first request of each of the first photograph's 42 renditions.
specs 1 1 >"$WORK/first"
while read -r url; do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url"
done <"$WORK/first" >"$WORK/first-times"
python3 - "$WORK/first-times" <<'PY' | while read -r rps p50 p99 errors; do row "rendition, cold, one at a time" "$rps" "$p50" "$p99" "$errors"; done
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
times = sorted(float(t) * 1000 for _, t in rows)
errors = sum(1 for code, _ in rows if code != "200")
p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
print(f"{len(times) / (sum(times) / 1000):.1f} {statistics.median(times):.2f} {p99:.2f} {errors}")
PY

# 2. Warm: the same 42, now in the media store, over 32 connections.
read -r rps p50 p99 errors < <(wrk -t2 -c32 -d"${DURATION}s" --latency -s "$WORK/list.lua" "$BASE" -- "$WORK/first" 2 | summarize)
row "renditions, warm (32 connections)" "$rps" "$p50" "$p99" "$errors"

# 3. Cold under load: renditions never asked for, over 8 connections.
half=$(( (ASSETS - 1) / 2 ))
specs 2 $((1 + half)) >"$WORK/cold"
read -r rps p50 p99 errors < <(wrk -t2 -c8 -d"${DURATION}s" --latency --timeout 10s -s "$WORK/list.lua" "$BASE" -- "$WORK/cold" 2 | summarize)
row "renditions, cold (8 connections; $(wc -l <"$WORK/cold") URLs)" "$rps" "$p50" "$p99" "$errors"

# 4. Article reads alone, then while cold renditions are being made.
article="$BASE/v1/articles/$slug?include=authors,tags,section"
read -r rps p50 p99 errors < <(wrk -t1 -c16 -d"${DURATION}s" --latency "$article" | summarize)
row "article by slug, alone (16 connections)" "$rps" "$p50" "$p99" "$errors"
specs $((2 + half)) "$ASSETS" >"$WORK/cold2"
wrk -t1 -c8 -d"${DURATION}s" --latency --timeout 10s -s "$WORK/list.lua" "$BASE" -- "$WORK/cold2" 1 >"$WORK/during.txt" 2>&1 &
during=$!
read -r rps p50 p99 errors < <(wrk -t1 -c16 -d"${DURATION}s" --latency "$article" | summarize)
wait "$during" || true
row "article by slug during cold renditions" "$rps" "$p50" "$p99" "$errors"
read -r rps p50 p99 errors < <(summarize <"$WORK/during.txt")
row "renditions, cold, beside those reads (8 connections)" "$rps" "$p50" "$p99" "$errors"
echo >&2
echo "media store: $(du -sh "$WORK/media" | cut -f1), $(find "$WORK/media" -path '*renditions*' -type f | wc -l) renditions" >&2
