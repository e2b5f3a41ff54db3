// Shared plumbing for end-to-end tests: start tauri-driver (which starts WebKitWebDriver),
// open the real Segue binary with its own data dir, and small helpers to wait on the DOM.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder, By, Capabilities, until } from 'selenium-webdriver';

export { By, until };
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The binaries under test: a build's (SEGUE_PROFILE: scripts/test.sh tests the release build
// that ships; else the debug build), or (SEGUE_APP / SEGUE_CLI) installed ones — the package's
// smoke test (tests/package.sh) runs /usr/bin/segue-app and /usr/bin/segue.
const built = path.join(repo, 'target', process.env.SEGUE_PROFILE || 'debug');
export const appBinary = process.env.SEGUE_APP || path.join(built, 'segue-app');
export const cliBinary = process.env.SEGUE_CLI || path.join(built, 'segue');
// An installed app must find the MusiCNN weights its package brought, not the developer's copy.
const installed = Boolean(process.env.SEGUE_APP);
export const outDir = path.join(repo, 'tests/e2e/out');

if (!process.env.DISPLAY) {
  throw new Error('no DISPLAY: run the end-to-end tests under xvfb-run (scripts/test.sh does)');
}
if (!fs.existsSync(appBinary)) {
  throw new Error(`${appBinary} is missing: build it first (cargo build -p segue-app)`);
}

function tauriDriverPath() {
  const inCargo = path.join(os.homedir(), '.cargo/bin/tauri-driver');
  return fs.existsSync(inCargo) ? inCargo : 'tauri-driver';
}

let nextPort = 4460 + (process.pid % 200) * 2;

/** How long one WebDriver request may go unanswered. Every command the tests send returns in
 *  seconds; one with no answer at all (a session never created, a webview that stopped
 *  answering) becomes an error after this instead of hanging the suite: a CI run once sat
 *  silent in a launch for 50 minutes until the job's limit ended it. */
const UNANSWERED_MS = 180000;

/** An HTTP agent whose sockets give up after UNANSWERED_MS of silence (selenium's client has
 *  no request timeout of its own; a destroyed socket rejects the pending command). The limit is
 *  also the agent's own: Node resets a socket returned to the pool to the agent's timeout. */
class PatientAgent extends http.Agent {
  constructor() {
    super({ keepAlive: true, timeout: UNANSWERED_MS });
  }

  createConnection(options, callback) {
    const socket = super.createConnection(options, callback);
    socket.setTimeout(UNANSWERED_MS, () => {
      const why = `the WebDriver did not answer in ${UNANSWERED_MS / 1000} s`;
      // Idle sockets in the pool time out too: only a request in flight is an error.
      if (!socket._httpMessage) return socket.destroy();
      console.log(`# ${why}; the apps open:\n${[...open].map(describe).join('\n')}`);
      socket.destroy(new Error(why));
    });
    return socket;
  }
}

/** Sessions still open: ended (and described) when the test process exits, so a test that
 *  timed out leaves no app holding its library and says where that app was stuck. */
const open = new Set();
function endOpenSessions() {
  for (const session of open) {
    process.stderr.write(`an app outlived its test: ${session.commandLine}\n${describe(session)}\n`);
    session.kill();
  }
  open.clear();
}
process.on('exit', endOpenSessions);
// The test runner ends a test file that ran past its limit with a signal.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    endOpenSessions();
    process.exit(1);
  });
}

/** Where a session's processes are (every thread's kernel wait), and what they logged last. */
function describe({ commandLine, log }) {
  let pids = [];
  try { pids = execFileSync('pgrep', ['-f', commandLine]).toString().trim().split('\n').filter(Boolean); } catch { /* none */ }
  const threads = pids.flatMap((pid) => {
    try {
      return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
        const read = (f) => { try { return fs.readFileSync(`/proc/${pid}/task/${tid}/${f}`, 'utf8').trim(); } catch { return '?'; } };
        return `  ${pid}/${tid} ${read('comm')}: ${read('wchan')}`;
      });
    } catch { return [`  ${pid}: gone`]; }
  });
  const tail = log().split('\n').slice(-40).join('\n');
  return `app processes: ${pids.length ? pids.join(' ') : 'none'}\n${threads.join('\n')}\nlast of tauri-driver's and the app's log:\n${tail}`;
}

/** Starts tauri-driver and a session of the app with `args`; returns {driver, stop}.
 *  `env`: extra environment variables for the app process (e.g. `{ HOME: dir }`, see
 *  alsaCaptureHome). They are given to tauri-driver, whose WebKitWebDriver starts the app with
 *  its own environment (it only adds WEBKIT_INSPECTOR_SERVER). A session that is not created
 *  (no answer in UNANSWERED_MS) is described, ended and tried once more. */
export async function launch(args = [], env = {}) {
  try {
    return await startSession(args, env);
  } catch (e) {
    if (!e.session) throw e;
    console.log(`# the app's session was not created (${e.message}); trying once more\n${describe(e.session)}`);
    await e.session.end();
    return startSession(args, env);
  }
}

async function startSession(args, env) {
  const port = nextPort;
  nextPort += 2;
  const fresh = isolated();
  const proc = spawn(tauriDriverPath(), ['--port', String(port), '--native-port', String(port + 1)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...fresh, ...env },
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  // An app that outlived its session is found by its unique command line.
  const commandLine = [appBinary, ...args].join(' ');
  const running = () => {
    try { execFileSync('pgrep', ['-f', commandLine]); return true; } catch { return false; }
  };
  const session = {
    commandLine,
    log: () => log,
    // Synchronous, for the exit handler.
    kill: () => {
      try { proc.kill('SIGKILL'); } catch { /* gone */ }
      // tauri-driver killed outright leaves its WebKitWebDriver: ended by its port.
      for (const pattern of [commandLine, `WebKitWebDriver --port=${port + 1} `]) {
        try { execFileSync('pkill', ['-KILL', '-f', pattern]); } catch { /* none left */ }
      }
    },
    end: async () => {
      // SIGTERM, not SIGKILL: tauri-driver only stops WebKitWebDriver on TERM/INT/QUIT.
      proc.kill('SIGTERM');
      await sleep(500);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      // The app holds the library's lock until it has exited, and the next test may open the
      // same data dir (on a busy machine an app can take seconds to go): waited for.
      for (const signal of ['TERM', 'KILL']) {
        try { execFileSync('pkill', [`-${signal}`, '-f', commandLine]); } catch { /* none left */ }
        const deadline = Date.now() + 30000;
        while (running() && Date.now() < deadline) await sleep(100);
        if (!running()) break;
      }
      fs.rmSync(fresh.XDG_DATA_HOME, { recursive: true, force: true });
      open.delete(session);
    },
  };
  open.add(session);
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      await session.end();
      throw new Error(`tauri-driver did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const caps = new Capabilities();
  caps.setBrowserName('wry');
  caps.set('tauri:options', { application: appBinary, args });
  let driver;
  try {
    driver = await new Builder()
      .withCapabilities(caps)
      .usingServer(`http://127.0.0.1:${port}/`)
      .usingHttpAgent(new PatientAgent())
      .build();
  } catch (e) {
    e.session = session;
    throw e;
  }
  const stop = async () => {
    // quit() closes the app; never let a stuck session hang the suite.
    await Promise.race([driver.quit().catch(() => {}), sleep(8000)]);
    await session.end();
  };
  return { driver, stop };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh XDG_DATA_HOME for each launch: what the webview remembers (knob settings, sort,
 *  volume in localStorage) never leaks from one test, or one run, into the next. The MusiCNN
 *  models stay where they are installed. */
function isolated() {
  if (installed) return { XDG_DATA_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'segue-e2e-xdg-')), SEGUE_MODEL_DIR: '' };
  const models = process.env.SEGUE_MODEL_DIR ||
    path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local/share'), 'segue/models');
  return {
    XDG_DATA_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'segue-e2e-xdg-')),
    ...(fs.existsSync(models) ? { SEGUE_MODEL_DIR: models } : {}),
  };
}

/** The playlist view as the user sees it (state, rows with their scores, words and reasons). */
export async function playlistView(driver) {
  return driver.executeScript(`
    const p = document.getElementById('playlist');
    if (!p) return null;
    const status = document.getElementById('playlist-status');
    const shortfall = document.getElementById('playlist-shortfall');
    return {
      state: p.dataset.state, count: Number(p.dataset.count), seed: Number(p.dataset.seed),
      length: Number(p.dataset.length || 0), generation: Number(p.dataset.generation || 0),
      savedId: p.dataset.savedId ? Number(p.dataset.savedId) : null,
      status: status.hidden ? '' : status.textContent, shortfall: shortfall.hidden ? '' : shortfall.textContent,
      message: p.querySelector('.playlist-message:not([hidden])')?.textContent ?? '',
      rows: [...p.querySelectorAll('#playlist-list li.playlist-row')].map((li) => ({
        id: Number(li.dataset.id), score: Number(li.dataset.score),
        closeness: li.dataset.closeness ?? null, word: li.querySelector('.playlist-score').textContent,
        reasons: li.querySelector('.playlist-reasons').textContent,
      })),
    };`);
}

/** The player bar as the user sees it, and the table row it marks. */
export async function playerBar(driver) {
  return driver.executeScript(`
    const p = document.getElementById('player');
    if (!p) return null;
    const seek = document.getElementById('player-seek');
    const msg = document.getElementById('player-message');
    const tr = p.dataset.id ? document.querySelector('.track-row[data-id="' + p.dataset.id + '"]') : null;
    return {
      hidden: p.hidden, status: p.dataset.status, id: p.dataset.id ? Number(p.dataset.id) : null,
      title: document.getElementById('player-title').textContent, artist: document.getElementById('player-artist').textContent,
      toggle: document.getElementById('player-toggle').textContent, time: document.getElementById('player-time').textContent,
      position: Number(seek.value), max: Number(seek.max), message: msg.hidden ? '' : msg.textContent,
      row: tr ? { playing: tr.classList.contains('playing'), current: tr.getAttribute('aria-current'), button: tr.querySelector('button.play')?.textContent } : null,
    };`);
}

/** Polls `fn` until it returns a truthy value; fails with `what` and the last value. */
export async function eventually(fn, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls `read` until `pred(value)` holds; the error names the last value read. */
export async function waitFor(read, pred, what, timeoutMs = 30000) {
  let seen;
  try {
    return await eventually(async () => {
      seen = await read();
      return pred(seen) ? seen ?? true : false;
    }, what, timeoutMs);
  } catch (e) {
    throw new Error(`${e.message}; last value: ${JSON.stringify(seen)}`);
  }
}

/** An element's full text (WebKitWebDriver's getText() on table rows returns only part). */
export async function textOf(driver, element) {
  return driver.executeScript('return arguments[0].textContent', element);
}

/** True when the element takes up space on screen (WebKitWebDriver's isDisplayed is unreliable). */
export async function visible(driver, element) {
  return driver.executeScript(
    'const r = arguments[0].getBoundingClientRect(); const s = getComputedStyle(arguments[0]);' +
      'return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";',
    element,
  );
}

/** Clicks `css` once it exists and accepts clicks (the UI may still be laying out). */
export async function clickWhenReady(driver, css, what, timeoutMs = 20000) {
  return eventually(async () => {
    await (await driver.findElement(By.css(css))).click();
    return true;
  }, what ?? css, timeoutMs);
}

/** `fn` again while the table re-renders under it: its rows are recycled, so an element found a
 *  moment ago may be gone by the time an action uses it (a StaleElementReferenceError). */
export async function unstale(fn, tries = 20) {
  for (let i = 0; ; i++) {
    try { return await fn(); } catch (e) { if (e.name !== 'StaleElementReferenceError' || i >= tries) throw e; }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Selects rows `first` and `second` as a user does (a click, then Ctrl+click) until the
 * selection panel counts both: a click that lands while the table re-renders its rows can
 * leave one selected (a CI run saw the panel never appear), and then both are clicked again.
 */
export async function selectTwoRows(driver, first, second, attempts = 4) {
  const cellOf = (index) => `.track-row[data-index="${index}"] td:nth-child(2)`;
  for (let attempt = 1; ; attempt++) {
    await selectRow(driver, first);
    await unstale(async () => driver.actions().keyDown('\uE009').click(await driver.findElement(By.css(cellOf(second)))).keyUp('\uE009').perform());
    try {
      return await waitFor(() => attr(driver, '#detail-selection', 'data-count').catch(() => null), (n) => n === '2', 'two rows selected', 5000);
    } catch (e) {
      console.log(`# two-row selection attempt ${attempt} missed: ${e.message}`);
      if (attempt === attempts) throw e;
    }
  }
}

/**
 * Clicks row `index` (a cell: WebKit's driver does not take a <tr> as clickable) until it reads
 * selected. On a busy machine a click can land while the table re-renders the row under it and
 * select nothing; then it is clicked again.
 */
export async function selectRow(driver, index, what = `row ${index} selected`, timeoutMs = 60000) {
  const row = `.track-row[data-index="${index}"]`;
  let clicked = false;
  return eventually(async () => {
    if (clicked && (await attr(driver, row, 'aria-selected')) === 'true') return true;
    await (await driver.findElement(By.css(`${row} td:nth-child(2)`))).click();
    clicked = true;
    await new Promise((r) => setTimeout(r, 500));
    return (await attr(driver, row, 'aria-selected')) === 'true';
  }, what, timeoutMs);
}

/** Waits for the analysis to finish as long as it keeps moving: fails only when neither its
 *  phase nor its count of processed tracks changes for `stallMs` (a busy machine is slow, not
 *  stuck), or after `ceilingMs` in all. `tracks`: in a library just filled, the run must have
 *  processed this many (before it starts, the phase reads idle). */
export async function analysisDone(driver, { tracks = 0, stallMs = 120000, ceilingMs = 1800000 } = {}) {
  const read = () => driver.executeScript(`
    const el = document.getElementById('analysis-progress');
    return el && { phase: el.dataset.phase ?? null, processed: el.dataset.processed ?? null };`);
  const start = Date.now();
  let last = null;
  let lastChange = Date.now();
  for (;;) {
    const now = await read().catch(() => null);
    const finished = now && (now.phase === 'done' || now.phase === 'idle');
    if (finished && Number(now.processed ?? 0) >= tracks) return now;
    if (JSON.stringify(now) !== JSON.stringify(last)) { last = now; lastChange = Date.now(); }
    if (Date.now() - lastChange > stallMs) throw new Error(`analysis made no progress for ${stallMs / 1000} s: ${JSON.stringify(last)}`);
    if (Date.now() - start > ceilingMs) throw new Error(`analysis not done after ${ceilingMs / 1000} s: ${JSON.stringify(last)}`);
    await sleep(250);
  }
}

/**
 * An attribute of the first element matching `css`, found and read in one script: the table
 * recycles its rows, so an element found by one driver call may be stale by the next.
 */
export async function attr(driver, css, name) {
  const found = await driver.executeScript(
    'const el = document.querySelector(arguments[0]); return el ? [el.getAttribute(arguments[1])] : null;',
    css, name);
  if (!found) throw new Error(`no element matches ${css}`);
  return found[0];
}

export async function saveScreenshot(driver, name) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, name);
  fs.writeFileSync(file, Buffer.from(await driver.takeScreenshot(), 'base64'));
  return file;
}

/** A mono 16-bit WAV of a sine: `seconds` long at `hz`. */
export function writeWav(file, seconds, hz, rate = 8000) {
  const n = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, buf);
}

/** Types a path into the open GTK folder chooser and confirms it (xdotool; no WM needed). */
export async function answerFolderDialog(folder) {
  await answerOpenDialog(folder, 'Add a music folder');
}

/** Types `target` (a full path) into the open GTK file or folder chooser titled `title` and
 *  confirms it (xdotool; no WM needed). */
export async function answerOpenDialog(target, title) {
  const wid = await eventually(() => {
    try {
      return execFileSync('xdotool', ['search', '--onlyvisible', '--name', title]).toString().trim().split('\n')[0];
    } catch { return null; }
  }, `the native dialog "${title}"`, 20000);
  execFileSync('xdotool', ['windowfocus', '--sync', wid]);
  await new Promise((r) => setTimeout(r, 300));
  execFileSync('xdotool', ['key', '--window', wid, 'ctrl+l']);
  await new Promise((r) => setTimeout(r, 300));
  execFileSync('xdotool', ['type', '--delay', '15', target]);
  await new Promise((r) => setTimeout(r, 800));
  // GTK completes inline (a selected "/" or subfolder name after the typed path); Delete
  // drops the completion so Return chooses exactly the typed path.
  execFileSync('xdotool', ['key', 'Delete']);
  await new Promise((r) => setTimeout(r, 200));
  execFileSync('xdotool', ['key', 'Return']);
  await eventually(() => {
    try {
      execFileSync('xdotool', ['search', '--onlyvisible', '--name', title]);
      return false;
    } catch { return true; }
  }, `the dialog "${title}" to close`, 10000);
}

/** Answers the native save dialog (GTK) with `file`, a full path: selects the suggested name,
 *  types the path over it and confirms (xdotool; no WM needed). `title` is a regular expression
 *  for the dialog's window title (xdotool matches case-insensitively). */
export async function answerSaveDialog(file, title = 'export|save') {
  const find = () => execFileSync('xdotool', ['search', '--onlyvisible', '--name', title]).toString().trim().split('\n')[0];
  const wid = await eventually(() => {
    try { return find(); } catch { return null; }
  }, 'the native save dialog', 20000);
  execFileSync('xdotool', ['windowfocus', '--sync', wid]);
  await new Promise((r) => setTimeout(r, 300));
  // The name field has the focus with the suggested name's stem selected: select all of it,
  // so the typed path replaces the extension too. GTK takes a full path in the name field.
  execFileSync('xdotool', ['key', '--window', wid, 'ctrl+a']);
  await new Promise((r) => setTimeout(r, 200));
  execFileSync('xdotool', ['type', '--delay', '15', file]);
  await new Promise((r) => setTimeout(r, 800));
  // Drop an inline completion GTK may have added after the typed text (see answerFolderDialog).
  execFileSync('xdotool', ['key', 'Delete']);
  await new Promise((r) => setTimeout(r, 200));
  execFileSync('xdotool', ['key', 'Return']);
  await eventually(() => {
    try { find(); return false; } catch { return true; }
  }, 'the save dialog to close', 10000);
}

/** A home directory whose .asoundrc sends ALSA's default device into `raw` (S16LE, 48 kHz,
 *  stereo, no header) through the `file` plugin, in front of the `null` device: what a program
 *  started with HOME=<the returned dir> plays ends up in that file, sound card or not. The null
 *  device does not pace playback: the audio comes out much faster than real time, with long runs
 *  of silence between bursts, and silence goes on being written (hundreds of MB a second) for as
 *  long as the program keeps its output open — quit it soon after. */
export function alsaCaptureHome(dir, raw) {
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, '.asoundrc'), `pcm.!default {
    type plug
    slave { pcm "segue_capture"; format S16_LE; rate 48000; channels 2 }
}
pcm.segue_capture {
    type file
    slave.pcm "null"
    file "${raw.replace(/["\\]/g, '\\$&')}"
    format "raw"
}
`);
  return home;
}

/** What an alsaCaptureHome capture holds, without the silence: the frames where either channel
 *  is not zero, as mono floats (-1 … 1). Read in chunks (the file can be large). */
export function capturedAudio(raw) {
  const fd = fs.openSync(raw, 'r');
  const chunk = Buffer.alloc(1 << 22);
  const parts = [];
  let n = 0;
  let pos = 0;
  try {
    for (;;) {
      const got = fs.readSync(fd, chunk, 0, chunk.length, pos);
      const whole = got - (got % 4); // whole frames; a torn last frame is dropped
      if (whole <= 0) break;
      pos += whole;
      const out = new Float32Array(whole / 4);
      let k = 0;
      for (let i = 0; i < whole; i += 4) {
        const l = chunk.readInt16LE(i), r = chunk.readInt16LE(i + 2);
        if (l !== 0 || r !== 0) out[k++] = (l + r) / 65536;
      }
      if (k) { parts.push(out.subarray(0, k)); n += k; }
    }
  } finally {
    fs.closeSync(fd);
  }
  const all = new Float32Array(n);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return all;
}

/** The `segue` CLI's JSON output for `args`, on the same database as the app (SQLite WAL allows it). */
export function segueJson(dataDir, ...args) {
  return JSON.parse(execFileSync(cliBinary, ['--data-dir', dataDir, ...args, '--json'], { encoding: 'utf8' }));
}

/** What the engine stored, read with the CLI. */
export function storedTracks(dataDir) {
  return segueJson(dataDir, 'tracks');
}

/** The app's window on the X screen: {x, y, width, height} (the largest window named Segue). */
function appWindow() {
  const ids = execFileSync('xdotool', ['search', '--onlyvisible', '--name', '^Segue$'], { encoding: 'utf8' }).trim().split(/\s+/);
  let best = null;
  for (const id of ids) {
    let shell;
    try { shell = execFileSync('xdotool', ['getwindowgeometry', '--shell', id], { encoding: 'utf8' }); } catch { continue; } // gone since
    const g = Object.fromEntries(shell.trim().split('\n').map((l) => l.split('=')).map(([k, v]) => [k, Number(v)]));
    if (!best || g.WIDTH * g.HEIGHT > best.width * best.height) best = { x: g.X, y: g.Y, width: g.WIDTH, height: g.HEIGHT };
  }
  if (!best) throw new Error('no window named Segue on the screen');
  return best;
}

/** Drops `file` on the app's window as a user does from a file manager: a real XDND drag from
 *  a small GTK window offering it (drag-source.py, beside the app) to the middle of the app,
 *  with real pointer events (xdotool). Resolves once the drag has ended; whether the drop landed
 *  is for the app to show. GTK starts a drag past a threshold and needs motion over the target
 *  before the release: the pointer moves in 20 steps. */
export async function dropFile(file) {
  const app = appWindow();
  const screenWidth = Number(execFileSync('xdotool', ['getdisplaygeometry'], { encoding: 'utf8' }).split(/\s+/)[0]);
  const beside = app.x + app.width + 20;
  const at = beside + 160 <= screenWidth ? ['--x', String(beside), '--y', String(app.y)] : ['--x', '0', '--y', String(app.y + app.height + 20)];
  const source = spawn('/usr/bin/python3', [path.join(repo, 'tests/e2e/drag-source.py'), file, ...at, '--timeout', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  source.stdout.on('data', (d) => { out += d; });
  source.stderr.on('data', (d) => { err += d; });
  const ended = new Promise((resolve) => source.on('exit', resolve));
  const ready = await waitFor(async () => out.match(/READY (\d+) (\d+) (\d+) (\d+)/), Boolean, 'the drag source window', 20000);
  const [sx, sy, sw, sh] = ready.slice(1).map(Number);
  const from = [sx + Math.round(sw / 2), sy + Math.round(sh / 2)];
  const to = [app.x + Math.round(app.width / 2), app.y + Math.round(app.height / 2)];
  const xdo = (...args) => execFileSync('xdotool', args.map(String));
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  xdo('mousemove', '--sync', ...from);
  await pause(100);
  xdo('mousedown', 1);
  await pause(100);
  for (let i = 1; i <= 20; i++) {
    xdo('mousemove', Math.round(from[0] + ((to[0] - from[0]) * i) / 20), Math.round(from[1] + ((to[1] - from[1]) * i) / 20));
    await pause(50);
  }
  await pause(200);
  xdo('mouseup', 1);
  const code = await Promise.race([ended, pause(15000).then(() => 'timeout')]);
  if (code === 'timeout') source.kill();
  if (code !== 0 || /drag-failed/.test(err)) throw new Error(`the drag did not end in a drop (${code}): ${err.trim()}`);
}
