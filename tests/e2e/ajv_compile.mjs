// Compile every tool schema of a tools/list answer with Ajv (JSON Schema 2020-12), as JavaScript MCP
// clients do. Ajv builds each `pattern` with JavaScript's RegExp (ECMA-262, unicode mode), so a
// Python-only construct such as (?i:...) fails here even when Python's `re` accepts it.
// Usage: node ajv_compile.mjs tools.json  -> prints {"ok": n} or {"errors": [...]} and exits 0/1.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

const tools = JSON.parse(readFileSync(process.argv[2], "utf8")).tools;
const errors = [];
let ok = 0;
for (const tool of tools) {
  for (const [kind, schema] of [["inputSchema", tool.inputSchema], ["outputSchema", tool.outputSchema]]) {
    if (schema === undefined) continue;
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, unicodeRegExp: true });
    try {
      ajv.compile(schema);
      ok += 1;
    } catch (error) {
      errors.push(`${tool.name}.${kind}: ${error.message}`);
    }
  }
}
console.log(JSON.stringify(errors.length ? { errors } : { ok }));
process.exit(errors.length ? 1 : 0);
