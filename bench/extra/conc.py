"""bench/extra/conc.py - a one-process load generator for bench/extra/
queue.sh: N HTTP/1.1 requests opened at once over raw asyncio sockets
(one connection each, Connection: close), every status and latency kept;
prints one JSON line {"n","ok","wall_s","p50_s","p99_s","codes","errors"}.
--probe mode instead sends N requests one after another, GAP ms apart,
after DELAY s (for at most MAX_S s), and prints the same JSON with
p50_ms/p99_ms over every request (a failure counts at the time it took).
Usage: conc.py [--n N] [--body FILE] [-H 'Name: value'] [--timeout S]
               [--probe --gap MS --delay S --max-s S] URL
Not here: keep-alive, TLS, chunked request bodies (not needed)."""
import argparse
import asyncio
import json
import resource
import sys
import time
from urllib.parse import urlsplit


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def build(url, body, headers):
    u = urlsplit(url)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    method = "POST" if body is not None else "GET"
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % u.netloc,
             "Connection: close", "Accept: */*"]
    lines += headers
    if body is not None:
        lines += ["Content-Type: application/json",
                  "Content-Length: %d" % len(body)]
    req = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    return u.hostname, u.port or 80, req


async def one(host, port, req, timeout):
    """(status or 0, seconds, error or None)."""
    t0 = time.monotonic()
    w = None
    try:
        async def go():
            nonlocal w
            r, w = await asyncio.open_connection(host, port)
            w.write(req)
            await w.drain()
            head = await r.readline()
            parts = head.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
                raise ConnectionError("no status line")
            status = int(parts[1])
            while await r.read(65536):      # the rest, until close
                pass
            return status
        status = await asyncio.wait_for(go(), timeout)
        return status, time.monotonic() - t0, None
    except asyncio.TimeoutError:
        return 0, time.monotonic() - t0, "timeout"
    except (OSError, ConnectionError, ValueError) as e:
        return 0, time.monotonic() - t0, type(e).__name__ + ": " + str(e)
    finally:
        if w is not None:
            w.close()


def pct(v, p):
    if not v:
        return None
    v = sorted(v)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


def summary(n, res, wall):
    codes, errors = {}, {}
    for s, _, e in res:
        codes[str(s)] = codes.get(str(s), 0) + 1
        if e:
            k = e.split(":")[0]
            errors[k] = errors.get(k, 0) + 1
    lat = [t for s, t, _ in res if 200 <= s < 300]
    return {"n": n, "ok": sum(1 for s, _, _ in res if s == 200),
            "ok_2xx": len(lat), "wall_s": round(wall, 3),
            "p50_s": round(pct(lat, 50), 4) if lat else None,
            "p99_s": round(pct(lat, 99), 4) if lat else None,
            "codes": codes, "errors": errors}


async def burst(a, host, port, req):
    t0 = time.monotonic()
    res = await asyncio.gather(*[one(host, port, req, a.timeout)
                                 for _ in range(a.n)])
    return summary(a.n, res, time.monotonic() - t0)


async def probe(a, host, port, req):
    """Failed or timed-out requests count at the time they took."""
    await asyncio.sleep(a.delay)
    t0 = time.monotonic()
    res = []
    for _ in range(a.n):
        if a.max_s and time.monotonic() - t0 > a.max_s:
            break
        res.append(await one(host, port, req, a.timeout))
        await asyncio.sleep(a.gap / 1000.0)
    out = summary(len(res), res, time.monotonic() - t0)
    lat = [t * 1000 for _, t, _ in res]
    out["p50_ms"] = round(pct(lat, 50), 2) if lat else None
    out["p99_ms"] = round(pct(lat, 99), 2) if lat else None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--body", help="file with the JSON body (POST)")
    ap.add_argument("-H", dest="headers", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--gap", type=float, default=20.0, help="ms (probe)")
    ap.add_argument("--delay", type=float, default=0.0, help="s (probe)")
    ap.add_argument("--max-s", type=float, default=0.0,
                    help="stop probing after this many s (probe)")
    a = ap.parse_args()
    nofile = raise_nofile()
    if not a.probe and nofile < a.n + 64:
        print("conc.py: RLIMIT_NOFILE %d < n + 64" % nofile, file=sys.stderr)
    body = open(a.body, "rb").read() if a.body else None
    host, port, req = build(a.url, body, a.headers)
    run = probe if a.probe else burst
    out = asyncio.run(run(a, host, port, req))
    out["nofile"] = nofile
    print(json.dumps(out))


if __name__ == "__main__":
    main()
