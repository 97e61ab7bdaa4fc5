// tests/node/verify.mjs - verifies a webhook signed by lib/gen/webhook.c
// with the reference verifier, the standardwebhooks package, unmodified.
// Usage: node verify.mjs <file.json>, file = {"secret","headers","body"}.
// Prints "ok" and exits 0, or prints the error and exits 1.
// Not here: signing (lib/gen/webhook.c; the unit test writes the file).
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

try {
	const { secret, headers, body } = JSON.parse(
	    readFileSync(process.argv[2], "utf8"));
	new Webhook(secret).verify(body, headers);
	console.log("ok");
	process.exit(0);
} catch (e) {
	console.log(String(e && e.message ? e.message : e));
	process.exit(1);
}
