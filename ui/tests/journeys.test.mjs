// Lists that move and music asked for in words, on the demo library's recorded engine answers
// (fixtures/demo.json): a journey between two selected rows (button, J and the context menu),
// Sort by… and its Undo, the Ramp knob (the closest matches first, then rising), and the describe box (what it understood, what it did
// not, no match column).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const DEMO = { library: 'demo' };

const ids = (page) => page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id)));
const bpms = (page) => page.$$eval('#playlist-list li.playlist-row .playlist-bpm', (cs) => cs.map((c) => Number(c.textContent)));
const rising = (xs) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);
const idAt = (page, i) => page.$eval(`.track-row[data-index="${i}"]`, (tr) => Number(tr.dataset.id));

/** Rows 0 and 7 selected (the journey's start and end, in table order). */
async function selectTwo(page) {
  await page.locator('.track-row[data-index="7"]').waitFor();
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.click('.track-row[data-index="7"] td:nth-child(2)', { modifiers: ['ControlOrMeta'] });
  await page.locator('#detail-selection[data-count="2"]').waitFor();
  return [await idAt(page, 0), await idAt(page, 7)];
}

test('a journey between two selected rows: from the first to the second, the title an arrow, the start unscored; sorted by tempo and back with Undo', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  const [from, to] = await selectTwo(page);
  await page.click('#make-journey');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const path1 = await ids(page);
  assert.equal(path1[0], from);
  assert.equal(path1.at(-1), to);
  assert.match(await page.locator('#playlist-title').innerText(), /→/);
  assert.equal(await page.locator('#playlist-list li.playlist-row:first-child .playlist-reasons').innerText(), 'the start');
  assert.equal(await page.locator('#playlist-list li.playlist-row:first-child .match-word').innerText(), '', 'the start has no match');
  assert.match(await page.locator('#playlist-list li.playlist-row:nth-child(2) .playlist-reasons').getAttribute('title'), /^The step from “/);
  await page.screenshot({ path: path.join(OUT, 'journey-light.png') });

  await page.selectOption('#playlist-sort', 'tempo');
  await page.waitForFunction((before) => {
    const now = [...document.querySelectorAll('#playlist-list li.playlist-row')].map((li) => Number(li.dataset.id));
    return now.length === before.length && now.some((id, i) => id !== before[i]);
  }, path1);
  assert.ok(rising(await bpms(page)), `slowest first: ${await bpms(page)}`);
  assert.deepEqual([...await ids(page)].sort(), [...path1].sort(), 'the same tracks');
  assert.equal(await page.inputValue('#playlist-sort'), '', 'the menu is ready for another sort');
  assert.match(await page.locator('#toast').innerText(), /Sorted by tempo\s*·\s*Undo/);
  await page.keyboard.press('ControlOrMeta+z');
  assert.deepEqual(await ids(page), path1, 'Undo: the journey as it was');
  await done(a);
});

test('J and the context menu start the same journey; with one row selected neither offers it', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.click('.track-row[data-index="0"] td:nth-child(2)', { button: 'right' });
  assert.equal(await page.locator('#ctx-journey').isHidden(), true, 'one row: no journey');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#make-journey').count(), 0);

  const [from, to] = await selectTwo(page);
  await page.click('.track-row[data-index="7"] td:nth-child(2)', { button: 'right' });
  await page.locator('#ctx-journey:not([hidden])').waitFor();
  await page.click('#ctx-journey');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const viaMenu = await ids(page);
  assert.deepEqual([viaMenu[0], viaMenu.at(-1)], [from, to]);

  await page.keyboard.press('Escape');
  await page.locator('#view-library:not([hidden])').waitFor();
  await selectTwo(page);
  await page.keyboard.press('j');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  assert.deepEqual(await ids(page), viaMenu, 'J: the same journey');
  await done(a);
});

test('the Ramp knob: tempo rising along the list, opening with the five closest matches', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press('p');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const plain = await ids(page);
  const generation = await page.getAttribute('#playlist', 'data-generation');
  await page.selectOption('#knob-ramp', 'tempo-up');
  await page.waitForFunction((g) => {
    const p = document.getElementById('playlist');
    return p.dataset.state === 'ready' && p.dataset.generation !== g;
  }, generation);
  assert.ok(rising(await bpms(page)), `tempo rises: ${await bpms(page)}`);
  const ramped = await ids(page);
  assert.deepEqual(ramped.slice(0, 5).sort(), plain.slice(0, 5).sort(), 'the five closest matches open it');
  if (ramped.length < plain.length) {
    assert.match(await page.locator('#playlist-shortfall').innerText(), /^Only \d+ of 20 tracks: \d+ sound like “.+”, and \d+ of them (is|are) slower than the 5 closest matches it opens with\.$/);
  }
  assert.equal(await page.locator('#playlist-list li.playlist-row:first-child .playlist-reasons').getAttribute('data-after'), 'seed');
  await done(a);
});

test('the describe box: the tracks that fit the words, what was understood and what was not, no match column', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.fill('#describe', 'electronic, no vocals, zydeco');
  await page.keyboard.press('Enter');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  assert.equal(await page.locator('#playlist-title').innerText(), '“electronic, no vocals, zydeco”');
  assert.equal(await page.locator('#playlist-status').innerText(), 'Understood: electronic, no vocals · not understood: zydeco');
  const reasons = await page.$$eval('#playlist-list li.playlist-row .playlist-reasons', (rs) => rs.map((r) => r.textContent));
  assert.ok(reasons.length >= 10 && reasons.every((r) => /electr/.test(r) && /no vo/.test(r)), reasons.slice(0, 3).join(' | '));
  assert.deepEqual(await page.$$eval('#playlist-list li.playlist-row .match-word', (ws) => [...new Set(ws.map((w) => w.textContent))]), ['']);
  assert.equal(await page.locator('#knob-length').isDisabled(), true, 'no seeds: the knobs are off');
  await page.screenshot({ path: path.join(OUT, 'describe-light.png') });

  // Words it does not know: said, and nothing listed.
  await page.keyboard.press('Escape');
  await page.locator('#view-library:not([hidden])').waitFor();
  await page.fill('#describe', 'zydeco');
  await page.keyboard.press('Enter');
  await page.locator('#playlist[data-state="empty"]').waitFor();
  assert.match(await page.locator('#playlist-status').innerText(), /No word matched .* \(not understood: zydeco\)/);
  await done(a);
});

test('"Journey to…" in the details of one track: the next row clicked is where it ends; Escape cancels the pick', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="7"]').waitFor();
  const [from, to] = [await idAt(page, 0), await idAt(page, 7)];
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.click('#journey-to');
  await page.locator('#toast:not([hidden])').waitFor();
  assert.match(await page.locator('#toast-text').innerText(), /^Journey from “.+”: click the track it should end at$/);
  // Escape gives the pick up; the toast goes, a click on a row only selects it.
  await page.keyboard.press('Escape');
  await page.locator('#toast[hidden]').waitFor({ state: 'attached' });
  await page.click('.track-row[data-index="7"] td:nth-child(2)');
  assert.equal(await page.locator('#view-library').isVisible(), true, 'no journey after Escape');

  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.click('#journey-to');
  await page.waitForTimeout(6500); // the prompt stays while it waits (a toast goes after 6 s)
  assert.equal(await page.locator('#toast').isVisible(), true);
  await page.click('.track-row[data-index="7"] td:nth-child(2)');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const path1 = await ids(page);
  assert.deepEqual([path1[0], path1.at(-1)], [from, to]);
  assert.equal(await page.locator('#toast').isVisible(), false);
  await done(a);
});
