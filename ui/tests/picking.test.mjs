// Play and pick like a music player: a click selects a track and shows its details, a double
// click or Enter plays it (the table, the similar tracks, the playlist); Shift+click, Ctrl+click
// and Shift+↑/↓ select several, and a playlist is made from all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const LIB = { tracks: 3000, folders: true };
const DEMO = { library: 'demo' };
/** The engine's default request (generated into src/bindings.ts from Rust), without the seeds. */
const { seeds: _seeds, ...DEFAULTS } = JSON.parse(
  /export const DEFAULT_PLAYLIST_REQUEST = (\{.*\}) as const;/.exec(fs.readFileSync(new URL('../src/bindings.ts', import.meta.url), 'utf8'))[1]);

const plays = async (a) => (await a.calls('play_preview')).map((c) => c.args);
const rowTrack = (page, i) => page.evaluate((i) => {
  const tr = document.querySelector(`.track-row[data-index="${i}"]`);
  return tr ? window.__fake.state.tracks.find((t) => t.id === Number(tr.dataset.id)) : null;
}, i);
const waitPlaying = (page, id, source = null) => page.waitForFunction(([id, source]) => {
  const p = document.querySelector('#player');
  return !p.hidden && p.dataset.status === 'playing' && p.dataset.id === String(id) && (source == null || p.dataset.source === source);
}, [id, source]);
const detailTitle = (page) => page.locator('#detail-panel .detail-title').innerText();
const selectedIndices = (page) => page.$$eval('#track-table tr.selected', (rs) => rs.map((r) => Number(r.dataset.index)));
const nameOf = (t) => t.title ?? t.path.split('/').at(-1);

test('table: a click selects a track and shows its details; a double click or Enter plays it, a second one does not pause it', async () => {
  const a = await browser.open({ config: LIB });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const t2 = await rowTrack(page, 2);
  await page.click('.track-row[data-index="2"] td:nth-child(3)');
  await page.locator('#detail-panel').waitFor({ state: 'visible' });
  assert.equal(await detailTitle(page), nameOf(t2));
  assert.deepEqual(await selectedIndices(page), [2]);
  assert.deepEqual(await plays(a), [], 'a click plays nothing');

  const t3 = await rowTrack(page, 3);
  await page.dblclick('.track-row[data-index="3"] td:nth-child(2)');
  await waitPlaying(page, t3.id, 'table');
  assert.deepEqual(await plays(a), [{ id: t3.id, fromS: null, seconds: 30 }], 'as ▶ does: the preview length');
  assert.equal(await detailTitle(page), nameOf(t3), 'and its details show');
  await page.dblclick('.track-row[data-index="3"] td:nth-child(2)');
  await page.waitForTimeout(200);
  assert.equal((await plays(a)).length, 1, 'double-clicking the track playing goes on playing it');
  assert.equal(await page.getAttribute('#player', 'data-status'), 'playing');

  // Enter plays the selected row; again: still playing
  await page.keyboard.press('ArrowDown');
  const t4 = await rowTrack(page, 4);
  assert.equal(await detailTitle(page), nameOf(t4), 'the details follow the arrows');
  await page.keyboard.press('Enter');
  await waitPlaying(page, t4.id);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(200);
  assert.deepEqual((await plays(a)).map((p) => p.id), [t3.id, t4.id]);
  assert.equal(await page.getAttribute('#player', 'data-status'), 'playing');

  // Escape closes the details; the arrows bring them back
  await page.keyboard.press('Escape');
  await page.locator('#detail-panel').waitFor({ state: 'hidden' });
  await page.keyboard.press('ArrowDown');
  await page.locator('#detail-panel').waitFor({ state: 'visible' });
  await page.keyboard.press('Escape');
  await page.locator('#detail-panel').waitFor({ state: 'hidden' });

  // a double click on the right of a row: the panel opens under the pointer after the first
  // click, the second lands on it — still the row's double click (and nothing in the panel is hit)
  const t6 = await rowTrack(page, 6);
  const cell = await page.locator('.track-row[data-index="6"] td:nth-child(8)').boundingBox();
  await page.mouse.dblclick(cell.x + cell.width / 2, cell.y + cell.height / 2);
  await waitPlaying(page, t6.id);
  assert.ok(await page.locator('#detail-panel').isVisible());
  assert.equal(await detailTitle(page), nameOf(t6));
  assert.equal((await a.calls('make_playlist')).length, 0);
  await done(a);
});

test('similar tracks and playlist rows: a double click plays (the similar track is shown too); Enter plays a playlist row', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const seed = await rowTrack(page, 0);
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.locator(`#similar[data-track="${seed.id}"][data-state="ready"]`).waitFor();
  const sim = await page.$$eval('#similar-list li.similar-row', (ls) => ls.map((li) => Number(li.dataset.id)));
  await page.dblclick('#similar-list li.similar-row:nth-child(3) .similar-title');
  await waitPlaying(page, sim[2], 'similar');
  await page.locator(`#similar[data-track="${sim[2]}"][data-state="ready"]`).waitFor();
  assert.equal(await page.locator(`#track-table tr.selected`).getAttribute('data-id'), String(sim[2]), 'picked: its row is selected');
  assert.deepEqual((await plays(a)).map((p) => p.id), [sim[2]]);
  // next walks the list it was picked from
  await page.click('#player-next');
  await waitPlaying(page, sim[3], 'similar');

  // the playlist: a double click on a row plays it; Enter on a focused row too
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press('p');
  await page.locator(`#playlist[data-seed="${seed.id}"][data-state="ready"]`).waitFor();
  const ids = await page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id)));
  await page.dblclick('#playlist-list li.playlist-row:nth-child(2) .playlist-title');
  await waitPlaying(page, ids[1], 'playlist');
  await page.focus('#playlist-list li.playlist-row:nth-child(4)');
  await page.keyboard.press('Enter');
  await waitPlaying(page, ids[3], 'playlist');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(200);
  assert.equal(await page.getAttribute('#player', 'data-status'), 'playing', 'Enter again does not pause');
  assert.deepEqual((await plays(a)).map((p) => p.id).slice(-2), [ids[1], ids[3]]);
  assert.equal((await a.calls('swap_playlist_track')).length, 0, 'a double click on a row is not a swap');
  await done(a);
});

test('multi-select: Shift+click a range, Ctrl+click toggles, Shift+↑/↓ extends; the panel says how many and makes one playlist from all of them, in table order', async () => {
  const a = await browser.open({ config: DEMO, viewport: { width: 1400, height: 900 } });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const tracks = await page.evaluate(() => [...document.querySelectorAll('.track-row')].map((r) => window.__fake.state.tracks.find((t) => t.id === Number(r.dataset.id))));
  const idsAt = (is) => is.map((i) => tracks[i].id);

  await page.click('.track-row[data-index="1"] td:nth-child(2)');
  await page.click('.track-row[data-index="4"] td:nth-child(2)', { modifiers: ['Shift'] });
  assert.deepEqual(await selectedIndices(page), [1, 2, 3, 4]);
  assert.equal(await page.locator('#detail-panel .detail-title').innerText(), '4 tracks selected');
  assert.equal(await page.getAttribute('#detail-selection', 'data-count'), '4');
  assert.equal(await page.locator('#make-playlist').innerText(), 'Make playlist from these');
  assert.match(await page.locator('#detail-selection').innerText(), new RegExp(nameOf(tracks[3])));
  assert.equal(await page.locator('#similar').count(), 0, 'no similar tracks for a selection');
  await page.screenshot({ path: path.join(OUT, 'multi-select-light.png') });

  await page.click('.track-row[data-index="2"] td:nth-child(3)', { modifiers: ['ControlOrMeta'] });
  assert.deepEqual(await selectedIndices(page), [1, 3, 4], 'Ctrl+click takes a row out');
  await page.click('.track-row[data-index="7"] td:nth-child(3)', { modifiers: ['ControlOrMeta'] });
  assert.deepEqual(await selectedIndices(page), [1, 3, 4, 7], '… and puts one in');
  assert.equal(await page.getAttribute('#detail-selection', 'data-count'), '4');
  assert.equal(await page.locator('#track-table tr.lead').getAttribute('data-index'), '7', 'the keyboard is on the last one clicked');
  assert.equal(await page.getAttribute('#track-table', 'aria-multiselectable'), 'true');

  // Shift+↓ / Shift+↑ from a plain click
  await page.click('.track-row[data-index="10"] td:nth-child(2)');
  assert.equal(await page.locator('#detail-selection').count(), 0, 'one row: its details');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  assert.deepEqual(await selectedIndices(page), [10, 11, 12]);
  await page.keyboard.press('Shift+ArrowUp');
  assert.deepEqual(await selectedIndices(page), [10, 11]);
  assert.equal(await page.locator('#detail-panel .detail-title').innerText(), '2 tracks selected');
  await page.keyboard.press('ArrowDown');
  assert.deepEqual(await selectedIndices(page), [12], 'a plain arrow: one row again');

  // P: one make_playlist, every selected id in table order (clicked in another order)
  await page.click('.track-row[data-index="5"] td:nth-child(2)');
  await page.click('.track-row[data-index="2"] td:nth-child(2)', { modifiers: ['ControlOrMeta'] });
  await page.keyboard.press('p');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  assert.deepEqual((await a.calls('make_playlist')).map((c) => c.args.request), [{ ...DEFAULTS, seeds: idsAt([2, 5]) }]);
  assert.equal(await page.getAttribute('#playlist', 'data-seeds'), idsAt([2, 5]).join(','));
  assert.equal(await page.locator('#playlist-title').innerText(), `Like ${nameOf(tracks[2])} and ${nameOf(tracks[5])}`);
  assert.match(await page.locator('#playlist-seed').innerText(), /from 2 tracks/);
  await page.keyboard.press('Escape');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  assert.deepEqual(await selectedIndices(page), [2, 5], 'the selection is still there');

  // the panel's button: five seeds, "Like A, B and 3 more"
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.click('.track-row[data-index="4"] td:nth-child(2)', { modifiers: ['Shift'] });
  await page.click('#detail-panel #make-playlist');
  await page.locator(`#playlist[data-seeds="${idsAt([0, 1, 2, 3, 4]).join(',')}"][data-state="ready"]`).waitFor();
  assert.deepEqual((await a.calls('make_playlist')).at(-1).args.request, { ...DEFAULTS, seeds: idsAt([0, 1, 2, 3, 4]) });
  assert.equal(await page.locator('#playlist-title').innerText(), `Like ${nameOf(tracks[0])}, ${nameOf(tracks[1])} and 3 more`);
  await page.click('#playlist-save');
  assert.equal(await page.inputValue('#playlist-name'), `Like ${nameOf(tracks[0])}, ${nameOf(tracks[1])} and 3 more`, 'the name Save suggests');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  // the context menu of a row in the selection: all of them; of another row: that row alone
  await page.click('.track-row[data-index="6"] td:nth-child(2)');
  await page.click('.track-row[data-index="8"] td:nth-child(2)', { modifiers: ['Shift'] });
  await page.click('.track-row[data-index="7"] td:nth-child(3)', { button: 'right' });
  assert.match(await page.locator('#ctx-make-playlist').innerText(), /^Make playlist from these 3 tracks\s*P$/);
  assert.deepEqual(await selectedIndices(page), [6, 7, 8], 'a right click in the selection keeps it');
  await page.click('#ctx-make-playlist');
  await page.locator(`#playlist[data-seeds="${idsAt([6, 7, 8]).join(',')}"][data-state="ready"]`).waitFor();
  assert.equal(await page.locator('#playlist-title').innerText(), `Like ${nameOf(tracks[6])}, ${nameOf(tracks[7])} and ${nameOf(tracks[8])}`);
  await page.evaluate(() => window.__fake.answer('make_playlist', null));
  await page.keyboard.press('Escape');
  await page.click('.track-row[data-index="12"] td:nth-child(3)', { button: 'right' });
  assert.deepEqual(await selectedIndices(page), [12], 'a right click elsewhere selects that row');
  assert.match(await page.locator('#ctx-make-playlist').innerText(), /^Make playlist from this track\s*P$/);
  await page.keyboard.press('Escape');
  await done(a);
});
