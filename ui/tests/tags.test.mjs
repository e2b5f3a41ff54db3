// Genre and mood tags (MusiCNN) in the UI, against the fake backend (chips on rows, get_track's
// ranked tags, tag_vocabulary, list_tracks' `tag`; see fake-backend.js): a synthetic library,
// but the playlist knobs' test uses the demo library's recorded engine answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();

const LIB = { tracks: 3000, folders: true };
const pct = (p) => (p > 0 && p < 0.005 ? '<1%' : `${Math.round(p * 100)}%`);
/** What the detail panel lists: up to 8 tags at ≥ 5 %, at least the top 3. */
const topTags = (tags) => { const l = tags.filter((t) => t.probability >= 0.05).slice(0, 8); return l.length >= 3 ? l : tags.slice(0, 3); };

/** The visible table rows: their track, the chips in the Tags cell (and which are on screen). */
const tagRows = (page) => page.evaluate(() => [...document.querySelectorAll('#track-table .track-row')].map((r) => {
  const cell = r.cells[6];
  const box = cell.querySelector('.chips')?.getBoundingClientRect();
  const chips = [...cell.querySelectorAll('.tag-chip')];
  return {
    index: Number(r.dataset.index), height: r.getBoundingClientRect().height, title: cell.title,
    chips: chips.map((c) => c.dataset.tag),
    shown: chips.filter((c) => { const b = c.getBoundingClientRect(); return b.top - box.top < 1 && b.right <= box.right + 0.5; }).map((c) => c.dataset.tag),
    track: window.__fake.state.tracks.find((t) => t.id === Number(r.dataset.id)),
  };
}));
/** The library's tags as the fake counts them (what tag_vocabulary answers). */
const vocabulary = (page) => page.evaluate(() => {
  const counts = new Map();
  for (const t of window.__fake.state.tracks) if (t.status === 'analyzed') for (const c of t.chips) counts.set(c, (counts.get(c) || 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
});
const filterOptions = (page) => page.$$eval('#tag-filter option', (os) => os.map((o) => [o.value, o.textContent]));
const lastQuery = async (a) => (await a.calls('list_tracks')).at(-1).args.query;
/** The detail panel's tags section. */
const detailTags = (page) => page.evaluate(() => {
  const s = document.getElementById('detail-tags');
  return s && {
    state: s.dataset.state, heading: s.querySelector('h3').textContent, note: s.querySelector('.tag-note')?.textContent ?? null,
    chips: [...s.querySelectorAll('button.tag-chip')].map((c) => ({ label: c.dataset.tag, pct: c.querySelector('.tag-pct')?.textContent ?? null,
      loading: !!c.querySelector('.tag-pct .skeleton') })),
  };
});
/** Show exactly one track: search for its (unique) title. Returns the track. */
async function isolate(page, pick) {
  const t = await page.evaluate(`window.__fake.state.tracks.find(${pick})`);
  await page.fill('#search', t.title);
  await page.locator('#row-count[data-matched="1"]').waitFor();
  await page.locator(`.track-row[data-id="${t.id}"]`).waitFor();
  return t;
}
/** Open the details of the visible row of the first track `pick` accepts. Returns the track. */
async function openDetailOf(page, pick) {
  await page.locator('.track-row[data-index="0"]').waitFor();
  const row = (await tagRows(page)).find((r) => pick(r.track));
  assert.ok(row, 'a row to open');
  await page.click(`.track-row[data-index="${row.index}"] td:nth-child(2)`); // a click shows the details
  await page.locator(`#detail-tags`).waitFor();
  return row.track;
}

test('table: a Tags column with up to 3 chips per row (likeliest first), one line high; the tooltip lists them all', async () => {
  const a = await browser.open({ config: LIB });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  assert.equal(await page.locator('#track-table th:nth-child(7)').innerText(), 'Tags');
  const rows = await tagRows(page);
  assert.ok(rows.length > 15);
  for (const r of rows) {
    assert.deepEqual(r.chips, r.track.chips.slice(0, 3), `chips of ${r.track.id}`);
    assert.equal(r.title, r.track.chips.join(', '), `tooltip of ${r.track.id}`);
    assert.equal(r.height, 28, 'the row height stays');
    if (r.chips.length) {
      assert.ok(r.shown.length >= 1, 'at least the first chip is on screen');
      assert.deepEqual(r.shown, r.chips.slice(0, r.shown.length), 'the chips that fit whole are shown, in order');
    }
  }
  assert.ok(rows.some((r) => r.chips.length === 3), 'some row has 3 chips');
  assert.ok(rows.some((r) => r.track.chips.length > 3), 'some track has more chips than are shown');
  // a pending (untagged) track: an empty cell
  const pending = await isolate(page, (t) => t.id > 1000 && t.status === 'pending' && t.title);
  assert.deepEqual((await tagRows(page)).map((r) => [r.track.id, r.chips, r.title]), [[pending.id, [], '']]);
  await page.fill('#search', '');
  // chips are not tab stops (the table keeps the keyboard)
  assert.equal(await page.locator('#track-table .tag-chip').first().getAttribute('tabindex'), '-1');
  // the detail panel open: the table drops its Tags column (the panel lists them)
  await page.click('.track-row[data-index="1"] td:nth-child(2)');
  await page.locator('#detail-tags').waitFor();
  assert.equal(await page.locator('#track-table th:nth-child(7)').isVisible(), false);
  await done(a);
});

test('tag filter: lists the library\'s tags with counts, most common first; choosing one sends `tag` and filters; Any tag / Escape clear it', async () => {
  const a = await browser.open({ config: LIB });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#tag-filter option').length > 1);
  const vocab = await vocabulary(page);
  assert.ok(vocab.length > 10);
  assert.deepEqual(await filterOptions(page), [['', 'Any tag'], ...vocab.map(([l, n]) => [l, `${l} · ${n.toLocaleString('en-US')}`])]);
  assert.equal(await page.locator('#tag-filter').isDisabled(), false);
  assert.equal((await a.calls('tag_vocabulary')).length, 1, 'asked once at start');

  const [label, count] = vocab[2];
  await page.selectOption('#tag-filter', label);
  await page.locator(`#row-count[data-matched="${count}"]`).waitFor();
  assert.equal(await page.locator('#row-count').innerText(), `${count.toLocaleString('en-US')} of 3,000 tracks`);
  const q = await lastQuery(a);
  assert.deepEqual({ ...q, offset: 0 }, { search: null, sort: 'title', desc: false, offset: 0, limit: 200, bpm_min: null, bpm_max: null, camelot: null, tag: label });
  let rows = await tagRows(page);
  assert.ok(rows.length > 5 && rows.every((r) => r.track.chips.includes(label)), `only tracks tagged ${label}`);
  assert.ok(await page.locator('#tag-filter').evaluate((s) => s.classList.contains('active')));

  // with a search and another filter too; nothing left says so
  await page.fill('#bpm-min', '500');
  await page.locator('#no-match').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#no-match').innerText(), 'No tracks match these filters');
  await page.fill('#bpm-min', '');
  await page.locator(`#row-count[data-matched="${count}"]`).waitFor();

  // Any tag: everything again
  await page.selectOption('#tag-filter', '');
  await page.locator('#row-count[data-matched="3000"]').waitFor();
  assert.equal((await lastQuery(a)).tag, null);
  // keyboard: arrows choose in the select (the table selection stays), Escape clears it
  await page.focus('#tag-filter');
  await page.selectOption('#tag-filter', vocab[0][0]);
  await page.locator(`#row-count[data-matched="${vocab[0][1]}"]`).waitFor();
  assert.equal(await page.locator('tr.selected').count(), 0);
  await page.keyboard.press('Escape');
  await page.locator('#row-count[data-matched="3000"]').waitFor();
  assert.equal(await page.inputValue('#tag-filter'), '');
  assert.equal((await lastQuery(a)).tag, null);
  await done(a);
});

test('clicking a chip filters by its tag: in the table (the focus stays in the table), in the detail panel (Enter: the focus goes to the filter)', async () => {
  const a = await browser.open({ config: LIB });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#tag-filter option').length > 1);
  const row = (await tagRows(page)).find((r) => r.chips.length >= 2);
  const label = row.chips[1];
  const count = (await vocabulary(page)).find(([l]) => l === label)[1];
  await page.click(`.track-row[data-index="${row.index}"] .tag-chip[data-tag="${label}"]`);
  await page.locator(`#row-count[data-matched="${count}"]`).waitFor();
  assert.equal(await page.inputValue('#tag-filter'), label);
  assert.equal((await lastQuery(a)).tag, label);
  assert.ok((await tagRows(page)).every((r) => r.track.chips.includes(label)));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'track-table');
  assert.equal(await page.locator('#detail-panel').isVisible(), false, 'a chip click opens nothing');

  // the detail panel's chips (tab stops there): Enter filters and moves the focus to the filter
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.locator('#detail-tags[data-state="tagged"]').waitFor();
  const other = (await detailTags(page)).chips.find((c) => c.label !== label);
  const otherCount = (await vocabulary(page)).find(([l]) => l === other.label)?.[1] ?? 0;
  await page.focus(`#detail-tags .tag-chip[data-tag="${other.label}"]`);
  await page.keyboard.press('Enter');
  await page.locator(`#row-count[data-matched="${otherCount}"]`).waitFor();
  assert.equal(await page.inputValue('#tag-filter'), other.label);
  assert.equal((await lastQuery(a)).tag, other.label);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tag-filter');
  assert.equal(await page.locator('#detail-panel').isVisible(), false, 'a new filter closes the panel, like the others');
  await done(a);
});

test('detail panel: a Tags section with the likeliest tags and their percentages, in get_track\'s order; loading shows the row\'s chips', async () => {
  const a = await browser.open({ config: LIB });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const row = (await tagRows(page)).find((r) => r.track.status === 'analyzed' && r.track.chips.length >= 2);
  const id = row.track.id;
  // while get_track is on its way: the row's chips, percentages loading
  await page.evaluate((id) => window.__fake.hold('get_track', id), id);
  await page.click(`.track-row[data-index="${row.index}"] td:nth-child(2)`);
  await page.locator('#detail-tags[data-state="loading"]').waitFor();
  let s = await detailTags(page);
  assert.deepEqual(s.chips.map((c) => c.label), row.track.chips);
  assert.ok(s.chips.every((c) => c.loading));
  const before = await page.locator('#detail-tags').evaluate((e) => e.getBoundingClientRect().top);
  await page.evaluate((id) => window.__fake.release('get_track', id), id);
  await page.locator('#detail-tags[data-state="tagged"]').waitFor();
  s = await detailTags(page);
  assert.equal(s.heading, 'Tags');
  const tags = await page.evaluate((i) => window.__fake.tagsOf(i), id - 1);
  const want = topTags(tags);
  assert.ok(want.length >= 3 && want.length <= 8);
  assert.deepEqual(s.chips.map((c) => [c.label, c.pct]), want.map((t) => [t.label, pct(t.probability)]), 'the top tags, likeliest first, with percentages');
  assert.deepEqual(s.chips.slice(0, row.track.chips.length).map((c) => c.label), row.track.chips, 'the chips lead the list');
  assert.equal(await page.locator('#detail-tags').evaluate((e) => e.getBoundingClientRect().top), before, 'the section stays where it was');
  // the section sits above the analysis; the file's own tags are "Metadata"
  assert.ok(await page.evaluate(() => document.getElementById('detail-tags').nextElementSibling?.id === 'detail-analysis'));
  assert.match(await page.locator('#detail-panel').innerText(), /METADATA|Metadata/);

  // every tag unlikely: still the top 3
  const other = (await tagRows(page)).find((r) => r.track.status === 'analyzed' && r.track.id !== id);
  await page.evaluate((id) => window.__fake.state.tagsOverride.set(id, [
    { label: 'ambient', probability: 0.041 }, { label: 'slow', probability: 0.03 }, { label: 'sad', probability: 0.004 }, { label: 'rock', probability: 0.001 }]), other.track.id);
  await page.click(`.track-row[data-index="${other.index}"] td:nth-child(2)`);
  await page.waitForFunction(() => document.querySelector('#detail-tags[data-state="tagged"] .tag-chip')?.dataset.tag === 'ambient');
  s = await detailTags(page);
  assert.deepEqual(s.chips.map((c) => [c.label, c.pct]), [['ambient', '4%'], ['slow', '3%'], ['sad', '<1%']]);

  // not analysed yet: not tagged yet
  const pending = { track: await isolate(page, (t) => t.id > 1000 && t.status === 'pending' && t.title) };
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.waitForFunction(() => document.querySelector('#detail-tags')?.dataset.state === 'untagged');
  s = await detailTags(page);
  assert.equal(s.note, 'Not tagged yet');
  assert.deepEqual(s.chips, []);
  // … and once analysed (analysis-progress, library-changed), the tags fill in
  await page.evaluate((id) => window.__fake.analyse(0, [id]), pending.track.id);
  await page.locator('#detail-tags[data-state="tagged"]').waitFor({ timeout: 5000 });
  s = await detailTags(page);
  const now = await page.evaluate((i) => window.__fake.tagsOf(i), pending.track.id - 1);
  assert.deepEqual(s.chips.map((c) => c.label), topTags(now).map((t) => t.label));
  await done(a);
});

test('tagging off (no MusiCNN weights): the panel says how to turn tags on, the filter is disabled and says why, no chips', async () => {
  const a = await browser.open({ config: { ...LIB, tagging: false } });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.waitForFunction(() => document.getElementById('tag-filter').title.includes('fetch-models'));
  assert.equal(await page.locator('#tag-filter').isDisabled(), true);
  assert.deepEqual(await filterOptions(page), [['', 'Any tag']]);
  assert.equal(await page.locator('#track-table .tag-chip').count(), 0);
  await openDetailOf(page, (t) => t.status === 'analyzed');
  await page.locator('#detail-tags[data-state="off"]').waitFor();
  const s = await detailTags(page);
  assert.match(s.note, /run scripts\/fetch-models\.sh/);
  assert.deepEqual(s.chips, []);
  // the analysis is there all the same
  await page.locator('#detail-analysis [data-field="tuning"]:not(:has(.skeleton))').waitFor();
  await done(a);
});

test('the tag filter follows an analysis run: tag_vocabulary again at most every 5 s while it runs, and soon after it finishes', async () => {
  const a = await browser.open({ config: { tracks: 400, folders: true, analysis: { phase: 'running', done: 0, failed: 0, total: 40 } } });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#tag-filter option').length > 1);
  const first = await vocabulary(page);
  const started = Date.now();
  // a batch every 150 ms for 3 s
  for (let k = 0; k < 20; k++) {
    await page.evaluate(() => window.__fake.analyse(2));
    await page.waitForTimeout(150);
  }
  const during = (await a.calls('tag_vocabulary')).length;
  const elapsed = Date.now() - started;
  assert.ok(during <= 2 + Math.floor(elapsed / 5000), `${during} tag_vocabulary calls in ${elapsed} ms of analysis`);
  const after = await vocabulary(page);
  assert.notDeepEqual(after, first, 'the new tracks brought tags');
  await page.evaluate(() => window.__fake.emitAnalysis({ phase: 'done', current: null }));
  const want = [['', 'Any tag'], ...after.map(([l, n]) => [l, `${l} · ${n}`])];
  await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#tag-filter option')].map((o) => [o.value, o.textContent])) === JSON.stringify(want),
    want, { timeout: 7000 });
  await done(a);
});

test('playlist knobs: the include / avoid boxes suggest the library\'s tags (after the tags already typed)', async () => {
  // the demo library: the playlist and the tags are the real engine's (fixtures/demo.json)
  const a = await browser.open({ config: { library: 'demo' } });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#tag-filter option').length > 1);
  const row = (await tagRows(page)).find((r) => r.track.status === 'analyzed' && r.track.bpm != null && r.track.title);
  await page.click(`.track-row[data-index="${row.index}"] td:nth-child(2)`);
  await page.keyboard.press('p');
  await page.locator(`#playlist[data-state="ready"]`).waitFor();
  const labels = (await page.evaluate(() => window.__fake.recorded('tag_vocabulary', {}))).tags.map((t) => t.label);
  const options = (id) => page.$$eval(`#${id} option`, (os) => os.map((o) => o.value));
  assert.equal(await page.getAttribute('#knob-include', 'list'), 'knob-include-tags');
  assert.equal(await page.getAttribute('#knob-avoid', 'list'), 'knob-avoid-tags');
  assert.deepEqual(await options('knob-include-tags'), labels);
  assert.deepEqual(await options('knob-avoid-tags'), labels);
  // (the comma ends the tag: it is taken, and the list goes on from it)
  const g = Number(await page.getAttribute('#playlist', 'data-generation'));
  await page.fill('#knob-include', `${labels[0]},`);
  assert.deepEqual(await options('knob-include-tags'), labels.slice(1).map((l) => `${labels[0]}, ${l}`));
  // what the rules match: a track's chips too (an included chip keeps only tracks that have it)
  await page.waitForFunction(([g, l]) => {
    const p = document.querySelector('#playlist');
    const last = window.__fake.calls.filter((c) => c.cmd === 'make_playlist').at(-1);
    return Number(p.dataset.generation) > g && ['ready', 'empty'].includes(p.dataset.state) && last?.args.request.include_tags.join() === l;
  }, [g, labels[0]]);
  const ids = await page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id)));
  const ok = await page.evaluate(([ids, l]) => ids.every((id) => {
    const t = window.__fake.state.tracks.find((x) => x.id === id);
    return t.chips.includes(l) || (t.genre || '').toLowerCase() === l;
  }), [ids, labels[0]]);
  assert.ok(ok, `every track has "${labels[0]}"`);
  await done(a);
});

for (const scheme of ['light', 'dark']) {
  test(`screenshot: tags (${scheme})`, async () => {
    const a = await browser.open({ config: LIB, colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    const { page } = a;
    await page.locator('.track-row[data-index="0"]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#tag-filter option').length > 1);
    await page.click('.track-row[data-index="2"] td:nth-child(2)'); // a click shows the details too
    await page.locator('#detail-tags[data-state="tagged"]').waitFor();
    await page.screenshot({ path: path.join(OUT, `tags-table-${scheme}.png`) });
    await page.focus('#detail-tags .tag-chip');
    await page.screenshot({ path: path.join(OUT, `tags-detail-${scheme}.png`) });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#row-count').textContent.includes(' of '));
    await page.locator('.track-row[data-index="0"]').waitFor();
    await page.screenshot({ path: path.join(OUT, `tags-filter-${scheme}.png`) });
    await done(a);
  });
}
