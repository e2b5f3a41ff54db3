// The main screens at 1400 × 900 and 800 × 600, light and dark, as a user sees them (the
// screenshots land in tests/out/): the library with a track's details and the player, several
// rows selected, a playlist with the Undo toast, the shortcut sheet, the map with a track's
// details and picks. On each: nothing past the
// window's right edge, no button's text cut, no two controls of a bar on top of each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const SIZES = [{ width: 1400, height: 900 }, { width: 800, height: 600 }];

/** What is wrong on screen: elements past the right edge, buttons whose text is cut, controls of
 *  the same bar overlapping. [] when all is well. */
const problems = (page) => page.evaluate(() => {
  const out = [];
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''}`;
  const modal = document.querySelector('dialog[open]');
  const scope = modal ?? document;
  for (const el of scope.querySelectorAll('.sidebar *, .toolbar *, .player *, .playlist-head *, .detail-head *, .toast *, .shortcuts-dialog *, .map-picked *, .map-legend *')) {
    if (!shown(el)) continue;
    if (el.closest('.track-scroller, .playlist-scroller')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5) out.push(`past the edge: ${name(el)} (${Math.round(r.right)})`);
  }
  for (const b of scope.querySelectorAll('button')) {
    if (!shown(b) || !b.textContent.trim() || b.closest('.track-scroller, .similar, .playlist-list')) continue;
    if (b.scrollWidth > b.clientWidth + 1) out.push(`cut: ${name(b)} "${b.textContent.trim()}"`);
  }
  for (const bar of scope.querySelectorAll('#toolbar, .map-toolbar, .map-picked, .playlist-actions, .player, .playlist-knobs, .detail-actions')) {
    if (!shown(bar)) continue;
    const kids = [...bar.children].filter(shown).map((k) => [k, k.getBoundingClientRect()]);
    for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) {
      const [a, ra] = kids[i], [b, rb] = kids[j];
      const ox = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left), oy = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (ox > 1 && oy > 1) out.push(`overlap: ${name(a)} / ${name(b)}`);
    }
  }
  return out;
});

for (const scheme of ['light', 'dark']) {
  for (const size of SIZES) {
    const tag = `${size.width}x${size.height}-${scheme}`;
    test(`screens at ${size.width} × ${size.height} (${scheme}): library, selection, playlist with the toast, shortcuts, map — nothing cut or overlapping`, async () => {
      const a = await browser.open({ config: { library: 'demo' }, colorScheme: scheme, viewport: size });
      const { page } = a;
      const shot = async (what) => {
        await page.waitForTimeout(250); // transitions (the toast slides in)
        await page.screenshot({ path: path.join(OUT, `screen-${what}-${tag}.png`) });
        assert.deepEqual(await problems(page), [], `${what} at ${tag}`);
      };
      await page.locator('.track-row[data-index="0"]').waitFor();
      // a track's details while another one plays
      await page.dblclick('.track-row[data-index="2"] td:nth-child(2)');
      await page.click('.track-row[data-index="4"] td:nth-child(2)');
      await page.locator('#similar[data-state="ready"]').waitFor();
      await page.locator('#detail-analysis [data-field="tuning"]:not(:has(.skeleton))').waitFor();
      await shot('library');
      // several rows
      await page.click('.track-row[data-index="7"] td:nth-child(2)', { modifiers: ['Shift'] });
      await page.locator('#detail-selection').waitFor();
      await shot('selection');
      // the playlist, a row removed (the toast), the player
      await page.click('.track-row[data-index="4"] td:nth-child(2)');
      await page.keyboard.press('p');
      await page.locator('#playlist[data-state="ready"]').waitFor();
      await page.click('#playlist-play-all');
      await page.click('#playlist-list li.playlist-row:nth-child(3) button.remove');
      await page.locator('#toast').waitFor();
      await page.mouse.move(5, 5);
      await shot('playlist');
      // the shortcut sheet
      await page.keyboard.press('Escape');
      await page.keyboard.press('?');
      await page.locator('#shortcuts-dialog').waitFor();
      await shot('shortcuts');
      await page.keyboard.press('Escape');
      // the map: the playlist's path, a track's details, the picks' bar
      await page.click('#nav-map');
      await page.locator('#map-canvas[data-state="ready"]').waitFor({ state: 'attached' });
      const box = await page.locator('#map-canvas').boundingBox();
      const [x0, y0, x1, y1] = [box.x + box.width * 0.2, box.y + box.height * 0.2, box.x + box.width * 0.8, box.y + box.height * 0.8];
      await page.keyboard.down('Shift');
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      for (const [x, y] of [[x1, y0], [x1, y1], [x0, y1], [x0, y0]]) await page.mouse.move(x, y, { steps: 5 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
      await page.locator('#map-picked').waitFor();
      const id = await page.evaluate(() => window.__fake.state.tracks.map((t) => t.id).find((i) => document.querySelector('#map-canvas').mapProbe.screenOf(i)));
      const p = await page.evaluate((i) => document.querySelector('#map-canvas').mapProbe.screenOf(i), id);
      await page.mouse.click(p.x, p.y);
      await page.locator('#detail-panel .detail-title').waitFor();
      await page.mouse.move(box.x + 5, box.y + box.height - 5);
      await shot('map');
      await done(a);
    });
  }
}
