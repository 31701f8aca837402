#!/usr/bin/env bash
# Byline's load benchmark: generates datasets with `byline seed --synthetic`, starts a release
# build on each backend and drives it with wrk over loopback. Prints a Markdown table: one row
# per scenario with requests/s, its share of the floor (/healthz in the same server run), p50
# and p99 latency, non-2xx answers, the server's peak RSS (VmHWM), RSS (VmRSS) and anonymous
# RSS (RssAnon) when the row ends, then a row "after the runs" per server (11 s after the
# load, once idle blocking threads have exited); and a table of seed times.
#
#   bench/run.sh                                           # 10 000 articles, SQLite and PostgreSQL
#   SIZES="10000 100000 1000000" bench/run.sh              # every scale of issue 14
#   SIZES=10000 BACKENDS=sqlite DURATION=5 bench/run.sh    # a quicker run
#
# Settings (environment):
#   SIZES        dataset sizes in articles (default 10000)
#   BACKENDS     sqlite and/or postgres (default both)
#   DURATION     seconds per scenario (default 10)
#   CONNECTIONS  wrk connections (default 32); THREADS wrk threads (default 2)
#   CACHES       the --response-cache-mb values to run each dataset with (default "0 64":
#                uncached, then cached)
#   SEARCH       1 (default) adds the search scenarios after the reads; 0 leaves them out
#   POOL_SIZE    --pool-size for the server (default: the server's own default)
#   SERVER_ARGS  more `byline serve` flags, e.g. "--sqlite-cache-kib 4096"
#   PG_URL       PostgreSQL server without database (default postgres://postgres@127.0.0.1:5432)
#   PORT         (default 18080)
#   BYLINE_BIN   a prebuilt binary to measure instead of building one
#   RATE_LIMIT   requests per minute from wrk's one address (default 1 000 000 000: the
#                limiter runs and its cost is measured, but no scenario reaches it; 0 turns it
#                off)
#   KEEP_DATA    1 keeps the generated databases (SQLite files under BENCH_DATA, default a
#                temporary folder; PostgreSQL databases byline_bench_N) for another run, which
#                then skips seeding when the database is there
# The server reads its own settings from the environment too, e.g. BYLINE_SEARCH_CONCURRENCY.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-10000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
CACHES=${CACHES:-"0 64"}
SEARCH=${SEARCH:-1}
POOL_SIZE=${POOL_SIZE:-}
SERVER_ARGS=${SERVER_ARGS:-}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18080}
RATE_LIMIT=${RATE_LIMIT:-1000000000}
KEEP_DATA=${KEEP_DATA:-0}
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
DATA=${BENCH_DATA:-$WORK}
mkdir -p "$DATA"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# "VmHWM VmRSS RssAnon" of the server in MiB (RSS less RssAnon is file-backed: the binary
# and SQLite's memory map, pages the kernel may drop and shares between processes).
memory() { awk '/^VmHWM/ {h=$2} /^VmRSS/ {r=$2} /^RssAnon/ {a=$2} END {printf "%.0f %.0f %.0f\n", h/1024, r/1024, a/1024}' "/proc/$SERVER_PID/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$SERVER_PID/status"; }
# One SQL statement's first row, on the dataset's database.
sql() {
  case "$backend" in
    sqlite) sqlite3 -readonly -separator ' ' "$URL" "$1" ;;
    postgres) psql -qtAX -F ' ' "$URL" -c "$1" ;;
  esac
}

# wrk output → "req/s p50_ms p99_ms non2xx"
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

GRAPHQL_QUERY='{ articles(first: 20) { edges { node { id slug title standfirst publishedAt section { slug name } authors { slug name } tags { slug name kind } } } pageInfo { hasNextPage endCursor } } }'
python3 - "$GRAPHQL_QUERY" >"$WORK/graphql.lua" <<'PY'
import json, sys
body = json.dumps({"query": sys.argv[1]})
print('wrk.method = "POST"')
print('wrk.headers["Content-Type"] = "application/json"')
print("wrk.body = " + json.dumps(body))
PY
graphql_get="$BASE/graphql?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$GRAPHQL_QUERY")"
# Cards: what a list page shows, without the bodies.
cards="fields=id,slug,title,standfirst,published_at,section,authors,tags,hero_image&include=authors,tags,section"
include="include=authors,tags,section"

# The deep page's cursor: the article a tenth of the way into the newest-first order. Up to
# 100 000 articles it is found by walking pages of ids; beyond, from the row itself (a cursor
# is base64url of {"s": sort, "k": time, "i": id}, see src/domain/page.rs), which takes one
# query instead of a thousand pages.
deep_cursor() {
  local depth=$((size / 10)) cursor=""
  if [ "$size" -le 100000 ]; then
    for _ in $(seq 1 $((depth / 100))); do
      cursor=$(curl -sf "$BASE/v1/articles?limit=100&fields=id${cursor:+&cursor=$cursor}" | json 'd["meta"]["next_cursor"]')
    done
    echo "$cursor"
    return
  fi
  sql "SELECT id, published_at FROM articles WHERE status = 'published' AND published_at IS NOT NULL
       ORDER BY published_at DESC, id DESC LIMIT 1 OFFSET $depth" | python3 -c '
import base64, datetime, json, sys
article_id, stamp = sys.stdin.read().split(" ", 1)
time = datetime.datetime.fromisoformat(stamp.strip()).strftime("%Y-%m-%dT%H:%M:%S.%f")
raw = json.dumps({"s": "-published_at", "k": time, "i": article_id}, separators=(",", ":"))
print(base64.urlsafe_b64encode(raw.encode()).decode().rstrip("="))'
}

start_server() {
  local cache=$1
  # shellcheck disable=SC2086 # SERVER_ARGS is a list of flags
  RUST_LOG=warn "$BIN" serve --database-url "$URL" --bind "127.0.0.1:$PORT" \
    ${POOL_SIZE:+--pool-size "$POOL_SIZE"} --rate-limit-anonymous "$RATE_LIMIT" \
    --response-cache-mb "$cache" $SERVER_ARGS >/dev/null &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && return; sleep 0.1; done
  echo "the server did not become ready" >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

row() { # name rps p50 p99 errors
  local share="" peak rss anon
  read -r peak rss anon < <(memory)
  [ -n "$floor" ] && [ "$floor" -gt 0 ] && share=$(python3 -c "print(f'{100 * $2 / $floor:.1f} %')")
  echo "| $backend | $size | $cache | $1 | $2 | $share | $3 | $4 | $5 | $peak | $rss | $anon |"
}

seeds=()
echo "| backend | articles | cache MB | scenario | req/s | of floor | p50 ms | p99 ms | non-2xx | peak RSS MB | RSS MB | anon MB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
  for size in $SIZES; do
    fresh=1
    case "$backend" in
      sqlite)
        URL="$DATA/bench-$size.db"
        if [ "$KEEP_DATA" = 1 ] && [ -f "$URL" ]; then fresh=0; else rm -f "$URL" "$URL-wal" "$URL-shm"; fi ;;
      postgres)
        db="byline_bench_$size"
        URL="$PG_URL/$db"
        if [ "$KEEP_DATA" = 1 ] && psql -qtAX "$PG_URL/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
          fresh=0
        else
          psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
        fi ;;
      *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac
    if [ "$fresh" = 1 ]; then
      started=$(date +%s.%N)
      seed_out=$(RUST_LOG=warn "$BIN" seed --synthetic "$size" --database-url "$URL")
      took=$(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')")
      case "$backend" in
        sqlite) bytes=$(stat -c %s "$URL") ;;
        postgres) bytes=$(psql -qtAX "$URL" -c "SELECT pg_database_size(current_database())") ;;
      esac
      seeds+=("| $backend | $size | $took | $((bytes / 1024 / 1024)) |")
      echo "seed: $backend $size in $took s: $seed_out" >&2
    fi

    fixtures=""
    for cache in $CACHES; do
      start_server "$cache"
      if [ -z "$fixtures" ]; then
        slug=$(curl -sf "$BASE/v1/articles?limit=1&fields=slug" | json 'd["data"][0]["slug"]')
        # A rare word: the number a visible article's title and slug end in (its index in the
        # synthetic run). Tag names hold numbers too ("Agency K" up to a fifth of the tag
        # count, "Summit 2000" to 2029), so take a number above and outside those: it is then
        # in that one article only.
        rare=$(curl -sf "$BASE/v1/articles?limit=100&fields=slug" | python3 -c '
import json, sys
agencies = min(max(int(sys.argv[1]) // 40, 40), 20000) // 5
numbers = [int(a["slug"].rsplit("-", 1)[1]) for a in json.load(sys.stdin)["data"]]
print(next((n for n in numbers if n > agencies and not 2000 <= n <= 2029), numbers[0]))' "$size")
        # The hot tag: the one on most articles.
        tag=$(sql "SELECT t.slug FROM tags t JOIN article_tags x ON x.tag_id = t.id
                   GROUP BY t.id, t.slug ORDER BY count(*) DESC LIMIT 1")
        started=$(date +%s.%N)
        cursor=$(deep_cursor)
        echo "fixtures: slug $slug, rare word $rare, hot tag $tag, deep cursor in $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s" >&2
        fixtures=1
      fi

      scenarios=(
        "floor: /healthz|$BASE/healthz"
        "article by slug|$BASE/v1/articles/$slug?$include"
        "20 newest, cards|$BASE/v1/articles?limit=20&$cards"
        "20 newest by hot tag, cards|$BASE/v1/articles?tag=$tag&limit=20&$cards"
        "deep page by cursor, cards|$BASE/v1/articles?limit=20&$cards&cursor=$cursor"
        "GraphQL 20 newest (POST)|$BASE/graphql"
        "GraphQL 20 newest (GET)|$graphql_get"
        "20 newest, full bodies|$BASE/v1/articles?limit=20&$include"
      )
      if [ "$SEARCH" = 1 ]; then
        scenarios+=(
          "search a common word|$BASE/v1/search?q=budget&limit=20"
          "search a rare word|$BASE/v1/search?q=$rare&limit=20"
        )
      fi
      floor=""
      for scenario in "${scenarios[@]}"; do
        name=${scenario%%|*}
        url=${scenario#*|}
        script=()
        [ "$name" = "GraphQL 20 newest (POST)" ] && script=(-s "$WORK/graphql.lua")
        if [ -z "${script[*]}" ] && ! curl -sf -o /dev/null "$url"; then
          echo "scenario \"$name\" does not answer 2xx: $url" >&2
          exit 1
        fi
        wrk -t1 -c4 -d1s "${script[@]}" "$url" >/dev/null 2>&1 || true   # warm-up
        read -r rps p50 p99 errors < <(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${script[@]}" "$url" | summarize)
        [ -z "$floor" ] && floor=$rps
        row "$name" "$rps" "$p50" "$p99" "$errors"
      done
      if [ "$SEARCH" = 1 ]; then
        # Search latency without queueing: one connection, one search at a time.
        for scenario in "search a common word, one at a time|$BASE/v1/search?q=budget&limit=20" \
                        "search a rare word, one at a time|$BASE/v1/search?q=$rare&limit=20"; do
          read -r rps p50 p99 errors < <(wrk -t1 -c1 -d"${DURATION}s" --latency "${scenario#*|}" | summarize)
          row "${scenario%%|*}" "$rps" "$p50" "$p99" "$errors"
        done
        # Other reads while common-word searches saturate the search cap: half the
        # connections search, half read one article, at the same time. The search row's
        # non-2xx are the 503s of searches refused by the cap.
        half=$(( CONNECTIONS / 2 > 0 ? CONNECTIONS / 2 : 1 ))
        wrk -t1 -c"$half" -d"${DURATION}s" --latency "$BASE/v1/search?q=budget&limit=20" >"$WORK/mixed-search.txt" 2>&1 &
        mixed_pid=$!
        read -r rps p50 p99 errors < <(wrk -t1 -c"$half" -d"${DURATION}s" --latency "$BASE/v1/articles/$slug?$include" | summarize)
        wait "$mixed_pid" || true
        row "article by slug during searches" "$rps" "$p50" "$p99" "$errors"
        read -r rps p50 p99 errors < <(summarize <"$WORK/mixed-search.txt")
        row "search a common word during reads" "$rps" "$p50" "$p99" "$errors"
      fi
      # Memory once the load has stopped (idle blocking threads exit after 10 s).
      sleep 11
      echo "threads after the runs: $(threads)" >&2
      floor=""
      row "after the runs" "" "" "" ""
      stop_server
    done
    if [ "$KEEP_DATA" != 1 ]; then
      if [ "$backend" = postgres ]; then
        psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS byline_bench_$size WITH (FORCE)" >/dev/null
      else
        rm -f "$URL" "$URL-wal" "$URL-shm"
      fi
    fi
  done
done

if [ "${#seeds[@]}" -gt 0 ]; then
  echo
  echo "| backend | articles | seed s | database MB |"
  echo "|---|---|---|---|"
  printf '%s\n' "${seeds[@]}"
fi
