// Parse each file given with Mermaid's own parser (the `mermaid` package, in a jsdom window as it
// expects a browser). Prints "ok <diagramType> <file>" per file; exits 1 on the first parse error.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
globalThis.Element = dom.window.Element;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(readFileSync(file, 'utf8'));
    console.log(`ok ${result.diagramType} ${file}`);
  } catch (e) {
    console.log(`error ${file}: ${String(e.message ?? e)}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
