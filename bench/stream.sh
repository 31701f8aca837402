#!/usr/bin/env bash
# Byline's realtime stream benchmark (issue 17): what idle subscribers of GET /v1/stream cost
# the server in memory, and how long a publish takes to reach them. It seeds a small synthetic
# dataset, starts a release build, opens SUBSCRIBERS idle streams from one asyncio process and
# reads the server's RSS before and after, then publishes PUBLISHES articles through the admin
# API while LATENCY_AT streams are open and times each from the publish's answer to its event
# at every subscriber. Prints a Markdown table.
#
#   bench/stream.sh                       # SQLite
#   BACKEND=postgres bench/stream.sh
#
# Settings (environment):
#   BACKEND       sqlite (default) or postgres
#   SUBSCRIBERS   idle streams for the memory figure (default 2000)
#   LATENCY_AT    subscriber counts for the latency figures (default "100 1000")
#   PUBLISHES     articles published per latency run (default 20)
#   PG_URL, PORT, BYLINE_BIN as in bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${BACKEND:-sqlite}
SUBSCRIBERS=${SUBSCRIBERS:-2000}
LATENCY_AT=${LATENCY_AT:-100 1000}
PUBLISHES=${PUBLISHES:-20}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18091}
BASE="http://127.0.0.1:$PORT"

if [ -z "${BYLINE_BIN:-}" ]; then
  cargo build --release --quiet
fi
BIN="${BYLINE_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/byline}"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; } || true
  [ "$BACKEND" = postgres ] && psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS byline_bench_stream WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

case "$BACKEND" in
  sqlite) URL="$WORK/bench.db" ;;
  postgres)
    URL="$PG_URL/byline_bench_stream"
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS byline_bench_stream WITH (FORCE)" -c "CREATE DATABASE byline_bench_stream" >/dev/null ;;
  *) echo "unknown backend $BACKEND" >&2; exit 2 ;;
esac
RUST_LOG=warn "$BIN" seed --synthetic 1000 --database-url "$URL" --media-dir "$WORK/media" >/dev/null
KEY=$("$BIN" keys create --role editor --name bench --database-url "$URL" | grep -o 'byl_[A-Za-z0-9_-]*' | head -n 1)

# One process holds every stream: raise its open-file limit, and the server's.
ulimit -n "$(ulimit -Hn)"
RUST_LOG=warn "$BIN" serve --database-url "$URL" --bind "127.0.0.1:$PORT" \
  --media-dir "$WORK/media" --rate-limit-anonymous 0 --rate-limit-admin 0 >/dev/null &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

python3 - "$BASE" "$KEY" "$SERVER_PID" "$SUBSCRIBERS" "$LATENCY_AT" "$PUBLISHES" "$BACKEND" <<'PY'
import asyncio, json, statistics, sys, time, urllib.request

base, key, pid, idle, latency_at, publishes, backend = sys.argv[1:]
idle, publishes = int(idle), int(publishes)
host, port = base.removeprefix("http://").split(":")

def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS"))

async def subscribe(received, ready):
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET /v1/stream HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    ready.release()
    buffer = b""
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.monotonic()
            buffer += chunk
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                for line in frame.split(b"\n"):
                    if line.startswith(b"data: "):
                        data = json.loads(line[6:])
                        if data.get("type") == "article.published":
                            received.setdefault(data["article"]["slug"], []).append(now)
    finally:
        writer.close()

async def open_streams(count, received):
    ready = asyncio.Semaphore(0)
    tasks = [asyncio.create_task(subscribe(received, ready)) for _ in range(count)]
    for _ in range(count):
        await ready.acquire()
    return tasks

def publish(slug):
    body = json.dumps({"slug": slug, "title": slug, "body": "Bench.", "status": "published"}).encode()
    request = urllib.request.Request(f"{base}/admin/v1/articles", data=body, method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
    return time.monotonic()

async def main():
    rows = []
    before = rss_kib()
    tasks = await open_streams(idle, {})
    await asyncio.sleep(2)
    after = rss_kib()
    rows.append(f"| {idle} idle streams | RSS {before / 1024:.1f} → {after / 1024:.1f} MiB | "
                f"{(after - before) / idle:.1f} KiB a stream |")
    for task in tasks:
        task.cancel()
    await asyncio.sleep(2)
    for count in (int(c) for c in latency_at.split()):
        received = {}
        tasks = await open_streams(count, received)
        await asyncio.sleep(1)
        delays = []
        for n in range(publishes):
            slug = f"bench-{count}-{n}"
            sent = await asyncio.to_thread(publish, slug)
            deadline = time.monotonic() + 5
            while len(received.get(slug, [])) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            arrivals = received.get(slug, [])
            delays += [(t - sent) * 1000 for t in arrivals]
            if len(arrivals) < count:
                rows.append(f"| {slug} | {len(arrivals)} of {count} subscribers got it within 5 s | |")
            await asyncio.sleep(0.2)
        q = statistics.quantiles(delays, n=100)
        rows.append(f"| publish → event, {count} streams, {publishes} publishes | p50 {q[49]:.0f} ms | "
                    f"p99 {q[98]:.0f} ms |")
        for task in tasks:
            task.cancel()
        await asyncio.sleep(2)
    print(f"\n**{backend}**\n\n| what | figure | |\n|---|---|---|")
    print("\n".join(rows))

asyncio.run(main())
PY
