// app/studio/gallery.js - the gallery: past jobs from GET /unified/jobs
// (filters project_id, provider, status; paging by next_cursor), each a
// button that opens the job's details in a dialog (its parameters,
// attempts and every image's metadata), and the image cards the create
// section reuses.
// Not here: the create section (studio.js), the dashboard (dashboard.js).

import { call, query } from "./api.js";
import { $, h, replace, dl, fmtBytes, fmtTime, fmtNum, errText,
    imageSrc } from "./dom.js";

const PAGE = 12;
let cursor = null;

// An image whose file is gone (pruned, or storage emptied) says so.
function missing(ev) {
	ev.target.replaceWith(h("span", { class: "noimg" }, "file missing"));
}

// One image with its size, format and bytes; lazy for thumbnails.
export function imageCard(img, alt, { lazy = false } = {}) {
	const src = imageSrc(img);

	return h("figure", { class: "image" },
	    h("a", { href: src, target: "_blank", rel: "noopener" },
		h("img", { src, alt, width: img.width, height: img.height,
		    loading: lazy ? "lazy" : null, decoding: "async",
		    onerror: missing })),
	    h("figcaption", {}, `${img.width} × ${img.height} ${img.format ||
		""} · ${fmtBytes(img.bytes)}`));
}

function imageMeta(img) {
	return dl([["id", img.id], ["size", `${img.width} × ${img.height}`],
	    ["format", img.format], ["bytes", fmtNum(img.bytes)],
	    ["sha256", h("code", {}, img.sha256 || "")],
	    ["nsfw", img.nsfw === null ? "not reported" : String(img.nsfw)],
	    ["synthid", img.synthid === null ? "not reported" :
		String(img.synthid)],
	    ["our copy", h("a", { href: imageSrc(img), target: "_blank",
		rel: "noopener" }, imageSrc(img))],
	    ["provider's URL", img.url ? h("a", { href: img.url,
		target: "_blank", rel: "noopener noreferrer" }, img.url) : null]]);
}

function attemptsList(attempts) {
	if (!attempts || attempts.length === 0)
		return null;
	return [h("h3", {}, "Attempts"), h("ol", { class: "attempts" },
	    attempts.map((a) => h("li", {},
	    `${a.provider} try ${a.try ?? 1}: ${a.outcome}` + (a.ms !== undefined ?
	    ` in ${a.ms} ms` : "") + (a.error ? ` (${a.error.code ||
	    a.error})` : ""))))];
}

// The details dialog of one job.
export function showDetails(job) {
	const m = job.metadata || {};
	const p = m.params || {};

	$("details-h").textContent = `Job ${job.generation_id}`;
	replace($("details-body"),
	    h("p", { class: "prompt-text" }, job.prompt || ""),
	    dl([["status", job.status], ["provider", job.provider],
		["requested", job.requested_provider], ["project",
		job.project_id], ["model", m.provider_model_name ||
		m.provider_model], ["created", fmtTime(job.created_at)],
		["completed", fmtTime(job.completed_at)], ["generation time",
		m.generation_time != null ? `${m.generation_time} s` : null],
		["requested size", p.width ? `${p.width} × ${p.height}` : null],
		["images asked", p.num_images], ["seed", p.seed],
		["prompt method", m.prompt_validation?.method],
		["error", job.error ? `${job.error.message} (${job.error.code})`
		: null]]),
	    attemptsList(m.attempts),
	    (job.images || []).map((img) => h("section", { class: "image-detail" },
		imageCard(img, job.prompt || "generated image", { lazy: true }),
		imageMeta(img))));
	const d = $("details");
	if (!d.open)
		d.showModal();
	$("details-close").focus();
}

function jobItem(job) {
	const first = (job.images || [])[0];

	return h("li", {}, h("button", { type: "button", class: "job",
	    "data-id": job.generation_id, onclick: () => showDetails(job) },
	    first ? h("img", { src: imageSrc(first), alt: "", loading: "lazy",
		width: 96, height: 96, onerror: missing }) : h("span", { class: "noimg" }, "no image"),
	    h("span", { class: "job-text" },
		h("span", { class: "job-prompt" }, job.prompt || ""),
		h("span", { class: `badge ${job.status}` }, job.status),
		h("span", { class: "note" }, [job.provider ||
		    job.requested_provider || "auto", `${(job.images ||
		    []).length} image(s)`, fmtTime(job.created_at)].join(" · ")))));
}

function filters() {
	const f = new FormData($("gallery-form"));
	return { project_id: f.get("project_id")?.trim(),
	    provider: f.get("provider"), status: f.get("status") };
}

// Loads the first page (reset) or the next one.
export async function galleryLoad(reset = true) {
	const list = $("jobs"), status = $("gallery-status");

	if (reset) {
		cursor = null;
	}
	status.textContent = "Loading…";
	try {
		const { body } = await call("GET", "/unified/jobs" + query({
		    ...filters(), limit: PAGE, cursor }));
		const items = body.items.map(jobItem);
		if (reset)
			replace(list, items);
		else
			list.append(...items);
		cursor = body.next_cursor;
		$("more").hidden = !cursor;
		status.textContent = list.children.length ? `${list.children.length} job(s)` +
		    (cursor ? ", more below" : "") : "No jobs match.";
	} catch (e) {
		status.textContent = errText(e);
	}
}

export function galleryInit() {
	$("gallery-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		galleryLoad(true);
	});
	$("more").addEventListener("click", () => galleryLoad(false));
}
