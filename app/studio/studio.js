// app/studio/studio.js - the studio's entry: the API key field, the
// providers, the prompt's analysis and optimized version as one types
// (POST /unified/validate-prompt, debounced; the Ollama part queued and
// polled), and generation with its progress (POST /unified/generate with
// Prefer: respond-async, then GET /unified/jobs/{id} until it ends).
// Not here: the gallery (gallery.js), the dashboard (dashboard.js).

import { call, poll, keyGet, keySet, FINAL_JOB } from "./api.js";
import { $, h, replace, dl, fmtNum, errText } from "./dom.js";
import { galleryInit, galleryLoad, imageCard } from "./gallery.js";
import { dashboardInit, statsLoad } from "./dashboard.js";

const DEBOUNCE_MS = 350;
let validateCtl = null, validateTimer = 0;
let genCtl = null, genJob = null;

/* --- key and providers --- */

async function providersLoad() {
	const sel = $("provider"), filt = $("f-provider");
	const keep = sel.value, keepF = filt.value;

	try {
		const { body } = await call("GET", "/unified/providers");
		const ps = body.providers || [];
		replace(sel, h("option", { value: "auto" }, "auto (best available)"),
		    ps.map((p) => h("option", { value: p.name,
			disabled: !p.configured }, `${p.label || p.name}` +
			(p.configured ? (p.endpoint === "sandbox" ? " (sandbox)" : "")
			: " (not configured)"))));
		replace(filt, h("option", { value: "" }, "any"),
		    ps.map((p) => h("option", { value: p.name }, p.label || p.name)));
		sel.value = [...sel.options].some((o) => o.value === keep &&
		    !o.disabled) ? keep : "auto";
		filt.value = keepF;
		$("key-status").textContent = keyGet() ? "Key saved in this browser." :
		    "No key needed here (AUTH=off).";
	} catch (e) {
		$("key-status").textContent = e.status === 401 ? (keyGet() ?
		    `This key is refused: ${e.message} (${e.code}).` :
		    "This service needs an API key: enter one above.") : errText(e);
	}
}

function refreshAll() {
	providersLoad();
	galleryLoad(true);
	statsLoad();
}

function keyInit() {
	$("api-key").value = keyGet();
	$("key-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		keySet($("api-key").value.trim());
		refreshAll();
	});
	$("key-forget").addEventListener("click", () => {
		keySet("");
		$("api-key").value = "";
		refreshAll();
	});
}

/* --- prompt: length, analysis, optimized version --- */

// Characters as the service counts them: code points after whitespace
// runs become one space and the ends are trimmed.
function promptChars(s) {
	return [...s.replace(/\s+/g, " ").trim()].length;
}

// One short sentence for screen readers (the panels are not live: they
// would be read in full at every pause).
function announce(text) {
	$("analysis-live").textContent = text;
}

function renderAnalysis(v) {
	const a = v.analysis || {};

	announce(`Rule ${v.rule}: ${v.length} characters, ${a.words} words.`);
	replace($("analysis-body"),
	    dl([["rule", h("span", { class: `badge ${v.rule}` }, v.rule)],
		["length", `${fmtNum(v.length)} of ${fmtNum(v.limits?.max_chars)}` +
		(v.rule === "optimize" ? ` (over ${fmtNum(
		v.limits.optimize_above)}: shortened to under ${fmtNum(
		v.limits.target_chars)})` : "")],
		["words", fmtNum(a.words)], ["sentences", fmtNum(a.sentences)],
		["unique words", fmtNum(a.unique_words)],
		["reading ease", fmtNum(a.flesch_reading_ease)],
		["complexity", fmtNum(a.complexity)],
		["style terms", (a.style_terms || []).join(", ") || "none"]]),
	    a.keywords?.length ? h("p", { class: "keywords" }, "Keywords: ",
		a.keywords.map((k) => h("span", { class: k.style ? "kw style" :
		"kw" }, `${k.word}${k.count > 1 ? ` ×${k.count}` : ""}`))) : null);
}

function renderOptimized(o, note) {
	if (!o) {
		replace($("optimized-body"), h("p", { class: "note" }, note));
		return;
	}
	const saved = o.original_length - o.optimized_length;
	if (o.method !== "none")
		announce(`Optimized by ${o.method}: ${o.original_length} to ` +
		    `${o.optimized_length} characters.`);
	replace($("optimized-body"),
	    dl([["method", o.method], ["length", `${fmtNum(o.original_length)}` +
		` → ${fmtNum(o.optimized_length)}` + (saved > 0 ?
		` (${fmtNum(saved)} saved)` : "")],
		["time", o.optimization_time ? `${o.optimization_time} s` : null],
		["fallback", o.fallback_reason], ["detail", o.fallback_detail],
		["kept", (o.preserved_keywords || []).join(", ") || null]]),
	    h("p", { class: "prompt-text" }, o.prompt ?? ""));
}

// The optimized version of a long prompt: queued for Ollama and polled;
// a failed job falls back to the local compressor.
async function optimizeLong(text, signal) {
	renderOptimized(null, "Optimizing (Ollama, queued)…");
	const r = await call("POST", "/unified/validate-prompt", { signal,
	    body: { prompt: text }, prefer: "respond-async" });
	let v = r.body;
	if (r.status === 202) {
		const pj = await poll(`/unified/validate-prompt/${r.body.id}`,
		    (b) => b.status === "completed" || b.status === "failed",
		    { signal, intervalMs: 500, onUpdate: (b) => renderOptimized(
			null, `Optimizing (Ollama, ${b.status})…`) });
		v = pj.result;
		if (!v)
			v = (await call("POST", "/unified/validate-prompt", { signal,
			    body: { prompt: text, method: "local" } })).body;
	}
	renderOptimized(v.optimized);
}

async function validateNow() {
	const text = $("prompt").value;

	validateCtl?.abort();
	if (!promptChars(text)) {
		replace($("analysis-body"), h("p", { class: "note" },
		    "Type a prompt to see its analysis."));
		renderOptimized(null, "Nothing to optimize yet.");
		return;
	}
	const ctl = validateCtl = new AbortController();
	try {
		const { body } = await call("POST", "/unified/validate-prompt", {
		    body: { prompt: text, optimize: false }, signal: ctl.signal });
		renderAnalysis(body);
		if (body.rule === "optimize")
			await optimizeLong(text, ctl.signal);
		else
			renderOptimized(body.optimized);
	} catch (e) {
		if (e.name === "AbortError")
			return;
		replace($("analysis-body"), h("p", { class: "error" },
		    errText(e)));
		announce(errText(e));
		renderOptimized(null, "No optimized version.");
	}
}

function promptInit() {
	const ta = $("prompt");

	ta.addEventListener("input", () => {
		const n = promptChars(ta.value);
		$("prompt-length").textContent = `${fmtNum(n)} character${n === 1 ?
		    "" : "s"}`;
		clearTimeout(validateTimer);
		validateTimer = setTimeout(validateNow, DEBOUNCE_MS);
	});
	// Ctrl+Enter (or Cmd+Enter) generates from the prompt.
	ta.addEventListener("keydown", (ev) => {
		if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
			ev.preventDefault();
			$("gen-form").requestSubmit();
		}
	});
}

/* --- generation --- */

function progress(state, detail, busy) {
	replace($("progress"),
	    h("p", { class: `state ${state}` }, h("span", { class:
		`badge ${state}` }, state), detail ? ` ${detail}` : ""),
	    busy ? h("progress", { "aria-label": "generation in progress" }) :
	    null);
}

function jobDetail(job, t0) {
	const att = job.metadata?.attempts || [];
	const secs = ((performance.now() - t0) / 1000).toFixed(1);
	const last = att[att.length - 1];

	return [job.provider || job.requested_provider || "auto",
	    att.length ? `${att.length} attempt(s), last ${last.provider}: ` +
	    `${last.outcome}` : null, `${secs} s`].filter(Boolean).join(" · ");
}

function genBody() {
	const f = new FormData($("gen-form"));
	const body = { prompt: f.get("prompt"),
	    num_images: Number(f.get("count")) || 1 };
	const size = f.get("size");

	if (f.get("provider") && f.get("provider") !== "auto")
		body.provider = f.get("provider");
	if (size) {
		const [w, hh] = size.split("x").map(Number);
		body.width = w;
		body.height = hh;
	}
	return body;
}

function showResult(job) {
	const imgs = job.images || [];

	if (job.status === "completed")
		progress("completed", `${imgs.length} image(s) from ${job.provider}` +
		    (job.metadata?.generation_time != null ? ` in ${
		    job.metadata.generation_time} s` : ""), false);
	else
		progress(job.status, job.error ? `${job.error.message} ` +
		    `(${job.error.code})` : "", false);
	replace($("images"), imgs.map((img) => imageCard(img, job.prompt)));
}

async function generate(ev) {
	ev.preventDefault();
	if (genCtl)
		return;
	if (!promptChars($("prompt").value)) {
		progress("error", "Write a prompt first.", false);
		$("prompt").focus();
		return;
	}
	const ctl = genCtl = new AbortController(), t0 = performance.now();
	$("generate").setAttribute("aria-disabled", "true");
	$("cancel").hidden = false;
	replace($("images"));
	progress("submitting", "", true);
	try {
		const { body } = await call("POST", "/unified/generate", {
		    body: genBody(), prefer: "respond-async", signal: ctl.signal });
		genJob = body.generation_id;
		progress(body.status, jobDetail(body, t0), true);
		const job = FINAL_JOB.has(body.status) ? body : await poll(
		    `/unified/jobs/${genJob}`, (j) => FINAL_JOB.has(j.status),
		    { signal: ctl.signal, onUpdate: (j) => progress(j.status,
			jobDetail(j, t0), !FINAL_JOB.has(j.status)) });
		showResult(job);
		galleryLoad(true);
		statsLoad();
	} catch (e) {
		if (e.name !== "AbortError")
			progress("error", errText(e), false);
	} finally {
		genCtl = genJob = null;
		$("generate").removeAttribute("aria-disabled");
		$("cancel").hidden = true;
	}
}

async function cancel() {
	const id = genJob;

	if (!id)
		return;
	try {
		await call("DELETE", `/unified/jobs/${id}`);
	} catch (e) {
		if (e.code !== "cancelled")
			progress("error", errText(e), false);
	}
	$("generate").focus();
}

function init() {
	keyInit();
	promptInit();
	galleryInit();
	dashboardInit();
	$("gen-form").addEventListener("submit", generate);
	$("cancel").addEventListener("click", cancel);
	refreshAll();
}

init();
