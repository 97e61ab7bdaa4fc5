// tests/node/prom_parse.mjs - parses a GET /metrics answer (stdin) with
// parse-prometheus-text-format, unmodified, and prints its families as
// JSON (stdout). Checks what that parser lets pass: every sample line
// belongs to a family announced by # TYPE, and each histogram series'
// buckets rise with le and end at +Inf, equal to its _count (the package
// folds the series of a labelled histogram into one: read their _count
// lines from the text).
// Exits 0, or prints the problem and exits 1.
// Not here: what the values should be (tests/integration/test_metrics.c).
import { readFileSync } from "node:fs";
import parse from "parse-prometheus-text-format";

function fail(why) {
	console.log(JSON.stringify({ error: why }));
	process.exit(1);
}

function checkTypes(text) {
	const typed = new Set();
	for (const line of text.split("\n")) {
		const t = line.match(/^# TYPE (\S+) (counter|gauge|histogram)$/);
		if (t) {
			typed.add(t[1]);
			continue;
		}
		if (line === "" || line.startsWith("#"))
			continue;
		const name = line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/);
		if (!name)
			fail(`not a sample line: ${line}`);
		const base = name[0].replace(/_(bucket|sum|count)$/, "");
		if (!typed.has(name[0]) && !typed.has(base))
			fail(`no # TYPE before ${name[0]}`);
	}
}

// Every sample line as {name, labels, value} (the package folds the
// series of a labelled histogram into one: its buckets are checked here).
function samples(text) {
	const out = [];
	for (const line of text.split("\n")) {
		if (line === "" || line.startsWith("#"))
			continue;
		const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/);
		if (!m)
			fail(`not a sample line: ${line}`);
		const labels = {};
		for (const l of (m[3] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
			labels[l[1]] = l[2];
		out.push({ name: m[1], labels, value: Number(m[4]) });
	}
	return out;
}

// Each histogram series: buckets rise with le, end at +Inf = _count.
function checkHistograms(all) {
	const series = new Map();
	for (const s of all) {
		const h = s.name.match(/^(.*)_(bucket|count)$/);
		if (!h)
			continue;
		const { le, ...rest } = s.labels;
		const key = h[1] + JSON.stringify(rest);
		if (!series.has(key))
			series.set(key, { buckets: [], count: null });
		if (h[2] === "bucket")
			series.get(key).buckets.push([le, s.value]);
		else
			series.get(key).count = s.value;
	}
	for (const [key, h] of series) {
		if (h.buckets.length === 0)
			continue;
		let prev = -Infinity, last = -1;
		for (const [le, v] of h.buckets) {
			const n = le === "+Inf" ? Infinity : Number(le);
			if (!(n > prev) || v < last)
				fail(`${key}: bucket le=${le} out of order`);
			prev = n;
			last = v;
		}
		if (prev !== Infinity || last !== h.count)
			fail(`${key}: the +Inf bucket is not the _count`);
	}
}

try {
	const text = readFileSync(0, "utf8");
	checkTypes(text);
	const families = parse(text);
	checkHistograms(samples(text));
	console.log(JSON.stringify(families));
} catch (e) {
	fail(String(e && e.message ? e.message : e));
}
