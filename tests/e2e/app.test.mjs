// The real app, end to end: add a folder through the native dialog, watch the scan finish,
// browse and search the table, see failures, reopen and find the same library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, eventually, attr, saveScreenshot, writeWav, answerFolderDialog, By } from './harness.mjs';

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
    assert.ok(await driver.findElement(By.id('demo-library')).isDisplayed());
    await add.click();
    await answerFolderDialog(music);

    await eventually(async () => (await attr(driver, '#scan-progress', 'data-phase')) === 'done', 'scan done');
    await eventually(async () => (await rowCount(driver)) === GOOD, `${GOOD} rows`);
    const rows = await driver.findElements(By.css('.track-row'));
    assert.ok(rows.length > 0 && rows.length <= GOOD, `rendered ${rows.length} rows`);
    await saveScreenshot(driver, 'library.png');

    // The folder is listed with its track count.
    const folders = await driver.findElements(By.css('.folder-item'));
    assert.equal(folders.length, 1);
    assert.match(await folders[0].getText(), /Music Library/);

    // Search filters the table.
    await driver.findElement(By.id('search')).sendKeys('alpha');
    const alpha = Array.from({ length: GOOD }, (_, i) => i).filter((i) => i % 3 === 0).length;
    await eventually(async () => Number(await attr(driver, '#row-count', 'data-matched')) === alpha, `${alpha} matches`);
    await eventually(async () => {
      const texts = await Promise.all((await driver.findElements(By.css('.track-row'))).map((r) => r.getText()));
      return texts.length === alpha && texts.every((t) => /Alpha/.test(t));
    }, 'only Alpha rows shown');

    // The unreadable file is listed with a reason.
    await driver.findElement(By.id('nav-failures')).click();
    const failure = await eventually(async () => (await driver.findElements(By.css('.failure-row')))[0], 'a failure row');
    const text = await failure.getText();
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
    await eventually(async () => (await rowCount(driver)) === GOOD, 'rows after restart', 15000);
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
    await eventually(async () => (await attr(driver, '#scan-progress', 'data-phase')) === 'done', 'demo scan done', 60000);
    await eventually(async () => (await rowCount(driver)) === 36, '36 demo tracks');
    // Sorting by artist puts "Copper Lanes" first.
    await driver.findElement(By.css('th[data-sort="artist"]')).click();
    await eventually(async () => /Copper Lanes/.test(await (await driver.findElement(By.css('.track-row[data-index="0"]'))).getText()), 'sorted by artist');
    await saveScreenshot(driver, 'demo.png');
  } finally {
    await stop();
  }
});
