// app/studio/charts.js - small SVG charts for the dashboard, no library:
// horizontal grouped bars (one group per provider, one bar per series),
// which read well at phone width. Each chart is a role="img" with a text
// summary; the numbers are also in the dashboard's table.
// Not here: fetching the stats (studio.js), the colours (studio.css).

const NS = "http://www.w3.org/2000/svg";
const BAR_H = 16, GAP = 4, GROUP_GAP = 14, TOP = 8, LEGEND_H = 24;

function el(name, attrs = {}, text) {
	const e = document.createElementNS(NS, name);

	for (const [k, v] of Object.entries(attrs))
		e.setAttribute(k, String(v));
	if (text !== undefined)
		e.textContent = text;
	return e;
}

function legend(svg, series, y) {
	let x = 0;

	series.forEach((s, i) => {
		svg.append(el("rect", { x, y, width: 12, height: 12,
		    class: `bar s${i}` }));
		const t = el("text", { x: x + 16, y: y + 11, class: "legend" },
		    s.name);
		svg.append(t);
		x += 24 + 8 * s.name.length;
	});
}

// spec: {label, categories: [name], series: [{name, values: [number|null]}],
// format: (v) => string, max?: number}; width: the drawing's width in CSS
// pixels (text stays readable at phone width). Returns a <figure>.
export function barChart(spec, width = 600) {
	const { categories, series, format } = spec;
	const WIDTH = Math.max(280, Math.min(720, Math.round(width)));
	const LABEL_W = WIDTH < 420 ? 90 : 130, VALUE_W = 80;
	const groupH = series.length * (BAR_H + GAP) - GAP;
	const height = TOP + categories.length * (groupH + GROUP_GAP) +
	    LEGEND_H;
	const all = series.flatMap((s) => s.values).filter((v) =>
	    typeof v === "number" && Number.isFinite(v));
	const max = spec.max ?? Math.max(1e-9, ...all);
	const plotW = WIDTH - LABEL_W - VALUE_W;
	const fig = document.createElement("figure");
	const cap = document.createElement("figcaption");
	const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${height}`,
	    role: "img", class: "chart", preserveAspectRatio: "xMinYMin meet" });
	const summary = [];

	cap.textContent = spec.label;
	categories.forEach((cat, ci) => {
		const y0 = TOP + ci * (groupH + GROUP_GAP);

		svg.append(el("text", { x: 0, y: y0 + groupH / 2 + 5,
		    class: "cat" }, cat));
		series.forEach((s, si) => {
			const v = s.values[ci];
			const ok = typeof v === "number" && Number.isFinite(v);
			const w = ok ? Math.max(1, plotW * v / max) : 0;
			const y = y0 + si * (BAR_H + GAP);
			const bar = el("rect", { x: LABEL_W, y, width: w,
			    height: BAR_H, class: `bar s${si}` });

			bar.append(el("title", {}, `${cat} ${s.name}: ${ok ?
			    format(v) : "n/a"}`));
			svg.append(bar);
			svg.append(el("text", { x: LABEL_W + w + 4, y: y +
			    BAR_H - 4, class: "val" }, ok ? format(v) : "n/a"));
			summary.push(`${cat} ${s.name} ${ok ? format(v) :
			    "n/a"}`);
		});
	});
	if (series.length > 1)
		legend(svg, series, height - LEGEND_H + 6);
	svg.setAttribute("aria-label", `${spec.label}: ${summary.join("; ")}`);
	fig.className = "chart-fig";
	fig.append(cap, svg);
	return fig;
}
