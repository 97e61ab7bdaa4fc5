// app/studio/dashboard.js - the dashboard: GET /unified/stats over a
// chosen window, per provider, as a table and charts (success rate,
// p50/p95 generation time, optimization savings). Fields the service
// adds later (requests vs attempts, an optimization object, storage) are
// shown when present: known ones get their chart, any other number gets
// a column or a line, and nothing breaks when they are absent.
// Not here: the chart drawing (charts.js).

import { call, query } from "./api.js";
import { $, h, replace, dl, fmtMs, fmtPct, fmtBytes, fmtNum,
    errText } from "./dom.js";
import { barChart } from "./charts.js";

// Known per-provider columns: field, heading, format. Others follow.
const COLUMNS = [
	["requests", "Requests", fmtNum],
	["attempts", "Attempts", fmtNum],
	["succeeded", "Succeeded", fmtNum],
	["success_rate", "Success rate", fmtPct],
	["fallbacks", "Fallbacks", fmtNum],
	["p50_generation_ms", "p50", fmtMs],
	["p95_generation_ms", "p95", fmtMs],
	["p99_generation_ms", "p99", fmtMs],
	["mean_optimization_ms", "Mean optimization", fmtMs],
	["images", "Images", fmtNum],
	["bytes", "Bytes", fmtBytes],
];

// A row's scalar fields, nested objects one level down as "a.b".
function flatten(row) {
	const out = {};

	for (const [k, v] of Object.entries(row)) {
		if (v && typeof v === "object" && !Array.isArray(v)) {
			for (const [k2, v2] of Object.entries(v))
				if (v2 === null || typeof v2 !== "object")
					out[`${k}.${k2}`] = v2;
		} else if (!Array.isArray(v)) {
			out[k] = v;
		}
	}
	return out;
}

function fmtFor(key) {
	if (/bytes$/.test(key))
		return fmtBytes;
	if (/_ms$/.test(key))
		return fmtMs;
	if (/(rate|share|ratio)$/.test(key))
		return fmtPct;
	return fmtNum;
}

function columnsOf(flat) {
	const known = COLUMNS.filter(([k]) => flat.some((r) => k in r));
	const seen = new Set(["provider", ...known.map(([k]) => k)]);
	const extra = [];

	for (const r of flat)
		for (const k of Object.keys(r))
			if (!seen.has(k)) {
				seen.add(k);
				extra.push([k, k.replace(/[._]/g, " "), fmtFor(k)]);
			}
	return [...known, ...extra];
}

function renderTable(flat) {
	const cols = columnsOf(flat);
	const table = $("stats-table");

	replace(table.tHead, h("tr", {}, h("th", { scope: "col" }, "Provider"),
	    cols.map(([, label]) => h("th", { scope: "col" }, label))));
	replace(table.tBodies[0], flat.map((r) => h("tr", {},
	    h("th", { scope: "row" }, r.provider ?? "?"),
	    cols.map(([k, , f]) => h("td", {}, k in r ? f(r[k]) : "n/a")))));
}

function num(v) {
	return typeof v === "number" ? v : (typeof v === "string" && v !== "" &&
	    !Number.isNaN(Number(v)) ? Number(v) : null);
}

// What the savings chart shows: characters saved when the service says
// it (per provider optimization object), else mean optimization time.
function savingsSpec(flat, names) {
	const saved = ["optimization.characters_saved", "optimization.chars_saved",
	    "characters_saved"].find((k) => flat.some((r) => num(r[k]) !== null));

	if (saved)
		return { label: "Optimization: characters saved", categories: names,
		    series: [{ name: "characters saved",
			values: flat.map((r) => num(r[saved])) }], format: fmtNum };
	return { label: "Optimization: mean time spent shortening prompts",
	    categories: names, series: [{ name: "mean optimization",
		values: flat.map((r) => num(r.mean_optimization_ms)) }],
	    format: fmtMs };
}

// p50 and p95 per provider, and p99 when the service gives it.
function latencySpec(flat, names) {
	const series = [["p50", "p50_generation_ms"], ["p95",
	    "p95_generation_ms"], ["p99", "p99_generation_ms"]]
	    .filter(([, k], i) => i < 2 || flat.some((r) => num(r[k]) !== null))
	    .map(([name, k]) => ({ name, values: flat.map((r) => num(r[k])) }));

	return { label: `Generation time (${series.map((x) => x.name)
	    .join(", ")})`, categories: names, series, format: fmtMs };
}

// The window's optimization (one object for every provider, when the
// service says it): characters before and after, which optimizer
// answered, why Ollama's answer was not used.
function optimizationSpecs(o) {
	if (!o || typeof o !== "object")
		return [];
	const specs = [];
	const orig = num(o.characters_original), opt = num(o.characters_optimized);
	const reasons = Object.entries(o.fallback_reasons || {});

	if (orig !== null && opt !== null)
		specs.push({ label: `Optimization savings: ${fmtNum(num(
		    o.characters_saved) ?? orig - opt)} characters saved` +
		    (num(o.saved_ratio) !== null ? ` (${fmtPct(num(
		    o.saved_ratio))})` : ""), categories: ["long prompts"],
		    series: [{ name: "before", values: [orig] }, { name: "after",
			values: [opt] }], format: fmtNum });
	if (num(o.ollama) !== null && num(o.local) !== null)
		specs.push({ label: "Optimizer that answered", categories: [
		    "Ollama", "local compressor"], series: [{ name: "prompts",
			values: [num(o.ollama), num(o.local)] }], format: fmtNum });
	if (reasons.length)
		specs.push({ label: "Why Ollama's answer was not used",
		    categories: reasons.map(([k]) => k), series: [{ name: "prompts",
			values: reasons.map(([, v]) => num(v)) }], format: fmtNum });
	return specs;
}

function renderCharts(body, flat) {
	const names = flat.map((r) => String(r.provider ?? "?"));
	const charts = [
		{ label: "Success rate", categories: names, max: 1,
		    series: [{ name: "success rate",
			values: flat.map((r) => num(r.success_rate)) }],
		    format: fmtPct },
		latencySpec(flat, names),
		savingsSpec(flat, names),
		...optimizationSpecs(body.optimization),
	];

	if (flat.some((r) => num(r.attempts) !== null))
		charts.splice(1, 0, { label: "Requests and attempts",
		    categories: names, format: fmtNum, series: [
			{ name: "requests", values: flat.map((r) => num(r.requests)) },
			{ name: "attempts", values: flat.map((r) => num(r.attempts)) }] });
	// Two columns from 720px (studio.css), less the figure's padding.
	const cw = $("charts").clientWidth;
	const w = (matchMedia("(min-width: 720px)").matches ? cw / 2 - 8 :
	    cw) - 26;
	replace($("charts"), charts.map((c) => barChart(c, w)));
}

// Top-level parts beside providers (optimization, storage, totals...).
function renderExtra(body) {
	const parts = Object.entries(body).filter(([k]) => !["since", "window",
	    "providers"].includes(k));

	replace($("stats-extra"), parts.map(([k, v]) => {
		const flat = v && typeof v === "object" && !Array.isArray(v) ?
		    flatten(v) : { [k]: v };
		return h("section", { class: "panel extra", "data-part": k },
		    h("h3", {}, k.replace(/_/g, " ")),
		    dl(Object.entries(flat).map(([kk, vv]) => [kk.replace(/[._]/g,
			" "), typeof vv === "number" ? fmtFor(kk)(vv) :
			vv === null ? null : String(vv)])));
	}));
}

export async function statsLoad() {
	const status = $("stats-status");
	const win = $("window").value;
	const project = $("s-project").value.trim();

	status.textContent = "Loading…";
	try {
		const { body } = await call("GET", "/unified/stats" +
		    query({ window: win, project_id: project }));
		const flat = (body.providers || []).map(flatten);
		renderTable(flat);
		renderCharts(body, flat);
		renderExtra(body);
		status.textContent = flat.length ? `Since ${new Date(
		    body.since).toLocaleString()}${project ? `, project ${project}`
		    : ""}: ${flat.length} provider(s).` :
		    "No generations in this window.";
		if (!flat.length)
			replace($("charts"));
	} catch (e) {
		status.textContent = errText(e);
	}
}

export function dashboardInit() {
	$("stats-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		statsLoad();
	});
	$("window").addEventListener("change", statsLoad);
}
