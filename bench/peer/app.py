"""bench/peer/app.py - the peer for make bench: imagegen's /health,
POST /unified/validate-prompt and POST /unified/generate (runware_ai only)
written with FastAPI (run by uvicorn). It computes the same JSON: the same
length rules and a comparable analysis, nothing less; a generation is the
same provider call, image download and atomic file write, fully async
(httpx.AsyncClient), so one process holds any number of them at once.
Not here: anything the benchmark does not compare (no job records, no
retry, no fallback)."""
import asyncio
import os
import re
import tempfile
import time
import uuid

import httpx
import psycopg2
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()
STARTED = time.time()
DB_URL = os.environ.get("DATABASE_URL", "postgresql:///imagegen")
_db = {"conn": None, "at": 0.0, "ok": False, "ms": 0.0}


def db_check(cached):
    now = time.monotonic()
    if cached and _db["at"] and now - _db["at"] < 1.0:
        return
    t0 = time.monotonic()
    try:
        if _db["conn"] is None or _db["conn"].closed:
            _db["conn"] = psycopg2.connect(DB_URL, connect_timeout=2)
            _db["conn"].autocommit = True
        with _db["conn"].cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        _db["ok"] = True
    except Exception:
        _db["ok"] = False
        _db["conn"] = None
    _db["ms"] = (time.monotonic() - t0) * 1000.0
    _db["at"] = time.monotonic()


@app.get("/health")
def health(request: Request):
    db_check(request.query_params.get("cached") in ("1", "true", "yes"))
    ok = _db["ok"]
    body = {"status": "ok" if ok else "degraded", "version": "peer",
            "uptime_s": int(time.time() - STARTED),
            "worker_pid": os.getpid(),
            "database": {"ok": ok, "latency_ms": round(_db["ms"], 3)}}
    return JSONResponse(body, status_code=200 if ok else 503)


# --- validate-prompt: the same rules as lib/prompt ---------------------
MAX_CHARS, OPTIMIZE_ABOVE, TARGET = 10000, 3000, 3000
STOP = set("a an the and or of in on at to for with by from is are was were be "
           "this that it its as into over under very".split())
WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
SENT = re.compile(r"[.!?]+")
VOWELS = re.compile(r"[aeiouy]+")


def err(status, code, message):
    return JSONResponse({"error": {"code": code, "message": message}},
                        status_code=status)


def syllables(word):
    n = len(VOWELS.findall(word.lower()))
    if word.lower().endswith("e") and n > 1:
        n -= 1
    return max(n, 1)


def analyze(text):
    words = WORD.findall(text)
    sentences = max(len([s for s in SENT.split(text) if s.strip()]), 1)
    nw = max(len(words), 1)
    syl = sum(syllables(w) for w in words)
    wps = nw / sentences
    flesch = 206.835 - 1.015 * wps - 84.6 * (syl / nw)
    freq = {}
    for w in words:
        lw = w.lower()
        if lw not in STOP and len(lw) > 2:
            freq[lw] = freq.get(lw, 0) + 1
    top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    unique = len(set(w.lower() for w in words)) / nw
    complexity = int(min(100, 40 * min(nw / 150, 1) + 30 * unique
                         + 30 * min(wps / 30, 1)))
    return {"characters": len(text), "words": len(words),
            "sentences": sentences, "avg_words_per_sentence": round(wps, 2),
            "flesch_reading_ease": round(flesch, 2),
            "complexity": complexity,
            "keywords": [{"word": w, "count": c} for w, c in top]}


@app.post("/unified/validate-prompt")
async def validate(request: Request):
    try:
        body = await request.json()
    except Exception:
        return err(400, "bad_json", "request body is not valid JSON")
    prompt = body.get("prompt") if isinstance(body, dict) else None
    if not isinstance(prompt, str):
        return err(422, "missing_field", "prompt: is required")
    if "\x00" in prompt:
        return err(422, "prompt_invalid_encoding", "prompt contains NUL")
    norm = " ".join(prompt.split())
    if not norm:
        return err(422, "prompt_empty", "prompt is empty")
    n = len(norm)
    if n > MAX_CHARS:
        return err(400, "prompt_too_long",
                   "prompt is %d characters; the limit is %d" % (n, MAX_CHARS))
    rule = "pass" if n <= OPTIMIZE_ABOVE else "optimize"
    return {"valid": True, "rule": rule, "prompt": norm,
            "analysis": analyze(norm),
            "optimization": {"original_length": n, "optimized_length": n,
                             "method": "none", "optimization_time": 0.0}}


# --- generate: one Runware imageInference task, fully async ----------------
RUNWARE_URL = os.environ.get("RUNWARE_BASE_URL", "http://127.0.0.1:18122/v1")
RUNWARE_KEY = os.environ.get("RUNWARE_API_KEY", "sandbox-key")
RUNWARE_MODEL = "runware:101@1"
_dirs = {"images": None}


def images_dir():
    """PEER_STORAGE_DIR/images, or a temporary directory, on first use."""
    if _dirs["images"] is None:
        base = os.environ.get("PEER_STORAGE_DIR") or tempfile.mkdtemp(
            prefix="imagegen-peer-")
        _dirs["images"] = os.path.join(base, "images")
        os.makedirs(_dirs["images"], exist_ok=True)
    return _dirs["images"]


# httpcore's pool (0.16, Debian 12) scans every pooled connection on each
# request, so one client holding 1,000 connections costs O(n^2) CPU (15 ms
# per generation at 1,000 in flight, against 4 ms at 100): the peer spreads
# its connections over PEER_HTTP_CLIENTS clients (round robin), which
# brings 1,000 in flight to near the sandbox's own floor. 1 = one client.
HTTP_CLIENTS = max(1, int(os.environ.get("PEER_HTTP_CLIENTS", "32")))
_http = {"clients": [], "next": 0}


def http():
    """A client (created on first use) with no connection cap."""
    if not _http["clients"]:
        _http["clients"] = [httpx.AsyncClient(
            timeout=httpx.Timeout(60.0),
            limits=httpx.Limits(max_connections=None,
                                max_keepalive_connections=4096))
            for _ in range(HTTP_CLIENTS)]
    _http["next"] = (_http["next"] + 1) % HTTP_CLIENTS
    return _http["clients"][_http["next"]]


@app.on_event("shutdown")
async def close_http():
    for c in _http["clients"]:
        await c.aclose()


def store(data, ext):
    """Atomic durable write: name.tmp, fsync, rename."""
    name = "%s.%s" % (uuid.uuid4(), ext)
    path = os.path.join(images_dir(), name)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(path + ".tmp", path)
    return name


@app.post("/unified/generate")
async def generate(request: Request):
    try:
        body = await request.json()
    except Exception:
        return err(400, "bad_json", "request body is not valid JSON")
    if not isinstance(body, dict):
        return err(400, "bad_json", "request body must be a JSON object")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return err(422, "missing_field", "prompt: is required")
    prompt = " ".join(prompt.split())
    if len(prompt) > 3000:
        return err(400, "prompt_too_long", "prompt is %d characters; the "
                   "limit is 3000" % len(prompt))
    if body.get("provider", "runware_ai") != "runware_ai":
        return err(422, "provider_unknown", "only runware_ai here")
    task_id = str(uuid.uuid4())
    task = [{"taskType": "imageInference", "taskUUID": task_id,
             "positivePrompt": prompt, "model": RUNWARE_MODEL,
             "width": 1024, "height": 1024, "numberResults": 1,
             "outputType": "URL", "outputFormat": "PNG"}]
    client = http()
    try:
        r = await client.post(RUNWARE_URL, json=task, headers={
            "Authorization": "Bearer " + RUNWARE_KEY})
        if r.status_code != 200:
            return err(502, "provider_error", "Runware answered %d"
                       % r.status_code)
        urls = [d.get("imageURL") for d in r.json().get("data", [])
                if isinstance(d, dict) and d.get("taskUUID") == task_id]
        if not urls or not isinstance(urls[0], str):
            return err(502, "no_image", "Runware returned no image")
        img = await client.get(urls[0])
    except (httpx.HTTPError, ValueError) as e:
        return err(502, "provider_error", "Runware call failed: %s" % e)
    data = img.content
    if img.status_code != 200 or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return err(502, "bad_image", "the image is not a PNG")
    name = await asyncio.to_thread(store, data, "png")
    return {"status": "completed",
            "images": [{"url": "/storage/images/" + name,
                        "bytes": len(data)}]}
