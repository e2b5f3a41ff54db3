// Not a test: measures how fast the real app pans and zooms a large map, and prints the frame
// times (docs/benchmarks.md records them). Make the library first, then run under Xvfb:
//   ./target/release/segue bench map-speed --tracks 100000 --keep /tmp/map100k
//   xvfb-run -a -s "-screen 0 1400x900x24" node tests/e2e/map-frames.mjs /tmp/map100k [frames]
import { launch, waitFor, attr, clickWhenReady, saveScreenshot } from './harness.mjs';

const [dataDir, framesArg] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: node tests/e2e/map-frames.mjs DATA_DIR [frames]');
const frames = Number(framesArg ?? 240);

const { driver, stop } = await launch(['--data-dir', dataDir]);
try {
  const opened = Date.now();
  await clickWhenReady(driver, '#nav-map', 'the Map nav', 120000);
  const points = await waitFor(() => attr(driver, '#map-canvas', 'data-points'), (n) => Number(n) > 0,
    'the map drawn', 600000);
  const shownS = (Date.now() - opened) / 1000;
  const size = await driver.executeScript(`
    const c = document.getElementById('map-canvas');
    return { css: [c.clientWidth, c.clientHeight], pixels: [c.width, c.height], dpr: devicePixelRatio };`);
  // Once to warm up, then measured.
  await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
    document.getElementById('map-canvas').mapProbe.measureFrames(30).then(done, (e) => done(String(e)));`);
  const times = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
    document.getElementById('map-canvas').mapProbe.measureFrames(arguments[0]).then(done, (e) => done(String(e)));`, frames);
  if (!Array.isArray(times)) throw new Error(`measureFrames failed: ${times}`);
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
  const mean = times.reduce((t, v) => t + v, 0) / times.length;
  console.log(`${points} points on a ${size.pixels.join('×')} canvas (${size.css.join('×')} CSS px, dpr ${size.dpr}); ` +
    `map shown ${shownS.toFixed(1)} s after the window opened`);
  console.log(`${times.length} frames of pan + zoom: median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, ` +
    `max ${sorted[sorted.length - 1].toFixed(1)} ms; mean ${mean.toFixed(1)} ms = ${(1000 / mean).toFixed(1)} frames/s`);
  await saveScreenshot(driver, 'map-frames.png');
} finally {
  await stop();
}
