// app/studio/api.js - the studio's calls to the imagegen API (same origin):
// the client key from localStorage as a Bearer token when one is set,
// JSON in and out, the {"error":{"code","message"}} shape turned into an
// ApiError, and polling of queued work until it ends.
// Not here: anything on the page (studio.js), charts (charts.js).

const KEY_NAME = "imagegen.key";

export class ApiError extends Error {
	constructor(status, code, message, body) {
		super(message);
		this.status = status;
		this.code = code;
		this.body = body;
	}
}

export function keyGet() {
	try {
		return localStorage.getItem(KEY_NAME) || "";
	} catch {
		return "";
	}
}

export function keySet(key) {
	if (key)
		localStorage.setItem(KEY_NAME, key);
	else
		localStorage.removeItem(KEY_NAME);
}

// One call: resolves {status, body, headers}; rejects with ApiError for
// an error status, or with the fetch error when nothing answered.
export async function call(method, path, { body, prefer, signal } = {}) {
	const headers = { Accept: "application/json" };
	const key = keyGet();

	if (key)
		headers.Authorization = `Bearer ${key}`;
	if (body !== undefined)
		headers["Content-Type"] = "application/json";
	if (prefer)
		headers.Prefer = prefer;
	const res = await fetch(path, { method, headers, signal,
	    body: body === undefined ? undefined : JSON.stringify(body),
	    credentials: "omit", cache: "no-store" });
	let parsed = null;
	try {
		parsed = await res.json();
	} catch {
		parsed = null;
	}
	if (!res.ok) {
		const err = parsed && parsed.error ? parsed.error : {};
		throw new ApiError(res.status, err.code || `http_${res.status}`,
		    err.message || res.statusText || "request failed", parsed);
	}
	return { status: res.status, body: parsed, headers: res.headers };
}

export function query(params) {
	const q = new URLSearchParams();

	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== "")
			q.set(k, String(v));
	const s = q.toString();
	return s ? `?${s}` : "";
}

function sleep(ms, signal) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(resolve, ms);
		signal?.addEventListener("abort", () => {
			clearTimeout(t);
			reject(signal.reason ?? new DOMException("aborted",
			    "AbortError"));
		}, { once: true });
	});
}

// GETs path every intervalMs until done(body) is true; onUpdate(body)
// after each answer. Resolves the last body.
export async function poll(path, done, { onUpdate, signal,
    intervalMs = 400 } = {}) {
	for (;;) {
		const { body } = await call("GET", path, { signal });
		onUpdate?.(body);
		if (done(body))
			return body;
		await sleep(intervalMs, signal);
	}
}

export const FINAL_JOB = new Set(["completed", "failed", "cancelled"]);
