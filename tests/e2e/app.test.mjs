// The real app, end to end: add a folder through the native dialog, watch the scan finish,
// browse and search the table, see failures, reopen and find the same library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  launch, eventually, waitFor, analysisDone, attr, textOf, visible, clickWhenReady, selectRow, saveScreenshot, writeWav, answerFolderDialog, answerSaveDialog,
  alsaCaptureHome, capturedAudio, playlistView, playerBar, cliBinary, By, repo, segueJson, storedTracks,
} from './harness.mjs';

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
    await waitFor(async () => visible(driver, await driver.findElement(By.id('demo-library'))), Boolean, 'the empty state with its demo button');
    // The window starts hidden and is shown once its page has loaded (WebDriver drives a hidden
    // one just as well, so this is where a window that never shows would be caught).
    const shown = () => { try { return execFileSync('xdotool', ['search', '--onlyvisible', '--name', '^Segue$']).toString().trim(); } catch { return ''; } };
    await waitFor(async () => shown(), (w) => w !== '', 'the window shown');
    await clickWhenReady(driver, '#empty-add-folder');
    await answerFolderDialog(music);

    await waitFor(() => attr(driver, '#scan-progress', 'data-phase'), (p) => p === 'done', 'scan done');
    await waitFor(() => rowCount(driver), (n) => n === GOOD, `${GOOD} rows`);
    const rows = await driver.findElements(By.css('.track-row'));
    assert.ok(rows.length > 0 && rows.length <= GOOD, `rendered ${rows.length} rows`);
    await saveScreenshot(driver, 'library.png');

    // The folder is listed with its track count.
    // (Lists re-render on every library change: read them inside retries, never hold elements.)
    await waitFor(
      async () => Promise.all((await driver.findElements(By.css('.folder-item'))).map((f) => textOf(driver, f))),
      (texts) => texts.length === 1 && /Music Library/.test(texts[0]) && /24/.test(texts[0]),
      'one folder with 24 tracks',
    );

    // Search filters the table.
    await driver.findElement(By.id('search')).sendKeys('alpha');
    const alpha = Array.from({ length: GOOD }, (_, i) => i).filter((i) => i % 3 === 0).length;
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-matched')), (n) => n === alpha, `${alpha} matches`);
    await waitFor(
      async () => Promise.all((await driver.findElements(By.css('.track-row'))).map((r) => textOf(driver, r))),
      (texts) => texts.length === alpha && texts.every((t) => /Alpha/.test(t)),
      'only Alpha rows shown',
    );

    // The unreadable file is listed with a reason.
    await clickWhenReady(driver, '#nav-failures');
    await waitFor(
      async () => Promise.all((await driver.findElements(By.css('.failure-row'))).map((f) => textOf(driver, f))),
      (texts) => texts.length === 1 && /broken\.mp3/.test(texts[0]) && /not audio/i.test(texts[0]),
      'one failure row for broken.mp3, with its reason',
    );
    await saveScreenshot(driver, 'failures.png');
  } finally {
    await stop();
  }
});

test('reopening shows the same library at once', async () => {
  const { driver, stop } = await launch(['--data-dir', data]);
  try {
    const started = Date.now();
    await waitFor(() => rowCount(driver), (n) => n === GOOD, 'rows after restart', 15000);
    const rows = await driver.findElements(By.css('.track-row'));
    assert.ok(rows.length > 0);
    console.log(`# library of ${GOOD} tracks visible ${Date.now() - started} ms after the session started`);
  } finally {
    await stop();
  }
});


test('a search most of a big library matches shows its rows with "about …" tracks, then the exact count', async () => {
  // 30,000 made-up tracks (no files behind them): more than the engine walks for a search's
  // first page, so the page's total is an estimate and the count is asked once typing pauses.
  const big = path.join(root, 'big');
  execFileSync(cliBinary, ['--data-dir', big, 'bench', 'seed', '--tracks', '30000'], { stdio: 'ignore' });
  const listed = execFileSync(cliBinary, ['--data-dir', big, 'tracks', '--search', 'track 1', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const exact = JSON.parse(listed).length;
  assert.ok(exact > 10000 && exact < 30000, `"track 1" matches many, not all: ${exact}`);
  const { driver, stop } = await launch(['--data-dir', big]);
  try {
    await waitFor(() => rowCount(driver), (n) => n === 30000, '30,000 rows', 60000);
    await driver.executeScript(() => {
      const el = document.getElementById('row-count');
      window.__counts = [];
      new MutationObserver(() => window.__counts.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await driver.findElement(By.id('search')).sendKeys('track 1');
    await waitFor(async () => [await attr(driver, '#row-count', 'data-matched'), await attr(driver, '#row-count', 'data-estimated')],
      ([n, est]) => Number(n) === exact && est === 'false', `the exact count, ${exact}`);
    const shown = await driver.executeScript(() => window.__counts);
    assert.ok(shown.some((t) => /^about [\d,]+ of 30,000 tracks$/.test(t)), `an estimate first: ${JSON.stringify(shown)}`);
    assert.equal(shown.at(-1), `${exact.toLocaleString('en-US')} of 30,000 tracks`);
    const titles = await Promise.all((await driver.findElements(By.css('.track-row td.title'))).map((r) => textOf(driver, r)));
    assert.ok(titles.length > 0 && titles.every((t) => /1/.test(t)), `rows that match: ${titles.slice(0, 5)}`);
  } finally {
    await stop();
  }
});

test('the demo library fills the table and is analysed: BPM and key shown, sorted, filtered', async () => {
  const demoData = path.join(root, 'demo-data');
  const { driver, stop } = await launch(['--data-dir', demoData]);
  try {
    await clickWhenReady(driver, '#demo-library');
    await waitFor(() => attr(driver, '#scan-progress', 'data-phase'), (p) => p === 'done', 'demo scan done', 60000);
    await waitFor(() => rowCount(driver), (n) => n === 36, '36 demo tracks');
    // Sorting by artist puts "Copper Lanes" first.
    await clickWhenReady(driver, 'th[data-sort="artist"]');
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('.track-row[data-index="0"]'))),
      (t) => /Copper Lanes/.test(t),
      'sorted by artist',
    );
    // Keyboard: arrows move the selection, Enter opens the details of the selected track.
    const body = await driver.findElement(By.css('body'));
    await body.sendKeys('\uE015', '\uE015', '\uE015');
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('.track-row[aria-selected="true"]'))),
      (t) => /Wildflower Ridge/.test(t),
      'third row selected',
    );
    await body.sendKeys('\uE007');
    const panel = await driver.findElement(By.id('detail-panel'));
    await waitFor(() => textOf(driver, panel), (t) => /Wildflower Ridge/.test(t) && /Folk/.test(t) && /22\.1 kHz/.test(t), 'detail panel');

    // Analysis runs in the background after the scan; the table and panel fill in.
    await analysisDone(driver, { tracks: 36 });
    const stored = storedTracks(demoData);
    assert.equal(stored.filter((t) => t.status === 'analyzed').length, 36, 'all 36 analysed in the database');
    const wildflower = stored.find((t) => t.title === 'Wildflower Ridge');
    // Made at 96 BPM in G major.
    assert.ok(Math.abs(wildflower.bpm - 96) < 96 * 0.04, `Wildflower Ridge at ${wildflower.bpm} BPM`);
    assert.equal(`${wildflower.key} ${wildflower.scale}`, 'G major');
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('.track-row[aria-selected="true"]'))),
      // Cells read back without separators: "…Songs 96 G 9B 0:24…".
      (t) => /Songs\s*96\s*G\s*9B/.test(t),
      'BPM and key in the selected row',
    );
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('#detail-analysis [data-field="bpm"]'))),
      (t) => t.includes(`${wildflower.bpm.toFixed(1)} BPM`),
      'tempo in the detail panel (as stored, one decimal)',
    );
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('#detail-analysis [data-field="key"]'))),
      (t) => /G major/.test(t) && /9B/.test(t),
      'key in the detail panel',
    );
    await saveScreenshot(driver, 'demo.png');

    // Sorting by BPM puts the slowest stored tempo first.
    await clickWhenReady(driver, 'th[data-sort="bpm"]');
    const slowest = stored.filter((t) => t.bpm !== null).sort((a, b) => a.bpm - b.bpm)[0];
    await waitFor(
      async () => textOf(driver, await driver.findElement(By.css('.track-row[data-index="0"]'))),
      (t) => t.includes(slowest.title) && t.includes(String(Math.round(slowest.bpm))),
      `sorted by BPM: ${slowest.title} first`,
    );
    // A tempo range narrows the table to the tracks the database has in it.
    const inRange = stored.filter((t) => t.bpm !== null && t.bpm >= 115 && t.bpm <= 135).length;
    assert.ok(inRange > 0 && inRange < 36);
    await driver.findElement(By.id('bpm-min')).sendKeys('115');
    await driver.findElement(By.id('bpm-max')).sendKeys('135');
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-matched')), (n) => n === inRange, `${inRange} tracks at 115–135 BPM`);
    await saveScreenshot(driver, 'demo-bpm-filter.png');
  } finally {
    await stop();
  }
});

/** The similar tracks panel, read in one script (it re-renders: never hold its elements). */
async function similarPanel(driver) {
  return driver.executeScript(`
    const s = document.getElementById('similar');
    if (!s) return null;
    return {
      state: s.dataset.state, track: Number(s.dataset.track),
      rows: [...s.querySelectorAll('#similar-list li.similar-row')].map((li) => ({
        id: Number(li.dataset.id), score: Number(li.dataset.score), closeness: li.dataset.closeness ?? null,
        word: li.querySelector('.similar-score').textContent,
      })),
    };`);
}
/** The match in words, as the UI writes each closeness (none below the floor is ever shown). */
const WORDS = { very_close: 'Very close', close: 'Close', related: 'Related' };
const hasResults = (p, id) => p != null && p.track === id && (p.state === 'ready' || p.state === 'building');

test('similar tracks: the detail panel lists the nearest analysed tracks, in the order `segue similar` gives', async () => {
  // The library the demo test above made and analysed.
  const demoData = path.join(root, 'demo-data');
  const { driver, stop } = await launch(['--data-dir', demoData]);
  try {
    await waitFor(() => rowCount(driver), (n) => n === 36, '36 demo tracks');
    await analysisDone(driver);

    // Select the first row and open its details: the similar tracks fill in below the analysis.
    // (A cell, not the <tr>: WebKit's driver does not take table rows as clickable.)
    await selectRow(driver, 0, 'first row selected');
    const id = Number(await attr(driver, '.track-row[data-index="0"]', 'data-id'));
    await driver.findElement(By.css('body')).sendKeys('\uE007');
    // 'building' (the index is still being made; exact results meanwhile) counts as well.
    const panel = await waitFor(() => similarPanel(driver), (p) => hasResults(p, id), `similar tracks of track ${id}`, 60000);
    const rows = panel.rows;
    const ids = rows.map((r) => r.id);
    assert.ok(rows.length >= 3, `${rows.length} similar tracks`);
    assert.ok(!ids.includes(id), 'never the selected track itself');
    assert.equal(new Set(ids).size, ids.length, 'no track twice');
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].score <= rows[i - 1].score + 1e-9, `descending scores at ${i}: ${rows[i - 1].score}, ${rows[i].score}`);
    for (const r of rows) {
      assert.ok(r.score >= -1 - 1e-6 && r.score <= 1 + 1e-6, `cosine similarity in [-1, 1]: ${r.score}`);
      // How close, in the library's terms and in words; nothing below the floor is listed.
      assert.equal(r.word, WORDS[r.closeness], `track ${r.id}: ${r.closeness} reads ${r.word}`);
    }

    // The CLI finds the same neighbours in the same order. Equal scores may come in either order.
    const cli = segueJson(demoData, 'similar', String(id), '-n', String(rows.length));
    assert.equal(cli.length, rows.length, 'as many from the CLI');
    assert.deepEqual([...ids].sort((x, y) => x - y), cli.map((t) => t.id).sort((x, y) => x - y), 'the same tracks');
    const cliScore = new Map(cli.map((t) => [t.id, t.score]));
    const cliCloseness = new Map(cli.map((t) => [t.id, t.closeness]));
    for (const [i, r] of rows.entries()) {
      assert.ok(Math.abs(r.score - cliScore.get(r.id)) < 1e-3, `score of ${r.id}: app ${r.score}, CLI ${cliScore.get(r.id)}`);
      assert.equal(r.closeness, cliCloseness.get(r.id), `closeness of ${r.id}: as the CLI says`);
      if (r.id !== cli[i].id) {
        assert.ok(Math.abs(cliScore.get(r.id) - cli[i].score) < 1e-6, `position ${i}: app ${r.id}, CLI ${cli[i].id} (scores ${cliScore.get(r.id)}, ${cli[i].score})`);
      }
    }
    await driver.executeScript('document.getElementById("similar").scrollIntoView()');
    await saveScreenshot(driver, 'similar.png');

    // Clicking a similar track selects its row (all 36 are in the table) and shows its neighbours.
    const next = ids[0];
    await clickWhenReady(driver, `#similar-list li.similar-row[data-id="${next}"]`);
    await waitFor(() => attr(driver, '.track-row[aria-selected="true"]', 'data-id'), (v) => v === String(next), `track ${next} selected in the table`);
    const after = await waitFor(() => similarPanel(driver), (p) => hasResults(p, next), `similar tracks of track ${next}`, 60000);
    assert.ok(after.rows.length >= 3 && !after.rows.some((r) => r.id === next));
  } finally {
    await stop();
  }
});

/** The tags on screen, read in one script: each row's chips, the detail panel's tags section
 *  and the tag filter's options. */
async function tagsOnScreen(driver) {
  return driver.executeScript(`
    const s = document.getElementById('detail-tags');
    return {
      rows: [...document.querySelectorAll('#track-table .track-row')].map((r) => ({
        id: Number(r.dataset.id), chips: [...r.querySelectorAll('td.tags .tag-chip')].map((c) => c.dataset.tag),
      })),
      detail: s && {
        state: s.dataset.state, note: s.querySelector('.tag-note')?.textContent ?? null,
        chips: [...s.querySelectorAll('button.tag-chip')].map((c) => ({
          label: c.dataset.tag, probability: Number(c.dataset.probability), pct: c.querySelector('.tag-pct')?.textContent ?? null,
        })),
      },
      filter: { disabled: document.getElementById('tag-filter').disabled, value: document.getElementById('tag-filter').value,
        title: document.getElementById('tag-filter').title,
        options: [...document.querySelectorAll('#tag-filter option')].map((o) => [o.value, o.textContent]) },
    };`);
}
/** What the detail panel lists of a track's ranked tags: up to 8 at ≥ 5 %, at least the top 3. */
const panelTags = (tags) => { const l = tags.filter((t) => t.probability >= 0.05).slice(0, 8); return l.length >= 3 ? l : tags.slice(0, 3); };
const tagPct = (p) => (p > 0 && p < 0.005 ? '<1%' : `${Math.round(p * 100)}%`);
const modelsInstalled = () => fs.existsSync(path.join(process.env.SEGUE_MODEL_DIR || path.join(os.homedir(), '.local/share/segue/models'), 'musicnn/MSD_musicnn'));

test('tags: the detail panel lists the likeliest genre and mood tags as `segue show` ranks them; chips in the table; the tag filter lists and filters', async () => {
  // The library the demo test made and analysed (with the MusiCNN weights installed, tagged too).
  const demoData = path.join(root, 'demo-data');
  const { driver, stop } = await launch(['--data-dir', demoData]);
  try {
    await waitFor(() => rowCount(driver), (n) => n === 36, '36 demo tracks');
    await analysisDone(driver);
    const stored = storedTracks(demoData);
    const id = Number(await attr(driver, '.track-row[data-index="0"]', 'data-id'));
    await selectRow(driver, 0, 'first row selected');

    if (!modelsInstalled()) {
      // No weights: the panel says how to get them, the filter is off, no chips.
      await driver.findElement(By.css('body')).sendKeys('\uE007');
      const off = await waitFor(() => tagsOnScreen(driver), (v) => v.detail?.state === 'off', 'the tags section saying tags are off');
      assert.match(off.detail.note, /fetch-models\.sh/);
      assert.equal(off.filter.disabled, true);
      console.log('# MusiCNN weights not installed: only the "tags are off" state was checked');
      return;
    }

    const tagged = stored.filter((t) => t.tags && Object.keys(t.tags).length);
    assert.equal(tagged.length, 36, 'every demo track tagged');
    const chipCounts = new Map();
    for (const t of stored) for (const c of t.chips) chipCounts.set(c, (chipCounts.get(c) || 0) + 1);
    const vocabulary = [...chipCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    console.log(`# chips on the demo tracks: ${vocabulary.map(([l, n]) => `${l} ${n}`).join(', ') || 'none'}`);

    // The table: each row shows the first 3 of its stored chips.
    const chipsOf = new Map(stored.map((t) => [t.id, t.chips.slice(0, 3)]));
    const table = await waitFor(() => tagsOnScreen(driver), (v) => v.rows.length > 0 && v.rows.every((r) => JSON.stringify(r.chips) === JSON.stringify(chipsOf.get(r.id))),
      'every row with its chips, as stored');
    console.log(`# row chips: ${table.rows.slice(0, 6).map((r) => `${r.id}: ${r.chips.join(' ') || '—'}`).join('; ')}`);
    await saveScreenshot(driver, 'tags-table.png');

    // The detail panel: the top tags with percentages, the same labels in the same order as `segue show`.
    await driver.findElement(By.css('body')).sendKeys('\uE007');
    const shown = await waitFor(() => tagsOnScreen(driver), (v) => v.detail?.state === 'tagged', `the tags of track ${id}`);
    const cli = segueJson(demoData, 'show', String(id)).tags;
    const want = panelTags(cli);
    console.log(`# track ${id}: ${shown.detail.chips.map((c) => `${c.label} ${c.pct}`).join(', ')}`);
    assert.ok(shown.detail.chips.length >= 3, `${shown.detail.chips.length} tags in the panel`);
    assert.deepEqual(shown.detail.chips.map((c) => c.label), want.map((t) => t.label), 'the labels `segue show` ranks first, in its order');
    for (const [i, c] of shown.detail.chips.entries()) {
      assert.equal(c.pct, tagPct(want[i].probability), `percentage of ${c.label}`);
      assert.ok(Math.abs(c.probability - want[i].probability) < 1e-6, `probability of ${c.label}: app ${c.probability}, CLI ${want[i].probability}`);
      assert.match(c.pct, /^(\d{1,3}|<1)%$/);
    }
    await saveScreenshot(driver, 'tags-detail.png');

    // The tag filter lists the library's chips with their counts, most common first.
    assert.ok(vocabulary.length > 0, 'the demo tracks have chips');
    const filter = await waitFor(() => tagsOnScreen(driver), (v) => v.filter.options.length === vocabulary.length + 1, 'the tag filter filled in');
    assert.deepEqual(filter.filter.options, [['', 'Any tag'], ...vocabulary.map(([l, n]) => [l, `${l} · ${n}`])]);
    // Choosing one narrows the table to the tracks with that chip (the panel closes, like for any filter).
    const [label, count] = vocabulary.find(([, n]) => n < 36) ?? vocabulary[0];
    // (Clicking the <option> chooses it; WebDriver does not open the native list.)
    await clickWhenReady(driver, `#tag-filter option[value="${label}"]`);
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-matched')), (n) => n === count, `${count} tracks tagged "${label}"`);
    assert.equal((await tagsOnScreen(driver)).filter.value, label);
    await waitFor(() => tagsOnScreen(driver), (v) => v.rows.length === count && v.rows.every((r) => stored.find((t) => t.id === r.id).chips.includes(label)),
      `only tracks tagged "${label}" in the table`);
    await saveScreenshot(driver, 'tags-filter.png');
    // A chip in the table filters by its tag.
    const rows = (await tagsOnScreen(driver)).rows;
    const other = rows.flatMap((r) => r.chips.map((c) => ({ index: rows.indexOf(r), label: c }))).find((c) => c.label !== label);
    if (other) {
      const otherCount = chipCounts.get(other.label);
      await clickWhenReady(driver, `.track-row[data-index="${other.index}"] .tag-chip[data-tag="${other.label}"]`);
      await waitFor(async () => Number(await attr(driver, '#row-count', 'data-matched')), (n) => n === otherCount, `${otherCount} tracks tagged "${other.label}"`);
      assert.equal((await tagsOnScreen(driver)).filter.value, other.label, 'the filter shows the chip\'s tag');
    }
  } finally {
    await stop();
  }
});

/** The playlist view, read in one script (it re-renders: never hold its elements). */
test('playlist: make one from a track (P), length 5 like `segue playlist`, swap a row, save, see it in the sidebar, export M3U8', async () => {
  // The library the demo test above made and analysed: 6 artists × 6 tracks.
  const demoData = path.join(root, 'demo-data');
  const exports = path.join(root, 'exports');
  fs.mkdirSync(exports, { recursive: true });
  const { driver, stop } = await launch(['--data-dir', demoData]);
  try {
    await waitFor(() => rowCount(driver), (n) => n === 36, '36 demo tracks');
    await analysisDone(driver);

    // Select the first row (a cell: WebKit's driver does not take <tr> as clickable) and press P.
    await selectRow(driver, 0, 'first row selected');
    const seed = Number(await attr(driver, '.track-row[data-index="0"]', 'data-id'));
    await driver.findElement(By.css('body')).sendKeys('p');
    const first = await waitFor(() => playlistView(driver), (p) => p != null && p.seed === seed && (p.state === 'ready' || p.state === 'error'),
      `a playlist from track ${seed}`, 60000);
    assert.equal(first.state, 'ready', `playlist made (${first.message})`);
    assert.equal(first.length, 20, 'the default length');
    assert.ok(first.count > 0 && first.count <= 20);
    // Only the tracks that sound like the seed (a few of 36): shorter than 20, and the view says why.
    assert.ok(first.count < 20 && first.shortfall.length > 0, `a shortfall is explained above the list: ${first.shortfall}`);
    assert.ok(first.count > 5, `more than 5 sound alike (room to swap in a list of 5): ${first.count}`);

    // Length 5 through the knob.
    // (Select-all then type: WebKit's driver does not clear number inputs reliably.)
    const length = await driver.findElement(By.id('knob-length'));
    await length.click();
    await driver.executeScript('document.getElementById("knob-length").select()');
    await length.sendKeys('5');
    await clickWhenReady(driver, '#playlist-regenerate');
    const pl = await waitFor(() => playlistView(driver), (p) => p != null && p.state === 'ready' && p.length === 5 && p.generation > first.generation,
      'a playlist of 5', 60000);
    const ids = pl.rows.map((r) => r.id);
    assert.equal(pl.rows.length, 5, '5 rows');
    assert.equal(pl.count, 5);
    assert.ok(!ids.includes(seed), 'never the seed');
    assert.equal(new Set(ids).size, ids.length, 'no track twice');
    for (const [i, r] of pl.rows.entries()) {
      assert.ok(r.reasons.trim().length > 0, `reasons for row ${i + 1}`);
      assert.ok(r.score >= -1 - 1e-6 && r.score <= 1 + 1e-6, `cosine similarity in [-1, 1]: ${r.score}`);
      assert.equal(r.word, WORDS[r.closeness], `row ${i + 1}: ${r.closeness} reads ${r.word}`);
      if (i > 0) assert.ok(r.score <= pl.rows[i - 1].score + 1e-6, `order=similarity: descending scores at ${i}: ${pl.rows[i - 1].score}, ${r.score}`);
    }
    await saveScreenshot(driver, 'playlist.png');

    // The CLI makes the same playlist with the same (default) settings.
    const cli = segueJson(demoData, 'playlist', String(seed), '-n', '5');
    assert.deepEqual(cli.map((t) => t.id), ids, '`segue playlist` gives the same tracks in the same order');
    for (const [i, t] of cli.entries()) {
      assert.ok(Math.abs(t.score - pl.rows[i].score) < 1e-3, `score of ${t.id}: app ${pl.rows[i].score}, CLI ${t.score}`);
    }

    // Swap row 3: only that row changes.
    await clickWhenReady(driver, '#playlist-list li.playlist-row:nth-child(3) button.swap');
    const swapped = await waitFor(() => playlistView(driver), (p) => p != null && (p.rows[2]?.id !== ids[2] || /Nothing else fits/.test(p.status)),
      'row 3 swapped', 30000);
    const after = swapped.rows.map((r) => r.id);
    assert.notEqual(after[2], ids[2], `row 3 has a new track (status: ${swapped.status})`);
    assert.deepEqual(after.filter((_, i) => i !== 2), ids.filter((_, i) => i !== 2), 'the other rows stayed');
    assert.ok(!ids.includes(after[2]) && after[2] !== seed, 'the new track was not in the list, nor the seed');
    assert.ok(swapped.rows[2].reasons.trim().length > 0, 'the new row has its reasons');

    // Save under a name: the sidebar lists it with its track count.
    await clickWhenReady(driver, '#playlist-save');
    const name = await eventually(async () => {
      const input = await driver.findElement(By.id('playlist-name'));
      return (await visible(driver, input)) ? input : null;
    }, 'the name box');
    await name.clear();
    await name.sendKeys('E2E mix', '\uE007');
    const saved = await waitFor(() => playlistView(driver), (p) => p != null && p.savedId != null, 'the playlist saved');
    const sidebar = () => driver.executeScript(`
      return [...document.querySelectorAll('#saved-playlists .playlist-item')].map((li) => ({
        id: Number(li.dataset.id), name: li.querySelector('.playlist-item-name')?.textContent,
        count: li.querySelector('.playlist-item-count')?.textContent, active: li.classList.contains('active'),
      }));`);
    const items = await waitFor(sidebar, (list) => list.some((p) => p.id === saved.savedId && p.name === 'E2E mix' && p.count === '5'),
      'the sidebar lists "E2E mix" with 5 tracks');
    assert.ok(items.find((p) => p.id === saved.savedId).active, 'and highlights it');

    // Export M3U8: the native save dialog, then the file lists the tracks in order.
    const file = path.join(exports, 'E2E mix.m3u8');
    await clickWhenReady(driver, '#playlist-export-m3u8');
    await answerSaveDialog(file, 'Export playlist');
    const exported = await waitFor(() => playlistView(driver), (p) => p != null && p.status.startsWith('Exported to'), 'the export message', 20000);
    assert.equal(exported.status, `Exported to ${file}`);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.startsWith('#EXTM3U'), `starts with #EXTM3U: ${text.slice(0, 40)}`);
    const listed = text.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
    const pathOf = new Map(storedTracks(demoData).map((t) => [t.id, t.path]));
    // Relative to the playlist's folder, or absolute.
    assert.deepEqual(listed.map((l) => path.resolve(exports, l)), after.map((id) => pathOf.get(id)), 'the playlist\'s tracks, in order');
    await saveScreenshot(driver, 'playlist-saved.png');

    // Escape: back to the library.
    await driver.findElement(By.css('body')).sendKeys('\uE00C');
    await waitFor(async () => visible(driver, await driver.findElement(By.id('track-table'))), Boolean, 'the library again');
  } finally {
    await stop();
  }
});

/** The player bar and the row of the track it plays, read in one script. */
/** 12 pitch-class energies (C first, max 1) of `x` (48 kHz): Goertzel at every semitone from
 *  A2 to C6, Hann-windowed blocks across the signal. */
function chromaOf(x, rate = 48000) {
  const c = new Array(12).fill(0);
  const block = 8192;
  const step = Math.max(block, Math.floor((x.length - block) / 40));
  const win = Float64Array.from({ length: block }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (block - 1)));
  for (let start = 0; start + block <= x.length; start += step) {
    for (let m = 45; m <= 84; m++) {
      const w = 2 * Math.cos((2 * Math.PI * 440 * 2 ** ((m - 69) / 12)) / rate);
      let s1 = 0, s2 = 0;
      for (let i = 0; i < block; i++) { const s0 = x[start + i] * win[i] + w * s1 - s2; s2 = s1; s1 = s0; }
      c[m % 12] += s1 * s1 + s2 * s2 - w * s1 * s2;
    }
  }
  const max = Math.max(...c) || 1;
  return c.map((v) => v / max);
}
function pearson(a, b) {
  const ma = a.reduce((s, v) => s + v, 0) / a.length, mb = b.reduce((s, v) => s + v, 0) / b.length;
  let n = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) { n += (a[i] - ma) * (b[i] - mb); da += (a[i] - ma) ** 2; db += (b[i] - mb) ** 2; }
  return n / Math.sqrt(da * db);
}

test('preview: ▶ on a row plays the track through the default sound device (ALSA into a file): the bar follows it, and what came out is that track', async () => {
  // The library the demo test made and analysed. A "Lumen Drift" track: sustained sine and pad
  // notes, no drums, so its pitch content is clear (the check against the analysis below).
  const demoData = path.join(root, 'demo-data');
  const stored = storedTracks(demoData);
  const track = stored.filter((t) => t.artist === 'Lumen Drift' && t.status === 'analyzed' && t.title)
    .sort((a, b) => a.title.localeCompare(b.title))[0];
  assert.ok(track, 'a Lumen Drift track in the demo library');
  const duration = track.duration_s;
  // What the UI asks for by default: 30 s from the backend's default start (0 for tracks of 30 s or less).
  const from = duration > 30 ? Math.floor(duration / 3) : 0;
  const expected = Math.min(30, duration - from);
  const capture = path.join(root, 'capture');
  const raw = path.join(capture, 'app.raw');
  // HOME moves what ALSA reads (~/.asoundrc), and also WebKit's caches and local storage (so the
  // preview length is the default, 30 s, and the volume 1); the library is in --data-dir.
  const home = alsaCaptureHome(path.join(capture, 'app'), raw);
  const { driver, stop } = await launch(['--data-dir', demoData], { HOME: home });
  let seen, last;
  try {
    await waitFor(() => rowCount(driver), (n) => n === 36, '36 demo tracks');
    await analysisDone(driver);
    assert.equal(await visible(driver, await driver.findElement(By.id('player'))), false, 'no player bar before anything was played');
    // Narrow the table to that one track: when its preview finishes there is no next one to play.
    await driver.findElement(By.id('search')).sendKeys(track.title);
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-matched')), (n) => n === 1, `only "${track.title}"`);
    await waitFor(() => attr(driver, '.track-row[data-index="0"]', 'data-id'), (v) => v === String(track.id), `"${track.title}" in row 1`);
    // Select it (a cell: WebKit's driver does not take <tr> as clickable), then its ▶ (shown on the selected row).
    await selectRow(driver, 0, 'the row selected');
    await clickWhenReady(driver, '.track-row[data-index="0"] button.play');
    // The sound device here is not paced: 24 s of audio come out in a fraction of a second, so
    // 'playing' may be over before the bar is read; 'finished' comes soon.
    seen = await waitFor(() => playerBar(driver), (p) => p != null && !p.hidden && p.id === track.id && ['playing', 'finished', 'error'].includes(p.status),
      'the player bar playing the track', 20000);
    assert.notEqual(seen.status, 'error', `no error (${seen.message})`);
    assert.equal(seen.title, track.title);
    assert.equal(seen.artist, track.artist);
    if (seen.status === 'playing') {
      assert.deepEqual(seen.row, { playing: true, current: 'true', button: '❚❚' }, 'the playing row is marked');
      assert.equal(seen.toggle, '❚❚');
    }
    console.log(`# first seen: ${seen.status} at ${seen.position.toFixed(2)} s`);
    last = await waitFor(() => playerBar(driver), (p) => p != null && p.id === track.id && (p.status === 'finished' || p.status === 'error'),
      'the preview finished', 60000);
    assert.equal(last.status, 'finished', `finished (${last.message})`);
    assert.equal(last.max, duration, 'the seek bar spans the file');
    assert.ok(Math.abs(last.position - (from + expected)) < 0.25, `ended at ${last.position} s, expected ${from + expected}`);
    assert.equal(last.toggle, '▶');
    assert.deepEqual(last.row, { playing: false, current: null, button: '▶' }, 'no row marked once it finished');
    await saveScreenshot(driver, 'preview.png');
    // Stop and close the bar (the output stays open and writes silence until the app quits).
    await clickWhenReady(driver, '#player-close');
    await waitFor(async () => (await playerBar(driver)).hidden, Boolean, 'the player bar closed', 5000);
  } finally {
    await stop();
  }

  // The app has quit: the capture is complete.
  const size = fs.statSync(raw).size;
  const audio = capturedAudio(raw);
  fs.rmSync(raw, { force: true });
  const seconds = audio.length / 48000;
  console.log(`# captured ${(size / 1e6).toFixed(0)} MB, ${seconds.toFixed(2)} s of it not silent`);
  assert.ok(seconds >= 0.3, `${seconds.toFixed(2)} s of sound came out`);
  assert.ok(Math.abs(seconds - expected) < 0.1, `${seconds.toFixed(2)} s of sound for a ${expected} s preview`);
  // Sound, not silence and not garbage: a sensible level, nearly nothing at full scale, and
  // nothing a 22 kHz file cannot hold (white noise: 0.5 zero crossings a sample and a
  // first-difference energy twice the signal's; these tracks: < 0.04 and < 0.03).
  let energy = 0, peak = 0, full = 0, crossings = 0, diff = 0;
  for (let i = 0; i < audio.length; i++) {
    const v = audio[i];
    energy += v * v;
    peak = Math.max(peak, Math.abs(v));
    if (Math.abs(v) > 0.999) full++;
    if (i > 0) {
      if ((v >= 0) !== (audio[i - 1] >= 0)) crossings++;
      diff += (v - audio[i - 1]) ** 2;
    }
  }
  const rms = Math.sqrt(energy / audio.length);
  assert.ok(rms > 0.02 && rms < 0.7, `RMS ${rms.toFixed(3)}`);
  assert.ok(peak <= 1 && full / audio.length < 1e-3, `peak ${peak.toFixed(3)}, ${full} samples at full scale`);
  assert.ok(crossings / audio.length < 0.15, `zero crossings ${(crossings / audio.length).toFixed(3)} a sample`);
  assert.ok(diff / energy < 0.25, `first-difference energy ratio ${(diff / energy).toFixed(3)}`);
  // Its pitch: the notes that came out are the ones the analysis found in the file (its chroma).
  const analysed = segueJson(demoData, 'show', String(track.id)).features.chroma;
  const r = pearson(chromaOf(audio), analysed);
  console.log(`# chroma of the capture vs the analysis (${track.key} ${track.scale}): r = ${r.toFixed(3)}`);
  assert.ok(r > 0.6, `the captured pitch classes match the analysed chroma: r = ${r.toFixed(3)}`);

  // And sample for sample: `segue play` of the same stretch through the same kind of device.
  const refRaw = path.join(capture, 'cli.raw');
  execFileSync(cliBinary,
    ['--data-dir', demoData, 'play', String(track.id), '--from', String(from), '--seconds', '30'],
    { env: { ...process.env, HOME: alsaCaptureHome(path.join(capture, 'cli'), refRaw) }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ref = capturedAudio(refRaw);
  fs.rmSync(refRaw, { force: true });
  assert.ok(Math.abs(ref.length - audio.length) <= 48, `as long as the CLI's: ${audio.length} and ${ref.length} frames`);
  const n = Math.min(ref.length, audio.length);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(ref[i] - audio[i]));
  assert.ok(worst < 1e-3, `the same samples as \`segue play\` (largest difference ${worst})`);
});
