// SPDX-License-Identifier: ISC
//
// tests/browser/proxy.test.mjs: a page and its API behind tend's proxy, in
// a real browser, across a restart of the service behind.
//
// tend runs a tend.json whose service "api" (tests/tools/tbackend, slow to
// start, ready once it accepts) is behind serve.proxy /api with its job
// named. Debian's headless Chromium (playwright-core) loads a page whose
// script calls /api/pid every 50 ms and keeps count in sessionStorage:
//   a. the page loads and its calls succeed;
//   b. `tend restart api`, from another process as a person would type it:
//      not one call fails (they wait for the new instance), the answers
//      come from two instances, and once the service is ready again the
//      page reloads by itself;
//   c. SIGINT stops tend, which dies by SIGINT.
//
// Run: TEND_BIN=... TBACKEND_BIN=... node proxy.test.mjs (tests/browser/run).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const { TEND_BIN, TBACKEND_BIN } = process.env;
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
for (const [name, v] of [['TEND_BIN', TEND_BIN], ['TBACKEND_BIN', TBACKEND_BIN], ['chromium', CHROMIUM]]) {
  if (!v || !fs.existsSync(v)) {
    console.error(`proxy.test: ${name} (${v}) is missing`);
    process.exit(2);
  }
}

const WAIT_MS = 15_000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tend-browser-proxy-'));
const env = { ...process.env, XDG_RUNTIME_DIR: path.join(tmp, 'run') };
fs.mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
let tend = null;
let tendExit = null;
let browser = null;
let log = '';
let passed = 0;
let failed = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const overall = setTimeout(() => {
  console.log('not ok - overall timeout of 90 s');
  finish(1);
}, 90_000);

async function poll(fn, what, ms = WAIT_MS) {
  const end = Date.now() + ms;
  let last = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (${last.message.split('\n')[0]})` : ''}`);
    await sleep(20);
  }
}

// A port no one listens on now, for the service behind.
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Counts survive the reload in sessionStorage; a call cut by the page's
// own navigation is no error.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>app</title></head>
<body><h1 id="t">app</h1>
<script>
let leaving = false;
addEventListener('beforeunload', () => { leaving = true; });
const get = (k) => Number(sessionStorage.getItem(k) || 0);
const put = (k, v) => sessionStorage.setItem(k, String(v));
sessionStorage.setItem('loads', String(get('loads') + 1));
(async () => {
  for (;;) {
    try {
      const r = await fetch('/api/pid', { cache: 'no-store' });
      const t = await r.text();
      if (r.status !== 200) { if (!leaving) put('errors', get('errors') + 1); }
      else {
        const pids = new Set(JSON.parse(sessionStorage.getItem('pids') || '[]'));
        pids.add(t.trim());
        sessionStorage.setItem('pids', JSON.stringify([...pids]));
        put('calls', get('calls') + 1);
      }
    } catch (e) {
      if (!leaving) put('errors', get('errors') + 1);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
})();
</script></body></html>
`;

async function startTend() {
  const bport = await freePort();
  fs.mkdirSync(path.join(tmp, 'public'));
  fs.writeFileSync(path.join(tmp, 'public', 'index.html'), PAGE);
  fs.writeFileSync(path.join(tmp, 'tend.json'), JSON.stringify({
    jobs: {
      api: {
        kind: 'service',
        cmd: [TBACKEND_BIN, '--port', String(bport), '--delay', '300'],
        ready: { tcp: `127.0.0.1:${bport}` },
      },
    },
    serve: {
      root: 'public',
      http: '127.0.0.1:0',
      proxy: { '/api': { to: `127.0.0.1:${bport}`, job: 'api' } },
    },
  }));
  tend = spawn(TEND_BIN, [], { cwd: tmp, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  tendExit = new Promise((resolve) => tend.on('exit', (code, signal) => resolve({ code, signal })));
  const onData = (c) => { log += c.toString(); };
  tend.stdout.on('data', onData);
  tend.stderr.on('data', onData);
  const m = await poll(() => /serving \S+ at http:\/\/127\.0\.0\.1:(\d+)\//.exec(log), 'tend to serve');
  await poll(() => log.includes('service "api" is ready'), 'the service to be ready');
  return `http://127.0.0.1:${m[1]}/`;
}

const stored = (page) => page.evaluate(() => ({
  loads: Number(sessionStorage.getItem('loads') || 0),
  calls: Number(sessionStorage.getItem('calls') || 0),
  errors: Number(sessionStorage.getItem('errors') || 0),
  pids: JSON.parse(sessionStorage.getItem('pids') || '[]'),
}));

function finish(code) {
  if (tend && tend.exitCode === null && tend.signalCode === null) {
    try { process.kill(-tend.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  try { fs.rmSync(tmp, { recursive: true, force: true }); } catch { /* best effort */ }
  clearTimeout(overall);
  process.exit(code);
}

async function main() {
  let step = 'start';
  try {
    const base = await startTend();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    const page = await browser.newPage();

    step = 'a';
    await page.goto(base, { waitUntil: 'load' });
    await poll(async () => (await stored(page)).calls >= 5, 'five calls to /api');
    let s = await stored(page);
    assert(s.errors === 0, `${s.errors} calls failed before any restart`);
    console.log(`ok - a: the page's calls to /api are answered (${s.calls}, pid ${s.pids[0]})`);
    passed++;

    step = 'b';
    const r = spawnSync(TEND_BIN, ['restart', 'api'], { cwd: tmp, env, encoding: 'utf8', timeout: 10_000 });
    assert(r.status === 0, `tend restart api: exit ${r.status}: ${r.stdout}${r.stderr}`);
    await poll(async () => (await stored(page)).loads >= 2, 'the page to reload once the service is back');
    await poll(async () => (await stored(page)).pids.length >= 2, 'answers from the new instance');
    const before = (await stored(page)).calls;
    await poll(async () => (await stored(page)).calls >= before + 5, 'five more calls after the reload');
    s = await stored(page);
    assert(s.errors === 0, `${s.errors} of ${s.calls + s.errors} calls failed across the restart`);
    assert(s.pids.length === 2, `answers from ${s.pids.length} instances: ${s.pids.join(', ')}`);
    console.log(`ok - b: tend restart api: ${s.calls} calls, 0 failed, 2 instances, the page reloaded once it was back`);
    passed++;

    step = 'c';
    process.kill(tend.pid, 'SIGINT');
    const x = await Promise.race([tendExit, sleep(WAIT_MS).then(() => null)]);
    assert(x && x.signal === 'SIGINT', `tend ended with ${JSON.stringify(x)}; want death by SIGINT`);
    console.log('ok - c: SIGINT: tend died by SIGINT');
    passed++;
  } catch (e) {
    console.log(`not ok - ${step}: ${e.message.split('\n')[0]}`);
    failed++;
    console.log('# tend output (last 30 lines):');
    for (const l of log.trimEnd().split('\n').slice(-30)) console.log(`#   ${l}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  console.log(`${passed} passed, ${failed} failed`);
  finish(failed ? 1 : 0);
}

main();
