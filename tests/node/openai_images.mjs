// tests/node/openai_images.mjs - OpenAI's own SDK (the openai package,
// unmodified) pointed at our /v1: images.generate with url and b64_json,
// n=2, and errors raised as the SDK's typed errors.
// Usage: node openai_images.mjs <base url> <api key>; prints one line per
// check ("ok NAME" or "FAIL NAME: why") and a count; exits 1
// when one failed.
// Not here: starting the stack (tests/integration/test_openai.c).
import OpenAI from "openai";

const [base, key] = process.argv.slice(2);
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key,
    maxRetries: 0 });
const prompt = "a red fox in snow, watercolor";
let passed = 0, failed = 0;

function assert(cond, why) {
	if (!cond)
		throw new Error(why);
}

// PNG, JPEG or WebP magic bytes.
function isImage(b) {
	const png = b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e;
	const jpg = b[0] === 0xff && b[1] === 0xd8;
	const webp = b.length > 12 && b.toString("latin1", 8, 12) === "WEBP";
	return b.length > 8 && (png || jpg || webp);
}

async function check(name, fn) {
	try {
		await fn();
		passed++;
		console.log(`ok ${name}`);
	} catch (e) {
		failed++;
		console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
	}
}

// The typed error a call raises (or a failure when it raises none).
async function raised(fn) {
	try {
		await fn();
	} catch (e) {
		return e;
	}
	throw new Error("no error raised");
}

await check("url", async () => {
	const r = await client.images.generate({ model: "gemini", prompt,
	    response_format: "url", size: "1024x1024", user: "t" });
	assert(typeof r.created === "number", `created: ${JSON.stringify(r)}`);
	assert(r.data.length === 1, `one image: ${JSON.stringify(r)}`);
	assert(r.data[0].url.startsWith(`${base}/storage/`),
	    `absolute url: ${r.data[0].url}`);
	assert(typeof r.data[0].revised_prompt === "string", "revised_prompt");
	const f = await fetch(r.data[0].url);
	assert(f.status === 200, `GET ${r.data[0].url}: ${f.status}`);
	assert(isImage(Buffer.from(await f.arrayBuffer())), "image bytes");
});

await check("b64_json", async () => {
	const r = await client.images.generate({ model: "auto", prompt,
	    response_format: "b64_json", quality: "hd", style: "vivid" });
	assert(r.data.length === 1 && !r.data[0].url, JSON.stringify(r.data));
	assert(isImage(Buffer.from(r.data[0].b64_json, "base64")),
	    "b64_json decodes to an image");
});

await check("n=2 with an OpenAI model name", async () => {
	const r = await client.images.generate({ model: "dall-e-3", prompt,
	    n: 2, size: "512x512" });
	assert(r.data.length === 2, `two images: ${JSON.stringify(r)}`);
	assert(r.data[0].url !== r.data[1].url, "two different urls");
});

await check("empty prompt: BadRequestError", async () => {
	const e = await raised(() => client.images.generate({ prompt: "" }));
	assert(e instanceof OpenAI.BadRequestError, `got ${e}`);
	assert(e.status === 400 && e.type === "invalid_request_error",
	    `status ${e.status} type ${e.type}`);
});

await check("bad size: BadRequestError naming size", async () => {
	const e = await raised(() => client.images.generate({ prompt,
	    size: "big" }));
	assert(e instanceof OpenAI.BadRequestError, `got ${e}`);
	assert(e.param === "size", `param ${e.param}`);
});

await check("n over the limit: BadRequestError naming n", async () => {
	const e = await raised(() => client.images.generate({ prompt,
	    n: 9 }));
	assert(e instanceof OpenAI.BadRequestError, `got ${e}`);
	assert(e.param === "n", `param ${e.param}: ${e.message}`);
});

await check("unknown model: BadRequestError naming model", async () => {
	const e = await raised(() => client.images.generate({ prompt,
	    model: "no-such-provider" }));
	assert(e instanceof OpenAI.BadRequestError, `got ${e}`);
	assert(e.param === "model", `param ${e.param}: ${e.message}`);
});

await check("wrong key: AuthenticationError", async () => {
	const bad = new OpenAI({ baseURL: `${base}/v1`, maxRetries: 0,
	    apiKey: "ig_0000000000000000_00000000000000000000000000000000" });
	const e = await raised(() => bad.images.generate({ prompt }));
	assert(e instanceof OpenAI.AuthenticationError, `got ${e}`);
	assert(e.status === 401 && typeof e.code === "string",
	    `status ${e.status} code ${e.code}`);
});

console.log(`checks: ${passed} ok, ${failed} failing`);
process.exit(failed === 0 ? 0 : 1);
