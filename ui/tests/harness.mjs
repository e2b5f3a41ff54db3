// Shared browser-test harness: system Chromium, dist/ served through page.route
// under the production CSP, and the fake backend from fake-backend.js (with the recorded
// engine answers of fixtures/<library>.json when the config names a library).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.resolve(here, '../dist');
export const OUT = path.resolve(here, 'out');
const FAKE = path.join(here, 'fake-backend.js');
const FIXTURES = path.join(here, 'fixtures');
/** The demo library's recorded answers as JS source, read once. */
const fixtureSource = new Map();
function fixturesOf(library) {
  if (!fixtureSource.has(library)) {
    const text = readFileSync(path.join(FIXTURES, `${library}.json`), 'utf8');
    JSON.parse(text); // a broken file fails here, not in the page
    fixtureSource.set(library, `window.__FAKE_FIXTURES__ = ${text};`);
  }
  return fixtureSource.get(library);
}
const ORIGIN = 'http://segue.test';

// The app's policy: app.security.csp from ../tauri.conf.json when it is there, else the baseline.
const FALLBACK_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' asset: http://asset.localhost data:; media-src 'self' asset: http://asset.localhost; connect-src ipc: http://ipc.localhost; object-src 'none'; base-uri 'none'; form-action 'none'";
export const CSP = (() => {
  try { return JSON.parse(readFileSync(path.resolve(here, '../../tauri.conf.json'), 'utf8')).app.security.csp || FALLBACK_CSP; }
  catch { return FALLBACK_CSP; }
})();
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

export async function launch() {
  if (!existsSync(path.join(DIST, 'index.html'))) throw new Error('ui/dist is missing: run `npm run build` (npm test does it)');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Open the built app with a fake backend. `config` is the fake's (see fake-backend.js):
 *  { library: 'demo' } answers from the recorded engine answers, else a synthetic library.
 *  Returns { page, context, errors, calls() }. */
export async function openApp(browser, { config = {}, colorScheme = 'light', viewport = { width: 1200, height: 760 } } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  await context.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(DIST, rel);
    if (!file.startsWith(DIST) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    route.fulfill({
      status: 200,
      headers: { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'content-security-policy': CSP },
      body: await readFile(file),
    });
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript((cfg) => { window.__FAKE_CONFIG__ = cfg; }, config);
  if (config.library) await page.addInitScript({ content: fixturesOf(config.library) });
  await page.addInitScript({ path: FAKE });
  await page.goto(`${ORIGIN}/index.html`);
  const calls = (cmd) => page.evaluate((c) => window.__fake.calls.filter((x) => !c || x.cmd === c), cmd);
  return { page, context, errors, calls };
}

export const rowsIn = (page) => page.$$eval('#track-table .track-row', (rs) => rs.map((r) => ({
  id: Number(r.dataset.id), index: Number(r.dataset.index), cells: [...r.cells].map((c) => c.textContent),
})));

/** One browser for a test file: launched before its first test, closed after its last.
 *  `open(opts)` is openApp on it. */
export function useBrowser() {
  let browser;
  before(async () => { browser = await launch(); await mkdir(OUT, { recursive: true }); });
  after(async () => { await browser?.close(); });
  return { open: (opts) => openApp(browser, opts) };
}

/** The calls the fake backend could not answer (no recorded answer, say): [] when all is well. */
export const unanswered = (page) => page.evaluate(() => window.__fake.unanswered);

/** Every test ends by checking that the fake answered every call, closing its context and
 *  checking nothing logged an error (CSP violations included), bar messages containing one
 *  of `allowed`. */
export async function done(a, allowed = []) {
  const missing = await unanswered(a.page).catch(() => []);
  await a.context.close();
  assert.deepEqual(missing, [], 'calls the fake backend has no answer for');
  const bad = a.errors.filter((e) => !allowed.some((s) => e.includes(s)));
  assert.deepEqual(bad, [], 'console errors');
}

/** The UI's own modules `paths` (src/…, e.g. 'src/map/camera.ts'), bundled by Vite into one
 *  script that puts their exports on `window.units` (for tests of pure logic in a real page). */
export async function bundleUnits(paths) {
  const { build } = await import('vite');
  const root = path.resolve(here, '..');
  const entry = paths.map((p) => `export * from ${JSON.stringify(path.join(root, p))};`).join('\n');
  const out = await build({
    configFile: false, root, logLevel: 'warn',
    plugins: [{ name: 'units-entry', enforce: 'pre', resolveId: (id) => (id.endsWith('units-entry') ? '\0units-entry' : null), load: (id) => (id === '\0units-entry' ? entry : null) }],
    build: { write: false, minify: false, target: 'es2021', lib: { entry: 'units-entry', formats: ['iife'], name: 'units' } },
  });
  return (Array.isArray(out) ? out[0] : out).output[0].code;
}

/** A blank page (no app) with `code` (bundleUnits) loaded: for tests of pure modules. */
export async function unitsPage(browser, code, { colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 }, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setContent('<!doctype html><html><body><canvas id="c" width="200" height="100"></canvas></body></html>');
  await page.addScriptTag({ content: code });
  return { page, context, errors };
}

/** Types `text` into the input at `css` as a fast typist would: an input event per character,
 *  all in one task, so no timer (a debounce) can fire between two of them however busy the
 *  machine is (typing with a 20 ms delay once left a gap over 150 ms beside a build). */
export function typeFast(page, css, text) {
  return page.$eval(css, (input, text) => {
    input.focus();
    for (let i = 1; i <= text.length; i++) {
      input.value = text.slice(0, i);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }, text);
}
