// Compiles one Aqua file with the real compiler (@fluencelabs/aqua-api) and prints one JSON
// document on stdout: {"functions": {name: {"air", "signature"}}, "services", "errors", "warnings"}.
// Called by cloudless_runtime.aqua.compile with the request as JSON on stdin:
// {"file": "/abs/path.aqua", "imports": ["/abs/dir", ...]}. No network access.
import { compileFromPath } from "@fluencelabs/aqua-api";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));

// aqua-api's function definitions are Scala.js objects whose field names are mangled
// ("Laqua_js_ScalarTypeDefJs__f_name"); keep the part after "__f_", as js-client reads them.
function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/^.*__f_/, ""), plain(v)]));
}

let answer;
try {
  const result = await compileFromPath({
    filePath: request.file,
    imports: request.imports ?? [],
    targetType: "air",
    logLevel: "off",
    // a function without a result still answers (with nothing), so the caller knows it is done
    noEmptyResponse: false,
  });
  const functions = {};
  for (const [name, fn] of Object.entries(result.functions ?? {})) {
    functions[name] = { air: fn.script, signature: plain(fn.funcDef) };
  }
  answer = {
    functions,
    services: plain(result.services ?? {}),
    errors: result.errors ?? [],
    warnings: result.warnings ?? [],
  };
} catch (error) {
  answer = { functions: {}, services: {}, errors: [String(error?.message ?? error)], warnings: [] };
}
process.stdout.write(JSON.stringify(answer));
