// docs/swagger/imagegen-init.js - starts swagger-ui on /docs over our own
// /openapi.json: no top bar (it would load any URL), no remote validator
// badge (the page fetches nothing but this server), keys kept across
// reloads ("Authorize" with a client key, sent as Authorization: Bearer).
// Not here: the page (index.html), the description (docs/openapi.json).
window.addEventListener("load", function () {
	window.ui = SwaggerUIBundle({
		url: "/openapi.json",
		dom_id: "#swagger-ui",
		deepLinking: true,
		presets: [SwaggerUIBundle.presets.apis],
		layout: "BaseLayout",
		validatorUrl: "none",
		persistAuthorization: true,
		displayRequestDuration: true,
	});
});
