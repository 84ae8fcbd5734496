// Validate each file given against the SARIF 2.1.0 JSON schema Microsoft ships in
// @microsoft/jest-sarif (draft-04, hence ajv-draft-04). Prints "ok <file>" or every schema error;
// exits 1 if any file is invalid.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
// The schema's language-tag pattern has a stray `]` that only non-unicode regular expressions accept.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let failed = false;
for (const file of process.argv.slice(2)) {
  const log = JSON.parse(readFileSync(file, 'utf8'));
  if (validate(log)) {
    console.log(`ok ${file}`);
  } else {
    failed = true;
    for (const e of validate.errors) console.log(`error ${file}: ${e.instancePath} ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
