// Cold start of the real app to an interactive library table, with N tracks in the database.
// Prints figures; never passes or fails. Run under a display:
//   cargo build -p segue-app && cargo build --release -p segue-cli
//   xvfb-run -a node benches/app_startup.mjs [TRACKS] [RUNS]   (env SEGUE_STARTUP_DATA: see below)
// The debug app by default; SEGUE_APP=$PWD/target/release/segue-app for the build users get.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, waitFor, attr, By, repo } from '../tests/e2e/harness.mjs';

const tracks = Number(process.argv[2] ?? 100000);
const runs = Number(process.argv[3] ?? 3);
// SEGUE_STARTUP_DATA: a data dir of TRACKS tracks to start on as it is (say, one seeded with
// `segue bench seed --analysed` and its index built), kept afterwards; else a fresh library of
// TRACKS unanalysed synthetic tracks, removed afterwards.
const given = process.env.SEGUE_STARTUP_DATA;
const data = given ?? fs.mkdtempSync(path.join(os.tmpdir(), 'segue-startup-'));
if (!given) {
  const cli = fs.existsSync(path.join(repo, 'target/release/segue')) ? 'target/release/segue' : 'target/debug/segue';
  execFileSync(path.join(repo, cli), ['--data-dir', data, 'bench', 'seed', '--tracks', String(tracks)]);
}

const times = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const launchedAt = Date.now();
  const { driver, stop } = await launch(['--data-dir', data]);
  try {
    const sessionMs = performance.now() - started;
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === tracks, 'table filled', 30000);
    await waitFor(async () => (await driver.findElements(By.css('.track-row'))).length, (n) => n > 10, 'rows rendered', 30000);
    const readyMs = performance.now() - started;
    // Interactive: a key press moves the selection and the table answers.
    await driver.findElement(By.css('body')).sendKeys('\uE015');
    await waitFor(async () => (await driver.findElements(By.css('.track-row.selected, .track-row[aria-selected="true"]'))).length, (n) => n > 0, 'selection', 10000);
    const interactiveMs = performance.now() - started;
    // Where the time went: the page's own clock starts when the window begins loading it.
    const [origin, booted] = await driver.executeScript(
      "return [performance.timeOrigin, performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? 0]");
    const pageMs = origin - launchedAt;
    times.push({ sessionMs, readyMs, interactiveMs });
    // Idle memory: the app's own process, and the WebKit processes it started, 5 s after.
    await new Promise((r) => setTimeout(r, 5000));
    const rss = (pattern) => {
      try {
        return execFileSync('bash', ['-c', `for p in $(pgrep -f '${pattern}'); do grep VmRSS /proc/$p/status; done | awk '{s += $2} END {print s / 1024}'`]).toString().trim();
      } catch {
        return '?';
      }
    };
    const appRss = rss('target/.*/segue-app');
    const webRss = rss('WebKitWebProcess|WebKitNetworkProcess');
    // Closed as a window manager would, so the next run starts after a clean exit (the
    // open then skips the full check of the file: see ARCHITECTURE "Restore on open").
    try {
      const windows = execFileSync('xdotool', ['search', '--name', '^Segue$']).toString().trim().split('\n');
      execFileSync('python3', [path.join(repo, 'tests/e2e/close-window.py'), ...windows]);
      for (let t = 0; t < 300; t++) {
        try { execFileSync('pgrep', ['-f', 'segue-app --data-dir']); } catch { break; }
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch { /* stop() ends it */ }
    console.log(`run ${i + 1}: window+webview up ${(sessionMs / 1000).toFixed(2)} s, page loading from ${(pageMs / 1000).toFixed(2)} s, its script running from ${((pageMs + booted) / 1000).toFixed(2)} s, ${tracks} tracks counted and first rows shown ${(readyMs / 1000).toFixed(2)} s, answers a key ${(interactiveMs / 1000).toFixed(2)} s; idle RSS: app ${appRss} MB, WebKit ${webRss} MB`);
  } finally {
    await stop();
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median cold start to an interactive table with ${tracks} tracks: ${(median(times.map((t) => t.interactiveMs)) / 1000).toFixed(2)} s (includes WebDriver session setup)`);
if (!given) fs.rmSync(data, { recursive: true, force: true });
