// SPDX-License-Identifier: ISC
//
// tests/config-corpus/check.mjs: the config-corpus test's judge. Every
// file in cases/ is named for the verdict it must get: ok-*.json loads,
// bad-*.json does not. Each is checked twice, by config/tend.schema.json
// (ajv, draft 2020-12, strict mode, all files in this one process) and by
// `tend check -c FILE` (run in cases/, where a job's cwd is resolved). Both
// must give the expected verdict, except for the files beyond-schema.txt
// lists: mistakes only tend can see, which the schema must accept (an
// entry the schema rejects is stale and fails too). Prints each file that
// disagrees, then "N passed, N failed"; exits 1 on any failure, and on
// anything that would make the check vacuous (no files, no tend).
//
// Usage: TEND_BIN=path/to/tend node check.mjs
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';

const here = dirname(fileURLToPath(import.meta.url));
const cases = join(here, 'cases');
const schemaFile = join(here, '..', '..', 'config', 'tend.schema.json');
const tend = process.env.TEND_BIN;

function die(msg) {
  console.error(`config-corpus: FAILED: ${msg}`);
  process.exit(1);
}

if (!tend) die('TEND_BIN is not set (path of the tend binary)');

// tend blanks // and /* */ comments outside strings (config/comments.c)
// and an editor's byte order mark; an editor does the same with JSONC.
function stripComments(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let k = i + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      out += text.slice(i, k + 1);
      i = k + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') { out += ' '; i++; }
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return text; // unterminated: left for JSON.parse to refuse
      out += text.slice(i, end + 2).replace(/[^\n]/g, ' ');
      i = end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// The schema's verdict: [valid, why].
function bySchema(validate, file) {
  let doc;
  try {
    // RFC 8259: JSON text is UTF-8; a byte that is not is an error.
    const text = new TextDecoder('utf-8', { fatal: true })
      .decode(readFileSync(join(cases, file)));
    doc = JSON.parse(stripComments(text));
  } catch (e) {
    return [false, `not JSON: ${e.message}`];
  }
  if (validate(doc)) return [true, ''];
  const e = validate.errors[0];
  return [false, `${e.instancePath || '/'} ${e.message}`];
}

// tend's verdict: exit 0 and the normalised config, or exit 2 and at least
// one message naming the file.
function byTend(file) {
  return new Promise((resolve) => {
    const p = spawn(tend, ['check', '-c', file], { cwd: cases });
    let err = '';
    p.stdout.resume();
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', (e) => resolve([null, `cannot run ${tend}: ${e.message}`]));
    p.on('close', (code, sig) => {
      const first = err.split('\n')[0];
      if (code === 0) resolve([true, '']);
      else if (code === 2 && first.startsWith(`tend: ${file}`)) resolve([false, first]);
      else resolve([null, `exit ${code ?? sig}: ${err.trim()}`]);
    });
  });
}

function readBeyond() {
  const list = new Map();
  const text = readFileSync(join(here, 'beyond-schema.txt'), 'utf8');
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^(\S+)\s+(.+)$/.exec(t);
    if (!m) die(`beyond-schema.txt: no reason given in "${t}"`);
    list.set(m[1], m[2]);
  }
  return list;
}

// Strict (unknown keywords, types, numbers), except for two shapes the
// schema uses on purpose: an open tuple (cmd is [program, ...arguments])
// and "required" in oneOf/if branches that name properties defined above.
const ajv = new Ajv2020({ strict: true, strictTuples: false, strictRequired: false });
let validate;
try {
  validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
} catch (e) {
  die(`config/tend.schema.json does not compile in strict mode: ${e.message}`);
}
const beyond = readBeyond();
const files = readdirSync(cases).sort();
if (files.length === 0) die('no files in cases/');
for (const name of beyond.keys())
  if (!files.includes(name)) die(`beyond-schema.txt names ${name}, which is not in cases/`);

let passed = 0;
const failed = [];
const queue = [...files];
async function worker() {
  for (let file; (file = queue.shift()) !== undefined;) {
    const problems = [];
    const m = /^(ok|bad)-[a-z0-9.-]+\.json$/.exec(file);
    if (!m) {
      failed.push(`${file}: not named ok-*.json or bad-*.json`);
      continue;
    }
    const want = m[1] === 'ok';
    const [schemaOk, schemaWhy] = bySchema(validate, file);
    const [tendOk, tendWhy] = await byTend(file);
    const listed = beyond.has(file);
    if (tendOk === null) problems.push(`tend check failed: ${tendWhy}`);
    else if (tendOk !== want)
      problems.push(`tend says ${tendOk ? 'valid' : `invalid (${tendWhy})`}`);
    if (listed && want)
      problems.push('listed in beyond-schema.txt but named ok-');
    else if (listed && !schemaOk)
      problems.push(`listed in beyond-schema.txt, yet the schema rejects it (${schemaWhy}): remove it from the list`);
    else if (!listed && schemaOk !== want)
      problems.push(`the schema says ${schemaOk ? 'valid' : `invalid (${schemaWhy})`}`);
    if (problems.length === 0) passed++;
    else failed.push(`${file}: expected ${want ? 'valid' : 'invalid'}; ${problems.join('; ')}`);
  }
}
await Promise.all([worker(), worker()]);
for (const f of failed.sort()) console.log(`DISAGREE ${f}`);
console.log(`config-corpus: ${files.length} files, ${beyond.size} beyond the schema (beyond-schema.txt)`);
console.log(`${passed} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
