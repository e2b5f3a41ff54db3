// The playlist view and the sidebar's saved playlists, against the fake backend with the demo
// library's recorded engine answers (make_playlist / swap_playlist_track from
// fixtures/demo.json; save_playlist … in fake-backend.js's small store). What a playlist holds
// is the real engine's: on the demo library (6 artists, 6 styles) a playlist holds only what
// sounds like the seed — 4 to 8 tracks — and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';
import { expectedMatch } from './match-expect.mjs';

const browser = useBrowser();

const LIB = { library: 'demo' };
/** The engine's default request (generated into src/bindings.ts from Rust), without the seeds. */
const { seeds: _seeds, ...DEFAULTS } = JSON.parse(
  /export const DEFAULT_PLAYLIST_REQUEST = (\{.*\}) as const;/.exec(fs.readFileSync(new URL('../src/bindings.ts', import.meta.url), 'utf8'))[1]);
const basenameOf = (p) => p.split('/').at(-1);

/** The visible table rows with their fake tracks. */
const tableTracks = (page) => page.evaluate(() => [...document.querySelectorAll('#track-table .track-row')].map((r) => ({
  index: Number(r.dataset.index), track: window.__fake.state.tracks.find((t) => t.id === Number(r.dataset.id)),
})));
/** A visible, analysed, titled track's row (the nth such). */
async function analysedRow(page, nth = 0) {
  await page.locator('.track-row[data-index="0"]').waitFor();
  return (await tableTracks(page)).filter((r) => r.track.status === 'analyzed' && r.track.title && r.track.bpm != null && r.track.key)[nth];
}
/** The playlist rows on screen. */
const plRows = (page) => page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => ({
  id: Number(li.dataset.id), index: Number(li.dataset.index), score: Number(li.dataset.score),
  pos: li.querySelector('.playlist-pos').textContent, title: li.querySelector('.playlist-title').textContent,
  artist: li.querySelector('.playlist-artist').textContent, reasons: li.querySelector('.playlist-reasons').textContent,
  word: li.querySelector('.playlist-score').textContent, bar: li.querySelector('.playlist-bar-fill').style.width,
  matchTitle: li.querySelector('.playlist-score').title, match: li.dataset.match == null ? null : Number(li.dataset.match),
  closeness: li.dataset.closeness ?? null, bpm: li.querySelector('.playlist-bpm').textContent,
  key: li.querySelector('.playlist-key').textContent,
})));
const ids = async (page) => (await plRows(page)).map((r) => r.id);
const state = (page) => page.getAttribute('#playlist', 'data-state');
const generation = async (page) => Number(await page.getAttribute('#playlist', 'data-generation'));
/** Wait until a playlist newer than generation `g` is shown (ready or empty). */
const nextGeneration = (page, g, states = ['ready']) => page.waitForFunction(([g, states]) => {
  const p = document.querySelector('#playlist');
  return Number(p.dataset.generation) > g && states.includes(p.dataset.state);
}, [g, states]);
const makeCalls = async (a) => (await a.calls('make_playlist')).map((c) => c.args.request);
/** What the real engine answered for `request` (recorded in fixtures/demo.json). */
async function expectedPlaylist(page, request) {
  const want = await page.evaluate((r) => window.__fake.recorded('make_playlist', { request: r }), request);
  assert.ok(want, `a recorded make_playlist for ${JSON.stringify(request)}`);
  return want;
}
/** What the real engine answered for a swap. */
async function expectedSwap(page, request, current, position) {
  const want = await page.evaluate((args) => window.__fake.recorded('swap_playlist_track', args), { request, current, position });
  assert.ok(want !== undefined, `a recorded swap_playlist_track of ${position} in ${current}`);
  return want;
}
const shortfallText = (page) => page.locator('#playlist-shortfall-text').innerText();
const notesText = (page) => page.locator('#playlist-notes').innerText();

/** Select the row, press P, wait for the playlist (`state`: 'empty' when nothing fits the
 *  knobs). Returns the seed track. */
async function makeWithP(page, row, state = 'ready') {
  await page.click(`.track-row[data-index="${row.index}"] td:nth-child(2)`);
  await page.keyboard.press('p');
  await page.locator(`#playlist[data-seed="${row.track.id}"][data-state="${state}"]`).waitFor();
  return row.track;
}

test('Make playlist from the detail panel: rows with position, reasons, tempo, key and similarity, in the backend order', async () => {
  const a = await app();
  const { page } = a;
  const row = await analysedRow(page, 1);
  const seed = row.track;
  await page.click(`.track-row[data-index="${row.index}"] td:nth-child(2)`); // a click shows the details
  await page.locator('#detail-panel #make-playlist').waitFor();
  assert.equal(await page.locator('#view-playlist').isVisible(), false);
  await page.evaluate(() => window.__fake.hold('make_playlist', undefined));
  await page.click('#make-playlist');
  // the view takes the table's place at once, loading
  await page.locator('#playlist[data-state="loading"]').waitFor();
  assert.equal(await page.locator('#view-library').isVisible(), false);
  assert.ok(await page.locator('#view-playlist').isVisible());
  assert.ok((await page.locator('.playlist-skeleton').count()) > 0);
  assert.equal(await page.locator('#playlist-title').innerText(), `Like ${seed.title}`);
  await page.evaluate(() => window.__fake.release('make_playlist', undefined));
  await page.locator('#playlist[data-state="ready"]').waitFor();

  const request = { seeds: [seed.id], ...DEFAULTS };
  assert.deepEqual(await makeCalls(a), [request], 'the full request, with every default spelled out');
  const want = await expectedPlaylist(page, request);
  const n = want.entries.length;
  const rows = await plRows(page);
  assert.ok(n > 0 && n < 20, `the recorded playlist has rows, fewer than asked: ${n}`);
  assert.equal(rows.length, n);
  assert.equal(await page.getAttribute('#playlist', 'data-count'), String(n));
  assert.equal(await page.getAttribute('#playlist', 'data-length'), '20');
  assert.deepEqual(rows.map((r) => r.id), want.entries.map((e) => e.id), 'the backend order');
  assert.ok(!rows.some((r) => r.id === seed.id), 'never the seed');
  for (const [i, r] of rows.entries()) {
    const e = want.entries[i];
    assert.equal(r.pos, String(i + 1));
    assert.equal(r.index, i);
    assert.equal(r.title, e.title ?? basenameOf(e.path));
    assert.equal(r.artist, e.artist ?? 'Unknown artist');
    // how alike: the engine's closeness in words and a bar of its match; the raw cosine kept
    const m = expectedMatch(e);
    assert.deepEqual([r.word, r.bar, r.matchTitle], [m.word, m.bar, m.title], `match of ${r.id}`);
    assert.deepEqual([r.score, r.match, r.closeness], [e.score, e.match, e.closeness]);
    assert.equal(r.reasons, e.reasons.join(' · '));
    assert.ok(r.reasons.length > 0, `reasons for ${r.id}`);
    assert.equal(r.bpm, e.bpm == null ? '—' : String(Math.round(e.bpm)));
    if (e.camelot) assert.ok(r.key.endsWith(e.camelot), `key chip of ${r.id}: ${r.key}`);
  }
  const matches = rows.map((r) => r.match);
  assert.deepEqual(matches, [...matches].sort((x, y) => y - x), 'most similar first');
  const total = Math.round(want.entries.reduce((s, e) => s + e.duration_s, 0));
  const [hh, mm, ss] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const dur = hh ? `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}` : `${mm}:${String(ss).padStart(2, '0')}`;
  assert.equal(await page.locator('#playlist-summary').innerText(), `Playlist · ${n} tracks · ${dur}`);
  assert.match(await page.locator('#playlist-seed').innerText(), new RegExp(`from ${seed.title} — ${seed.artist}`));
  // the demo library's default playlist is short (only the seed's own style sounds like it): the
  // engine says so, and what it did on its own (caps loosened)
  assert.ok(want.shortfall, 'the recorded playlist is short');
  assert.equal(await shortfallText(page), want.shortfall);
  assert.equal(want.lengthen, null, 'no rule to drop: the music is what keeps it short');
  assert.equal(await page.locator('#playlist-lengthen').isVisible(), false);
  assert.ok(want.notes.length > 0);
  assert.equal(await notesText(page), want.notes.join(' '));
  assert.equal(await page.locator('#playlist-why').innerText(), 'Why', 'reasons against the seed');
  // the knobs show the request
  assert.deepEqual(await page.evaluate(() => ['#knob-length', '#knob-order', '#knob-artist', '#knob-album', '#knob-tempo', '#knob-include', '#knob-avoid']
    .map((s) => document.querySelector(s).value)), ['20', 'similarity', '2', '2', '', '', '']);
  assert.equal(await page.isChecked('#knob-key'), false);

  // Escape: back to the library, the table has the focus, the detail panel as it was
  await page.keyboard.press('Escape');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#view-playlist').isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'track-table');
  assert.ok(await page.locator('#detail-panel').isVisible());
  assert.ok(await page.locator('#nav-library').evaluate((b) => b.classList.contains('active')));
  await done(a);
});

test('P on the selected row and the row context menu make a playlist from that track; keyboard focus lands on the first row', async () => {
  const a = await app();
  const { page } = a;
  const row = await analysedRow(page, 0);
  const seed = await makeWithP(page, row);
  assert.deepEqual((await makeCalls(a)).map((r) => r.seeds), [[seed.id]]);
  const n = (await expectedPlaylist(page, { seeds: [seed.id], ...DEFAULTS })).entries.length;
  await page.waitForFunction(() => document.activeElement?.matches('#playlist-list li.playlist-row:first-child'));
  // arrows move between rows; Escape from a row goes back
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.index), '1');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.index), String(n - 1));
  await page.keyboard.press('Escape');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'track-table');

  // right-click a row: its context menu
  const other = await analysedRow(page, 3);
  await page.click(`.track-row[data-index="${other.index}"] td:nth-child(3)`, { button: 'right' });
  await page.locator('#context-menu').waitFor({ state: 'visible' });
  assert.equal(await page.locator('tr.selected').getAttribute('data-id'), String(other.track.id), 'right-click selects the row');
  assert.match(await page.locator('#ctx-make-playlist').innerText(), /^Make playlist from this track\s*P$/);
  await page.keyboard.press('Escape');
  await page.locator('#context-menu').waitFor({ state: 'hidden' });
  assert.ok(await page.locator('#view-library').isVisible(), 'Escape closes just the menu');
  await page.click(`.track-row[data-index="${other.index}"] td:nth-child(2)`, { button: 'right' });
  await page.click('#ctx-make-playlist');
  await page.locator(`#playlist[data-seed="${other.track.id}"][data-state="ready"]`).waitFor();
  assert.equal(await page.locator('#context-menu').isVisible(), false);
  assert.deepEqual((await makeCalls(a)).map((r) => r.seeds), [[seed.id], [other.track.id]]);
  assert.equal(await page.locator('#playlist-title').innerText(), `Like ${other.track.title}`);

  // a click elsewhere closes the menu without making anything
  await page.keyboard.press('Escape');
  await page.click(`.track-row[data-index="${row.index}"] td:nth-child(2)`, { button: 'right' });
  await page.locator('#context-menu').waitFor({ state: 'visible' });
  await page.mouse.click(600, 20);
  await page.locator('#context-menu').waitFor({ state: 'hidden' });
  assert.equal((await makeCalls(a)).length, 2);
  await done(a);
});

test('knobs change the request sent: length, order, caps, tempo (± % and range), compatible keys, tags; debounced; Regenerate asks again', async () => {
  const a = await app();
  const { page } = a;
  const seed = await makeWithP(page, await analysedRow(page, 0));
  let request = { seeds: [seed.id], ...DEFAULTS };
  /** Do `act`, wait for the next playlist, check exactly one new request equal to `want`, and the rows. */
  async function expectRequest(act, want, what) {
    const n = (await makeCalls(a)).length;
    const g = await generation(page);
    await act();
    await nextGeneration(page, g, ['ready', 'empty']);
    await page.waitForTimeout(700); // nothing else is sent once the pause is over
    const sent = (await makeCalls(a)).slice(n);
    assert.deepEqual(sent, [want], `${what}: one request`);
    const rows = await ids(page);
    assert.deepEqual(rows, (await expectedPlaylist(page, want)).entries.map((e) => e.id), `${what}: rows`);
    request = want;
    return rows;
  }

  // typing "10" in the length box: one request (debounced), not one for "1"; the engine finds
  // fewer that sound alike (expectRequest checks the rows are its answer) and says so
  let rows = await expectRequest(() => page.fill('#knob-length', '10'), { ...request, length: 10 }, 'length');
  assert.ok(rows.length > 0 && rows.length < 10, `fewer than 10 sound alike: ${rows.length}`);
  assert.equal(await page.getAttribute('#playlist', 'data-length'), '10');
  assert.match(await page.locator('#playlist-summary').innerText(), new RegExp(`^Playlist · ${rows.length} tracks · `));
  assert.equal(await shortfallText(page), (await expectedPlaylist(page, request)).shortfall);

  await expectRequest(() => page.selectOption('#knob-order', 'harmonic'), { ...request, order: 'harmonic' }, 'order');
  assert.equal(await page.locator('#playlist-why').innerText(), 'Why (after the one before)', 'harmonic: the reasons follow the steps');
  await expectRequest(async () => { await page.fill('#knob-artist', '1'); await page.fill('#knob-album', '0'); },
    { ...request, max_per_artist: 1, max_per_album: 0 }, 'caps');
  // one per artist would leave it short of tracks that sound alike: the engine loosens the cap
  // and says so (the notes), rather than pad the list
  const capped = await expectedPlaylist(page, request);
  assert.ok(capped.notes.some((n) => /per artist/.test(n)), `a note about the artist cap: ${capped.notes}`);
  assert.equal(await notesText(page), capped.notes.join(' '));
  // strict caps hold whatever they cost: no notes, and the shortfall offers to let them give way
  await expectRequest(() => page.check('#knob-strict-caps'), { ...request, strict_caps: true }, 'strict caps');
  const strict = await expectedPlaylist(page, request);
  assert.deepEqual(strict.notes, []);
  assert.equal(strict.lengthen?.label, 'Limits may give way');
  assert.equal(await page.locator('#playlist-lengthen').innerText(), `Limits may give way — ${strict.lengthen.tracks} more`);

  await expectRequest(() => page.selectOption('#knob-tempo', 'tolerance'), { ...request, tempo: { kind: 'tolerance', percent: 6 } }, 'tempo ± %');
  assert.ok(await page.locator('#knob-tempo-pct').isVisible());
  assert.equal(await page.locator('#knob-tempo-min').isVisible(), false);
  await expectRequest(() => page.fill('#knob-tempo-pct', '3'), { ...request, tempo: { kind: 'tolerance', percent: 3 } }, 'tempo percent');
  // a range starts around the seed's tempo
  const lo = Math.max(0, Math.round(seed.bpm) - 10), hi = Math.round(seed.bpm) + 10;
  await expectRequest(() => page.selectOption('#knob-tempo', 'absolute'), { ...request, tempo: { kind: 'absolute', min: lo, max: hi } }, 'tempo range');
  assert.deepEqual([await page.inputValue('#knob-tempo-min'), await page.inputValue('#knob-tempo-max')], [String(lo), String(hi)]);
  await expectRequest(async () => { await page.fill('#knob-tempo-min', '100'); await page.fill('#knob-tempo-max', '140'); },
    { ...request, tempo: { kind: 'absolute', min: 100, max: 140 } }, 'tempo range typed');
  const bpms = await page.evaluate((ids) => ids.map((id) => window.__fake.state.tracks.find((t) => t.id === id).bpm), await ids(page));
  assert.ok(bpms.every((b) => b >= 100 && b <= 140), `tempos in range: ${bpms}`);

  await expectRequest(() => page.check('#knob-key'), { ...request, key_compatible: true }, 'compatible keys');
  // a tag box takes its tags on Enter (or a comma, leaving it, a suggestion: bugs.test.mjs), not mid-word
  await expectRequest(async () => { await page.fill('#knob-include', 'Ambient'); await page.press('#knob-include', 'Enter'); },
    { ...request, include_tags: ['Ambient'] }, 'include tag');
  await expectRequest(async () => { await page.fill('#knob-avoid', 'rock, pop '); await page.press('#knob-avoid', 'Enter'); },
    { ...request, avoid_tags: ['rock', 'pop'] }, 'avoid tags');
  await expectRequest(() => page.selectOption('#knob-tempo', ''), { ...request, tempo: null }, 'any tempo');

  // Regenerate asks again even when nothing changed
  await expectRequest(() => page.click('#playlist-regenerate'), request, 'regenerate');
  // Enter in a box clamps to the range and asks at once
  await page.fill('#knob-length', '3');
  await page.waitForTimeout(700);
  assert.equal((await makeCalls(a)).at(-1).length, 10, 'an out-of-range length is not sent while typing');
  await expectRequest(() => page.press('#knob-length', 'Enter'), { ...request, length: 5 }, 'length clamped');
  assert.equal(await page.inputValue('#knob-length'), '5');

  // the knobs stay for the next playlist (nothing that sounds like it fits them all)
  await page.keyboard.press('Escape');
  const next = await makeWithP(page, await analysedRow(page, 2), 'empty');
  assert.deepEqual((await makeCalls(a)).at(-1), { ...request, seeds: [next.id] });
  assert.equal((await expectedPlaylist(page, { ...request, seeds: [next.id] })).entries.length, 0);
  await done(a);
});

test('swap replaces exactly that row (or says nothing else fits); remove; Delete; Alt+↓/Alt+↑ reorder; drag and drop reorder', async () => {
  const a = await app();
  const { page } = a;
  const seed = await makeWithP(page, await analysedRow(page, 0));
  // one track fewer than sound like it (the default list holds them all), so a swap has one
  // to bring in
  const shorter = (await ids(page)).length - 1;
  await page.fill('#knob-length', String(shorter));
  await page.locator(`#playlist[data-length="${shorter}"][data-state="ready"]`).waitFor();
  const request = { seeds: [seed.id], ...DEFAULTS, length: shorter };
  let before = await ids(page);
  assert.equal(before.length, (await expectedPlaylist(page, request)).entries.length);

  // swap row 3
  const n = before.length;
  const want = await expectedSwap(page, request, before, 2);
  await page.click('#playlist-list li.playlist-row:nth-child(3) button.swap');
  await page.waitForFunction((id) => document.querySelector('#playlist-list li.playlist-row:nth-child(3)')?.dataset.id === String(id), want.id);
  let now = await ids(page);
  assert.deepEqual(now, before.map((id, i) => (i === 2 ? want.id : id)), 'only row 3 changed');
  assert.deepEqual((await a.calls('swap_playlist_track')).map((c) => c.args), [{ request, current: before, position: 2 }]);
  const swapped = (await plRows(page))[2];
  assert.equal(swapped.reasons, want.reasons.join(' · '));
  assert.deepEqual([swapped.word, swapped.bar, swapped.matchTitle], Object.values(expectedMatch(want)));
  assert.equal(swapped.pos, '3');
  // the swap button keeps the focus (keyboard users swap again with Enter)
  assert.ok(await page.evaluate(() => document.activeElement?.matches('li.playlist-row:nth-child(3) button.swap')));
  const again = await expectedSwap(page, request, now, 2);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.querySelector('#playlist-list li.playlist-row:nth-child(3)')?.dataset.id === String(id), again.id);
  assert.equal((await a.calls('swap_playlist_track')).length, 2);
  before = await ids(page);

  // remove row 2
  await page.click('#playlist-list li.playlist-row:nth-child(2) button.remove');
  await page.locator(`#playlist[data-count="${n - 1}"]`).waitFor();
  now = await ids(page);
  assert.deepEqual(now, before.filter((_, i) => i !== 1));
  assert.deepEqual((await plRows(page)).map((r) => r.pos), Array.from({ length: n - 1 }, (_, i) => String(i + 1)), 'positions renumbered');
  assert.match(await page.locator('#playlist-summary').innerText(), new RegExp(`^Playlist · ${n - 1} tracks · `));
  before = now;

  // keyboard: Alt+↓ moves the focused row down, Alt+↑ back; the focus follows it
  await page.focus('#playlist-list li.playlist-row:nth-child(1)');
  await page.keyboard.press('Alt+ArrowDown');
  assert.deepEqual(await ids(page), [before[1], before[0], ...before.slice(2)]);
  assert.equal(await page.evaluate(() => Number(document.activeElement?.dataset.id)), before[0]);
  await page.keyboard.press('Alt+ArrowDown');
  assert.deepEqual(await ids(page), [before[1], before[2], before[0], ...before.slice(3)]);
  await page.keyboard.press('Alt+ArrowUp');
  await page.keyboard.press('Alt+ArrowUp');
  assert.deepEqual(await ids(page), before);
  await page.keyboard.press('Alt+ArrowUp'); // already first: stays
  assert.deepEqual(await ids(page), before);
  // Delete removes the focused row; the focus goes to the next one
  await page.keyboard.press('Delete');
  assert.deepEqual(await ids(page), before.slice(1));
  assert.equal(await page.evaluate(() => Number(document.activeElement?.dataset.id)), before[1]);
  before = before.slice(1);

  // drag row 1 by its handle onto the lower half of the last row: it lands last (however many
  // rows are left: as many as sound like the seed, less the two removed)
  const rows = before.length;
  assert.ok(rows >= 3, `${rows} rows left to drag`);
  await page.locator('#playlist-list li.playlist-row:nth-child(1) .playlist-handle')
    .dragTo(page.locator(`#playlist-list li.playlist-row:nth-child(${rows})`), { targetPosition: { x: 200, y: 32 } });
  await page.waitForFunction(([n, id]) => document.querySelector(`#playlist-list li.playlist-row:nth-child(${n})`)?.dataset.id === String(id), [rows, before[0]]);
  assert.deepEqual(await ids(page), [...before.slice(1), before[0]]);
  assert.equal(await page.locator('.playlist-row.dragging, .playlist-row.drop-before, .playlist-row.drop-after').count(), 0);
  // and the last row onto the upper half of row 2: it lands second
  before = await ids(page);
  const last = before.length;
  await page.locator(`#playlist-list li.playlist-row:nth-child(${last}) .playlist-handle`)
    .dragTo(page.locator('#playlist-list li.playlist-row:nth-child(2)'), { targetPosition: { x: 200, y: 6 } });
  await page.waitForFunction((id) => document.querySelector('#playlist-list li.playlist-row:nth-child(2)')?.dataset.id === String(id), before[last - 1]);
  assert.deepEqual(await ids(page), [before[0], before[last - 1], ...before.slice(1, last - 1)]);
  assert.equal((await a.calls('set_playlist_tracks')).length, 0, 'an unsaved playlist stores nothing');
  await done(a);

  // every track that sounds like the seed is in the list, so swap finds nothing and says so
  const b = await app();
  const seed2 = await makeWithP(b.page, await analysedRow(b.page, 0));
  await b.page.fill('#knob-length', '100');
  await b.page.fill('#knob-artist', '0');
  await b.page.fill('#knob-album', '0');
  const all = (await expectedPlaylist(b.page, { seeds: [seed2.id], ...DEFAULTS, length: 100, max_per_artist: 0, max_per_album: 0 })).entries.length;
  await b.page.locator(`#playlist[data-length="100"][data-state="ready"][data-count="${all}"]`).waitFor();
  const kept = await ids(b.page);
  await b.page.click('#playlist-list li.playlist-row:nth-child(2) button.swap');
  await b.page.waitForFunction(() => document.querySelector('#playlist-status')?.textContent === 'Nothing else fits slot 2 with these settings.');
  assert.deepEqual(await ids(b.page), kept, 'the rows stay');
  await done(b);
});

test('save: a name box (default "Like <seed>"), then the sidebar lists it; later edits are stored; open it again from the sidebar', async () => {
  const a = await app();
  const { page } = a;
  assert.equal(await page.locator('#saved-playlists .playlist-none').innerText(), 'No playlists yet');
  const seed = await makeWithP(page, await analysedRow(page, 0));
  const request = { seeds: [seed.id], ...DEFAULTS };
  await page.click('#playlist-save');
  await page.locator('#playlist-name').waitFor({ state: 'visible' });
  assert.equal(await page.inputValue('#playlist-name'), `Like ${seed.title}`);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'playlist-name');
  // Escape closes the box (and stays in the view)
  await page.keyboard.press('Escape');
  await page.locator('#playlist-name').waitFor({ state: 'hidden' });
  assert.ok(await page.locator('#view-playlist').isVisible());
  assert.equal((await a.calls('save_playlist')).length, 0);

  await page.click('#playlist-save');
  await page.fill('#playlist-name', 'Late night');
  await page.keyboard.press('Enter');
  await page.locator('#saved-playlists .playlist-item').first().waitFor();
  const list = await ids(page);
  const n = list.length;
  const saves = (await a.calls('save_playlist')).map((c) => c.args);
  assert.deepEqual(saves, [{ name: 'Late night', request, trackIds: list }]);
  const item = page.locator('#saved-playlists .playlist-item');
  assert.equal(await item.count(), 1);
  assert.equal(await item.getAttribute('data-id'), '1');
  assert.match(await item.innerText(), new RegExp(`Late night\\s*${n}`));
  assert.ok(await item.evaluate((li) => li.classList.contains('active')), 'the shown playlist is highlighted');
  assert.equal(await page.getAttribute('#playlist', 'data-saved-id'), '1');
  assert.equal(await page.locator('#playlist-title').innerText(), 'Late night');
  assert.equal(await page.locator('#playlist-save').innerText(), 'Saved');
  assert.ok(await page.locator('#playlist-save').isDisabled());
  assert.equal(await page.locator('#playlist-status').innerText(), 'Saved as “Late night”.');

  // bound: remove, swap and reorder store the new track list
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.remove');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'set_playlist_tracks').length === 1);
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.swap');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'set_playlist_tracks').length === 2);
  await page.focus('#playlist-list li.playlist-row:nth-child(1)');
  await page.keyboard.press('Alt+ArrowDown');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'set_playlist_tracks').length === 3);
  const edited = await ids(page);
  const sets = (await a.calls('set_playlist_tracks')).map((c) => c.args);
  assert.deepEqual(sets.at(-1), { id: 1, trackIds: edited });
  assert.equal(sets[0].trackIds.length, n - 1);
  await page.waitForFunction((n) => new RegExp(String(n)).test(document.querySelector('#saved-playlists .playlist-item')?.textContent ?? ''), n - 1);
  assert.equal((await a.calls('swap_playlist_track')).at(-1).args.request.length, 20, 'swap asks with the saved request');

  // back to the library, then open it from the sidebar: get_playlist, same rows, the knobs from its request
  await page.keyboard.press('Escape');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  assert.equal(await item.evaluate((li) => li.classList.contains('active')), false);
  await page.click('#saved-playlists .playlist-item[data-id="1"] .playlist-open');
  await page.locator('#playlist[data-saved-id="1"][data-state="ready"]').waitFor();
  assert.deepEqual((await a.calls('get_playlist')).map((c) => c.args), [{ id: 1 }]);
  assert.deepEqual(await ids(page), edited);
  assert.equal(await page.locator('#playlist-title').innerText(), 'Late night');
  await page.waitForFunction((t) => document.querySelector('#playlist-seed').textContent.includes(t), seed.title);
  assert.match(await page.locator('#playlist-summary').innerText(), new RegExp(`^Saved playlist · ${n - 1} tracks · `));
  assert.equal(await page.inputValue('#knob-length'), '20');
  assert.ok(await item.evaluate((li) => li.classList.contains('active')));
  const rows = await plRows(page);
  assert.ok(rows.every((r) => r.reasons.length > 0 && r.word === expectedMatch(r).word), 'reasons and matches, as served');

  // new settings make a new draft: the saved one is left alone
  const made = (await a.calls('make_playlist')).length;
  await page.fill('#knob-length', '8');
  await page.waitForFunction(() => document.querySelector('#playlist').dataset.length === '8' && document.querySelector('#playlist').dataset.state === 'ready');
  assert.equal((await a.calls('make_playlist')).length, made + 1);
  assert.equal(await page.getAttribute('#playlist', 'data-saved-id'), null);
  assert.equal(await page.locator('#playlist-save').innerText(), 'Save');
  assert.equal(await page.locator('#playlist-title').innerText(), `Like ${seed.title}`);
  assert.equal(await page.locator('#playlist-status').innerText(), 'New settings: this is a new playlist, not saved yet.');
  assert.equal(await item.evaluate((li) => li.classList.contains('active')), false);
  assert.equal((await a.calls('set_playlist_tracks')).length, 3);
  await done(a);
});

test('sidebar: rename by double-click or ✎ (Escape cancels), delete asks first; the view follows', async () => {
  const a = await app();
  const { page } = a;
  const seed = await makeWithP(page, await analysedRow(page, 0));
  const n = (await ids(page)).length;
  await page.click('#playlist-save');
  await page.keyboard.press('Enter'); // the default name
  await page.locator('#saved-playlists .playlist-item[data-id="1"]').waitFor();
  assert.match(await page.locator('.playlist-item[data-id="1"]').innerText(), new RegExp(`Like ${seed.title}`));
  await page.keyboard.press('Escape');

  // double-click: an inline box; Enter renames
  await page.dblclick('.playlist-item[data-id="1"] .playlist-open');
  const box = page.locator('.playlist-item[data-id="1"] .playlist-rename-input');
  await box.waitFor();
  assert.equal(await box.inputValue(), `Like ${seed.title}`);
  await box.fill('Sunday morning');
  await box.press('Enter');
  await page.waitForFunction(() => document.querySelector('.playlist-item[data-id="1"]')?.textContent.includes('Sunday morning'));
  assert.deepEqual((await a.calls('rename_playlist')).map((c) => c.args), [{ id: 1, name: 'Sunday morning' }]);
  // the double-click opened it too: the view's title follows the rename
  await page.locator('#playlist[data-saved-id="1"][data-state="ready"]').waitFor();
  assert.equal(await page.locator('#playlist-title').innerText(), 'Sunday morning');
  assert.ok(await page.locator('#view-playlist').isVisible(), 'Enter in the box does not leave the view');

  // ✎, then Escape: nothing renamed
  await page.hover('.playlist-item[data-id="1"]');
  await page.click('.playlist-item[data-id="1"] .playlist-rename');
  await box.waitFor();
  await box.fill('Nope');
  await box.press('Escape');
  await box.waitFor({ state: 'detached' });
  assert.equal((await a.calls('rename_playlist')).length, 1);
  assert.match(await page.locator('.playlist-item[data-id="1"]').innerText(), /Sunday morning/);
  assert.ok(await page.locator('#view-playlist').isVisible(), 'Escape in the box does not leave the view');

  // delete: the in-app confirm; Cancel keeps it, OK deletes; the shown list becomes a draft
  await page.hover('.playlist-item[data-id="1"]');
  await page.click('.playlist-item[data-id="1"] .playlist-delete');
  await page.locator('#confirm-dialog').waitFor({ state: 'visible' });
  assert.match(await page.locator('#confirm-text').innerText(), new RegExp(`“Sunday morning” \\(${n} tracks\\) will be deleted`));
  await page.click('#confirm-cancel');
  await page.locator('#confirm-dialog').waitFor({ state: 'hidden' });
  assert.equal((await a.calls('delete_playlist')).length, 0);
  await page.click('.playlist-item[data-id="1"] .playlist-delete');
  await page.click('#confirm-ok');
  await page.locator('#saved-playlists .playlist-none').waitFor();
  assert.deepEqual((await a.calls('delete_playlist')).map((c) => c.args), [{ id: 1 }]);
  assert.equal(await page.getAttribute('#playlist', 'data-saved-id'), null);
  assert.equal(await page.locator('#playlist-status').innerText(), 'Playlist deleted — this list is no longer saved.');
  assert.equal(await page.locator('#playlist-save').isDisabled(), false);
  assert.equal(await page.getAttribute('#playlist', 'data-count'), String(n), 'the rows stay');

  // another app saving (the CLI, say): playlists-changed refreshes the list
  await page.evaluate(() => {
    window.__fake.state.playlists.push({ id: 7, name: 'From the CLI', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', request: null, trackIds: [1, 2, 3] });
    window.__fake.emit('playlists-changed', null);
  });
  await page.locator('.playlist-item[data-id="7"]').waitFor();
  assert.match(await page.locator('.playlist-item[data-id="7"]').innerText(), /From the CLI\s*3/);
  // saved without a request: it opens, can be edited, not regenerated or swapped
  await page.click('.playlist-item[data-id="7"] .playlist-open');
  await page.locator('#playlist[data-saved-id="7"][data-state="ready"]').waitFor();
  assert.deepEqual(await ids(page), [1, 2, 3]);
  assert.ok(await page.locator('#knob-length').isDisabled());
  assert.ok(await page.locator('#playlist-regenerate').isDisabled());
  assert.ok(await page.locator('#playlist-list li.playlist-row:nth-child(1) button.swap').isDisabled());
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.remove');
  await page.waitForFunction(() => window.__fake.calls.some((c) => c.cmd === 'set_playlist_tracks'));
  assert.deepEqual((await a.calls('set_playlist_tracks')).map((c) => c.args), [{ id: 7, trackIds: [2, 3] }]);
  await done(a);
});

test('export: a draft is saved first under the default name; the path is shown; a cancelled dialog says nothing; XSPF too', async () => {
  const a = await app();
  const { page } = a;
  const seed = await makeWithP(page, await analysedRow(page, 0));
  const list = await ids(page);
  await page.click('#playlist-export-m3u8');
  await page.waitForFunction(() => document.querySelector('#playlist-status').textContent.startsWith('Exported to'));
  const name = `Like ${seed.title}`;
  assert.equal(await page.locator('#playlist-status').innerText(), `Exported to /home/ada/Music/Playlists/${name}.m3u8`);
  assert.deepEqual((await a.calls('save_playlist')).map((c) => c.args), [{ name, request: { seeds: [seed.id], ...DEFAULTS }, trackIds: list }]);
  assert.deepEqual((await a.calls('export_playlist')).map((c) => c.args), [{ id: 1, format: 'm3u8' }]);
  assert.equal(await page.getAttribute('#playlist', 'data-saved-id'), '1');
  await page.locator('.playlist-item[data-id="1"]').waitFor();

  // the user cancels the native dialog: no message
  await page.evaluate(() => { window.__fake.state.exportPath = false; });
  await page.click('#playlist-export-xspf');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'export_playlist').length === 2);
  await page.locator('#playlist-status').waitFor({ state: 'hidden' });
  assert.deepEqual((await a.calls('export_playlist')).at(-1).args, { id: 1, format: 'xspf' });
  await page.evaluate(() => { window.__fake.state.exportPath = '/tmp/mix.xspf'; });
  await page.click('#playlist-export-xspf');
  await page.waitForFunction(() => document.querySelector('#playlist-status').textContent === 'Exported to /tmp/mix.xspf');
  assert.equal((await a.calls('save_playlist')).length, 1, 'saved once');

  // an export error shows in the view, not as a banner
  await page.evaluate(() => window.__fake.setError('export_playlist', 'permission denied: /tmp/mix.xspf'));
  await page.click('#playlist-export-xspf');
  await page.locator('#playlist-status.is-error').waitFor();
  assert.equal(await page.locator('#playlist-status').innerText(), 'permission denied: /tmp/mix.xspf');
  assert.equal(await page.locator('#error-banner').isVisible(), false);
  await done(a);
});

test('export for mpv: offered only while a CUE sheet\'s track is in the list', async () => {
  const a = await app();
  const { page } = a;
  await makeWithP(page, await analysedRow(page, 0));
  assert.equal(await page.locator('#playlist-export-edl').isVisible(), false, 'no CUE track: M3U8 and XSPF only');
  // the same list with its second track a stretch of a file (an answer the test writes)
  await page.evaluate(async () => {
    const made = window.__fake.calls.filter((c) => c.cmd === 'make_playlist').at(-1);
    const answer = await window.__TAURI_INTERNALS__.invoke('make_playlist', made.args);
    answer.entries[1].span = { number: 2, start_s: 8, end_s: 14 };
    window.__fake.answer('make_playlist', answer);
  });
  await page.click('#playlist-regenerate');
  await page.locator('#playlist-export-edl').waitFor();
  await page.click('#playlist-export-edl');
  await page.waitForFunction(() => document.querySelector('#playlist-status').textContent.endsWith('.edl'));
  assert.deepEqual((await a.calls('export_playlist')).map((c) => c.args.format), ['edl']);
  // that track removed: the choice goes with it
  await page.click('#playlist-list li.playlist-row:nth-child(2) button.remove');
  await page.locator('#playlist-export-edl').waitFor({ state: 'hidden' });
  await done(a);
});

test('shortfall is shown above the list; no track at all says so; errors (unanalysed seed, backend) show in the view with Try again', async () => {
  const a = await app();
  const { page } = a;
  const seed = await makeWithP(page, await analysedRow(page, 0));
  await page.fill('#knob-length', '60');
  await page.waitForFunction(() => document.querySelector('#playlist').dataset.length === '60' && document.querySelector('#playlist').dataset.state === 'ready');
  const request = { seeds: [seed.id], ...DEFAULTS, length: 60 };
  const want = await expectedPlaylist(page, request);
  assert.ok(want.shortfall, 'the engine reports a shortfall');
  assert.equal(await shortfallText(page), want.shortfall, 'in its own words');
  assert.match(await shortfallText(page), /^Only \d+ tracks in your library sound like “.+”: more would be filler\.$/);
  assert.equal(await page.locator('#playlist-lengthen').isVisible(), false, 'no rule keeps it short: nothing to offer');
  assert.equal(await page.getAttribute('#playlist', 'data-count'), String(want.entries.length));

  // nothing fits: empty, with the shortfall and the one change that would help
  await page.fill('#knob-include', 'no such tag');
  await page.press('#knob-include', 'Enter'); // a tag box takes a tag on Enter, not mid-word
  await page.locator('#playlist[data-state="empty"]').waitFor();
  assert.equal(await page.getAttribute('#playlist', 'data-count'), '0');
  assert.match(await page.locator('#playlist .playlist-message').innerText(), /No tracks fit these settings/);
  const none = await expectedPlaylist(page, { ...request, include_tags: ['no such tag'] });
  assert.equal(await shortfallText(page), none.shortfall);
  assert.match(none.shortfall, /^No track fits these settings: “Without the included tags” would let in \d+ that sound like/);
  assert.equal(await page.locator('#playlist-lengthen').innerText(), `${none.lengthen.label} — ${none.lengthen.tracks} more`);
  assert.ok(await page.locator('#playlist-save').isDisabled());
  assert.ok(await page.locator('#playlist-export-m3u8').isDisabled());
  await page.click('#playlist-lengthen');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  assert.deepEqual((await makeCalls(a)).at(-1), none.lengthen.request, 'the engine\'s request without the rule');
  assert.equal(await page.inputValue('#knob-include'), '');

  // a backend error
  await page.evaluate(() => window.__fake.setError('make_playlist', 'database is locked'));
  await page.click('#playlist-regenerate');
  await page.locator('#playlist[data-state="error"]').waitFor();
  assert.match(await page.locator('#playlist .playlist-message').innerText(), /^database is locked\s+Try again · Back to the library$/);
  assert.equal(await page.locator('#playlist-list li').count(), 0);
  assert.equal(await page.locator('#playlist-shortfall').isVisible(), false);
  assert.equal(await page.locator('#error-banner').isVisible(), false, 'no banner');
  await page.evaluate(() => window.__fake.setError('make_playlist', ''));
  await page.click('#playlist .playlist-message button:text("Try again")');
  await page.locator('#playlist[data-state="ready"]').waitFor();

  // a swap error shows above the list; the rows stay
  const kept = await ids(page);
  await page.evaluate(() => window.__fake.setError('swap_playlist_track', 'index is being rebuilt'));
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.swap');
  await page.locator('#playlist-status.is-error').waitFor();
  assert.equal(await page.locator('#playlist-status').innerText(), 'index is being rebuilt');
  assert.deepEqual(await ids(page), kept);
  await page.keyboard.press('Escape');
  await done(a);

  // an unanalysed seed (the demo library scanned, not analysed yet): the backend's message; it
  // works once the track is analysed
  const b = await app({ config: { ...LIB, phase: 'before_analysis' } });
  const pending = (await tableTracks(b.page)).find((r) => r.track.status === 'pending');
  await b.page.click(`.track-row[data-index="${pending.index}"] td:nth-child(2)`);
  await b.page.keyboard.press('p');
  await b.page.locator(`#playlist[data-seed="${pending.track.id}"][data-state="error"]`).waitFor();
  assert.match(await b.page.locator('#playlist .playlist-message').innerText(), /is not analysed yet/);
  await b.page.evaluate((id) => window.__fake.analyse(0, [id]), pending.track.id);
  await b.page.click('#playlist .playlist-message button:text("Try again")');
  await b.page.locator(`#playlist[data-seed="${pending.track.id}"][data-state="ready"]`).waitFor();
  // "Back to the library"
  await b.page.evaluate(() => window.__fake.setError('make_playlist', 'not enough analysed tracks yet: a playlist needs at least two'));
  await b.page.click('#playlist-regenerate');
  await b.page.locator('#playlist[data-state="error"]').waitFor();
  await b.page.click('#playlist .playlist-message button:text("Back to the library")');
  await b.page.locator('#view-library').waitFor({ state: 'visible' });
  await done(b);
});

for (const scheme of ['light', 'dark']) {
  test(`screenshot: playlist (${scheme})`, async () => {
    const a = await app({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    const { page } = a;
    await makeWithP(page, await analysedRow(page, 1));
    await page.fill('#knob-length', '12');
    await page.waitForFunction(() => document.querySelector('#playlist').dataset.length === '12' && document.querySelector('#playlist').dataset.state === 'ready');
    await page.click('#playlist-save');
    await page.keyboard.press('Enter');
    await page.locator('.playlist-item').first().waitFor();
    await page.hover('#playlist-list li.playlist-row:nth-child(3)');
    await page.screenshot({ path: path.join(OUT, `playlist-${scheme}.png`) });
    await page.selectOption('#knob-tempo', 'tolerance');
    await page.fill('#knob-tempo-pct', '1');
    await page.fill('#knob-length', '60');
    await page.waitForFunction(() => document.querySelector('#playlist').dataset.length === '60' && ['ready', 'empty'].includes(document.querySelector('#playlist').dataset.state));
    await page.locator('#playlist-shortfall').waitFor();
    await page.screenshot({ path: path.join(OUT, `playlist-shortfall-${scheme}.png`) });
    await done(a);
  });
}

async function app(opts = {}) {
  return browser.open({ config: LIB, ...opts });
}
