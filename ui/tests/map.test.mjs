// The map view against the fake backend: the demo library's recorded map (fixtures) and made-up
// maps of any size (synthetic). Points drawn, Colour by (remembered), a click opens the details,
// a double click and Space play (the pulse), the lasso and its bar (a playlist from the picks,
// the picks in the library), the open playlist as a path, search and filters that dim, the
// keyboard, what the map says while empty, partial or being arranged, when it asks again, and a
// 100,000-point map's frame times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const DEMO = { library: 'demo' };
const LIB = { tracks: 3000, folders: true };
const { seeds: _seeds, ...DEFAULTS } = JSON.parse(
  /export const DEFAULT_PLAYLIST_REQUEST = (\{.*\}) as const;/.exec(fs.readFileSync(new URL('../src/bindings.ts', import.meta.url), 'utf8'))[1]);

const attrs = (page) => page.evaluate(() => ({ ...document.querySelector('#map-canvas').dataset }));
const screenOf = (page, id) => page.evaluate((id) => document.querySelector('#map-canvas').mapProbe.screenOf(id), id);
const colourOf = (page, id) => page.evaluate((id) => document.querySelector('#map-canvas').mapProbe.colourOf(id), id);
/** Two animation frames: what was asked is drawn. */
const drawn = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))));

/** Show the map and wait for its answer (`state`: the MapAnswer state expected) and a frame. */
async function openMap(page, state = 'ready') {
  await page.click('#nav-map');
  await page.locator(`#map-canvas[data-state="${state}"]`).waitFor({ state: 'attached' });
  await drawn(page);
}

/** Every point on screen: [{id, x, y}] (viewport CSS px) for the library's tracks on the map. */
const pointsOnScreen = (page) => page.evaluate(() => {
  const probe = document.querySelector('#map-canvas').mapProbe;
  return window.__fake.state.tracks.map((t) => ({ id: t.id, ...probe.screenOf(t.id) })).filter((p) => p.x != null);
});

/** A point at least `gap` px from every other (so a click there hits it and nothing else), in
 *  the canvas's left half (the detail panel opens over the right). */
async function isolatedPoint(page, gap = 12) {
  const pts = await pointsOnScreen(page);
  const box = await page.locator('#map-canvas').boundingBox();
  const p = pts.find((a) => a.x < box.x + box.width / 2 && pts.every((b) => b === a || Math.hypot(a.x - b.x, a.y - b.y) >= gap));
  assert.ok(p, 'an isolated point to click');
  return p;
}

const insidePolygon = (x, y, poly) => {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};

/** Draw a lasso with Shift+drag through `poly` (viewport px); the ids of the points inside it
 *  (none of them within 3 px of its outline, so there is no doubt). */
async function lasso(page, poly, { shift = true } = {}) {
  const pts = await pointsOnScreen(page);
  const inside = pts.filter((p) => insidePolygon(p.x, p.y, poly)).map((p) => p.id);
  if (shift) await page.keyboard.down('Shift');
  await page.mouse.move(...poly[0]);
  await page.mouse.down();
  for (const p of [...poly.slice(1), poly[0]]) await page.mouse.move(...p, { steps: 10 });
  await page.mouse.up();
  if (shift) await page.keyboard.up('Shift');
  return inside;
}

/** A concave lasso (an L) around the middle of the canvas. */
async function middleL(page, size = 0.3) {
  const b = await page.locator('#map-canvas').boundingBox();
  const x0 = b.x + b.width * (0.5 - size), y0 = b.y + b.height * (0.5 - size), x1 = b.x + b.width * (0.5 + size), y1 = b.y + b.height * (0.5 + size);
  const xm = (x0 + x1) / 2, ym = (y0 + y1) / 2;
  return [[x0, y0], [xm, y0], [xm, ym], [x1, ym], [x1, y1], [x0, y1]];
}

test('the nav shows Map; the demo library\'s map draws every point of the answer; light and dark', async () => {
  for (const scheme of ['light', 'dark']) {
    const a = await browser.open({ config: DEMO, colorScheme: scheme });
    const { page } = a;
    await page.locator('.track-row[data-index="0"]').waitFor();
    assert.deepEqual(await page.$$eval('.nav .nav-item', (bs) => bs.map((b) => b.id)), ['nav-library', 'nav-map', 'nav-radio', 'nav-outside', 'nav-failures']);
    assert.equal((await a.calls('get_map')).length, 0, 'not asked while the map is not shown');
    await openMap(page);
    const answer = await page.evaluate(() => window.__fake.recorded('get_map', {}));
    const at = await attrs(page);
    assert.equal(at.points, String(answer.points.ids.length));
    assert.equal(answer.points.ids.length, 36);
    assert.deepEqual({ ...at, points: undefined }, { points: undefined, colourBy: 'tag', selected: '', picked: '0', path: '0', state: 'ready' });
    assert.equal(await page.getAttribute('#nav-map', 'aria-current'), 'page');
    assert.equal(await page.locator('#map-count').innerText(), '36 tracks');
    // every point on the canvas, in its colour (the canvas's pixel there is the point's colour)
    const onScreen = await pointsOnScreen(page);
    assert.equal(onScreen.length, 36, 'fitted: every point in view');
    const p = await isolatedPoint(page);
    const box = await page.locator('#map-canvas').boundingBox();
    const shot = await page.screenshot({ clip: { x: Math.round(p.x), y: Math.round(p.y), width: 1, height: 1 } });
    const hex = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = new OffscreenCanvas(1, 1), x = c.getContext('2d');
      x.drawImage(img, 0, 0);
      const [r, g, bl] = x.getImageData(0, 0, 1, 1).data;
      return `#${[r, g, bl].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    }, shot.toString('base64'));
    assert.equal(hex, await colourOf(page, p.id), 'the pixel under a point is its colour');
    assert.ok(box.width > 600 && box.height > 500, 'the canvas fills the view');
    // the legend: the tags with their counts
    const legend = await page.$$eval('#map-legend li', (ls) => ls.map((l) => l.textContent));
    assert.ok(legend.length >= 2 && legend.every((t) => /\d$/.test(t)), `swatches with counts: ${legend}`);
    await page.screenshot({ path: path.join(OUT, `map-demo-${scheme}.png`) });
    await done(a);
  }
});

test('Colour by: each choice changes the points\' colours and the legend; remembered after a reload', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await openMap(page);
  const ids = [1, 7, 13, 19, 25, 31];
  const colours = async () => Promise.all(ids.map((id) => colourOf(page, id)));
  const seen = {};
  for (const mode of ['tag', 'tempo', 'key', 'loudness', 'folder', 'album']) {
    await page.selectOption('#map-colour-by', mode);
    await page.locator(`#map-canvas[data-colour-by="${mode}"]`).waitFor({ state: 'attached' });
    seen[mode] = { colours: await colours(), legend: await page.locator('#map-legend').innerText(), kind: await page.getAttribute('#map-legend', 'data-kind') };
  }
  assert.notDeepEqual(seen.tempo.colours, seen.tag.colours);
  assert.notDeepEqual(seen.key.colours, seen.tempo.colours);
  assert.notDeepEqual(seen.loudness.colours, seen.key.colours);
  assert.equal(new Set(seen.folder.colours).size, 1, 'one folder: one colour');
  assert.equal(new Set(seen.album.colours).size, 6, 'six albums (one per style): six colours');
  assert.deepEqual([seen.tag.kind, seen.tempo.kind, seen.key.kind, seen.loudness.kind, seen.album.kind], ['swatches', 'ramp', 'wheel', 'ramp', 'swatches']);
  assert.match(seen.tempo.legend, /TEMPO \(BPM\)[\s\S]*60[\s\S]*180/);
  assert.match(seen.folder.legend, /Segue demo\s*36/);
  await page.selectOption('#map-colour-by', 'key');
  const before = await colours();
  await page.reload();
  await openMap(page);
  assert.equal(await page.inputValue('#map-colour-by'), 'key');
  assert.equal((await attrs(page)).colourBy, 'key');
  assert.deepEqual(await colours(), before, 'the same colours after the reload');
  await done(a);
});

test('a click on a point selects it and opens the detail panel; a double click plays it; Space pauses; the pulse moves only while it plays', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await openMap(page);
  const p = await isolatedPoint(page);
  const track = await page.evaluate((id) => window.__fake.state.tracks.find((t) => t.id === id), p.id);
  await page.mouse.move(p.x, p.y);
  await page.locator(`#map-tooltip[data-id="${p.id}"]`).waitFor();
  assert.match(await page.locator('#map-tooltip').innerText(), new RegExp(`${track.title}\\n${track.artist}\\n${Math.round(track.bpm)} BPM · ${track.camelot}`));
  await page.mouse.click(p.x, p.y);
  await page.locator(`#map-canvas[data-selected="${p.id}"]`).waitFor({ state: 'attached' });
  await page.locator('#detail-panel').waitFor({ state: 'visible' });
  await page.locator(`#detail-panel .detail-title:text-is("${track.title}")`).waitFor();
  assert.ok(await page.locator('#view-map #detail-panel').count(), 'the panel sits beside the map');
  assert.deepEqual((await a.calls('get_track')).map((c) => c.args.id).at(-1), p.id);
  assert.ok(Math.abs((await screenOf(page, p.id)).x - p.x) < 0.01, 'the panel opening moved no point');
  assert.ok((await page.locator('#map-selection').innerText()).endsWith(`${track.title} — ${track.artist}`), 'the selected track over the map, with its ▶');
  assert.equal(await page.locator('#map-selection button.play').getAttribute('data-id'), String(p.id));
  // a tag chip in the details: the map's tag filter (not the hidden table's)
  const chip = await page.locator('#detail-tags button.tag-chip').first().getAttribute('data-tag');
  await page.click(`#detail-tags button.tag-chip[data-tag="${chip}"]`);
  assert.equal(await page.inputValue('#map-tag'), chip);
  const withChip = (await page.evaluate(() => window.__fake.state.tracks)).filter((t) => t.chips.includes(chip)).length;
  await page.locator(`#map-count[data-matched="${withChip}"]`).waitFor();
  assert.equal(await page.locator('#view-map').isVisible(), true);
  await page.selectOption('#map-tag', '');

  // a double click plays it (the player's list: the map)
  await page.mouse.dblclick(p.x, p.y);
  await page.locator(`#player[data-status="playing"][data-id="${p.id}"][data-source="map"]`).waitFor();
  const clip = { x: Math.round(p.x) - 25, y: Math.round(p.y) - 25, width: 50, height: 50 };
  await page.mouse.move(5, 5);
  const a1 = await page.screenshot({ clip });
  await page.waitForTimeout(350);
  const a2 = await page.screenshot({ clip });
  assert.ok(!a1.equals(a2), 'the ring pulses while it plays');
  // Space (on the map) pauses it: the ring stands still
  await page.locator('#map-canvas').focus();
  await page.keyboard.press('Space');
  await page.locator('#player[data-status="paused"]').waitFor();
  await page.waitForTimeout(200);
  const b1 = await page.screenshot({ clip });
  await page.waitForTimeout(350);
  assert.ok(b1.equals(await page.screenshot({ clip })), 'paused: no animation');
  await page.keyboard.press('Space');
  await page.locator('#player[data-status="playing"]').waitFor();
  assert.equal((await a.calls('play_preview')).length, 1, 'Space resumed, it did not play again');
  // Esc closes the details (the map keeps the keyboard), Esc again clears the selection
  await page.keyboard.press('Escape');
  await page.locator('#detail-panel').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'map-canvas');
  await page.keyboard.press('Escape');
  await page.locator('#map-canvas[data-selected=""]').waitFor({ state: 'attached' });
  await done(a);
});

test('a point under where the detail panel opens comes back into view; a double click there still plays it', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await openMap(page);
  const box = await page.locator('#map-canvas').boundingBox();
  const pts = await pointsOnScreen(page);
  const p = pts.filter((q) => q.x > box.x + box.width - 200 && pts.every((o) => o === q || Math.hypot(o.x - q.x, o.y - q.y) >= 8))
    .sort((x, y) => y.x - x.x)[0];
  assert.ok(p, 'a point near the right edge');
  await page.mouse.dblclick(p.x, p.y);
  await page.locator(`#player[data-status="playing"][data-id="${p.id}"]`).waitFor();
  assert.equal((await a.calls('play_preview')).length, 1);
  await drawn(page);
  const now = await screenOf(page, p.id);
  const narrow = await page.locator('#map-canvas').boundingBox();
  assert.ok(narrow.width < box.width - 200, 'the panel took the right side');
  assert.ok(now && now.x <= narrow.x + narrow.width - 39, `the selected point in view (${JSON.stringify(now)})`);
  await done(a);
});

test('lasso: Shift+drag picks the points inside (a concave outline); "Make playlist from these" makes one playlist of them all', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await openMap(page);
  const inside = await lasso(page, await middleL(page));
  assert.ok(inside.length >= 2 && inside.length < 36, `some points inside (${inside.length})`);
  await page.locator(`#map-canvas[data-picked="${inside.length}"]`).waitFor({ state: 'attached' });
  assert.match(await page.locator('#map-picked').innerText(), new RegExp(`^${inside.length} tracks picked\\s*—\\s*Make playlist from these\\s*Start radio\\s*Show in library\\s*Clear$`));
  // the playlist: one make_playlist whose seeds are the picks, in the map's order (answered with a recorded one-seed list)
  const order = await page.evaluate(() => window.__fake.recorded('get_map', {}).points.ids);
  const seeds = order.filter((id) => inside.includes(id));
  const one = await page.evaluate((req) => window.__fake.recorded('make_playlist', { request: req }), { ...DEFAULTS, seeds: [seeds[0]] });
  assert.ok(one, 'a recorded playlist to answer with');
  await page.evaluate((p) => window.__fake.answer('make_playlist', p), one);
  await page.click('#map-pick-playlist');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  assert.deepEqual((await a.calls('make_playlist')).map((c) => c.args.request), [{ ...DEFAULTS, seeds }]);
  assert.equal(await page.getAttribute('#playlist', 'data-seeds'), seeds.join(','));
  assert.match(await page.locator('#playlist-seed').innerText(), new RegExp(`from ${seeds.length} tracks`));
  await page.evaluate(() => window.__fake.answer('make_playlist', null));
  // back on the map: the picks are still there; Clear drops them
  await openMap(page);
  assert.equal((await attrs(page)).picked, String(inside.length));
  await page.click('#map-pick-clear');
  await page.locator('#map-picked').waitFor({ state: 'hidden' });
  assert.equal((await attrs(page)).picked, '0');
  // the lasso button (L): any drag lassos; Esc clears the picks, then turns it off
  await page.keyboard.press('l');
  assert.equal(await page.getAttribute('#map-lasso', 'aria-pressed'), 'true');
  const again = await lasso(page, await middleL(page, 0.45), { shift: false });
  await page.locator(`#map-canvas[data-picked="${again.length}"]`).waitFor({ state: 'attached' });
  assert.ok(again.length > inside.length);
  await page.keyboard.press('Escape');
  assert.equal((await attrs(page)).picked, '0');
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('#map-lasso', 'aria-pressed'), 'false');
  await done(a);
});

test('lasso: more picks than a playlist takes (100) — its button off and the bar says why; "Show in library" filters the table by ids, removable', async () => {
  const a = await browser.open({ config: LIB });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await openMap(page);
  const inside = await lasso(page, await middleL(page, 0.45));
  assert.ok(inside.length > 100, `many picked (${inside.length})`);
  await page.locator(`#map-canvas[data-picked="${inside.length}"]`).waitFor({ state: 'attached' });
  assert.equal(await page.locator('#map-pick-playlist').isDisabled(), true);
  assert.equal(await page.locator('#map-picked-note').innerText(), 'At most 100 make a playlist');
  await page.keyboard.press('p');
  assert.equal((await a.calls('make_playlist')).length, 0, 'P does nothing either');

  await page.click('#map-pick-library');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  await page.locator(`#row-count[data-matched="${inside.length}"]`).waitFor();
  const q = (await a.calls('list_tracks')).at(-1).args.query;
  assert.deepEqual([...q.ids].sort((x, y) => x - y), [...inside].sort((x, y) => x - y));
  assert.equal(await page.locator('#ids-filter').textContent(), `${inside.length.toLocaleString('en-US')} tracks picked on the map×`);
  assert.equal(await page.locator('#row-count').innerText(), `${inside.length.toLocaleString('en-US')} of 3,000 tracks`);
  const rows = await page.$$eval('#track-table .track-row', (rs) => rs.map((r) => Number(r.dataset.id)));
  assert.ok(rows.length > 10 && rows.every((id) => inside.includes(id)), 'only picked tracks in the table');
  await page.click('#ids-filter');
  await page.locator('#row-count[data-matched="3000"]').waitFor();
  assert.equal(await page.locator('#ids-filter').isVisible(), false);
  assert.equal('ids' in (await a.calls('list_tracks')).at(-1).args.query, false, 'no ids once removed');
  await done(a);
});

test('the open playlist is drawn on the map as a path (seed marked, rows numbered) and follows its edits', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('.track-row[data-index="3"] td:nth-child(2)');
  await page.keyboard.press('p');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const count = Number(await page.getAttribute('#playlist', 'data-count'));
  assert.ok(count >= 4);
  await openMap(page);
  assert.equal((await attrs(page)).path, String(count));
  const title = await page.evaluate(() => document.querySelector('#playlist-title').textContent);
  assert.equal(await page.locator('#map-legend-path').innerText(), `${title} · ${count} tracks on the map`);
  await page.screenshot({ path: path.join(OUT, 'map-path.png') });
  // remove a row: the path has one track less
  await page.click('#nav-library'); // the same playlist again, from the row still selected
  await page.keyboard.press('p');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  await page.click('#playlist-list li.playlist-row:nth-child(2) button.remove');
  await openMap(page);
  assert.equal((await attrs(page)).path, String(count - 1));
  await done(a);
});

test('search and filters dim the points that do not match (drawn faint, not removed); the count says how many match', async () => {
  const a = await browser.open({ config: LIB });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await openMap(page);
  const total = Number((await attrs(page)).points);
  const tracks = await page.evaluate(() => window.__fake.state.tracks.filter((t) => t.status === 'analyzed'));
  assert.equal(tracks.length, total);
  const match = tracks.filter((t) => [t.title, t.artist, t.album].some((v) => v?.toLowerCase().includes('river')));
  const other = tracks.find((t) => !match.includes(t));
  const before = { in: await colourOf(page, match[0].id), out: await colourOf(page, other.id) };
  await page.fill('#map-search', 'river');
  await page.locator(`#map-count[data-matched="${match.length}"]`).waitFor();
  assert.equal(await page.locator('#map-count').innerText(), `${match.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} tracks`);
  assert.equal((await attrs(page)).points, String(total), 'nothing removed');
  assert.equal(await colourOf(page, match[0].id), before.in, 'a match keeps its colour');
  assert.notEqual(await colourOf(page, other.id), before.out, 'the others fade');
  // a tempo range and a key too
  await page.fill('#map-bpm-min', '100');
  await page.fill('#map-bpm-max', '140');
  await page.selectOption('#map-key', '8A');
  const both = match.filter((t) => t.bpm != null && t.bpm >= 100 && t.bpm <= 140 && t.camelot === '8A');
  await page.locator(`#map-count[data-matched="${both.length}"]`).waitFor();
  // Esc in the search clears it
  await page.click('#map-search');
  await page.keyboard.press('Escape');
  const ranged = tracks.filter((t) => t.bpm != null && t.bpm >= 100 && t.bpm <= 140 && t.camelot === '8A');
  await page.locator(`#map-count[data-matched="${ranged.length}"]`).waitFor();
  // a tag
  await page.fill('#map-bpm-min', '');
  await page.fill('#map-bpm-max', '');
  await page.selectOption('#map-key', '');
  const tag = tracks[0].chips[0];
  await page.selectOption('#map-tag', tag);
  await page.locator(`#map-count[data-matched="${tracks.filter((t) => t.chips.includes(tag)).length}"]`).waitFor();
  await page.screenshot({ path: path.join(OUT, 'map-filtered.png') });
  await done(a);
});

test('keyboard: arrows pan, + and − zoom, 0 fits; the camera stays where it was put when the map is asked again', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await openMap(page);
  // the point nearest the middle (not track 30, the bystander below): a pan keeps it on
  // screen whatever the layout
  const box0 = await page.locator('#map-canvas').boundingBox();
  let id = 1;
  let nearest = Infinity;
  for (let i = 1; i <= 36; i++) {
    const p = i === 30 ? null : await screenOf(page, i);
    const d = p ? Math.hypot(p.x - box0.x - box0.width / 2, p.y - box0.y - box0.height / 2) : Infinity;
    if (d < nearest) { nearest = d; id = i; }
  }
  const at0 = await screenOf(page, id);
  await page.locator('#map-canvas').focus();
  await page.keyboard.press('ArrowLeft');
  await drawn(page);
  const at1 = await screenOf(page, id);
  assert.ok(at1.x > at0.x + 20 && Math.abs(at1.y - at0.y) < 0.01, 'the map moved right (we look further left)');
  await page.keyboard.press('+');
  await drawn(page);
  const box = await page.locator('#map-canvas').boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const at2 = await screenOf(page, id);
  assert.ok(Math.abs(Math.hypot(at2.x - cx, at2.y - cy) - 1.4 * Math.hypot(at1.x - cx, at1.y - cy)) < 0.5, 'zoomed in at the middle');
  // the map asked again (a layout finished): the view stays
  const calls = (await a.calls('get_map')).length;
  await page.evaluate(() => window.__fake.emit('map-updated', null));
  await page.waitForFunction((n) => window.__fake.calls.filter((c) => c.cmd === 'get_map').length > n, calls);
  await drawn(page);
  assert.deepEqual(await screenOf(page, id), at2, 'no camera reset on a new answer');
  await page.keyboard.press('0');
  await drawn(page);
  assert.deepEqual(await screenOf(page, id), at0, 'fitted again');
  const other = await screenOf(page, 30);
  // the wheel zooms at the pointer: the point under it stays
  await page.mouse.move(at0.x, at0.y);
  await page.mouse.wheel(0, -200);
  await drawn(page);
  const at3 = await screenOf(page, id);
  assert.ok(Math.abs(at3.x - at0.x) < 1.5 && Math.abs(at3.y - at0.y) < 1.5, `the point under the pointer stays (${JSON.stringify([at0, at3])})`);
  const o0 = await screenOf(page, 30);
  assert.ok(o0 == null || Math.hypot(o0.x - at0.x, o0.y - at0.y) > 1.5 * Math.hypot(other.x - at0.x, other.y - at0.y), 'the others move away from it');
  await done(a);
});

test('empty and partial: no music (the demo button), too few analysed, analysis under way, a layout under way, Re-arrange', async () => {
  // no music at all
  let a = await browser.open({ config: { tracks: 0 } });
  let page = a.page;
  await openMap(page, 'empty');
  await page.locator('#map-message[data-kind="none"]').waitFor();
  assert.equal(await page.locator('#map-message-text').innerText(), 'No music yet — add a folder or try the demo library');
  await page.click('#map-demo');
  assert.equal((await a.calls('create_demo_library')).length, 1);
  await page.locator('#map-canvas[data-state="ready"]').waitFor({ state: 'attached', timeout: 8000 });
  await page.locator('#map-message').waitFor({ state: 'hidden' });
  await done(a);

  // the demo library scanned, not analysed: too few to map; analysed: the map
  a = await browser.open({ config: { ...DEMO, phase: 'before_analysis' } });
  page = a.page;
  await openMap(page, 'empty');
  assert.equal(await page.locator('#map-message-text').innerText(), 'The map appears once a few tracks are analysed');
  await page.evaluate(() => window.__fake.analyse());
  await page.locator('#map-canvas[data-state="ready"][data-points="36"]').waitFor({ state: 'attached', timeout: 8000 });
  assert.equal(await page.locator('#map-message').isVisible(), false);
  await done(a);

  // an analysis under way: the strip says how far; a layout: "Arranging the map… N %", then the new map
  a = await browser.open({ config: { ...LIB, analysis: { phase: 'running', done: 10, total: 400 } } });
  page = a.page;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await openMap(page);
  const tracks = await page.evaluate(() => window.__fake.state.tracks);
  const analysed = tracks.filter((t) => t.status === 'analyzed').length;
  await page.locator('#map-status').waitFor();
  assert.equal(await page.locator('#map-status-text').innerText(), `${analysed.toLocaleString('en-US')} of 3,000 tracks analysed — the map fills in as they are`);
  await page.evaluate(() => { window.__fake.state.mapState = 'building'; window.__fake.emit('map-progress', { phase: 'layout', done: 40, total: 100 }); });
  await page.locator('#map-status[data-kind="building"]').waitFor();
  assert.equal(await page.locator('#map-status-text').innerText(), 'Arranging the map… 53 %');
  assert.equal((await attrs(page)).points, String(analysed), 'the old points stay meanwhile');
  assert.equal(await page.locator('#map-rearrange').isDisabled(), true);
  await page.screenshot({ path: path.join(OUT, 'map-building.png') });
  await page.evaluate(() => { window.__fake.state.mapState = null; window.__fake.emitAnalysis({ phase: 'idle' }); window.__fake.emit('map-updated', null); });
  await page.locator('#map-canvas[data-state="ready"]').waitFor({ state: 'attached' });
  await page.locator('#map-status').waitFor({ state: 'hidden' });
  // Re-arrange: rearrange_map, then the strip until the layout reports
  assert.match(await page.getAttribute('#map-rearrange', 'title'), /afresh/);
  await page.click('#map-rearrange');
  await page.locator('#map-status[data-kind="building"]').waitFor();
  assert.equal(await page.locator('#map-status-text').innerText(), 'Arranging the map…');
  assert.equal((await a.calls('rearrange_map')).length, 1);
  await done(a);
});

test('asking again: nothing while the map is hidden; while shown at most every 3 s during an analysis, at once after a layout', async () => {
  const a = await browser.open({ config: { ...LIB, analysis: { phase: 'running', done: 0, total: 400 } } });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const count = async () => (await a.calls('get_map')).length;
  await page.evaluate(() => { window.__fake.analyse(20); window.__fake.emit('map-updated', null); });
  await page.waitForTimeout(300);
  assert.equal(await count(), 0, 'hidden: never asked');
  await openMap(page);
  assert.equal(await count(), 1);
  const t0 = Date.now();
  for (let k = 0; k < 12; k++) { await page.evaluate(() => window.__fake.analyse(5)); await page.waitForTimeout(100); }
  assert.equal(await count(), 1, 'events within the 3 s after the last request wait');
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'get_map').length === 2, null, { timeout: 5000 });
  assert.ok(Date.now() - t0 >= 1500, 'the second one after the gap');
  await page.evaluate(() => window.__fake.emit('map-updated', null));
  await page.waitForFunction(() => window.__fake.calls.filter((c) => c.cmd === 'get_map').length === 3, null, { timeout: 1000 });
  assert.equal(await page.evaluate(() => window.__fake.maxInFlight.get_map), 1, 'never two at a time');
  await done(a);
});

test('100,000 points: drawn, and a scripted pan and zoom over 60 frames (frame times printed)', async () => {
  const a = await browser.open({ config: { tracks: 100000, folders: true, mapAll: true }, viewport: { width: 1400, height: 900 } });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('#nav-map');
  await page.locator('#map-canvas[data-points="100000"]').waitFor({ state: 'attached', timeout: 30000 });
  await drawn(page);
  const frames = await page.evaluate(() => document.querySelector('#map-canvas').mapProbe.measureFrames(60));
  assert.equal(frames.length, 60);
  assert.ok(frames.every((f) => Number.isFinite(f) && f > 0), `finite frame times: ${frames}`);
  const sorted = [...frames].sort((x, y) => x - y);
  const median = sorted[30], p95 = sorted[Math.ceil(0.95 * 60) - 1];
  console.log(`# map, 100,000 points at 1400 × 900 in Chromium: frame median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
  await page.screenshot({ path: path.join(OUT, 'map-100k.png') });
  await done(a);
});
