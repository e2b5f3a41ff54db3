// The README's screenshots, taken from the real app on a real library (not a test: node --test
// does not pick this file up). The library must be scanned and analysed already, e.g. the shared
// real recordings (docs/benchmarks.md, "How to run"):
//
//   cargo build -p segue-app
//   xvfb-run -a -s "-screen 0 1400x900x24" node tests/e2e/readme-screenshots.mjs DATA_DIR "Hypatia's theme"
//
// writes docs/screenshot.png (the library, a track's details and similar tracks) and
// docs/screenshot-playlist.png (the default playlist from that seed) and docs/screenshot-map.png
// (the map coloured by album, with that playlist's path); with GTK_THEME=Adwaita:dark
// in the environment, the -dark variants.
import fs from 'node:fs';
import path from 'node:path';
import { launch, waitFor, analysisDone, attr, clickWhenReady, By, repo } from './harness.mjs';

const [data, seedTitle] = process.argv.slice(2);
if (!data || !seedTitle) {
  console.error('usage: node tests/e2e/readme-screenshots.mjs DATA_DIR "seed title"');
  process.exit(2);
}
const dark = /:dark$/.test(process.env.GTK_THEME ?? '');
const suffix = dark ? '-dark' : '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function save(driver, name) {
  const file = path.join(repo, 'docs', `${name}${suffix}.png`);
  fs.writeFileSync(file, Buffer.from(await driver.takeScreenshot(), 'base64'));
  console.log(`wrote ${path.relative(repo, file)}`);
}

const { driver, stop } = await launch(['--data-dir', path.resolve(data)], process.env.GTK_THEME ? { GTK_THEME: process.env.GTK_THEME } : {});
try {
  await driver.manage().window().setRect({ x: 0, y: 0, width: 1360, height: 860 });
  await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n > 0, 'the library\'s tracks', 60000);
  await analysisDone(driver);

  // The library with one track's details and the tracks that sound like it.
  const total = Number(await attr(driver, '#row-count', 'data-total'));
  const row = Math.min(7, total - 1);
  await clickWhenReady(driver, `.track-row[data-index="${row}"] td:nth-child(2)`);
  await waitFor(() => attr(driver, `.track-row[data-index="${row}"]`, 'aria-selected'), (v) => v === 'true', 'a track selected');
  await waitFor(() => attr(driver, '#similar', 'data-state'), (s) => s === 'ready', 'its similar tracks', 300000);
  await sleep(800); // let the panel settle
  await save(driver, 'screenshot');

  // The seed found by its title, and the default playlist from it.
  await driver.findElement(By.id('search')).sendKeys(seedTitle);
  await waitFor(async () => Number(await attr(driver, '#row-count', 'data-matched')), (n) => n >= 1 && n < total, `"${seedTitle}" in the table`);
  await clickWhenReady(driver, '.track-row[data-index="0"] td:nth-child(2)');
  await waitFor(() => attr(driver, '.track-row[data-index="0"]', 'aria-selected'), (v) => v === 'true', 'the seed selected');
  await driver.findElement(By.css('body')).sendKeys('p');
  await waitFor(() => attr(driver, '#playlist', 'data-state'), (s) => s === 'ready', 'the playlist', 300000);
  await sleep(800);
  await save(driver, 'screenshot-playlist');

  // The map coloured by album (a soundtrack each, in the real recordings), with that playlist's
  // path drawn through it.
  await clickWhenReady(driver, '#nav-map');
  await waitFor(() => attr(driver, '#map-canvas', 'data-state'), (s) => s === 'ready', 'the map', 300000);
  await clickWhenReady(driver, '#map-colour-by option[value="album"]');
  await waitFor(() => attr(driver, '#map-canvas', 'data-colour-by'), (v) => v === 'album', 'coloured by album');
  await waitFor(() => attr(driver, '#map-canvas', 'data-path'), (n) => Number(n) > 0, 'the playlist\'s path');
  await sleep(800);
  await save(driver, 'screenshot-map');
} finally {
  await stop();
}
