"""bench/peer/app.py - the peer for make bench: imagegen's /health and
POST /unified/validate-prompt written with FastAPI (run by uvicorn with the
same number of worker processes). It computes the same JSON: the same
length rules and a comparable analysis, nothing less.
Not here: anything the benchmark does not compare."""
import os
import re
import time

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
