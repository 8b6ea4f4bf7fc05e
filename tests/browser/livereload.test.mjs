// SPDX-License-Identifier: ISC
//
// tests/browser/livereload.test.mjs: tend's live reload in a real browser.
//
// Starts `tend serve public --build 'sh build.sh' --watch src` in a temp
// project and drives Debian's headless Chromium (playwright-core, never
// Playwright's own browser download) through what a person sees:
//   a. the page loads with the build's text and the injected client;
//   b. editing src/page.txt reloads the page by itself (JS state is gone);
//   c. editing src/style.txt swaps the stylesheet without a reload (JS
//      state survives);
//   d. a failing build shows the error overlay; fixing it clears it;
//   e. Ctrl-C (SIGINT) stops tend, which dies by SIGINT, and the page
//      shows the "stopped" banner.
//
// Run: TEND_BIN=/path/to/tend node livereload.test.mjs (tests/browser/run
// installs what it needs first). Exit status 0 means every check passed;
// the last line is "N passed, N failed".

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';

const TEND_BIN = process.env.TEND_BIN;
if (!TEND_BIN) {
  console.error('livereload.test: TEND_BIN (path of the tend binary) is required');
  process.exit(2);
}
if (!fs.existsSync(TEND_BIN)) {
  console.error(`livereload.test: TEND_BIN=${TEND_BIN} does not exist`);
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) {
  console.error(`livereload.test: ${CHROMIUM} is missing (run scripts/install-browser-deps)`);
  process.exit(2);
}

const OVERALL_MS = 90_000;
const WAIT_MS = 10_000;
const STEPS = ['a', 'b', 'c', 'd', 'e'];

// Writes only the files whose content changed: a CSS-only edit touches
// only public/style.css, so tend can tell the browser to swap styles.
const BUILD_SH = `# written by tests/browser/livereload.test.mjs
set -eu
page=$(cat src/page.txt)
case $page in
*FAIL*)
	echo "BUILD FAILED: syntax error"
	exit 1
	;;
esac
style=$(cat src/style.txt)
put() { # put FILE CONTENT: write FILE only when CONTENT differs
	if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
		printf '%s\\n' "$2" >"$1"
	fi
}
mkdir -p public
put public/style.css "$style"
put public/index.html "<!doctype html>
<html><head><meta charset=\\"utf-8\\"><title>tend live reload</title>
<link rel=\\"stylesheet\\" href=\\"/style.css\\"></head>
<body>
<h1 id=\\"t\\">$page</h1>
</body></html>"
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tend-browser-'));
let tend = null;
let tendExit = null; // resolves to {code, signal}
let browser = null;
let page = null;
let log = ''; // tend's stdout and stderr, for the port and for failures
let passed = 0;
let failed = 0;
const pageErrors = [];

function killGroup() {
  if (tend && tend.exitCode === null && tend.signalCode === null) {
    try {
      process.kill(-tend.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

function removeTmp() {
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

// The last resort: whatever hangs, the test ends within OVERALL_MS.
// Playwright kills the browsers it launched when node exits.
const overall = setTimeout(() => {
  console.log(`not ok - overall timeout of ${OVERALL_MS / 1000} s`);
  dumpLog();
  killGroup();
  removeTmp();
  process.exit(1);
}, OVERALL_MS);

function dumpLog() {
  const lines = log.trimEnd().split('\n').slice(-40);
  console.log('# tend output (last 40 lines):');
  for (const l of lines) console.log(`#   ${l}`);
  if (pageErrors.length) {
    console.log('# page errors:');
    for (const e of pageErrors) console.log(`#   ${e}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function ok(msg) {
  console.log(`ok - ${msg}`);
}

// Poll fn (which may throw while the page navigates) until it returns a
// truthy value; the value is returned, a timeout throws with `what`.
async function poll(fn, what, ms = WAIT_MS, every = 10) {
  const end = performance.now() + ms;
  let last = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e; // "Execution context was destroyed" during a reload
    }
    if (performance.now() > end) {
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}` +
        (last ? ` (last error: ${String(last.message).split('\n')[0]})` : ''));
    }
    await sleep(every);
  }
}

// The client must have its /__tend/events stream open before an edit, or
// the event is lost (a person is never that fast; a test is). The init
// script only counts the stream's opens; it changes nothing else.
const countOpens = () => {
  const ES = window.EventSource;
  window.EventSource = class extends ES {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => { window.__sseOpens = (window.__sseOpens || 0) + 1; });
    }
  };
};
const sseOpen = () => poll(() => page.evaluate(() => window.__sseOpens > 0),
  'the page\'s EventSource on /__tend/events to open');

const heading = () => page.evaluate(() => {
  const h = document.getElementById('t');
  return h ? h.textContent : null;
});

function write(rel, text) {
  fs.writeFileSync(path.join(tmp, rel), text);
}

async function startTend() {
  fs.mkdirSync(path.join(tmp, 'src'));
  fs.mkdirSync(path.join(tmp, 'public'));
  write('src/page.txt', 'first text');
  write('src/style.txt', 'h1 { color: rgb(255, 0, 0) }');
  write('build.sh', BUILD_SH);

  tend = spawn(TEND_BIN, ['serve', 'public', '--http', '127.0.0.1:0',
    '--build', 'sh build.sh', '--watch', 'src'],
  { cwd: tmp, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  tendExit = new Promise((resolve) => {
    tend.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let gotPort;
  const port = new Promise((resolve) => { gotPort = resolve; });
  const onData = (chunk) => {
    log += chunk.toString();
    const m = /serving \S+ at http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
    if (m) gotPort(Number(m[1]));
  };
  tend.stdout.on('data', onData);
  tend.stderr.on('data', onData);
  // Resolve, never reject: a promise that lost the race must not turn
  // into an unhandled rejection later (tend does exit in step e).
  const r = await Promise.race([
    port.then((p) => ({ port: p })),
    tendExit.then((x) => ({ exit: x })),
    sleep(WAIT_MS).then(() => ({ timeout: true })),
  ]);
  if (r.exit) throw new Error(`tend exited before serving (code ${r.exit.code}, signal ${r.exit.signal})`);
  if (r.timeout) throw new Error('tend did not print "serving public at http://127.0.0.1:PORT/" within 10 s');
  return r.port;
}

async function stepA(base) {
  // The first build runs at start: wait until it has written the page.
  await poll(async () => {
    const r = await fetch(base);
    return r.status === 200 && (await r.text()).includes('first text');
  }, 'the first build to write public/index.html');
  const js = await fetch(new URL('/__tend/livereload.js', base));
  assert(js.status === 200, `/__tend/livereload.js answered ${js.status}`);
  await js.arrayBuffer();

  await page.goto(base, { waitUntil: 'load' });
  const text = await heading();
  assert(text === 'first text', `#t shows ${JSON.stringify(text)}, not "first text"`);
  const n = await page.locator('script[src="/__tend/livereload.js"]').count();
  assert(n === 1, `${n} injected <script src="/__tend/livereload.js"> in the page, want 1`);
  const state = await poll(() => page.evaluate(() => window.__tend), 'window.__tend (client running)');
  assert(typeof state.events === 'number', 'window.__tend.events is not a number');
  const color = await page.evaluate(() => getComputedStyle(document.getElementById('t')).color);
  assert(color === 'rgb(255, 0, 0)', `h1 color ${color}, want rgb(255, 0, 0)`);
  await sseOpen();
  ok('a: page loads with the initial text, red h1, injected client running');
}

async function stepB() {
  await page.evaluate(() => { window.marker = 42; });
  const t0 = performance.now();
  const wall0 = Date.now();
  write('src/page.txt', 'second text');
  await poll(async () => (await heading()) === 'second text', '#t to show "second text"');
  const dt = performance.now() - t0;
  const marker = await page.evaluate(() => window.marker);
  assert(marker === undefined, `window.marker is ${marker}: the page was not reloaded`);
  // When the new document began loading: the reload's share of dt.
  const began = await page.evaluate(() => performance.timeOrigin) - wall0;
  await sseOpen();
  ok(`b: edit src/page.txt -> page reloaded by itself, new text visible in ${dt.toFixed(0)} ms` +
    ` (reload began at ${began.toFixed(0)} ms)`);
  return dt;
}

async function stepC() {
  await page.evaluate(() => { window.marker = 43; });
  const t0 = performance.now();
  write('src/style.txt', 'h1 { color: rgb(0, 0, 255) }');
  await poll(() => page.evaluate(() =>
    getComputedStyle(document.getElementById('t')).color === 'rgb(0, 0, 255)'),
  'h1 to turn rgb(0, 0, 255)');
  const dt = performance.now() - t0;
  const marker = await page.evaluate(() => window.marker);
  assert(marker === 43, `window.marker is ${marker}, want 43: the page reloaded instead of swapping CSS`);
  const last = await page.evaluate(() => window.__tend && window.__tend.last);
  ok(`c: edit src/style.txt -> stylesheet swapped without reload in ${dt.toFixed(0)} ms (last event: ${last})`);
  return dt;
}

async function stepD() {
  write('src/page.txt', 'FAIL here');
  const msg = page.getByText('BUILD FAILED').first();
  await msg.waitFor({ state: 'visible', timeout: WAIT_MS });
  // The overlay: the fixed ancestor of the message, covering the page.
  const info = await msg.evaluate((e) => {
    let o = e;
    while (o && o !== document.body && getComputedStyle(o).position !== 'fixed') o = o.parentElement;
    if (!o || o === document.body) return null;
    const r = o.getBoundingClientRect();
    return {
      text: o.textContent,
      covers: r.left <= 0 && r.top <= 0 && r.right >= innerWidth && r.bottom >= innerHeight,
    };
  });
  assert(info, 'the "BUILD FAILED" text is not inside a position:fixed overlay');
  assert(info.covers, 'the overlay does not cover the whole page');
  assert(/\bbuild\b/.test(info.text), `the overlay does not name the job "build": ${info.text}`);
  assert(/\b1\b/.test(info.text), `the overlay does not give exit status 1: ${info.text}`);
  assert(info.text.includes('BUILD FAILED: syntax error'), 'the overlay lacks the output tail');
  ok('d: failing build -> overlay with job name, exit status and output tail');

  const t0 = performance.now();
  write('src/page.txt', 'third text');
  await page.getByText('BUILD FAILED').first().waitFor({ state: 'hidden', timeout: WAIT_MS });
  await poll(async () => (await heading()) === 'third text', '#t to show "third text"');
  const dt = performance.now() - t0;
  await sseOpen();
  ok(`d: fixed build -> overlay gone, new text visible in ${dt.toFixed(0)} ms`);
}

async function stepE() {
  process.kill(tend.pid, 'SIGINT');
  const t0 = performance.now();
  const r = await Promise.race([tendExit, sleep(WAIT_MS).then(() => null)]);
  assert(r, 'tend did not exit within 10 s of SIGINT');
  const dt = performance.now() - t0;
  assert(r.signal === 'SIGINT', `tend exited with code ${r.code}, signal ${r.signal}; want death by SIGINT`);
  ok(`e: SIGINT -> tend died by SIGINT in ${dt.toFixed(0)} ms`);
  await page.getByText(/stopped/i).first().waitFor({ state: 'visible', timeout: 3000 });
  ok('e: page shows the "stopped" banner');
}

async function main() {
  let step = 'start';
  const times = {};
  try {
    const port = await startTend();
    const base = `http://127.0.0.1:${port}/`;
    console.log(`# tend serving ${base} from ${tmp}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    console.log(`# chromium ${browser.version()}`);
    page = await browser.newPage();
    await page.addInitScript(countOpens);
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    step = 'a'; await stepA(base); passed++;
    step = 'b'; times.b = await stepB(); passed++;
    step = 'c'; times.c = await stepC(); passed++;
    step = 'd'; await stepD(); passed++;
    step = 'e'; await stepE(); passed++;
    step = 'done';
    console.log(`# edit -> visible: reload ${times.b.toFixed(0)} ms, css swap ${times.c.toFixed(0)} ms`);
  } catch (e) {
    console.log(`not ok - ${step}: ${e.message.split('\n')[0]}`);
    const rest = STEPS.slice(STEPS.indexOf(step) + 1);
    for (const s of rest) console.log(`not ok - ${s}: not run (an earlier step failed)`);
    failed += rest.length + (STEPS.includes(step) ? 1 : 0);
    if (page) {
      const shot = path.join(os.tmpdir(), 'tend-browser-failure.png');
      try {
        await page.screenshot({ path: shot, timeout: 5000 });
        console.log(`# screenshot of the page: ${shot}`);
      } catch { /* page gone */ }
    }
    dumpLog();
  } finally {
    killGroup();
    if (browser) await browser.close().catch(() => {});
    removeTmp();
    clearTimeout(overall);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
