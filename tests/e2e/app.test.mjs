// The real app, end to end: add a folder through the native dialog, watch the scan finish,
// browse and search the table, see failures, reopen and find the same library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, eventually, waitFor, attr, textOf, visible, clickWhenReady, saveScreenshot, writeWav, answerFolderDialog, By } from './harness.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segue-e2e-'));
const music = path.join(root, 'Music Library');
const data = path.join(root, 'data');
const GOOD = 24;

before(() => {
  for (let i = 0; i < GOOD; i++) {
    const name = i % 3 === 0 ? `Alpha ${i}.wav` : `Beta ${i}.wav`;
    writeWav(path.join(music, `disc ${i % 4}`, name), 1 + (i % 5) * 0.5, 220 + i * 20);
  }
  fs.writeFileSync(path.join(music, 'broken.mp3'), 'not an mp3 at all, just text\n'.repeat(20));
  fs.writeFileSync(path.join(music, 'cover.jpg'), 'ignored');
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

async function rowCount(driver) {
  return Number(await attr(driver, '#row-count', 'data-total'));
}

test('add a folder via the native dialog, scan, browse, search, see failures', async () => {
  const { driver, stop } = await launch(['--data-dir', data]);
  try {
    // First run: the empty state offers both ways in.
    await waitFor(async () => visible(driver, await driver.findElement(By.id('demo-library'))), Boolean, 'the empty state with its demo button');
    await clickWhenReady(driver, '#empty-add-folder');
    await answerFolderDialog(music);

    await waitFor(() => attr(driver, '#scan-progress', 'data-phase'), (p) => p === 'done', 'scan done');
    await waitFor(() => rowCount(driver), (n) => n === GOOD, `${GOOD} rows`);
    const rows = await driver.findElements(By.css('.track-row'));
    assert.ok(rows.length > 0 && rows.length <= GOOD, `rendered ${rows.length} rows`);
    await saveScreenshot(driver, 'library.png');

    // The folder is listed with its track count.
    // (Lists re-render on every library change: read them inside retries, never hold elements.)
    await waitFor(
      async () => Promise.all((await driver.findElements(By.css('.folder-item'))).map((f) => textOf(driver, f))),
      (texts) => texts.length === 1 && /Music Library/.test(texts[0]) && /24/.test(texts[0]),
      'one folder with 24 tracks',
    );

    // Search filters the table.
    await driver.findElement(By.id('search')).sendKeys('alpha');
    const alpha = Array.from({ length: GOOD }, (_, i) => i).filter((i) => i % 3 === 0).length;
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-matched')), (n) => n === alpha, `${alpha} matches`);
    await waitFor(
      async () => Promise.all((await driver.findElements(By.css('.track-row'))).map((r) => textOf(driver, r))),
      (texts) => texts.length === alpha && texts.every((t) => /Alpha/.test(t)),
      'only Alpha rows shown',
    );

    // The unreadable file is listed with a reason.
    await clickWhenReady(driver, '#nav-failures');
    await waitFor(
      async () => Promise.all((await driver.findElements(By.css('.failure-row'))).map((f) => textOf(driver, f))),
      (texts) => texts.length === 1 && /broken\.mp3/.test(texts[0]) && /not audio/i.test(texts[0]),
      'one failure row for broken.mp3, with its reason',
    );
    await saveScreenshot(driver, 'failures.png');
  } finally {
    await stop();
  }
});

test('reopening shows the same library at once', async () => {
  const { driver, stop } = await launch(['--data-dir', data]);
  try {
    const started = Date.now();
    await waitFor(() => rowCount(driver), (n) => n === GOOD, 'rows after restart', 15000);
    const rows = await driver.findElements(By.css('.track-row'));
    assert.ok(rows.length > 0);
    console.log(`# library of ${GOOD} tracks visible ${Date.now() - started} ms after the session started`);
  } finally {
    await stop();
  }
});

test('the demo library fills the table', async () => {
  const demoData = path.join(root, 'demo-data');
  const { driver, stop } = await launch(['--data-dir', demoData]);
  try {
    await clickWhenReady(driver, '#demo-library');
    await waitFor(() => attr(driver, '#scan-progress', 'data-phase'), (p) => p === 'done', 'demo scan done', 60000);
    await waitFor(() => rowCount(driver), (n) => n === 36, '36 demo tracks');
    // Sorting by artist puts "Copper Lanes" first.
    await clickWhenReady(driver, 'th[data-sort="artist"]');
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('.track-row[data-index="0"]'))),
      (t) => /Copper Lanes/.test(t),
      'sorted by artist',
    );
    // Keyboard: arrows move the selection, Enter opens the details of the selected track.
    const body = await driver.findElement(By.css('body'));
    await body.sendKeys('\uE015', '\uE015', '\uE015');
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('.track-row[aria-selected="true"]'))),
      (t) => /Wildflower Ridge/.test(t),
      'third row selected',
    );
    await body.sendKeys('\uE007');
    const panel = await driver.findElement(By.id('detail-panel'));
    await waitFor(() => textOf(driver, panel), (t) => /Wildflower Ridge/.test(t) && /Folk/.test(t) && /22\.1 kHz/.test(t), 'detail panel');
    await saveScreenshot(driver, 'demo.png');
  } finally {
    await stop();
  }
});
