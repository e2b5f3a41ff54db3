// The real app, end to end: add a folder through the native dialog, watch the scan finish,
// browse and search the table, see failures, reopen and find the same library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, eventually, waitFor, attr, textOf, visible, saveScreenshot, writeWav, answerFolderDialog, By } from './harness.mjs';

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
    const add = await eventually(() => driver.findElement(By.id('empty-add-folder')), 'the empty state');
    assert.ok(await visible(driver, await driver.findElement(By.id('demo-library'))), 'demo button visible');
    await add.click();
    await answerFolderDialog(music);

    await waitFor(() => attr(driver, '#scan-progress', 'data-phase'), (p) => p === 'done', 'scan done');
    await waitFor(() => rowCount(driver), (n) => n === GOOD, `${GOOD} rows`);
    const rows = await driver.findElements(By.css('.track-row'));
    assert.ok(rows.length > 0 && rows.length <= GOOD, `rendered ${rows.length} rows`);
    await saveScreenshot(driver, 'library.png');

    // The folder is listed with its track count.
    const folders = await driver.findElements(By.css('.folder-item'));
    assert.equal(folders.length, 1);
    assert.match(await textOf(driver, folders[0]), /Music Library/);

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
    await driver.findElement(By.id('nav-failures')).click();
    const failure = await eventually(async () => (await driver.findElements(By.css('.failure-row')))[0], 'a failure row');
    const text = await textOf(driver, failure);
    assert.match(text, /broken\.mp3/);
    assert.match(text, /not audio/i);
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
    const demo = await eventually(() => driver.findElement(By.id('demo-library')), 'the demo button');
    await demo.click();
    await waitFor(() => attr(driver, '#scan-progress', 'data-phase'), (p) => p === 'done', 'demo scan done', 60000);
    await waitFor(() => rowCount(driver), (n) => n === 36, '36 demo tracks');
    // Sorting by artist puts "Copper Lanes" first.
    await driver.findElement(By.css('th[data-sort="artist"]')).click();
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('.track-row[data-index="0"]'))),
      (t) => /Copper Lanes/.test(t),
      'sorted by artist',
    );
    await saveScreenshot(driver, 'demo.png');
  } finally {
    await stop();
  }
});
