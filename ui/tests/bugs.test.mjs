// Bugs found while using the app, each with the test that showed it: the detail panel after a
// similar track is picked, the playlist's reasons in a small window, clipped table headers and
// cells, WebKit's own context menu, the tag boxes regenerating mid-word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const DEMO = { library: 'demo' };
const SMALL = { width: 800, height: 600 };
const DEFAULT = { width: 1200, height: 760 }; // the app's window (tauri.conf.json)

/** The first table row's track (title order: "Afterhours", id 19, in the demo library). */
const firstRow = (page) => page.evaluate(() => window.__fake.state.tracks.find((t) => t.id === Number(document.querySelector('.track-row[data-index="0"]').dataset.id)));
const makeCalls = async (a) => (await a.calls('make_playlist')).map((c) => c.args.request);

/** Select row 0 and press P: its playlist. */
async function playlistOfFirst(page) {
  await page.locator('.track-row[data-index="0"]').waitFor();
  const seed = await firstRow(page);
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press('p');
  await page.locator(`#playlist[data-seed="${seed.id}"][data-state="ready"]`).waitFor();
  return seed;
}

test('bug: a similar track picked at the bottom of the detail panel is shown from its top (its header), not left scrolled down', async () => {
  const a = await browser.open({ config: DEMO, viewport: DEFAULT });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  const seed = await firstRow(page);
  await page.click('.track-row[data-index="0"] td:nth-child(2)'); // a click shows the details
  await page.locator(`#similar[data-track="${seed.id}"][data-state="ready"]`).waitFor();
  await page.$eval('#detail-panel', (p) => { p.scrollTop = p.scrollHeight; });
  assert.ok(await page.$eval('#detail-panel', (p) => p.scrollTop) > 200, 'the panel scrolls (the similar tracks are below the fold)');
  const last = page.locator('#similar-list li.similar-row').last();
  const picked = Number(await last.getAttribute('data-id'));
  await last.click();
  await page.locator(`#similar[data-track="${picked}"][data-state="ready"]`).waitFor();
  const view = await page.evaluate(() => {
    const p = document.querySelector('#detail-panel');
    const title = p.querySelector('.detail-title').getBoundingClientRect();
    const box = p.getBoundingClientRect();
    return { scrollTop: p.scrollTop, titleVisible: title.top >= box.top && title.bottom <= box.bottom, title: p.querySelector('.detail-title').textContent };
  });
  const track = await page.evaluate((id) => window.__fake.state.tracks.find((t) => t.id === id), picked);
  assert.equal(view.title, track.title);
  assert.equal(view.scrollTop, 0, 'the panel is back at its top');
  assert.ok(view.titleVisible, 'the new track\'s header is on screen');
  await done(a);
});

test('bug: at 800 × 600 the playlist keeps its "Why" column (the reasons wrap; other columns give way first)', async () => {
  for (const scheme of ['light', 'dark']) {
    const a = await browser.open({ config: DEMO, viewport: SMALL, colorScheme: scheme });
    const { page } = a;
    await playlistOfFirst(page);
    const shown = await page.evaluate(() => {
      const header = [...document.querySelectorAll('.playlist-columns > span')].find((s) => s.textContent === 'Why');
      return {
        header: header ? getComputedStyle(header).display !== 'none' && header.getBoundingClientRect().width : 0,
        rows: [...document.querySelectorAll('#playlist-list li.playlist-row')].map((li) => {
          const r = li.querySelector('.playlist-reasons');
          const box = r.getBoundingClientRect();
          return { display: getComputedStyle(r).display, width: box.width, height: box.height, text: r.textContent };
        }),
      };
    });
    assert.ok(shown.header >= 90, `the Why header is shown (${shown.header} px)`);
    assert.ok(shown.rows.length > 5);
    for (const r of shown.rows) {
      assert.notEqual(r.display, 'none', 'reasons shown');
      assert.ok(r.width >= 90 && r.height > 0, `reasons ${r.width} px wide: ${r.text}`);
    }
    // nothing in the head or the knobs spills out of the window
    const spill = await page.evaluate(() => [...document.querySelectorAll('.playlist-head *, .playlist-knobs *, .playlist-row *')]
      .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth + 0.5).map((el) => el.id || el.className));
    assert.deepEqual(spill, [], 'nothing past the right edge');
    await page.screenshot({ path: path.join(OUT, `playlist-small-${scheme}.png`) });
    await done(a);
  }
});

/** Headers and the key, tempo and format cells whose text does not fit (cut with "…"). */
const clipped = (page) => page.evaluate(() => {
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).display !== 'none';
  const cut = (el) => el.scrollWidth > el.clientWidth + 0.5;
  const out = [];
  for (const th of document.querySelectorAll('#track-table th')) if (shown(th) && cut(th)) out.push(`th ${th.textContent}`);
  for (const td of document.querySelectorAll('#track-table .track-row td.key, #track-table .track-row td.bpm, #track-table .track-row td.fmt')) {
    if (shown(td) && cut(td)) out.push(`${td.className} ${td.textContent}`);
  }
  return out;
});

test('bug: the BPM header, a key like "C#m" and a format like "Ogg Vorbis" are shown whole, at the default size and at 800 × 600', async () => {
  for (const viewport of [DEFAULT, SMALL]) {
    const a = await browser.open({ config: { tracks: 400, folders: true }, viewport });
    const { page } = a;
    await page.locator('.track-row[data-index="0"]').waitFor();
    // the engine's format labels ("Ogg Vorbis", "Ogg FLAC"…: the demo library has only FLAC and WAV)
    await page.evaluate(() => {
      const labels = ['Ogg Vorbis', 'Ogg FLAC', 'Matroska', 'FLAC', 'AAC', 'Opus'];
      window.__fake.state.tracks.forEach((t, i) => { t.format = labels[i % labels.length]; });
      window.__fake.emit('library-changed', null);
    });
    await page.waitForFunction(() => [...document.querySelectorAll('.track-row td.fmt')].some((td) => td.textContent.startsWith('OGG')));
    assert.deepEqual(await clipped(page), [], `${viewport.width} × ${viewport.height}`);
    const formats = await page.$$eval('.track-row td.fmt', (tds) => tds.slice(0, 6).map((td) => [td.textContent, td.title]));
    for (const [text, title] of formats) {
      assert.ok(['OGG', 'MKV', 'FLAC', 'AAC', 'OPUS'].includes(text), `short format name: ${text}`);
      assert.ok(title.length > 0, 'the full format and codec in the tooltip');
    }
    assert.ok(await page.evaluate(() => [...document.querySelectorAll('.track-row td.key .key-name')].some((k) => /^[A-G]#m$/.test(k.textContent))), 'a sharp minor key on screen');
    for (const sort of ['bpm', 'key', 'duration', 'format']) {
      if (!(await page.locator(`th[data-sort="${sort}"]`).isVisible())) continue; // a narrow table drops Format
      await page.click(`th[data-sort="${sort}"]`);
      await page.waitForFunction((s) => document.querySelector(`th[data-sort="${s}"]`).getAttribute('aria-sort') === 'ascending', sort);
      await page.locator('.track-row[data-index="0"]').waitFor();
      assert.deepEqual(await clipped(page), [], `${viewport.width} × ${viewport.height}, sorted by ${sort}`);
    }
    // the detail panel open: what columns stay are whole too
    await page.click('.track-row[data-index="1"] td:nth-child(2)');
    await page.locator('#detail-panel:not([hidden])').waitFor();
    assert.deepEqual(await clipped(page), [], `${viewport.width} × ${viewport.height}, details open`);
    await done(a);
  }
});

test('bug: WebKit\'s own menu (Back, Reload, Inspect) never opens; text boxes keep theirs; rows get the app\'s', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.evaluate(() => window.addEventListener('contextmenu', (e) => { window.__menu = { prevented: e.defaultPrevented }; }));
  const rightClick = async (selector) => {
    await page.click(selector, { button: 'right' });
    return page.evaluate(() => window.__menu.prevented);
  };
  for (const where of ['.brand', '#stats', '#row-count', '#track-table th[data-sort="title"]', '.sidebar', '#rescan']) {
    assert.equal(await rightClick(where), true, `no system menu on ${where}`);
    assert.equal(await page.locator('#context-menu').isVisible(), false);
  }
  assert.equal(await rightClick('#search'), false, 'the search box keeps its menu (copy, paste)');
  assert.equal(await rightClick('.track-row[data-index="2"] td:nth-child(3)'), true);
  assert.ok(await page.locator('#context-menu').isVisible(), 'a row: the app\'s menu');
  await page.keyboard.press('Escape');
  await done(a);
});

test('bug: typing in a tag box does not regenerate mid-word; a comma, Enter, leaving the box or a suggestion does', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  const seed = await playlistOfFirst(page);
  const base = (await makeCalls(a))[0];
  assert.deepEqual(base.seeds, [seed.id]);
  const asked = async () => (await makeCalls(a)).length;
  /** Wait until the `n`th request was answered. */
  const answered = (n) => page.waitForFunction((n) => window.__fake.calls.filter((c) => c.cmd === 'make_playlist').length === n
    && document.querySelector('#playlist').dataset.state === 'ready', n);

  await page.click('#knob-include');
  await page.keyboard.type('electr', { delay: 40 });
  await page.waitForTimeout(1000);
  assert.equal(await asked(), 1, 'a pause mid-word asks nothing');
  await page.keyboard.type('onic', { delay: 40 });
  await page.waitForTimeout(1000);
  assert.equal(await asked(), 1, 'nor a whole word not ended yet');
  await page.keyboard.press('Tab'); // leaving the box takes it
  await answered(2);
  assert.deepEqual((await makeCalls(a)).at(-1), { ...base, include_tags: ['electronic'] });

  // emptied: no tag (at once); a comma ends a tag
  await page.fill('#knob-include', '');
  await answered(3);
  assert.deepEqual((await makeCalls(a)).at(-1), base);
  await page.click('#knob-include');
  await page.keyboard.type('electronic', { delay: 20 });
  await page.waitForTimeout(800);
  assert.equal(await asked(), 3);
  await page.keyboard.type(',');
  await answered(4);
  assert.deepEqual((await makeCalls(a)).at(-1), { ...base, include_tags: ['electronic'] });
  await page.fill('#knob-include', '');
  await answered(5);

  // a suggestion chosen from the list is a whole tag
  await page.$eval('#knob-avoid', (box) => {
    box.focus();
    box.value = 'guitar';
    box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText', data: 'guitar' }));
  });
  await answered(6);
  assert.deepEqual((await makeCalls(a)).at(-1), { ...base, avoid_tags: ['guitar'] });
  await page.waitForTimeout(700);
  assert.equal(await asked(), 6, 'once');
  await done(a);
});
