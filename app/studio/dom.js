// app/studio/dom.js - small DOM helpers for the studio: elements built
// from data without innerHTML (so nothing a prompt says becomes markup),
// number formatting, and how an error reads on the page.
// Not here: API calls (api.js), the sections (studio.js, gallery.js,
// dashboard.js).

export const $ = (id) => document.getElementById(id);

// h("p", {class: "note"}, "text", child, ...): null/false children skipped.
export function h(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);

	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === "class")
			e.className = v;
		else if (k.startsWith("on"))
			e.addEventListener(k.slice(2), v);
		else
			e.setAttribute(k, v === true ? "" : String(v));
	}
	for (const c of children.flat(Infinity))
		if (c !== null && c !== undefined && c !== false)
			e.append(c instanceof Node ? c : String(c));
	return e;
}

export function replace(parent, ...children) {
	parent.replaceChildren(...children.flat(Infinity).filter((c) => c !== null &&
	    c !== undefined && c !== false));
}

// A definition list of [term, value] pairs (values null are left out).
export function dl(pairs, cls = "meta") {
	return h("dl", { class: cls }, pairs.filter(([, v]) => v !== null &&
	    v !== undefined && v !== "").map(([k, v]) => [h("dt", {}, k),
	    h("dd", {}, v)]));
}

export function fmtMs(v) {
	if (typeof v !== "number" || !Number.isFinite(v))
		return "n/a";
	return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export function fmtPct(v) {
	return typeof v === "number" && Number.isFinite(v) ?
	    `${(v * 100).toFixed(1)} %` : "n/a";
}

export function fmtBytes(v) {
	if (typeof v !== "number" || !Number.isFinite(v))
		return "n/a";
	const units = ["B", "KB", "MB", "GB", "TB"];
	let i = 0;

	while (v >= 1024 && i < units.length - 1) {
		v /= 1024;
		i++;
	}
	return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

export function fmtNum(v) {
	if (typeof v !== "number" || !Number.isFinite(v))
		return v === null || v === undefined ? "n/a" : String(v);
	return Number.isInteger(v) ? v.toLocaleString("en") :
	    v.toLocaleString("en", { maximumFractionDigits: 3 });
}

export function fmtTime(iso) {
	if (!iso)
		return "";
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// How an ApiError (or a network failure) reads in a status line.
export function errText(e) {
	if (e && e.status === 401)
		return `${e.message} (${e.code}): enter a valid API key above.`;
	if (e && e.code)
		return `${e.message} (${e.code}, HTTP ${e.status})`;
	return `The service did not answer (${e && e.message ? e.message :
	    e}).`;
}

// The image address to show: our copy first, then the provider's.
export function imageSrc(img) {
	return img.public_url || img.local_url || img.url || "";
}
