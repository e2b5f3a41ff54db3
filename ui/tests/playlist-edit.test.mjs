// A playlist after it is made: Play all (whole tracks, one after another), Undo for remove, swap
// and move (a toast, Ctrl+Z), and the knobs' settings remembered across restarts. On the demo
// library's recorded engine answers (fixtures/demo.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const DEMO = { library: 'demo' };
const { seeds: _seeds, ...DEFAULTS } = JSON.parse(
  /export const DEFAULT_PLAYLIST_REQUEST = (\{.*\}) as const;/.exec(fs.readFileSync(new URL('../src/bindings.ts', import.meta.url), 'utf8'))[1]);
const KNOBS_KEY = 'segue.playlist.knobs';

const plays = async (a) => (await a.calls('play_preview')).map((c) => c.args);
const ids = (page) => page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id)));
const titles = (page) => page.$$eval('#playlist-list li.playlist-row .playlist-title', (ts) => ts.map((t) => t.textContent));
const waitPlaying = (page, id) => page.waitForFunction((id) => {
  const p = document.querySelector('#player');
  return !p.hidden && p.dataset.status === 'playing' && p.dataset.id === String(id) && p.dataset.source === 'playlist';
}, id);
const toast = (page) => page.evaluate(() => {
  const t = document.querySelector('#toast');
  return t.hidden ? null : { text: t.querySelector('#toast-text').textContent, action: t.querySelector('#toast-action').textContent };
});

/** P on the first row (title order: "Afterhours", id 19): its playlist with the knobs as they are
 *  (`state`: 'empty' when nothing fits them). */
async function makeFromFirst(page, state = 'ready') {
  await page.locator('.track-row[data-index="0"]').waitFor();
  const seed = await page.evaluate(() => window.__fake.state.tracks.find((t) => t.id === Number(document.querySelector('.track-row[data-index="0"]').dataset.id)));
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press('p');
  await page.locator(`#playlist[data-seed="${seed.id}"][data-state="${state}"]`).waitFor();
  return seed;
}

test('Play all: from the first row, whole tracks, each next one when the last finishes; single previews keep the chosen length', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await makeFromFirst(page);
  const list = await ids(page);
  assert.match(await page.locator('#playlist-play-all').innerText(), /Play all$/);
  await page.click('#playlist-play-all');
  await waitPlaying(page, list[0]);
  assert.deepEqual(await plays(a), [{ id: list[0], fromS: 0, seconds: null }], 'the whole first track');
  await page.evaluate(() => window.__fake.preview.finish());
  await waitPlaying(page, list[1]);
  await page.click('#player-next');
  await waitPlaying(page, list[2]);
  assert.deepEqual((await plays(a)).slice(1), [{ id: list[1], fromS: 0, seconds: null }, { id: list[2], fromS: 0, seconds: null }], 'the next ones whole too');
  assert.equal(await page.inputValue('#player-length'), '30', 'the preview length is as it was');
  assert.equal(await page.evaluate(() => localStorage.getItem('segue.preview.length')), null);
  await page.screenshot({ path: path.join(OUT, 'play-all-light.png') });

  // ▶ on a row: a preview of the chosen length again
  await page.click('#playlist-list li.playlist-row:nth-child(5) button.play');
  await waitPlaying(page, list[4]);
  assert.deepEqual((await plays(a)).at(-1), { id: list[4], fromS: null, seconds: 30 });
  await page.evaluate(() => window.__fake.preview.finish());
  await waitPlaying(page, list[5]);
  assert.deepEqual((await plays(a)).at(-1), { id: list[5], fromS: null, seconds: 30 });

  // a saved playlist, opened from the sidebar: Play all starts it from its first row again
  await page.click('#playlist-save');
  await page.keyboard.press('Enter');
  await page.locator('#saved-playlists .playlist-item[data-id="1"]').waitFor();
  await page.keyboard.press('Escape');
  await page.click('#saved-playlists .playlist-item[data-id="1"] .playlist-open');
  await page.locator('#playlist[data-saved-id="1"][data-state="ready"]').waitFor();
  await page.click('#playlist-play-all');
  await waitPlaying(page, list[0]);
  assert.deepEqual((await plays(a)).at(-1), { id: list[0], fromS: 0, seconds: null });
  await done(a);
});

test('Undo: a toast after remove, swap and move ("Removed “Title” · Undo"), Ctrl+Z too; the list comes back as it was, stored again when saved', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await makeFromFirst(page);
  // one track fewer than sound like it (the default list holds them all), so the swap below
  // has one to bring in
  const shorter = (await ids(page)).length - 1;
  await page.fill('#knob-length', String(shorter));
  await page.locator(`#playlist[data-length="${shorter}"][data-state="ready"]`).waitFor();
  const original = await ids(page);
  const names = await titles(page);

  // remove row 2: the toast; its Undo puts it back where it was
  await page.click('#playlist-list li.playlist-row:nth-child(2) button.remove');
  assert.deepEqual(await toast(page), { text: `Removed “${names[1]}”`, action: 'Undo' });
  assert.match(await page.locator('#toast').innerText(), /Removed “.+”\s*·\s*Undo/);
  assert.deepEqual(await ids(page), original.filter((_, i) => i !== 1));
  await page.screenshot({ path: path.join(OUT, 'undo-toast-light.png') });
  await page.click('#toast-action');
  assert.deepEqual(await ids(page), original);
  assert.equal(await toast(page), null, 'done: the toast goes');

  // swap row 3, then Ctrl+Z (the focus is on the swap button)
  await page.click('#playlist-list li.playlist-row:nth-child(3) button.swap');
  await page.waitForFunction((id) => document.querySelector('#playlist-list li.playlist-row:nth-child(3)')?.dataset.id !== String(id), original[2]);
  const swapped = (await titles(page))[2];
  assert.deepEqual(await toast(page), { text: `Swapped “${names[2]}” for “${swapped}”`, action: 'Undo' });
  await page.keyboard.press('ControlOrMeta+z');
  assert.deepEqual(await ids(page), original);
  assert.equal(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.index), '2', 'the focus on the row it touched');

  // two moves: Ctrl+Z twice takes both back, the last first
  await page.focus('#playlist-list li.playlist-row:nth-child(1)');
  await page.keyboard.press('Alt+ArrowDown');
  await page.keyboard.press('Alt+ArrowDown');
  assert.deepEqual(await ids(page), [original[1], original[2], original[0], ...original.slice(3)]);
  assert.deepEqual(await toast(page), { text: `Moved “${names[0]}”`, action: 'Undo' });
  await page.keyboard.press('ControlOrMeta+z');
  assert.deepEqual(await ids(page), [original[1], original[0], ...original.slice(2)]);
  await page.keyboard.press('ControlOrMeta+z');
  assert.deepEqual(await ids(page), original);
  await page.keyboard.press('ControlOrMeta+z'); // nothing left: nothing happens
  assert.deepEqual(await ids(page), original);

  // Delete, then the toast's Undo from the keyboard (it is a tab stop: Enter on it)
  await page.focus('#playlist-list li.playlist-row:nth-child(4)');
  await page.keyboard.press('Delete');
  assert.equal(await page.getAttribute('#toast-action', 'tabindex'), null, 'a plain button: in the tab order');
  await page.focus('#toast-action');
  await page.keyboard.press('Enter');
  assert.deepEqual(await ids(page), original);
  assert.equal(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.index), '3', 'the focus back on the restored row');

  // saved: the edit is stored, and so is its undo
  await page.click('#playlist-save');
  await page.keyboard.press('Enter');
  await page.locator('#playlist[data-saved-id="1"]').waitFor();
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.remove');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'set_playlist_tracks').length === 1);
  await page.click('#toast-action');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'set_playlist_tracks').length === 2);
  assert.deepEqual((await a.calls('set_playlist_tracks')).map((c) => c.args), [{ id: 1, trackIds: original.slice(1) }, { id: 1, trackIds: original }]);
  assert.deepEqual(await page.evaluate(() => window.__fake.state.playlists[0].trackIds), original);

  // the toast goes by itself after a few seconds; leaving the view takes it away at once
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.remove');
  assert.ok(await toast(page));
  await page.locator('#toast').waitFor({ state: 'hidden', timeout: 9000 });
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.remove');
  await page.keyboard.press('Escape');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  assert.equal(await toast(page), null);
  await done(a);
});

test('knobs: their last settings are remembered across restarts (a saved playlist\'s own settings still win when it is opened)', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  const seed = await makeFromFirst(page);
  const stored = () => page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? 'null'), KNOBS_KEY);
  await page.fill('#knob-length', '10');
  await page.waitForFunction(() => document.querySelector('#playlist').dataset.length === '10' && document.querySelector('#playlist').dataset.state === 'ready');
  await page.selectOption('#knob-order', 'harmonic');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'make_playlist').at(-1)?.args.request.order === 'harmonic');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const kept = await stored();
  assert.deepEqual(Object.keys(kept).sort(), ['avoid_tags', 'include_tags', 'key_compatible', 'length', 'max_per_album', 'max_per_artist', 'order', 'ramp', 'strict_caps', 'tempo'], 'every knob\'s field');
  assert.deepEqual([kept.length, kept.order, kept.tempo], [10, 'harmonic', null], 'what the knobs say, stored');

  // a restart: the knobs as they were; the next playlist is made with them
  await page.reload();
  await page.locator('.track-row[data-index="0"]').waitFor();
  assert.deepEqual([await page.inputValue('#knob-length'), await page.inputValue('#knob-order')], ['10', 'harmonic']);
  await makeFromFirst(page);
  assert.deepEqual((await a.calls('make_playlist')).at(-1).args.request, { ...DEFAULTS, seeds: [seed.id], length: 10, order: 'harmonic' });

  // every knob: length, order, caps (strict), tempo, compatible keys, include / avoid tags
  const all = { length: 10, order: 'harmonic', max_per_artist: 1, max_per_album: 0, strict_caps: true, tempo: { kind: 'absolute', min: 100, max: 140 },
    key_compatible: true, include_tags: ['Ambient'], avoid_tags: ['rock', 'pop'] };
  await page.evaluate(([k, v]) => localStorage.setItem(k, JSON.stringify(v)), [KNOBS_KEY, all]);
  await page.reload();
  await page.locator('.track-row[data-index="0"]').waitFor();
  assert.deepEqual(await page.evaluate(() => ['#knob-length', '#knob-order', '#knob-artist', '#knob-album', '#knob-tempo', '#knob-tempo-min', '#knob-tempo-max', '#knob-include', '#knob-avoid']
    .map((s) => document.querySelector(s).value)), ['10', 'harmonic', '1', '0', 'absolute', '100', '140', 'Ambient', 'rock, pop']);
  assert.equal(await page.isChecked('#knob-key'), true);
  assert.equal(await page.isChecked('#knob-strict-caps'), true);
  await makeFromFirst(page, 'empty'); // (nothing in the demo library fits all of them)
  assert.deepEqual((await a.calls('make_playlist')).at(-1).args.request, { ...DEFAULTS, ...all, seeds: [seed.id] });

  // a saved playlist shows its own settings; what is remembered stays
  await page.keyboard.press('Escape');
  await page.evaluate(([seed, defaults]) => {
    window.__fake.state.playlists.push({ id: 5, name: 'Defaults', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
      request: { ...defaults, seeds: [seed] }, trackIds: [1, 2, 3] });
    window.__fake.emit('playlists-changed', null);
  }, [seed.id, DEFAULTS]);
  await page.click('#saved-playlists .playlist-item[data-id="5"] .playlist-open');
  await page.locator('#playlist[data-saved-id="5"][data-state="ready"]').waitFor();
  assert.deepEqual([await page.inputValue('#knob-length'), await page.inputValue('#knob-include'), await page.isChecked('#knob-key')], ['20', '', false]);
  assert.deepEqual(await stored(), all);

  // what cannot be shown (an old or damaged value) is left at the default
  await page.evaluate((k) => localStorage.setItem(k, JSON.stringify({ length: 5000, order: 'shuffle', tempo: { kind: 'tolerance', percent: 'x' }, max_per_artist: 3 })), KNOBS_KEY);
  await page.reload();
  await page.locator('.track-row[data-index="0"]').waitFor();
  assert.deepEqual(await page.evaluate(() => ['#knob-length', '#knob-order', '#knob-tempo', '#knob-artist'].map((s) => document.querySelector(s).value)),
    ['20', 'similarity', '', '3']);
  await done(a);
});
