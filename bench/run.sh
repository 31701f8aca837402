#!/usr/bin/env bash
# Byline's load benchmark: generates datasets with `byline seed --synthetic`, starts a release
# build on each backend and drives it with wrk over loopback. Prints one Markdown table row per
# scenario: requests/s, p50 and p99 latency, and the server's peak RSS.
#
#   bench/run.sh                                  # 10 000 and 100 000 articles, SQLite and PostgreSQL
#   SIZES=10000 BACKENDS=sqlite bench/run.sh      # a quicker run
#
# Settings (environment): SIZES, BACKENDS, DURATION (s per scenario, default 10),
# CONNECTIONS (default 32), THREADS (wrk threads, default 2), PG_URL (server without database,
# default postgres://postgres@127.0.0.1:5432), PORT (default 18080), BYLINE_BIN (a prebuilt
# binary to measure instead of building one), RATE_LIMIT (requests per minute from wrk's one
# address, default 1 000 000 000: the limiter runs and its cost is measured, but no scenario
# reaches it; 0 turns it off), CACHES (the --response-cache-mb values to run each dataset
# with, default "0 64": uncached, then cached). The server reads its own settings from the
# environment too, e.g. BYLINE_SEARCH_CONCURRENCY, BYLINE_SEARCH_WAIT_MS.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18080}
RATE_LIMIT=${RATE_LIMIT:-1000000000}
CACHES=${CACHES:-"0 64"}
BASE="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi

# BYLINE_BIN skips the build, to measure a binary built earlier.
if [ -z "${BYLINE_BIN:-}" ]; then
  cargo build --release --quiet
fi
# Cargo builds into CARGO_TARGET_DIR when it is set.
BIN="${BYLINE_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/byline}"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# wrk output → "req/s p50_ms p99_ms"
summarize() {
  python3 -c '
import re, sys
text = sys.stdin.read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{float(rps):.0f} {p50:.2f} {p99:.2f} {errors.group(1) if errors else 0}")
'
}

cat > "$WORK/graphql.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"{ articles(first: 20) { edges { node { id slug title standfirst publishedAt section { slug name } authors { slug name } tags { slug name kind } } } pageInfo { hasNextPage endCursor } } }"}'
LUA

graphql_get="$BASE/graphql?query=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("{ articles(first: 20) { edges { node { id slug title standfirst publishedAt section { slug name } authors { slug name } tags { slug name kind } } } pageInfo { hasNextPage endCursor } } }"))')"

echo "| backend | articles | cache MB | scenario | req/s | p50 ms | p99 ms | non-2xx | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
  for size in $SIZES; do
    case "$backend" in
      sqlite) URL="$WORK/bench-$size.db" ;;
      postgres)
        db="byline_bench_$size"
        psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
        URL="$PG_URL/$db" ;;
      *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac
    seed_out=$(RUST_LOG=warn "$BIN" seed --synthetic "$size" --database-url "$URL")
    echo "seed: $backend $size: $seed_out" >&2
    for cache in $CACHES; do
      RUST_LOG=warn "$BIN" serve --database-url "$URL" --bind "127.0.0.1:$PORT" --pool-size 16 \
        --rate-limit-anonymous "$RATE_LIMIT" --response-cache-mb "$cache" >/dev/null &
      SERVER_PID=$!
      for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

      slug=$(curl -sf "$BASE/v1/articles?limit=1&fields=slug" | json 'd["data"][0]["slug"]')
      # A rare word: the number a visible article's title and slug end in (its index in the
      # synthetic run). Tag names hold numbers too ("Agency K" up to a fifth of the tag count,
      # "Summit 2000" to 2029), so take a number above and outside those: it is then in that
      # one article only.
      rare=$(curl -sf "$BASE/v1/articles?limit=100&fields=slug" | python3 -c '
import json, sys
agencies = min(max(int(sys.argv[1]) // 40, 40), 20000) // 5
numbers = [int(a["slug"].rsplit("-", 1)[1]) for a in json.load(sys.stdin)["data"]]
print(next((n for n in numbers if n > agencies and not 2000 <= n <= 2029), numbers[0]))' "$size")
      tag=$(curl -sf "$BASE/v1/tags?kind=topic&limit=1" | json 'd["data"][0]["slug"]')
      # A deep page: a tenth of the way through the dataset, reached by walking cursors.
      cursor=""
      for _ in $(seq 1 $((size / 1000))); do
        cursor=$(curl -sf "$BASE/v1/articles?limit=100&fields=id${cursor:+&cursor=$cursor}" | json 'd["meta"]["next_cursor"]')
      done
      include="include=authors,tags,section"
      scenarios=(
        "floor: /healthz|$BASE/healthz"
        "article by slug|$BASE/v1/articles/$slug?$include"
        "20 newest|$BASE/v1/articles?limit=20&$include"
        "20 newest by tag|$BASE/v1/articles?tag=$tag&limit=20&$include"
        "deep page by cursor|$BASE/v1/articles?limit=20&$include&cursor=$cursor"
        "GraphQL 20 newest|$BASE/graphql"
        "GraphQL 20 newest (GET)|$graphql_get"
        "search a common word|$BASE/v1/search?q=budget&limit=20"
        "search a rare word|$BASE/v1/search?q=$rare&limit=20"
      )
      for scenario in "${scenarios[@]}"; do
        name=${scenario%%|*}
        url=${scenario#*|}
        script=()
        [ "$name" = "GraphQL 20 newest" ] && script=(-s "$WORK/graphql.lua")
        wrk -t1 -c4 -d1s "${script[@]}" "$url" >/dev/null 2>&1 || true   # warm-up
        read -r rps p50 p99 errors < <(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${script[@]}" "$url" | summarize)
        rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status")
        echo "| $backend | $size | $cache | $name | $rps | $p50 | $p99 | $errors | $rss |"
      done
      # Search latency without queueing: one connection, one search at a time.
      for scenario in "search a common word, one at a time|$BASE/v1/search?q=budget&limit=20" \
                      "search a rare word, one at a time|$BASE/v1/search?q=$rare&limit=20"; do
        read -r rps p50 p99 errors < <(wrk -t1 -c1 -d"${DURATION}s" --latency "${scenario#*|}" | summarize)
        rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status")
        echo "| $backend | $size | $cache | ${scenario%%|*} | $rps | $p50 | $p99 | $errors | $rss |"
      done
      # Other reads while common-word searches saturate the search cap: half the connections
      # search, half read one article, at the same time. Both rows are printed; the search
      # row's non-2xx are the 503s of searches refused by the cap.
      half=$(( CONNECTIONS / 2 > 0 ? CONNECTIONS / 2 : 1 ))
      wrk -t1 -c"$half" -d"${DURATION}s" --latency "$BASE/v1/search?q=budget&limit=20" >"$WORK/mixed-search.txt" 2>&1 &
      mixed_pid=$!
      read -r rps p50 p99 errors < <(wrk -t1 -c"$half" -d"${DURATION}s" --latency "$BASE/v1/articles/$slug?$include" | summarize)
      wait "$mixed_pid" || true
      rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status")
      echo "| $backend | $size | $cache | article by slug during searches | $rps | $p50 | $p99 | $errors | $rss |"
      read -r rps p50 p99 errors < <(summarize <"$WORK/mixed-search.txt")
      echo "| $backend | $size | $cache | search a common word during reads | $rps | $p50 | $p99 | $errors | $rss |"

      kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    done
    if [ "$backend" = postgres ]; then
      psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS byline_bench_$size WITH (FORCE)" >/dev/null
    else
      rm -f "$URL" "$URL-wal" "$URL-shm"
    fi
  done
done
