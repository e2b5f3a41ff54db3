// Audio preview: the play buttons on the rows, the player bar, the keys, against the fake
// backend's player (play_preview / control_preview / preview_state and preview-state events,
// see fake-backend.js: it takes commands a moment after answering them, like the real one).
// Playlists and similar tracks come from the demo library's recorded engine answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();

const LIB = { tracks: 3000, folders: true };
/** The demo library with the real engine's recorded answers (fixtures/demo.json): for the
 *  playlist and the similar tracks, whose contents are the engine's. */
const DEMO = { library: 'demo' };
async function app(opts = {}) {
  return browser.open({ config: LIB, ...opts });
}

/** The player bar, read in one go. */
const bar = (page) => page.evaluate(() => {
  const p = document.querySelector('#player');
  const seek = document.querySelector('#player-seek');
  const msg = document.querySelector('#player-message');
  return {
    hidden: p.hidden, status: p.dataset.status, id: p.dataset.id ? Number(p.dataset.id) : null, source: p.dataset.source ?? null,
    title: document.querySelector('#player-title').textContent, artist: document.querySelector('#player-artist').textContent,
    toggle: document.querySelector('#player-toggle').textContent, time: document.querySelector('#player-time').textContent,
    message: msg.hidden ? '' : msg.textContent, seekMax: Number(seek.max), seek: Number(seek.value), seekDisabled: seek.disabled,
    prevDisabled: document.querySelector('#player-prev').disabled, nextDisabled: document.querySelector('#player-next').disabled,
  };
});
/** Wait until the bar shows `status` (and track `id`). */
const waitBar = (page, status, id = null) => page.waitForFunction(([s, id]) => {
  const p = document.querySelector('#player');
  return !p.hidden && p.dataset.status === s && (id == null || p.dataset.id === String(id));
}, [status, id]);
const plays = async (a) => (await a.calls('play_preview')).map((c) => c.args);
const controls = async (a) => (await a.calls('control_preview')).map((c) => c.args);
/** Every visible row marked as playing: its tag, id, paused, aria-current and its button's glyph. */
const marks = (page) => page.evaluate(() => [...document.querySelectorAll('tr.playing, li.playing')].filter((el) => el.getClientRects().length).map((el) => ({
  tag: el.tagName.toLowerCase(), id: Number(el.dataset.id), paused: el.classList.contains('paused'),
  current: el.getAttribute('aria-current'), button: el.querySelector('button.play')?.textContent,
})));
/** The fake track on table row `i`. */
const tableTrack = (page, i) => page.evaluate((i) => {
  const tr = document.querySelector(`.track-row[data-index="${i}"]`);
  return tr ? window.__fake.state.tracks.find((t) => t.id === Number(tr.dataset.id)) : null;
}, i);
const fakeStatus = (page) => page.evaluate(() => window.__fake.preview.state?.status ?? null);
const selectedId = (page) => page.evaluate(() => Number(document.querySelector('#track-table tr.selected')?.dataset.id ?? NaN));
/** ▶ of table row `i` (it shows on hover, on the selected row and while the row plays). */
async function clickRowPlay(page, i) {
  await page.hover(`.track-row[data-index="${i}"] td:nth-child(3)`);
  await page.click(`.track-row[data-index="${i}"] button.play`);
}
/** The glyphs of every visible row's button but `id`'s. */
const otherButtons = (page, id) => page.$$eval('button.play[data-id]', (bs, id) => bs.filter((b) => Number(b.dataset.id) !== id).map((b) => b.textContent), id);
const defaultFrom = (t) => (t.duration_s > 30 ? Math.floor(t.duration_s / 3) : 0);
/** 3:07, 1:02:09 (as the UI writes durations). */
const clock = (s) => {
  const t = Math.round(s), hh = Math.floor(t / 3600), mm = Math.floor((t % 3600) / 60), ss = String(t % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
};

test('preview: ▶ on a table row plays it; the bar shows the track and its position; the row is marked; ▶ becomes ❚❚', async () => {
  const a = await app();
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  assert.equal(await page.locator('#player').isVisible(), false, 'hidden until something was played');
  assert.equal(await page.locator('.track-row[data-index="2"] button.play').isVisible(), false, '▶ shows on hover only');
  const t = await tableTrack(page, 2);
  await clickRowPlay(page, 2);
  await waitBar(page, 'playing', t.id);
  assert.deepEqual(await plays(a), [{ id: t.id, fromS: null, seconds: 30 }], '30 s from where the backend likes');
  const b = await bar(page);
  assert.equal(b.title, t.title ?? t.path.split('/').pop());
  assert.equal(b.artist, t.artist ?? 'Unknown artist');
  assert.equal(b.source, 'table');
  assert.equal(b.toggle, '❚❚');
  assert.equal(b.seekMax, t.duration_s, 'the seek bar spans the file');
  assert.equal(b.prevDisabled, false);
  assert.equal(b.nextDisabled, false);
  assert.ok(await page.locator('#player').isVisible());
  // the bar sits at the bottom of the main area, under the table
  const [pBox, tBox, mBox] = await Promise.all(['#player', '#track-table', 'main'].map((s) => page.locator(s).boundingBox()));
  assert.ok(pBox.y >= tBox.y + tBox.height - 1 && Math.abs(pBox.y + pBox.height - (mBox.y + mBox.height)) <= 1, 'at the bottom');
  // the row: selected, marked, ❚❚; the others ▶
  assert.equal(await selectedId(page), t.id, 'the row is selected too');
  assert.deepEqual(await marks(page), [{ tag: 'tr', id: t.id, paused: false, current: 'true', button: '❚❚' }]);
  assert.ok((await otherButtons(page, t.id)).every((g) => g === '▶'));
  assert.ok(await page.locator(`.track-row[data-index="2"] button.play`).isVisible());
  assert.equal(await page.locator('.track-row[data-index="2"] button.play').getAttribute('aria-label'), `Pause ${t.title}`);
  // the position advances from the preview's start; the time reads position / duration
  const from = defaultFrom(t);
  await page.waitForFunction((from) => Number(document.querySelector('#player-seek').value) >= from + 0.25, from);
  const later = await bar(page);
  assert.ok(later.seek < from + 5, `position ${later.seek}`);
  assert.equal(later.time, `${clock(later.seek)} / ${clock(t.duration_s)}`);
  // the keyboard stays with the table; no banner
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'track-table');
  assert.equal(await page.locator('#error-banner').isVisible(), false);
  await done(a);
});

test('preview: pause/resume with the row button, the bar button and Space; Space on another row plays it; Escape does not stop', async () => {
  const a = await app();
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const t = await tableTrack(page, 1);
  await clickRowPlay(page, 1);
  await waitBar(page, 'playing', t.id);

  // the row's button again: pause (at once, though the backend answers with the state from before)
  await page.click('.track-row[data-index="1"] button.play');
  assert.equal((await bar(page)).status, 'paused');
  assert.deepEqual((await controls(a)).at(-1), { action: 'pause', value: null });
  await page.waitForFunction(() => window.__fake.preview.state.status === 'paused');
  await page.waitForTimeout(150);
  const paused = await bar(page);
  assert.equal(paused.status, 'paused', 'an old "playing" does not flip it back');
  assert.equal(paused.toggle, '▶');
  assert.deepEqual(await marks(page), [{ tag: 'tr', id: t.id, paused: true, current: 'true', button: '▶' }], 'still the current row, paused');
  await page.waitForTimeout(250);
  assert.equal((await bar(page)).seek, paused.seek, 'the position holds while paused');

  // the bar's button: resume
  await page.click('#player-toggle');
  await waitBar(page, 'playing', t.id);
  assert.deepEqual((await controls(a)).at(-1), { action: 'resume', value: null });
  await page.waitForFunction(() => window.__fake.preview.state.status === 'playing');
  assert.deepEqual(await marks(page), [{ tag: 'tr', id: t.id, paused: false, current: 'true', button: '❚❚' }]);

  // Space on the table (the playing row is selected): pause, resume
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'track-table');
  await page.keyboard.press(' ');
  await waitBar(page, 'paused', t.id);
  await page.waitForFunction(() => window.__fake.preview.state.status === 'paused');
  await page.keyboard.press(' ');
  await waitBar(page, 'playing', t.id);
  assert.deepEqual((await controls(a)).slice(-2), [{ action: 'pause', value: null }, { action: 'resume', value: null }]);
  assert.equal((await plays(a)).length, 1, 'no new play');

  // Escape (details open and closed) leaves the preview alone; a click on the row shows its details
  await page.click('.track-row[data-index="1"] td:nth-child(3)');
  await page.locator('#detail-panel').waitFor({ state: 'visible' });
  await page.keyboard.press('Escape');
  await page.locator('#detail-panel').waitFor({ state: 'hidden' });
  await page.keyboard.press('Escape');
  await page.waitForTimeout(150);
  assert.equal((await bar(page)).status, 'playing');
  assert.ok(!(await controls(a)).some((c) => c.action === 'stop'), 'Escape never stops');

  // another row selected: Space plays that one
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const u = await tableTrack(page, 3);
  assert.equal(await selectedId(page), u.id);
  await page.keyboard.press(' ');
  await waitBar(page, 'playing', u.id);
  assert.deepEqual((await plays(a)).at(-1), { id: u.id, fromS: null, seconds: 30 });
  assert.deepEqual((await marks(page)).map((m) => m.id), [u.id], 'only the new row is marked');
  assert.equal((await bar(page)).title, u.title ?? u.path.split('/').pop());
  await done(a);
});

test('preview: next/previous walk the table in its current order (buttons, N/B, Ctrl+→/←); at "finished" the next plays; the selection follows', async () => {
  const a = await app();
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  // by artist, descending: "the table's current order"
  await page.click('th[data-sort="artist"]');
  await page.click('th[data-sort="artist"]');
  await page.waitForFunction(() => document.querySelector('th[data-sort="artist"]').getAttribute('aria-sort') === 'descending');
  await page.waitForFunction(() => (window.__fake.calls.filter((c) => c.cmd === 'list_tracks').at(-1)?.args.query.desc) === true);
  await page.locator('.track-row[data-index="4"]').waitFor();
  const order = await page.evaluate(() => [...document.querySelectorAll('.track-row')].slice(0, 8).map((r) => Number(r.dataset.id)));
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press(' ');
  await waitBar(page, 'playing', order[0]);
  let b = await bar(page);
  assert.equal(b.prevDisabled, true, 'nothing before the first row');
  assert.equal(b.nextDisabled, false);

  const steps = [['#player-next', 1], ['n', 2], ['b', 1], ['Control+ArrowRight', 2], ['Control+ArrowLeft', 1], ['Shift+N', 2]];
  for (const [how, i] of steps) {
    if (how.startsWith('#')) await page.click(how); else await page.keyboard.press(how);
    await waitBar(page, 'playing', order[i]);
    assert.equal(await selectedId(page), order[i], `the selection follows (${how})`);
  }
  // the last one finishes: the next row plays by itself (once: the old "finished" the play
  // answers with is not taken for the new track)
  await page.evaluate(() => window.__fake.preview.finish());
  await waitBar(page, 'playing', order[3]);
  assert.equal(await selectedId(page), order[3]);
  await page.waitForTimeout(300);
  assert.deepEqual((await plays(a)).map((p) => p.id), [0, 1, 2, 1, 2, 1, 2, 3].map((i) => order[i]));
  assert.equal((await bar(page)).id, order[3]);
  assert.deepEqual((await marks(page)).map((m) => m.id), [order[3]]);

  // the selection elsewhere: next does not move it
  await page.click('.track-row[data-index="6"] td:nth-child(2)');
  await page.click('#player-next');
  await waitBar(page, 'playing', order[4]);
  assert.equal(await selectedId(page), order[6]);

  // the last row of the table: nothing after it
  await page.keyboard.press('End');
  await page.locator('tr.selected[data-index="2999"].track-row').waitFor();
  const last = await tableTrack(page, 2999);
  await page.keyboard.press(' ');
  await waitBar(page, 'playing', last.id);
  b = await bar(page);
  assert.equal(b.nextDisabled, true);
  assert.equal(b.prevDisabled, false);
  await page.evaluate(() => window.__fake.preview.finish());
  await waitBar(page, 'finished', last.id);
  await page.waitForTimeout(200);
  b = await bar(page);
  assert.equal(b.status, 'finished', 'stays finished at the end of the list');
  assert.equal(b.toggle, '▶');
  assert.deepEqual(await marks(page), [], 'nothing plays');
  // ▶ plays it again; previous goes back
  await page.click('#player-toggle');
  await waitBar(page, 'playing', last.id);
  assert.deepEqual((await plays(a)).at(-1), { id: last.id, fromS: null, seconds: 30 });
  await page.keyboard.press('b');
  const before = await tableTrack(page, 2998);
  await waitBar(page, 'playing', before.id);
  await done(a);
});

/** Select a visible analysed track, press P, wait for its playlist. */
async function makePlaylist(page) {
  await page.locator('.track-row[data-index="0"]').waitFor();
  const i = await page.evaluate(() => [...document.querySelectorAll('.track-row')].map((r) => window.__fake.state.tracks.find((t) => t.id === Number(r.dataset.id)))
    .findIndex((t) => t.status === 'analyzed' && t.title && t.bpm != null && t.key));
  await page.click(`.track-row[data-index="${i}"] td:nth-child(2)`);
  const seed = await selectedId(page);
  await page.keyboard.press('p');
  await page.locator(`#playlist[data-seed="${seed}"][data-state="ready"]`).waitFor();
  return seed;
}
const plIds = (page) => page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id)));

test('preview: a whole playlist can be auditioned — ▶ on a row, then each next one when the last finishes; edits are followed; Space on a row', async () => {
  const a = await app({ config: DEMO });
  const { page } = a;
  await makePlaylist(page);
  await page.fill('#knob-length', '6');
  await page.waitForFunction(() => document.querySelector('#playlist').dataset.length === '6' && document.querySelector('#playlist').dataset.state === 'ready');
  const ids = await plIds(page);
  assert.equal(ids.length, 6);
  await page.click('#playlist-list li.playlist-row:nth-child(1) button.play');
  await waitBar(page, 'playing', ids[0]);
  assert.equal((await bar(page)).source, 'playlist');
  assert.deepEqual(await marks(page), [{ tag: 'li', id: ids[0], paused: false, current: 'true', button: '❚❚' }]);
  assert.equal(await page.evaluate(() => document.activeElement?.matches('#playlist-list li.playlist-row:nth-child(1) button.play')), true);
  // the rest of the list plays by itself
  for (let i = 1; i < 3; i++) {
    await page.evaluate(() => window.__fake.preview.finish());
    await waitBar(page, 'playing', ids[i]);
    assert.deepEqual((await marks(page)).map((m) => m.id), [ids[i]]);
  }
  // the focus moved along with it (it was on the playing row's ▶)
  assert.equal(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.id), String(ids[2]));
  // remove the next row: next plays the one after it
  await page.click('#playlist-list li.playlist-row:nth-child(4) button.remove');
  await page.waitForFunction(() => document.querySelectorAll('#playlist-list li.playlist-row').length === 5);
  await page.click('#player-next');
  await waitBar(page, 'playing', ids[4]);
  // the last one: finished, and that is the end
  await page.evaluate(() => window.__fake.preview.finish());
  await waitBar(page, 'playing', ids[5]);
  assert.equal((await bar(page)).nextDisabled, true);
  await page.evaluate(() => window.__fake.preview.finish());
  await waitBar(page, 'finished', ids[5]);
  await page.waitForTimeout(200);
  assert.deepEqual((await plays(a)).map((p) => p.id), [ids[0], ids[1], ids[2], ids[4], ids[5]]);

  // Space on a focused row plays it; again pauses it
  await page.focus('#playlist-list li.playlist-row:nth-child(2)');
  await page.keyboard.press(' ');
  await waitBar(page, 'playing', ids[1]);
  await page.waitForFunction(() => window.__fake.preview.state.status === 'playing');
  await page.keyboard.press(' ');
  await waitBar(page, 'paused', ids[1]);
  assert.deepEqual(await marks(page), [{ tag: 'li', id: ids[1], paused: true, current: 'true', button: '▶' }]);
  await page.keyboard.press(' ');
  await waitBar(page, 'playing', ids[1]);
  // previous from row 2 is row 1; the library (Escape) leaves the preview playing, marked in
  // the table when its row is there
  await page.keyboard.press('b');
  await waitBar(page, 'playing', ids[0]);
  await page.keyboard.press('Escape');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  await page.waitForTimeout(150);
  assert.equal((await bar(page)).status, 'playing');
  assert.equal((await bar(page)).id, ids[0]);
  const inTable = await page.evaluate((id) => !!document.querySelector(`.track-row[data-id="${id}"]`), ids[0]);
  // (the click before P opened the seed's details: its similar tracks may show the track too)
  assert.deepEqual((await marks(page)).filter((m) => m.tag === 'tr'), inTable ? [{ tag: 'tr', id: ids[0], paused: false, current: 'true', button: '❚❚' }] : []);
  assert.ok((await marks(page)).every((m) => m.id === ids[0] && !m.paused));
  await done(a);
});

test('preview: ▶ in the similar tracks plays without picking; next walks that list; the playing track is marked in every list', async () => {
  const a = await app({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const i = await page.evaluate(() => [...document.querySelectorAll('.track-row')].map((r) => window.__fake.state.tracks.find((t) => t.id === Number(r.dataset.id)))
    .findIndex((t) => t.status === 'analyzed'));
  await page.click(`.track-row[data-index="${i}"] td:nth-child(2)`); // its details open
  const shown = await selectedId(page);
  await page.locator(`#similar[data-state="ready"][data-track="${shown}"]`).waitFor();
  const sim = await page.$$eval('#similar-list li.similar-row', (ls) => ls.map((li) => Number(li.dataset.id)));
  await page.click('#similar-list li.similar-row:nth-child(2) button.play');
  await waitBar(page, 'playing', sim[1]);
  const track = await page.evaluate((id) => window.__fake.state.tracks.find((t) => t.id === id), sim[1]);
  assert.equal((await bar(page)).source, 'similar');
  assert.equal(await page.getAttribute('#similar', 'data-track'), String(shown), 'no pick: the panel still shows the same track');
  assert.equal(await selectedId(page), shown, 'nor the table selection');
  assert.equal(await page.evaluate(() => document.activeElement?.matches('#similar-list li.similar-row:nth-child(2)')), true);
  // its duration (not in similar_tracks) comes from get_track: the seek bar spans the file
  await page.waitForFunction((d) => Number(document.querySelector('#player-seek').max) === d, track.duration_s);
  const m = await marks(page);
  assert.ok(m.some((x) => x.tag === 'li' && x.id === sim[1] && x.button === '❚❚' && x.current === 'true'));
  assert.ok(m.every((x) => x.id === sim[1]), 'only that track is marked (in the table too when its row is there)');
  // next: the third similar track; Space on a similar row plays that row
  // (a click on the bar leaves the focus in the list; it moves along with the preview)
  await page.click('#player-next');
  await waitBar(page, 'playing', sim[2]);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.id), String(sim[2]));
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press(' ');
  await waitBar(page, 'playing', sim[3]);
  assert.equal(await page.getAttribute('#similar', 'data-track'), String(shown));
  // the list changes with the selection; the queue is the list the play came from
  await page.click(`.track-row[data-index="${i === 0 ? 1 : 0}"] td:nth-child(2)`);
  await page.waitForFunction((id) => document.querySelector('#similar').dataset.track !== String(id) && document.querySelector('#similar').dataset.state === 'ready', shown);
  await page.keyboard.press('n');
  await waitBar(page, 'playing', sim[4]);
  // a similar row of a track that is playing shows it too
  const now = await page.$$eval('#similar-list li.similar-row', (ls) => ls.map((li) => Number(li.dataset.id)));
  if (now.includes(sim[4])) assert.ok((await marks(page)).some((x) => x.tag === 'li' && x.id === sim[4]));
  await done(a);
});

test('preview: the seek bar seeks (control_preview seek), the volume slider sets the volume, the length select changes `seconds`; both remembered', async () => {
  const a = await app();
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const t = await tableTrack(page, 0);
  await clickRowPlay(page, 0);
  await waitBar(page, 'playing', t.id);
  assert.equal(await page.inputValue('#player-length'), '30');
  assert.deepEqual(await page.$$eval('#player-length option', (os) => os.map((o) => o.textContent)), ['30 s', '60 s', 'Whole track']);

  // seek: dragging and letting go asks for it; the bar follows at once and stays there
  const to = Math.round(t.duration_s * 0.75);
  await page.$eval('#player-seek', (s, to) => {
    s.value = String(to);
    s.dispatchEvent(new Event('input', { bubbles: true }));
    s.dispatchEvent(new Event('change', { bubbles: true }));
  }, to);
  assert.deepEqual((await controls(a)).at(-1), { action: 'seek', value: to });
  assert.ok((await bar(page)).time.startsWith(`${clock(to)} /`));
  await page.waitForFunction((to) => window.__fake.preview.state.from_s === to, to);
  await page.waitForFunction((to) => Number(document.querySelector('#player-seek').value) > to, to);
  assert.ok((await bar(page)).seek < to + 3, 'no jump back to the old position');
  assert.equal((await bar(page)).status, 'playing');

  // volume
  await page.$eval('#player-volume', (v) => { v.value = '0.4'; v.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForFunction(() => window.__fake.preview.state.volume === 0.4);
  assert.deepEqual((await controls(a)).filter((c) => c.action === 'volume'), [{ action: 'volume', value: 0.4 }]);

  // length: 60 s, then the whole track (from its start)
  await page.selectOption('#player-length', '60');
  const u = await tableTrack(page, 1);
  await clickRowPlay(page, 1);
  await waitBar(page, 'playing', u.id);
  assert.deepEqual((await plays(a)).at(-1), { id: u.id, fromS: null, seconds: 60 });
  await page.waitForFunction((u) => window.__fake.preview.state.until_s === u, defaultFrom(u) + 60);
  await page.selectOption('#player-length', 'whole');
  await clickRowPlay(page, 2);
  const w = await tableTrack(page, 2);
  await waitBar(page, 'playing', w.id);
  assert.deepEqual((await plays(a)).at(-1), { id: w.id, fromS: 0, seconds: null });

  // a reload (new backend, volume 1): both settings are back; the volume goes first on the next play
  await page.reload();
  await page.locator('.track-row[data-index="0"]').waitFor();
  assert.equal(await page.inputValue('#player-length'), 'whole');
  assert.equal(await page.inputValue('#player-volume'), '0.4');
  assert.equal(await page.locator('#player').isVisible(), false);
  await clickRowPlay(page, 0);
  await waitBar(page, 'playing', t.id);
  assert.deepEqual((await page.evaluate(() => window.__fake.calls.filter((c) => c.cmd.endsWith('_preview')).map((c) => c.args))),
    [{ action: 'volume', value: 0.4 }, { id: t.id, fromS: 0, seconds: null }]);
  assert.equal(await page.evaluate(() => window.__fake.preview.state.volume), 0.4);
  await done(a);
});

test('preview: no sound device — a calm message in the bar (not the banner), the app keeps working, the next play tries again; an undecodable file says so', async () => {
  const a = await app();
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.evaluate(() => { window.__fake.preview.noDevice = true; });
  const t = await tableTrack(page, 0);
  await clickRowPlay(page, 0);
  await waitBar(page, 'error', t.id);
  const b = await bar(page);
  assert.match(b.message, /^No sound output device found/);
  assert.equal(b.title, t.title ?? t.path.split('/').pop());
  assert.equal(b.toggle, '▶');
  assert.equal(await page.locator('#player-message').isVisible(), true);
  assert.equal(await page.locator('#player-seek').isVisible(), false, 'the message takes the position’s place');
  assert.equal(await page.locator('#error-banner').isVisible(), false, 'not the error banner');
  assert.deepEqual(await marks(page), []);
  // the app keeps working
  await page.keyboard.press('ArrowDown');
  assert.equal(await selectedId(page), (await tableTrack(page, 1)).id);
  await page.fill('#search', 'Amber');
  await page.waitForFunction(() => Number(document.querySelector('#row-count').dataset.matched) < 3000);
  await page.fill('#search', '');
  await page.waitForFunction(() => document.querySelector('#row-count').dataset.matched === '3000');
  // Space tries again (still no device), then a device: it plays
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press(' ');
  await page.waitForFunction((n) => window.__fake.calls.filter((c) => c.cmd === 'play_preview').length === n, 2);
  await waitBar(page, 'error', t.id);
  await page.evaluate(() => { window.__fake.preview.noDevice = false; });
  await page.click('#player-toggle');
  await waitBar(page, 'playing', t.id);
  assert.equal((await bar(page)).message, '');
  assert.equal(await page.locator('#player-seek').isVisible(), true);

  // a file that cannot be decoded: the backend's status 'error' and its message
  const u = await tableTrack(page, 1);
  await page.evaluate((id) => window.__fake.preview.undecodable.add(id), u.id);
  await clickRowPlay(page, 1);
  await waitBar(page, 'error', u.id);
  assert.match((await bar(page)).message, /^Cannot decode/);
  await page.waitForTimeout(200);
  assert.equal((await bar(page)).status, 'error', 'no automatic next after an error');
  assert.equal((await plays(a)).length, 4);
  // and the next one plays
  await page.click('#player-next');
  const v = await tableTrack(page, 2);
  await waitBar(page, 'playing', v.id);
  // close: stops, hides, releases the device; an old "playing" does not bring it back
  await page.click('#player-close');
  assert.equal(await page.locator('#player').isVisible(), false);
  await page.waitForFunction(() => window.__fake.preview.state.status === 'idle');
  await page.waitForTimeout(150);
  assert.equal(await page.locator('#player').isVisible(), false);
  assert.deepEqual((await controls(a)).at(-1), { action: 'close', value: null });
  assert.deepEqual(await marks(page), []);
  await done(a);
});

test('preview: a preview over before the first event (only ever reported "finished") does not hang in "loading": the bar asks preview_state', async () => {
  const a = await app();
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const t = await tableTrack(page, 0);
  // one row: nothing to go on to
  await page.fill('#search', t.title);
  await page.waitForFunction(() => document.querySelector('#row-count').dataset.matched === '1');
  await page.evaluate(() => Object.assign(window.__fake.preview, { speed: 1000, eventOnCommand: false }));
  await clickRowPlay(page, 0);
  await waitBar(page, 'loading', t.id);
  await page.waitForFunction(() => window.__fake.preview.state?.status === 'finished');
  await page.waitForTimeout(300);
  assert.equal((await bar(page)).status, 'loading', 'a "finished" right after a play may be the one from before');
  await waitBar(page, 'finished', t.id);
  assert.ok((await a.calls('preview_state')).length >= 2, 'asked (once at start, once now)');
  const b = await bar(page);
  assert.equal(b.toggle, '▶');
  assert.equal(b.seek, await page.evaluate(() => window.__fake.preview.state.position_s));
  await done(a);
});

for (const scheme of ['light', 'dark']) {
  test(`screenshot: player bar (${scheme})`, async () => {
    const a = await app({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    const { page } = a;
    await page.locator('.track-row[data-index="0"]').waitFor();
    await clickRowPlay(page, 3);
    await page.waitForFunction(() => document.querySelector('#player').dataset.status === 'playing');
    await page.waitForTimeout(400);
    await page.hover('.track-row[data-index="6"] td:nth-child(3)');
    await page.screenshot({ path: path.join(OUT, `player-${scheme}.png`) });
    await done(a);
  });
}

test('preview: the output device menu lists the devices when opened and sets the chosen one', async () => {
  const a = await app();
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const t = await tableTrack(page, 0);
  await clickRowPlay(page, 0);
  await waitBar(page, 'playing', t.id);
  assert.deepEqual(await page.$$eval('#player-device option', (os) => os.map((o) => o.textContent)), ['System default']);
  await page.focus('#player-device');
  await page.waitForFunction(() => document.querySelectorAll('#player-device option').length === 3);
  assert.deepEqual(await page.$$eval('#player-device option', (os) => os.map((o) => o.value)), ['', 'Default Audio Device', 'USB DAC']);
  await page.selectOption('#player-device', 'USB DAC');
  await page.waitForFunction(() => window.__fake.state.outputDevice === 'USB DAC');
  await page.selectOption('#player-device', '');
  await page.waitForFunction(() => window.__fake.state.outputDevice === null);
  assert.equal(await page.inputValue('#player-device'), '');
});
