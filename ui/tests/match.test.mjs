// How alike tracks are and why a playlist is short, as the engine says it (on the demo library's
// recorded answers): the closeness in words and a bar in both lists, the same for the same pair;
// the raw percentage in a library too small to calibrate; the shortfall with the one change that
// would lengthen the list (one click) and the notes; the Why column when the reasons follow the
// steps; "Similar tracks" when nothing sounds alike. Screens at 1400 × 900 and 800 × 600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';
import { expectedMatch } from './match-expect.mjs';

const browser = useBrowser();
const DEMO = { library: 'demo' };
const { seeds: _seeds, ...DEFAULTS } = JSON.parse(
  /export const DEFAULT_PLAYLIST_REQUEST = (\{.*\}) as const;/.exec(fs.readFileSync(new URL('../src/bindings.ts', import.meta.url), 'utf8'))[1]);

/** A list's rows: id, the match cell (word, bar, tooltip) and the row's data attributes. */
const matchRows = (page, sel) => page.$$eval(sel, (ls) => ls.map((li) => {
  const m = li.querySelector('.match');
  return { id: Number(li.dataset.id), word: m.textContent, bar: m.querySelector('.match-bar-fill').style.width, title: m.title,
    score: Number(li.dataset.score), match: li.dataset.match == null ? null : Number(li.dataset.match), closeness: li.dataset.closeness ?? null };
}));
const recorded = (page, cmd, args) => page.evaluate(([c, a]) => window.__fake.recorded(c, a), [cmd, args]);
const makeCalls = async (a) => (await a.calls('make_playlist')).map((c) => c.args.request);

/** Row 0 (title order: "Afterhours", id 19): select it (the details and similar tracks show),
 *  then P: its playlist with the knobs as they are. */
async function firstTrack(page) {
  await page.locator('.track-row[data-index="0"]').waitFor();
  const seed = await page.evaluate(() => window.__fake.state.tracks.find((t) => t.id === Number(document.querySelector('.track-row[data-index="0"]').dataset.id)));
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.locator(`#similar[data-track="${seed.id}"][data-state="ready"]`).waitFor();
  return seed;
}
async function makePlaylist(page, seed) {
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press('p');
  await page.locator(`#playlist[data-seed="${seed.id}"][data-state="ready"]`).waitFor();
}

test('match: the closeness in words and a bar, the same in the similar tracks and the playlist; the raw cosine and the match in the tooltip', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  const seed = await firstTrack(page);
  const similar = await matchRows(page, '#similar-list li.similar-row');
  const wantSimilar = (await recorded(page, 'similar_tracks', { id: seed.id, limit: 20 })).results;
  assert.deepEqual(similar.map((r) => r.id), wantSimilar.map((t) => t.id));
  for (const [i, r] of similar.entries()) {
    const t = wantSimilar[i];
    assert.deepEqual([r.word, r.bar, r.title], Object.values(expectedMatch(t)), `similar ${t.id}`);
    assert.deepEqual([r.score, r.match, r.closeness], [t.score, t.match, t.closeness], 'data-score (raw), data-match, data-closeness');
  }
  assert.ok(similar.every((r) => ['Very close', 'Close', 'Related'].includes(r.word)), 'only tracks that sound alike are listed');
  assert.ok(similar.every((r) => !/%$/.test(r.word)), 'no raw percentage');
  assert.match(similar[0].title, /^Closer than \d+(\.\d)? % of the pairs in your library · cosine \d\.\d\d$/);
  const bars = similar.map((r) => parseFloat(r.bar));
  assert.deepEqual(bars, [...bars].sort((x, y) => y - x), 'the bars shrink down the list');
  assert.ok(bars.every((b) => b > 0 && b <= 100), `every listed track has some bar: ${bars}`);

  // the playlist from the same track: the same words, bars and tooltips from the same fields, so
  // a track in both lists reads the same in both (the engine's match for a pair may differ by
  // one sampled pair between the two answers, 0.9587 / 0.9571: the bar by a pixel, never the word)
  await makePlaylist(page, seed);
  const rows = await matchRows(page, '#playlist-list li.playlist-row');
  const want = await recorded(page, 'make_playlist', { request: { seeds: [seed.id], ...DEFAULTS } });
  for (const [i, r] of rows.entries()) assert.deepEqual([r.word, r.bar, r.title], Object.values(expectedMatch(want.entries[i])));
  const both = rows.filter((r) => similar.some((s) => s.id === r.id));
  assert.ok(both.length >= 3, `tracks in both lists: ${both.length}`);
  for (const r of both) {
    const s = similar.find((x) => x.id === r.id);
    assert.deepEqual([r.word, r.closeness, r.score], [s.word, s.closeness, s.score], `track ${r.id} in both lists`);
    assert.ok(Math.abs(parseFloat(r.bar) - parseFloat(s.bar)) < 2, `track ${r.id}'s bar: ${r.bar} / ${s.bar}`);
  }
  assert.equal(await page.locator('#playlist-list li.playlist-row:first-child .playlist-score').getAttribute('aria-label'),
    `${rows[0].word}: ${rows[0].title.split(' · ')[0].toLowerCase()}`);
  await done(a);

  // a library too small to calibrate (the engine's answer has no match and no words: written
  // here, as the demo library is calibrated): the raw percentage, as before; a pair below the
  // floor (a saved list after the library changed) says "Unlike", with an empty bar
  const b = await browser.open({ config: DEMO });
  const seed2 = await firstTrack(b.page);
  const made = await recorded(b.page, 'make_playlist', { request: { seeds: [seed2.id], ...DEFAULTS } });
  const entries = made.entries.map((e, i) => (i === 2 ? { ...e, match: 0.41, closeness: 'unlike' } : { ...e, match: null, closeness: null }));
  await b.page.evaluate((p) => window.__fake.answer('make_playlist', p), { ...made, entries });
  await makePlaylist(b.page, seed2);
  const raw = await matchRows(b.page, '#playlist-list li.playlist-row');
  for (const [i, r] of raw.entries()) assert.deepEqual([r.word, r.bar, r.title], Object.values(expectedMatch(entries[i])), `row ${i + 1}`);
  assert.match(raw[0].word, /^\d+%$/);
  assert.deepEqual([raw[0].match, raw[0].closeness], [null, null]);
  assert.deepEqual([raw[2].word, raw[2].bar, raw[2].closeness], ['Unlike', '0%', 'unlike']);
  await done(b);
});

test('shortfall: the engine\'s sentence above the list, the one change that lengthens it as a button (one click), the notes in small text', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  const seed = await firstTrack(page);
  await makePlaylist(page, seed);
  const base = { seeds: [seed.id], ...DEFAULTS };
  const plain = await recorded(page, 'make_playlist', { request: base });
  assert.equal(await page.locator('#playlist-shortfall-text').innerText(), plain.shortfall);
  assert.equal(await page.locator('#playlist-lengthen').isVisible(), false);
  assert.equal(await page.locator('#playlist-notes').innerText(), plain.notes.join(' '));
  assert.ok(!/candidates? considered/.test(await page.locator('#playlist').innerText()), 'no wording of the UI\'s own');

  // compatible keys only: a rule keeps it short — the engine says which change would help
  await page.check('#knob-key');
  await page.locator('#playlist-lengthen').waitFor();
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const keyed = await recorded(page, 'make_playlist', { request: { ...base, key_compatible: true } });
  assert.ok(keyed.lengthen, 'the recording offers a change');
  assert.equal(await page.locator('#playlist-shortfall-text').innerText(), keyed.shortfall);
  assert.equal(await page.locator('#playlist-lengthen').innerText(), `${keyed.lengthen.label} — ${keyed.lengthen.tracks} more`);
  assert.equal(await page.getAttribute('#playlist', 'data-count'), String(keyed.entries.length));
  assert.equal(await page.locator('#playlist-notes').isVisible(), keyed.notes.length > 0);

  // one click: the knobs show the request without the rule, and the playlist is made with it
  const n = (await makeCalls(a)).length;
  await page.click('#playlist-lengthen');
  const longer = await recorded(page, 'make_playlist', { request: keyed.lengthen.request });
  await page.locator(`#playlist[data-state="ready"][data-count="${longer.entries.length}"]`).waitFor();
  await page.waitForTimeout(500); // and nothing more is sent
  assert.deepEqual((await makeCalls(a)).slice(n), [keyed.lengthen.request], 'one request: the engine\'s');
  assert.equal(await page.isChecked('#knob-key'), false, 'the knob shows it');
  assert.equal(longer.entries.length, keyed.entries.length + keyed.lengthen.tracks, `${keyed.lengthen.tracks} more, as offered`);
  assert.deepEqual(await page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((l) => Number(l.dataset.id))), longer.entries.map((e) => e.id));
  assert.equal(await page.locator('#playlist-shortfall-text').innerText(), longer.shortfall);
  assert.equal(await page.locator('#playlist-lengthen').isVisible(), false);
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('segue.playlist.knobs')).key_compatible), false, 'remembered like a knob set by hand');
  await done(a);
});

test('step reasons: in flow and harmonic orders the Why column says the reasons follow the steps; the first row is against the seed', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  const seed = await firstTrack(page);
  await makePlaylist(page, seed);
  const why = page.locator('#playlist-why');
  assert.equal(await why.innerText(), 'Why');
  assert.equal(await page.locator('#playlist-list .playlist-reasons[data-after]').count(), 0, 'against the seed: no steps');

  await page.selectOption('#knob-order', 'flow');
  await page.waitForFunction(() => document.querySelector('#playlist').dataset.state === 'ready' && document.querySelector('#playlist-why').textContent !== 'Why');
  const want = await recorded(page, 'make_playlist', { request: { seeds: [seed.id], ...DEFAULTS, order: 'flow' } });
  assert.equal(want.reasons_follow_steps, true);
  assert.equal(await why.innerText(), 'Why (after the one before)');
  assert.match(await why.getAttribute('title'), /step from the track before it; the first track’s, how it is like the seed/);
  const reasons = () => page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => {
    const r = li.querySelector('.playlist-reasons');
    return { id: Number(li.dataset.id), after: r.dataset.after, title: r.title, text: r.textContent };
  }));
  let rows = await reasons();
  assert.deepEqual(rows.map((r) => r.text), want.entries.map((e) => e.reasons.join(' · ')), 'the engine\'s reasons');
  assert.equal(rows[0].after, 'seed');
  assert.equal(rows[0].title, `Compared with the seed, “${seed.title}”: ${rows[0].text}`);
  for (let i = 1; i < rows.length; i++) {
    assert.equal(rows[i].after, String(want.entries[i - 1].id), `row ${i + 1}: after the row before`);
    assert.equal(rows[i].title, `The step from “${want.entries[i - 1].title}”: ${rows[i].text}`);
  }
  // a moved row keeps its reasons, and its tooltip still names the track they were made after
  await page.focus('#playlist-list li.playlist-row:nth-child(2)');
  await page.keyboard.press('Alt+ArrowDown');
  rows = await reasons();
  assert.deepEqual(rows.slice(1, 3).map((r) => r.id), [want.entries[2].id, want.entries[1].id]);
  assert.equal(rows[2].title, `The step from “${want.entries[0].title}”: ${rows[2].text}`);

  // back to "Similar first": plain again
  await page.selectOption('#knob-order', 'similarity');
  await page.waitForFunction(() => document.querySelector('#playlist').dataset.state === 'ready' && document.querySelector('#playlist-why').textContent === 'Why');
  assert.equal(await page.locator('#playlist-list .playlist-reasons[data-after]').count(), 0);
  await done(a);
});

test('similar tracks: when nothing in the library sounds like the track, it says so (not an error, not loading)', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  // every demo track has neighbours: the engine's answer for a track nothing sounds like, written here
  await page.evaluate(() => window.__fake.answer('similar_tracks', { state: 'ready', index_type: 'Flat', results: [] }));
  const id = Number(await page.getAttribute('.track-row[data-index="3"]', 'data-id'));
  await page.click('.track-row[data-index="3"] td:nth-child(2)');
  await page.locator(`#similar[data-track="${id}"][data-state="ready"]`).waitFor();
  assert.equal(await page.locator('#similar .similar-message').innerText(), 'Nothing in your library sounds like this yet.');
  assert.equal(await page.locator('#similar .similar-message.is-error').count(), 0);
  assert.equal(await page.locator('#similar .similar-skeleton, #similar li.similar-row').count(), 0);
  assert.equal(await page.getAttribute('#similar', 'aria-busy'), 'false');
  await done(a);
});

/** What looks wrong in the playlist and the similar tracks: a match word, the shortfall's
 *  button, the Why head cut, or a row's cells on top of each other. [] when all is well. */
const problems = (page) => page.evaluate(() => {
  const out = [];
  const shown = (el) => el.getClientRects().length > 0;
  for (const el of document.querySelectorAll('.match-word, #playlist-lengthen, #playlist-why, #playlist-shortfall-text, #playlist-notes')) {
    if (!shown(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1) out.push(`cut: ${el.id || el.className} "${el.textContent}"`);
  }
  for (const row of document.querySelectorAll('li.playlist-row, li.similar-row')) {
    const cells = [...row.children].filter(shown).map((c) => [c, c.getBoundingClientRect()]);
    for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) {
      const [x, rx] = cells[i], [y, ry] = cells[j];
      if (Math.min(rx.right, ry.right) - Math.max(rx.left, ry.left) > 1 && Math.min(rx.bottom, ry.bottom) - Math.max(rx.top, ry.top) > 1) {
        out.push(`overlap in row ${row.dataset.id}: ${x.className} / ${y.className}`);
      }
    }
  }
  // the column heads (a long one wraps) stay above the first row
  const heads = document.querySelector('.playlist-columns'), first = document.querySelector('li.playlist-row');
  if (heads && first && shown(heads) && heads.getBoundingClientRect().bottom > first.getBoundingClientRect().top + 1) out.push('the column heads overlap the first row');
  // a reason longer than its column ends with "…", never cut mid-word
  for (const r of document.querySelectorAll('.playlist-reasons .reason')) {
    if (shown(r) && r.scrollWidth > r.clientWidth + 1 && getComputedStyle(r).textOverflow !== 'ellipsis') out.push(`reason cut: ${r.textContent}`);
  }
  const banner = document.querySelector('#playlist-shortfall');
  if (banner && shown(banner) && banner.getBoundingClientRect().right > window.innerWidth) out.push('the shortfall banner is past the edge');
  return out;
});

for (const scheme of ['light', 'dark']) {
  for (const size of [{ width: 1400, height: 900 }, { width: 800, height: 600 }]) {
    const tag = `${size.width}x${size.height}-${scheme}`;
    test(`screens: words, bars, the shortfall with its button, the notes and the step reasons at ${size.width} × ${size.height} (${scheme})`, async () => {
      const a = await browser.open({ config: DEMO, colorScheme: scheme, viewport: size });
      const { page } = a;
      const shot = async (what) => {
        await page.mouse.move(5, 5);
        await page.screenshot({ path: path.join(OUT, `match-${what}-${tag}.png`) });
        assert.deepEqual(await problems(page), [], `${what} at ${tag}`);
      };
      const seed = await firstTrack(page);
      await page.$eval('#similar', (el) => el.scrollIntoView({ block: 'start' }));
      await shot('similar');
      await makePlaylist(page, seed);
      await page.selectOption('#knob-tempo', 'tolerance'); // ± 6 %: a rule keeps it short
      await page.locator('#playlist-lengthen').waitFor();
      await page.locator('#playlist[data-state="ready"]').waitFor();
      await shot('shortfall');
      await page.selectOption('#knob-tempo', '');
      await page.selectOption('#knob-order', 'harmonic');
      await page.waitForFunction(() => document.querySelector('#playlist').dataset.state === 'ready' && document.querySelector('#playlist-why').textContent !== 'Why');
      await shot('steps');
      await done(a);
    });
  }
}
