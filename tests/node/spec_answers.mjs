// tests/node/spec_answers.mjs - the service's answers against its own
// description (docs/openapi.json): real requests through nginx to every
// operation of the spec (a success and an error where cheap); each
// answer's status must be documented for its operation and its body
// must validate against the schema documented for that status and
// content type. The spec's own examples are validated the same way.
// Usage: node spec_answers.mjs BASE_URL KEY   (exit 0 when all pass)
// Not here: the spec's lint (@redocly/cli, tests/unit/app/test_openapi.c),
// starting the stack (tests/integration/test_spec.c).
import { readFileSync } from 'node:fs';

const [base, key] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(new URL('../../docs/openapi.json',
    import.meta.url), 'utf8'));
const failures = [];
const covered = new Set();
let answers = 0;

// --- a JSON Schema (2020-12 subset) validator for what the spec uses ---

// Keywords that only annotate; any other unknown keyword is an error, so
// that a keyword the spec starts using is not silently ignored here.
const ANNOTATIONS = new Set(['description', 'format', 'example', 'examples',
    'title', 'default', 'deprecated', 'readOnly', 'writeOnly',
    'contentEncoding', 'contentMediaType']);

function deref(ref) {
	if (!ref.startsWith('#/'))
		throw new Error(`external $ref ${ref}`);
	let o = spec;
	for (const part of ref.slice(2).split('/'))
		o = o?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
	if (o === undefined)
		throw new Error(`dangling $ref ${ref}`);
	return o;
}

function typeOf(v) {
	if (v === null) return 'null';
	if (Array.isArray(v)) return 'array';
	if (typeof v === 'number')
		return Number.isInteger(v) ? 'integer' : 'number';
	return typeof v;
}

function typeOk(v, t) {
	const have = typeOf(v);
	return have === t || (t === 'number' && have === 'integer');
}

function equal(a, b) {
	return JSON.stringify(a) === JSON.stringify(b);
}

const CHECKS = {
	$ref(s, v, at, errs) { validate(deref(s.$ref), v, at, errs); },
	type(s, v, at, errs) {
		const ts = Array.isArray(s.type) ? s.type : [s.type];
		if (!ts.some((t) => typeOk(v, t)))
			errs.push(`${at}: ${typeOf(v)}, not ${ts.join('|')}`);
	},
	enum(s, v, at, errs) {
		if (!s.enum.some((e) => equal(e, v)))
			errs.push(`${at}: ${JSON.stringify(v)} not in enum ` +
			    JSON.stringify(s.enum));
	},
	const(s, v, at, errs) {
		if (!equal(s.const, v))
			errs.push(`${at}: not the const ${JSON.stringify(s.const)}`);
	},
	properties(s, v, at, errs) {
		if (typeOf(v) !== 'object') return;
		for (const [k, sub] of Object.entries(s.properties))
			if (k in v) validate(sub, v[k], `${at}.${k}`, errs);
	},
	required(s, v, at, errs) {
		if (typeOf(v) !== 'object') return;
		for (const k of s.required)
			if (!(k in v)) errs.push(`${at}: "${k}" missing (required)`);
	},
	additionalProperties(s, v, at, errs) {
		if (typeOf(v) !== 'object' || s.additionalProperties === true)
			return;
		for (const k of Object.keys(v)) {
			if (s.properties && k in s.properties) continue;
			if (s.additionalProperties === false)
				errs.push(`${at}: "${k}" is not documented`);
			else
				validate(s.additionalProperties, v[k], `${at}.${k}`,
				    errs);
		}
	},
	items(s, v, at, errs) {
		if (Array.isArray(v))
			v.forEach((x, i) => validate(s.items, x, `${at}[${i}]`, errs));
	},
	minItems(s, v, at, errs) {
		if (Array.isArray(v) && v.length < s.minItems)
			errs.push(`${at}: fewer than ${s.minItems} items`);
	},
	maxItems(s, v, at, errs) {
		if (Array.isArray(v) && v.length > s.maxItems)
			errs.push(`${at}: more than ${s.maxItems} items`);
	},
	minLength(s, v, at, errs) {
		if (typeof v === 'string' && [...v].length < s.minLength)
			errs.push(`${at}: shorter than ${s.minLength}`);
	},
	maxLength(s, v, at, errs) {
		if (typeof v === 'string' && [...v].length > s.maxLength)
			errs.push(`${at}: longer than ${s.maxLength}`);
	},
	pattern(s, v, at, errs) {
		if (typeof v === 'string' && !new RegExp(s.pattern, 'u').test(v))
			errs.push(`${at}: does not match ${s.pattern}`);
	},
	minimum(s, v, at, errs) {
		if (typeof v === 'number' && v < s.minimum)
			errs.push(`${at}: ${v} < minimum ${s.minimum}`);
	},
	maximum(s, v, at, errs) {
		if (typeof v === 'number' && v > s.maximum)
			errs.push(`${at}: ${v} > maximum ${s.maximum}`);
	},
	allOf(s, v, at, errs) {
		s.allOf.forEach((sub) => validate(sub, v, at, errs));
	},
	anyOf(s, v, at, errs) {
		const each = s.anyOf.map((sub) => errorsOf(sub, v, at));
		if (!each.some((e) => e.length === 0))
			errs.push(`${at}: no anyOf branch matches (${each.map((e) =>
			    e[0]).join('; ')})`);
	},
	oneOf(s, v, at, errs) {
		const each = s.oneOf.map((sub) => errorsOf(sub, v, at));
		const n = each.filter((e) => e.length === 0).length;
		if (n !== 1)
			errs.push(`${at}: ${n} oneOf branches match, not 1 (${
			    each.map((e) => e[0]).join('; ')})`);
	},
};

function validate(schema, v, at, errs) {
	if (schema === true || schema === undefined) return;
	if (schema === false) { errs.push(`${at}: nothing is allowed`); return; }
	for (const k of Object.keys(schema)) {
		if (CHECKS[k]) CHECKS[k](schema, v, at, errs);
		else if (!ANNOTATIONS.has(k))
			errs.push(`${at}: schema keyword "${k}" unknown to this ` +
			    'validator');
	}
}

function errorsOf(schema, v, at = '$') {
	const errs = [];
	validate(schema, v, at, errs);
	return errs;
}

// --- the spec's operations ---

const operations = [];
for (const [path, item] of Object.entries(spec.paths))
	for (const method of ['get', 'post', 'put', 'patch', 'delete'])
		if (item[method])
			operations.push({ path, method: method.toUpperCase(),
			    op: item[method], re: new RegExp('^' +
			    path.replace(/\{[^}]+\}/g, '[^/]+') + '$') });

function operationOf(method, url) {
	const path = url.split('?')[0];
	return operations.find((o) => o.method === method && o.re.test(path));
}

const resolve = (o) => (o && o.$ref ? resolve(deref(o.$ref)) : o);

// The documented media type of an answer: the exact key, else the same
// type without parameters.
function mediaOf(content, ctype) {
	const bare = (t) => t.split(';')[0].trim().toLowerCase();
	const norm = (t) => t.replace(/\s+/g, '').toLowerCase();
	const keys = Object.keys(content ?? {});
	const k = keys.find((x) => norm(x) === norm(ctype)) ??
	    keys.find((x) => bare(x) === bare(ctype));
	return k === undefined ? undefined : content[k];
}

// The request itself as the spec describes it: each query parameter
// documented (and its value valid), and a body meant to succeed valid.
function requestCheck(o, url, opts, status, what) {
	const params = [...(o.op.parameters ?? []), ...(spec.paths[o.path]
	    .parameters ?? [])].map(resolve).filter((x) => x.in === 'query');
	for (const [k, v] of new URL(url, 'http://x').searchParams) {
		const doc = params.find((x) => x.name === k);
		if (doc === undefined) {
			fail(what, `query parameter ${k} not documented`);
			continue;
		}
		const ty = doc.schema?.type;
		const val = ty === 'integer' || ty === 'number' ? Number(v) : v;
		if (opts.badQuery !== k)
			for (const e of errorsOf(doc.schema ?? true, val, `?${k}`))
				fail(what, e);
	}
	const body = resolve(o.op.requestBody)?.content?.['application/json']
	    ?.schema;
	if (status < 300 && body && opts.body !== undefined && !opts.badBody &&
	    typeof opts.body !== 'string')
		for (const e of errorsOf(body, opts.body, 'request'))
			fail(what, e);
}

// The sandbox of a provider (tests/sandbox): faults to make a job fail.
async function fault(kind, f) {
	const port = Number(process.env.SB_BASE ?? 18110) + 1 +
	    ['leonardo', 'runware', 'gemini', 'comfyui', 'ollama'].indexOf(kind);
	const r = await fetch(`http://127.0.0.1:${port}/__sandbox/faults`,
	    f ? { method: 'POST', body: JSON.stringify(f) } :
	    { method: 'DELETE' });
	if (r.status !== 200)
		throw new Error(`sandbox ${kind} faults: ${r.status}`);
}

// --- requests ---

function fail(what, why) {
	failures.push(`${what}: ${why}`);
	console.log(`FAIL  ${what}: ${why}`);
}

// Sends one request and checks its answer against the spec; returns
// {status, json, text, headers}. opts: body (object or string), headers,
// nokey, expect (the status this test means to get).
async function call(method, url, opts = {}) {
	const headers = { ...(opts.headers ?? {}) };
	if (!opts.nokey) headers.Authorization = `Bearer ${key}`;
	let body = opts.body;
	if (body !== undefined && typeof body !== 'string') {
		body = JSON.stringify(body);
		headers['Content-Type'] ??= 'application/json';
	}
	const r = await fetch(base + url, { method, headers, body });
	const text = await r.text();
	const ctype = r.headers.get('content-type') ?? '';
	const what = `${method} ${url} -> ${r.status}`;
	let json;
	try { json = JSON.parse(text); } catch { json = undefined; }
	const o = operationOf(method, url);
	answers++;
	if (opts.expect !== undefined && r.status !== opts.expect)
		fail(what, `expected ${opts.expect}: ${text.slice(0, 300)}`);
	if (o === undefined) {
		fail(what, 'no such operation in the spec');
		return { status: r.status, json, text, headers: r.headers };
	}
	covered.add(`${o.method} ${o.path}`);
	requestCheck(o, url, opts, r.status, what);
	const resp = resolve(o.op.responses[String(r.status)] ??
	    o.op.responses[`${String(r.status)[0]}XX`] ??
	    o.op.responses.default);
	if (resp === undefined) {
		fail(what, `status not documented for ${o.op.operationId} ` +
		    `(${Object.keys(o.op.responses).join(' ')})`);
	} else if (resp.content === undefined) {
		if (text !== '')
			fail(what, 'a body where the spec documents none');
	} else {
		const media = mediaOf(resp.content, ctype);
		if (media === undefined)
			fail(what, `content type "${ctype}" not documented ` +
			    `(${Object.keys(resp.content).join(', ')})`);
		else {
			const isJson = /json/i.test(ctype);
			if (isJson && json === undefined)
				fail(what, 'not JSON');
			const errs = errorsOf(media.schema ?? true, isJson ?
			    json : text);
			for (const e of errs.slice(0, 8))
				fail(what, e);
		}
	}
	console.log(`ok    ${what} (${o.op.operationId})`);
	return { status: r.status, json, text, headers: r.headers };
}

// Polls a job until it has ended.
async function settled(id) {
	for (let i = 0; i < 300; i++) {
		const r = await fetch(`${base}/unified/jobs/${id}`,
		    { headers: { Authorization: `Bearer ${key}` } });
		const j = await r.json();
		if (['completed', 'failed', 'cancelled'].includes(j.status))
			return j;
		await new Promise((res) => setTimeout(res, 100));
	}
	throw new Error(`job ${id} never ended`);
}

// --- the spec's own examples ---

function examplesCheck() {
	for (const o of operations)
		for (const [st, r0] of Object.entries(o.op.responses)) {
			const r = resolve(r0);
			for (const [ct, media] of Object.entries(r.content ?? {})) {
				const ex = media.example !== undefined ? [media.example] :
				    Object.values(media.examples ?? {}).map((e) =>
				    resolve(e).value);
				for (const e of ex)
					for (const err of errorsOf(media.schema ?? true, e)
					    .slice(0, 5))
						fail(`example of ${o.op.operationId} ${st} ${ct}`,
						    err);
			}
		}
}

const NOPE = '00000000-0000-4000-8000-000000000000';
const fox = 'a red fox in snow, watercolor';
const long = ('a lighthouse on a cliff at dusk, waves breaking on the ' +
    'rocks below, gulls over the water, oil painting, ').repeat(70);

async function main() {
	examplesCheck();
	await call('GET', '/health', { expect: 200 });
	await call('GET', '/health?cached=1', { expect: 200 });
	await call('GET', '/health', { headers: { 'X-Request-Id': 'bad id!' },
	    expect: 400 });
	await call('GET', '/unified/providers', { expect: 200 });
	await call('GET', '/unified/providers', { nokey: true, expect: 401 });

	await call('POST', '/unified/validate-prompt', { body: { prompt: fox },
	    expect: 200 });
	await call('POST', '/unified/validate-prompt', { body: { prompt: '' },
	    expect: 422 });
	await call('POST', '/unified/validate-prompt', { body: { prompt:
	    'a b '.repeat(3000) }, expect: 400 });
	const q = await call('POST', '/unified/validate-prompt', { body:
	    { prompt: long }, headers: { Prefer: 'respond-async' } });
	if (q.status === 202)
		await call('GET', q.headers.get('location'), { expect: 200 });
	else
		fail('validate-prompt of a long prompt', `${q.status}, not 202`);
	await call('GET', `/unified/validate-prompt/${NOPE}`, { expect: 404 });
	await call('GET', '/unified/prompt-validator/health', { expect: 200 });
	await call('GET', '/unified/prompt-validator/health', { nokey: true,
	    expect: 401 });

	const g = await call('POST', '/unified/generate', { body: { prompt: fox,
	    provider: 'gemini' }, expect: 200 });
	await call('POST', '/unified/generate?dry_run=1', { body: { prompt: fox },
	    expect: 200 });
	await call('POST', '/unified/generate', { body: { width: 512 },
	    expect: 422 });
	await call('POST', '/unified/generate', { body: { prompt: fox,
	    project_id: 'nosuchproject' }, expect: 404 });
	await call('POST', '/unified/generate', { body: { prompt:
	    'a'.repeat(70000) }, expect: 413 });
	await call('POST', '/unified/generate', { body: 'a fox', headers:
	    { 'Content-Type': 'text/plain' }, expect: 415 });
	await call('POST', '/unified/generate/quick', { body: { prompt: fox,
	    provider: 'gemini' }, expect: 200 });
	await call('POST', '/unified/generate/quick', { body: { prompt: fox,
	    colour: 'red' }, expect: 422 });

	await call('POST', '/unified/generate/batch', { body: { requests:
	    [{ prompt: fox, provider: 'gemini' }, { prompt: '' }] },
	    expect: 200, badBody: true });
	const b = await call('POST', '/unified/generate/batch', { body:
	    { requests: [{ prompt: fox, provider: 'gemini' }] }, headers:
	    { Prefer: 'respond-async' }, expect: 202 });
	if (b.headers.get('location'))
		await call('GET', b.headers.get('location'), { expect: 200 });
	await call('POST', '/unified/generate/batch?dry_run=1', { body:
	    { requests: [{ prompt: fox }] }, expect: 200 });
	await call('POST', '/unified/generate/batch', { body: { requests: [] },
	    expect: 422 });
	await call('GET', `/unified/batches/${NOPE}`, { expect: 404 });

	await call('GET', '/unified/jobs?limit=5', { expect: 200 });
	await call('GET', '/unified/jobs?status=queued&provider=gemini',
	    { expect: 200 });
	await call('GET', '/unified/jobs?status=bogus', { expect: 400,
	    badQuery: 'status' });
	await call('GET', '/unified/jobs?project_id=nosuchproject',
	    { expect: 404 });
	const id = g.json?.generation_id;
	await call('GET', `/unified/jobs/${id}`, { expect: 200 });
	await call('GET', `/unified/jobs/${NOPE}`, { expect: 404 });

	// A finished job loses its images; a queued one is cancelled (or, if
	// it was quicker, loses its images too: 200 either way).
	await call('DELETE', `/unified/jobs/${id}`, { expect: 200 });
	await call('GET', `/unified/jobs/${id}`, { expect: 200 });
	const a = await call('POST', '/unified/generate', { body: { prompt: fox,
	    provider: 'gemini' }, headers: { Prefer: 'respond-async' },
	    expect: 202 });
	if (a.json?.generation_id) {
		await call('DELETE', `/unified/jobs/${a.json.generation_id}`,
		    { expect: 200 });
		await settled(a.json.generation_id);
		await call('GET', `/unified/jobs/${a.json.generation_id}`,
		    { expect: 200 });
	}
	await call('DELETE', `/unified/jobs/${NOPE}`, { expect: 404 });

	// A webhook that nobody answers: the job shows its deliveries.
	const h = await call('POST', '/unified/generate', { body: { prompt: fox,
	    provider: 'gemini', webhook_url: 'http://127.0.0.1:9/hook' },
	    expect: 200 });
	for (let i = 0; i < 100; i++) {
		const j = await fetch(`${base}/unified/jobs/${h.json?.generation_id}`,
		    { headers: { Authorization: `Bearer ${key}` } })
		    .then((x) => x.json());
		if (j.webhook?.deliveries?.length) break;
		await new Promise((res) => setTimeout(res, 50));
	}
	await call('GET', `/unified/jobs/${h.json?.generation_id}`,
	    { expect: 200 });

	// A provider that refuses: 502 with the attempts, a failed job; a
	// slow one (ComfyUI's history pending for ~3 s): a waiting client
	// whose job is cancelled gets 409.
	await fault('gemini', { status: 400 });
	const f = await call('POST', '/unified/generate', { body: { prompt: fox,
	    provider: 'gemini', fallback: false }, expect: 502 });
	await call('GET', `/unified/jobs/${f.json?.error?.generation_id}`,
	    { expect: 200 });
	await fault('gemini', null);
	await fault('comfyui', { pending_polls: 30 });
	const heron = `a slow heron ${Date.now()}`;
	const waiting = call('POST', '/unified/generate', { body: { prompt:
	    heron, provider: 'comfyui', fallback: false }, expect: 409 });
	let slow;
	for (let i = 0; i < 100 && !slow; i++) {
		const l = await fetch(`${base}/unified/jobs?status=running`,
		    { headers: { Authorization: `Bearer ${key}` } })
		    .then((x) => x.json());
		slow = l.items?.find((j) => j.prompt === heron);
		if (!slow) await new Promise((res) => setTimeout(res, 50));
	}
	if (slow)
		await call('DELETE', `/unified/jobs/${slow.generation_id}`,
		    { expect: 200 });
	else
		fail('the slow job', 'never seen running');
	await waiting;
	await fault('comfyui', null);

	await call('GET', '/unified/stats', { expect: 200 });
	await call('GET', '/unified/stats?window=1h&project_id=default',
	    { expect: 200 });
	await call('GET', '/unified/stats?window=2y', { expect: 400,
	    badQuery: 'window' });
	await call('GET', '/unified/stats?project_id=Bad_Project',
	    { expect: 400, badQuery: 'project_id' });
	await call('GET', '/unified/stats?project_id=nosuchproject',
	    { expect: 404 });

	await call('GET', '/metrics', { expect: 200 });

	await call('POST', '/v1/images/generations', { body: { prompt: fox,
	    model: 'gemini' }, expect: 200 });
	await call('POST', '/v1/images/generations', { body: { prompt: fox,
	    model: 'gemini', response_format: 'b64_json' }, expect: 200 });
	await call('POST', '/v1/images/generations', { body: { prompt: fox,
	    size: '10x10' }, expect: 400 });
	await call('POST', '/v1/images/generations', { body: { prompt: fox },
	    nokey: true, expect: 401 });

	for (const o of operations)
		if (!covered.has(`${o.method} ${o.path}`))
			fail(`${o.method} ${o.path}`, 'no request sent to it');
	console.log(`spec: ${operations.length} operations, ${answers} answers ` +
	    `checked, ${failures.length} failures`);
	return failures.length === 0 ? 0 : 1;
}

let rc = 1;
try {
	rc = await main();
} catch (e) {
	console.log(`FAIL  ${e.stack}`);
} finally {
	// No fault left behind for the next test, whatever happened.
	for (const kind of ['gemini', 'comfyui'])
		await fault(kind, null).catch(() => {});
}
process.exit(rc);
