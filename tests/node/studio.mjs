// tests/node/studio.mjs - drives the web studio (app/studio) in Debian's
// chromium through playwright-core, against a running stack: the key
// entered, a prompt typed and its analysis seen, a generation from the
// page whose images load, the gallery and its details, the dashboard's
// numbers (and the stats' newer fields, answered by page.route), a
// running job cancelled, a long prompt optimized; then a phone-width
// pass (390x844) and a keyboard-only pass. Every pass fails on a
// console error or an uncaught exception.
// Usage: node studio.mjs <screenshot dir>; env IMAGEGEN_TEST_URL,
// IMAGEGEN_TEST_KEY (none: AUTH=off), SB_BASE (the sandbox). Prints each screenshot's path; exits 0 when all
// passed, 1 with the reason otherwise.
// Not here: starting the stack (tests/run-integration.sh), the C side
// (tests/integration/test_studio.c).
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.IMAGEGEN_TEST_URL || "http://127.0.0.1:8013";
const KEY = process.env.IMAGEGEN_TEST_KEY || "";
const SB_BASE = Number(process.env.SB_BASE || 18110);
const SHOTS = process.argv[2] || "build/test-logs/studio";
const T = 30000;
let current = null;	/* the page under test, for the failure report */

function check(cond, what) {
	if (!cond)
		throw new Error(`check failed: ${what}`);
}

async function shot(page, name, opts = {}) {
	const path = join(SHOTS, `${name}.png`);
	await page.screenshot({ path, fullPage: true, ...opts });
	console.log(`screenshot: ${path}`);
}

// A console message that is an error of the page. Stored images of
// earlier jobs whose files are gone (the test stack's storage is emptied
// at each start, its database is not) fail to load with a 404: the
// gallery marks them "file missing"; that is the data, not the page. The
// images this run made are checked to load.
function pageError(m) {
	if (m.type() !== "error")
		return false;
	const url = m.location()?.url || "";
	if (/status of 404/.test(m.text()) && url &&
	    new URL(url, BASE).pathname.startsWith("/storage/images/")) {
		missing.add(url);
		return false;
	}
	// The dashboard asked for a project that does not exist, on purpose.
	if (/status of 404/.test(m.text()) && url.includes("/unified/stats?") &&
	    url.includes("project_id=no-such-project-"))
		return false;
	return true;
}
const missing = new Set();

// A page that records console errors and uncaught exceptions in errs.
async function open(ctx, errs) {
	const page = await ctx.newPage();
	page.on("console", (m) => pageError(m) &&
	    errs.push(`console: ${m.text()}`));
	page.on("pageerror", (e) => errs.push(`exception: ${e.message}`));
	current = page;
	await page.goto(BASE + "/");
	return page;
}

// Every image in the list has loaded (naturalWidth > 0), at least n.
async function imagesLoaded(page, sel, n) {
	await page.waitForFunction(([s, k]) => {
		const imgs = [...document.querySelectorAll(s)];
		return imgs.length >= k && imgs.every((i) => i.complete &&
		    i.naturalWidth > 0);
	}, [sel, n], { timeout: T });
}

// Clicks Generate (or runs act) and waits for the job's final state;
// returns {id, states seen}.
async function generateAndWait(page, act) {
	const resp = page.waitForResponse((r) => r.request().method() ===
	    "POST" && new URL(r.url()).pathname === "/unified/generate",
	    { timeout: T });
	await act();
	const r = await resp;
	check(r.status() === 202, `generate answered ${r.status()}`);
	const id = (await r.json()).generation_id;
	const states = new Set();
	const t0 = Date.now();
	for (;;) {
		const s = await page.locator("#progress .badge").first()
		    .textContent().catch(() => "");
		states.add(s);
		if (["completed", "failed", "cancelled", "error"].includes(s))
			break;
		check(Date.now() - t0 < T, `job ${id} ended (states ${[...states]})`);
		await page.waitForTimeout(50);
	}
	check(states.has("completed"), `job ${id} completed, states: ` +
	    `${[...states]}; progress: ${await page.locator("#progress")
	    .textContent()}`);
	return { id, states: [...states] };
}

// The fields /unified/stats gains (requests vs attempts, p99, totals,
// optimization, storage) are drawn when present: the service's answer
// with them set to known values.
async function extendedStats(page) {
	await page.route((u) => u.pathname === "/unified/stats", async (rt) => {
		const resp = await rt.fetch();
		const body = await resp.json();
		body.providers = body.providers.map((p) => ({ ...p,
		    attempts: p.requests + 1, p99_generation_ms: 999 }));
		body.totals = { requests: 7, attempts: 9, completed: 6,
		    failed: 1, cancelled: 0, in_flight: 0 };
		body.optimization = { prompts: 10, optimized: 4,
		    characters_original: 16000, characters_optimized: 11000,
		    characters_saved: 5000, saved_ratio: 0.3125, ollama: 3,
		    local: 1, ollama_share: 0.75, mean_optimization_ms: 850,
		    fallback_reasons: { ollama_timeout: 1 } };
		body.storage = { project_id: null, images: 42, bytes: 1234567 };
		await rt.fulfill({ response: resp, json: body });
	});
	await page.locator("#stats-form").getByRole("button", { name: "Refresh" })
	    .click();
	// The service's own answer has these parts too now: wait for the
	// injected figures, not for the first chart of the kind.
	const caps = page.locator("#charts figcaption");
	await caps.filter({ hasText: "5,000 characters saved" }).waitFor({
	    timeout: T });
	const text = (await caps.allTextContents()).join(" | ");
	for (const want of ["p50, p95, p99", "5,000 characters saved (31.3 %)",
	    "Optimizer that answered", "Why Ollama's answer was not used"])
		check(text.includes(want), `a chart "${want}": ${text}`);
	const heads = await page.locator("#stats-table thead th")
	    .allTextContents();
	check(heads.includes("Attempts") && heads.includes("p99"),
	    `attempts and p99 columns: ${heads}`);
	const storage = await page.locator('#stats-extra [data-part="storage"]')
	    .textContent();
	check(/42/.test(storage) && /1\.2 MB/.test(storage),
	    `storage shown: ${storage}`);
	await page.locator("#dashboard").screenshot({ path: join(SHOTS,
	    "desktop-dashboard-extended.png") });
	console.log(`screenshot: ${join(SHOTS, "desktop-dashboard-extended.png")}`);
	await page.unroute((u) => u.pathname === "/unified/stats");
}

// A job seen running is cancelled from the page: the Leonardo sandbox
// keeps its generation pending meanwhile.
async function cancelRunning(page) {
	const faults = `http://127.0.0.1:${SB_BASE + 1}/__sandbox/faults`;
	const badge = page.locator("#progress .badge");

	await fetch(faults, { method: "POST", body: '{"pending_polls":1000}' });
	try {
		await page.getByLabel("Prompt", { exact: true }).fill(
		    "a slow snail, pencil drawing");
		await page.locator("#gen-form").getByLabel("Provider")
		    .selectOption("leonardo_ai");
		await page.locator("#gen-form").getByLabel("Images",
		    { exact: true }).selectOption("1");
		await page.getByRole("button", { name: "Generate" }).click();
		await badge.filter({ hasText: "running" }).waitFor({ timeout: T });
		await page.getByRole("button", { name: "Cancel" }).click();
		await badge.filter({ hasText: "cancelled" }).waitFor({
		    timeout: T });
		check(await page.locator("#cancel").isHidden(),
		    "Cancel hidden once the job ended");
		console.log("cancel: a running job cancelled from the page");
	} finally {
		await fetch(faults, { method: "DELETE" });
	}
}

async function desktopPass(browser) {
	const errs = [], early = [];
	const ctx = await browser.newContext({ viewport: { width: 1280,
	    height: 900 } });
	const page = await open(ctx, early);

	// Before a key: the page says one is needed (AUTH=on here); the
	// browser logs the 401s it got, nothing else.
	if (KEY) {
		await page.locator("#key-status").filter({ hasText:
		    "needs an API key" }).waitFor({ timeout: T });
		check(early.every((e) => /status of 401/.test(e)),
		    `only 401s before the key: ${early.join(" | ")}`);
		page.removeAllListeners("console");
		page.removeAllListeners("pageerror");
		page.on("console", (m) => pageError(m) &&
		    errs.push(`console: ${m.text()}`));
		page.on("pageerror", (e) => errs.push(`exception: ${e.message}`));
		await page.getByLabel("API key").fill(KEY);
		await page.getByRole("button", { name: "Save key" }).click();
	}
	await page.waitForFunction(() => document.querySelectorAll(
	    "#provider option").length > 1, null, { timeout: T });

	// As one types: the length at once, the analysis after the debounce.
	const prompt = "a red fox in snow, watercolor, soft morning light";
	await page.getByLabel("Prompt", { exact: true }).pressSequentially(prompt, { delay: 5 });
	await page.locator("#prompt-length").filter({ hasText:
	    `${prompt.length} characters` }).waitFor({ timeout: T });
	await page.locator("#analysis-body .badge.pass").waitFor({ timeout: T });
	const analysis = await page.locator("#analysis-body").textContent();
	check(/watercolor/.test(analysis) && /words/.test(analysis),
	    `analysis shows words and style terms: ${analysis}`);
	await page.locator("#optimized-body .prompt-text").filter({ hasText:
	    "red fox" }).waitFor({ timeout: T });
	// Screen readers hear a one-line summary, and the job's progress.
	await page.locator('#analysis-live[aria-live="polite"]').filter({
	    hasText: `Rule pass: ${prompt.length} characters` }).waitFor({
	    timeout: T });
	check(await page.locator('#progress[role="status"]').count() === 1,
	    "progress is a live status region");

	await page.locator("#gen-form").getByLabel("Provider").selectOption("gemini");
	await page.locator("#gen-form").getByLabel("Size").selectOption("512x512");
	await page.locator("#gen-form").getByLabel("Images", { exact: true }).selectOption("2");
	const { id, states } = await generateAndWait(page, () =>
	    page.getByRole("button", { name: "Generate" }).click());
	console.log(`desktop: job ${id}, states seen: ${states.join(" > ")}`);
	await imagesLoaded(page, "#images img", 2);
	await shot(page, "desktop-create");

	// The gallery shows the job; its details list each image's metadata.
	const item = page.locator(`#jobs button[data-id="${id}"]`);
	await item.waitFor({ timeout: T });
	await imagesLoaded(page, `#jobs button[data-id="${id}"] img`, 1);
	await item.click();
	const dlg = page.locator("#details");
	await dlg.locator(".meta").filter({ hasText: "sha256" }).first()
	    .waitFor({ timeout: T });
	const details = await dlg.textContent();
	check(details.includes(id) && /gemini/.test(details) &&
	    /synthid/.test(details), `details of ${id}: ${details.slice(0, 300)}`);
	await imagesLoaded(page, "#details-body img", 2);
	await shot(page, "desktop-details", { fullPage: false });
	await page.keyboard.press("Escape");
	check(!(await dlg.evaluate((d) => d.open)), "Escape closes the details");

	// Filters: failed gemini jobs do not include it; completed ones do.
	await page.locator("#f-provider").selectOption("gemini");
	await page.locator("#f-status").selectOption("failed");
	await page.locator("#gallery-form").getByRole("button", { name: "Show" })
	    .click();
	await page.locator("#gallery-status").filter({ hasNotText: "Loading" })
	    .waitFor({ timeout: T });
	check(await item.count() === 0, "status=failed hides the job");
	await page.locator("#f-status").selectOption("completed");
	await page.locator("#gallery-form").getByRole("button", { name: "Show" })
	    .click();
	await item.waitFor({ timeout: T });

	// The dashboard: gemini's row and charts over the last hour.
	await page.getByLabel("Window", { exact: true }).selectOption("1h");
	const row = page.locator("#stats-table tbody tr").filter({ has:
	    page.locator("th", { hasText: /^gemini$/ }) });
	await row.waitFor({ timeout: T });
	const cells = await row.locator("td").allTextContents();
	const heads = await page.locator("#stats-table thead th")
	    .allTextContents();
	const requests = Number(cells[heads.indexOf("Requests") - 1]
	    .replace(/,/g, ""));
	check(requests >= 1, `gemini requests >= 1: ${heads} / ${cells}`);
	check(/%/.test(cells[heads.indexOf("Success rate") - 1]),
	    `a success rate: ${cells}`);
	check(await page.locator("#charts figure").count() >= 3,
	    "three charts or more");
	check(await page.locator("#charts svg rect.bar").count() >= 3,
	    "bars drawn");
	console.log(`dashboard gemini: ${heads.slice(1).map((h, i) =>
	    `${h}=${cells[i]}`).join(", ")}`);
	// The project filter goes to the API: the key's own project shows
	// gemini's row again, an unknown one says so.
	await page.getByLabel("Project", { exact: true }).nth(1).fill("default");
	const asked = page.waitForRequest((rq) => rq.url().includes(
	    "/unified/stats?") && rq.url().includes("project_id=default"));
	await page.locator("#stats-form").getByRole("button", { name: "Refresh" })
	    .click();
	await asked;
	await page.locator("#stats-status").filter({ hasText: "project default" })
	    .waitFor({ timeout: T });
	await row.waitFor({ timeout: T });
	await page.getByLabel("Project", { exact: true }).nth(1).fill(
	    "no-such-project-" + Date.now());
	await page.locator("#stats-form").getByRole("button", { name: "Refresh" })
	    .click();
	await page.locator("#stats-status").filter({ hasText: /project/i })
	    .filter({ hasNotText: "project default" }).waitFor({ timeout: T });
	console.log(`dashboard, unknown project: ${await page.locator(
	    "#stats-status").textContent()}`);
	await page.getByLabel("Project", { exact: true }).nth(1).fill("");
	await page.locator("#stats-form").getByRole("button", { name: "Refresh" })
	    .click();
	await row.waitFor({ timeout: T });
	await page.locator("#dashboard").screenshot({ path: join(SHOTS,
	    "desktop-dashboard.png") });
	console.log(`screenshot: ${join(SHOTS, "desktop-dashboard.png")}`);

	await extendedStats(page);
	await cancelRunning(page);

	// A long prompt: shortened by a queued Ollama job, polled.
	await page.getByLabel("Prompt", { exact: true }).fill(("a majestic red fox standing in " +
	    "deep snow under pine trees, watercolor painting, soft light. ")
	    .repeat(40));
	await page.locator("#analysis-body .badge.optimize").waitFor({
	    timeout: T });
	await page.locator("#optimized-body dd").filter({ hasText: "saved" })
	    .waitFor({ timeout: T });
	console.log(`optimized: ${(await page.locator("#optimized-body dl")
	    .textContent()).replace(/\s+/g, " ").slice(0, 160)}`);

	check(errs.length === 0, `no console errors: ${errs.join(" | ")}`);
	const state = await ctx.storageState();
	await ctx.close();
	return state;
}

async function phonePass(browser, storageState) {
	const errs = [];
	const ctx = await browser.newContext({ storageState, viewport: {
	    width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true,
	    hasTouch: true });
	const page = await open(ctx, errs);

	await page.waitForFunction(() => document.querySelectorAll(
	    "#provider option").length > 1, null, { timeout: T });
	await page.getByLabel("Prompt", { exact: true }).fill("a lighthouse at dusk, oil painting");
	await page.locator("#analysis-body .badge.pass").waitFor({ timeout: T });
	const { id } = await generateAndWait(page, () =>
	    page.getByRole("button", { name: "Generate" }).tap());
	await imagesLoaded(page, "#images img", 1);
	await page.locator(`#jobs button[data-id="${id}"]`).waitFor({
	    timeout: T });
	await page.locator("#charts figure").first().waitFor({ timeout: T });
	const wide = await page.evaluate(() =>
	    document.documentElement.scrollWidth);
	check(wide <= 390, `no sideways scrolling at 390px (${wide}px wide)`);
	const genBox = await page.locator("#generate").boundingBox();
	check(genBox && genBox.x >= 0 && genBox.x + genBox.width <= 390,
	    "Generate fits the screen");
	await shot(page, "phone");
	check(errs.length === 0, `no console errors: ${errs.join(" | ")}`);
	await ctx.close();
}

// Tab until the element with id has focus; at most n presses. Every
// stop on the way must show a focus ring.
async function tabTo(page, id, n) {
	for (let i = 0; i < n; i++) {
		await page.keyboard.press("Tab");
		const f = await page.evaluate(() => {
			const a = document.activeElement;
			const cs = getComputedStyle(a);
			return { id: a.id, tag: a.tagName, ring: cs.outlineStyle !==
			    "none" && parseFloat(cs.outlineWidth) > 0 };
		});
		check(f.ring, `focus ring on ${f.tag}#${f.id}`);
		if (f.id === id)
			return i + 1;
	}
	throw new Error(`check failed: Tab reaches #${id} within ${n}`);
}

async function keyboardPass(browser, storageState) {
	const errs = [];
	const ctx = await browser.newContext({ storageState, viewport: {
	    width: 1280, height: 900 } });
	const page = await open(ctx, errs);

	await page.waitForFunction(() => document.querySelectorAll(
	    "#provider option").length > 1, null, { timeout: T });
	const toPrompt = await tabTo(page, "prompt", 15);
	await page.keyboard.type("a paper boat on a pond, ink sketch");
	await page.locator("#analysis-body .badge.pass").waitFor({ timeout: T });
	const toGen = await tabTo(page, "generate", 8);
	console.log(`keyboard: ${toPrompt} Tab(s) to the prompt, ${toGen} ` +
	    "more to Generate");
	await generateAndWait(page, () => page.keyboard.press("Enter"));
	await imagesLoaded(page, "#images img", 1);
	await shot(page, "keyboard");
	check(errs.length === 0, `no console errors: ${errs.join(" | ")}`);
	await ctx.close();
}

async function main() {
	mkdirSync(SHOTS, { recursive: true });
	rmSync(join(SHOTS, "failure.png"), { force: true });
	const browser = await chromium.launch({ executablePath:
	    "/usr/bin/chromium", args: ["--no-sandbox"] });
	try {
		const state = await desktopPass(browser);
		await phonePass(browser, state);
		await keyboardPass(browser, state);
	} catch (e) {
		if (current)
			await report(current).catch(() => {});
		current = null;
		throw e;
	} finally {
		await browser.close();
	}
	if (missing.size)
		console.log(`images of earlier jobs whose files are gone: ` +
		    `${missing.size}`);
	console.log("ok");
}

// What the page showed when a check failed: a screenshot and its status
// lines.
async function report(page) {
	for (const id of ["key-status", "prompt-length", "analysis-body",
	    "optimized-body", "progress", "gallery-status", "stats-status"])
		console.log(`#${id}: ${(await page.locator(`#${id}`)
		    .textContent({ timeout: 1000 }).catch(() => "?"))
		    .replace(/\s+/g, " ").slice(0, 300)}`);
	await shot(page, "failure").catch(() => {});
}

main().catch(async (e) => {
	console.log(String(e && e.stack ? e.stack : e));
	if (current)
		await report(current).catch(() => {});
	process.exit(1);
});
