// Lists that move, and music asked for in words, in the real app on the demo library: a journey
// between two selected tracks (start and end kept, each step explained), the playlist sorted by
// tempo and the sort undone, a playlist that ramps its tempo up (the Ramp knob), and a
// description typed in the describe box.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, waitFor, analysisDone, attr, clickWhenReady, saveScreenshot, playlistView, By } from './harness.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segue-e2e-journeys-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A cell of the table row at `index` (WebKit's driver does not click a <tr>). */
const cell = (index, n = 2) => `.track-row[data-index="${index}"] td:nth-child(${n})`;
/** The playlist rows' ids and BPM, in order. */
const rows = (driver) => driver.executeScript(`
  return [...document.querySelectorAll('#playlist-list li.playlist-row')].map((li) => ({
    id: Number(li.dataset.id), bpm: Number(li.querySelector('.playlist-bpm').textContent) }))`);
const ready = (driver, what) => waitFor(() => playlistView(driver), (p) => p?.state === 'ready' && p.count > 0, what, 60000);
/** Chooses `value` in a <select> as a user does (a change event). */
const choose = (driver, css, value) => driver.executeScript(
  `const s = document.querySelector(${JSON.stringify(css)}); s.value = ${JSON.stringify(value)}; s.dispatchEvent(new Event('change', { bubbles: true }));`);
const rising = (xs) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);
/** `fn` again while the table re-renders under it (its rows are recycled: an element found a
 *  moment ago may be gone). */
async function unstale(fn) {
  for (let i = 0; ; i++) {
    try { return await fn(); } catch (e) { if (e.name !== 'StaleElementReferenceError' || i >= 20) throw e; }
    await new Promise((r) => setTimeout(r, 200));
  }
}
const title = (driver) => driver.executeScript("return document.getElementById('playlist-title').textContent");
const idAt = (driver, index) => driver.executeScript(`return Number(document.querySelector('.track-row[data-index="${index}"]')?.dataset.id)`);

test('a journey between two selected tracks, sorted and unsorted, a tempo ramp, and a description in words', async () => {
  const { driver, stop } = await launch(['--data-dir', path.join(root, 'data')]);
  try {
    await clickWhenReady(driver, '#demo-library');
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 36, '36 demo tracks', 60000);
    await analysisDone(driver, { tracks: 36 });

    // Two rows (the table is in title order): the first and the eighth.
    await unstale(() => clickWhenReady(driver, cell(0)));
    await waitFor(() => attr(driver, '.track-row[data-index="0"]', 'aria-selected'), (v) => v === 'true', 'row 0 selected');
    const from = await idAt(driver, 0);
    const to = await idAt(driver, 7);
    await unstale(async () => driver.actions().keyDown('\uE009').click(await driver.findElement(By.css(cell(7)))).keyUp('\uE009').perform());
    await waitFor(() => attr(driver, '#detail-selection', 'data-count'), (n) => n === '2', 'two rows selected');
    await clickWhenReady(driver, '#make-journey');
    const journey = await ready(driver, 'the journey');
    const ids = journey.rows.map((r) => r.id);
    assert.equal(ids[0], from, 'it starts at the first selected track');
    assert.equal(ids.at(-1), to, 'it ends at the second');
    assert.equal(new Set(ids).size, ids.length, 'no track twice');
    assert.ok(ids.length >= 4, `${ids.length} tracks`);
    assert.equal(journey.rows[0].reasons, 'the start');
    assert.ok(journey.rows.slice(1).every((r) => r.reasons.length > 0), 'every step says what changes');
    assert.match(await title(driver), /→/);
    await saveScreenshot(driver, 'journey.png');

    // Sorted by tempo: the same tracks, slowest first; Undo (Ctrl+Z) brings the journey back.
    await choose(driver, '#playlist-sort', 'tempo');
    const sorted = await waitFor(() => rows(driver), (r) => r.length === ids.length && r.some((x, i) => x.id !== ids[i]), 'sorted by tempo');
    assert.ok(rising(sorted.map((r) => r.bpm)), `tempo rises: ${sorted.map((r) => r.bpm)}`);
    assert.deepEqual([...sorted.map((r) => r.id)].sort(), [...ids].sort(), 'the same tracks');
    await driver.findElement(By.css('#playlist')).sendKeys('\uE009z');
    await waitFor(() => rows(driver), (r) => r.map((x) => x.id).join() === ids.join(), 'the journey back after Undo');

    // Back to the library: a playlist from the first row, then the Ramp knob: tempo rising.
    await driver.findElement(By.css('body')).sendKeys('\uE00C');
    await waitFor(() => driver.executeScript("return !document.getElementById('view-library').hidden"), (v) => v, 'the library again');
    await unstale(() => clickWhenReady(driver, cell(0)));
    await driver.findElement(By.css('body')).sendKeys('p');
    const plain = await ready(driver, 'a playlist from the first row');
    await choose(driver, '#knob-ramp', 'tempo-up');
    const ramped = await waitFor(() => playlistView(driver), (p) => p?.state === 'ready' && p.generation > plain.generation, 'the ramped playlist', 60000);
    const bpms = (await rows(driver)).map((r) => r.bpm);
    assert.ok(ramped.count >= 3 && rising(bpms), `tempo rises along the list: ${bpms}`);
    await choose(driver, '#knob-ramp', ''); // the knobs are remembered: leave it as found

    // Words: the describe box lists the tracks that fit, and says what it understood.
    await driver.findElement(By.css('body')).sendKeys('\uE00C');
    await waitFor(() => driver.executeScript("return !document.getElementById('view-library').hidden"), (v) => v, 'the library again');
    const box = await driver.findElement(By.css('#describe'));
    await box.sendKeys('electronic, no vocals, zydeco', '\uE007');
    const described = await ready(driver, 'the described tracks');
    assert.match(await title(driver), /electronic, no vocals, zydeco/);
    assert.match(described.status, /Understood: electronic, no vocals/);
    assert.match(described.status, /not understood: zydeco/);
    assert.ok(described.rows.every((r) => /electronic/.test(r.reasons)), 'each row says how electronic it is');
    await saveScreenshot(driver, 'describe.png');
  } finally {
    await stop();
  }
});
