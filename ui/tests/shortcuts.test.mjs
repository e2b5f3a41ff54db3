// The keyboard shortcuts sheet: `?` (or the sidebar's "Keyboard shortcuts") opens a dialog that
// lists every shortcut of src/shortcuts.ts — the table the key handlers read — by section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const LIB = { tracks: 300, folders: true };
/** The ids declared in the one table (src/shortcuts.ts, SHORTCUTS). */
const DECLARED = (() => {
  const src = fs.readFileSync(new URL('../src/shortcuts.ts', import.meta.url), 'utf8');
  const table = src.slice(src.indexOf('export const SHORTCUTS = {'), src.indexOf('} as const satisfies'));
  return [...table.matchAll(/^\s+'?([\w.]+)'?: \{ section:/gm)].map((m) => m[1]);
})();

test('`?` opens the shortcut sheet: every declared shortcut, by section; Escape closes it and the keys go back where they were', async () => {
  for (const scheme of ['light', 'dark']) {
    const a = await browser.open({ config: LIB, colorScheme: scheme, viewport: { width: 1400, height: 900 } });
    const { page } = a;
    await page.locator('.track-row[data-index="0"]').waitFor();
    await page.click('.track-row[data-index="3"] td:nth-child(2)');
    assert.equal(await page.locator('#shortcuts-dialog').isVisible(), false);
    await page.keyboard.press('?');
    await page.locator('#shortcuts-dialog').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#shortcuts-title').innerText(), 'Keyboard shortcuts');
    const listed = await page.$$eval('#shortcuts-dialog [data-shortcut]', (ds) => ds.map((d) => d.dataset.shortcut));
    assert.ok(DECLARED.length > 30, `the table has the shortcuts (${DECLARED.length})`);
    assert.deepEqual(listed, DECLARED, 'every shortcut of the table, in its order, and nothing else');
    assert.deepEqual(await page.$$eval('#shortcuts-dialog h3', (hs) => hs.map((h) => h.textContent)),
      ['General', 'Library', 'Search and filters', 'Similar tracks', 'Playlist', 'Radio', 'Like a file', 'Map']);
    const text = await page.locator('#shortcuts-dialog').innerText();
    for (const s of ['Play the track', 'Double-click', 'Shift', 'Esc', 'Undo the last remove, swap or move', 'Make a playlist from the selected track(s)']) {
      assert.ok(text.includes(s), `the sheet mentions ${s}`);
    }
    // the sheet is modal: the table does not move under it
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('#track-table tr.selected').getAttribute('data-index'), '3');
    await page.screenshot({ path: path.join(OUT, `shortcuts-${scheme}.png`) });
    await page.keyboard.press('Escape');
    await page.locator('#shortcuts-dialog').waitFor({ state: 'hidden' });
    assert.ok(await page.locator('#detail-panel').isVisible(), 'Escape closed the sheet, not the details');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'track-table', 'the focus back where it was');

    // the sidebar's entry; its key is the table's
    assert.match(await page.locator('#shortcuts-open').innerText(), /^Keyboard shortcuts\s*\?$/);
    await page.click('#shortcuts-open');
    await page.locator('#shortcuts-dialog').waitFor({ state: 'visible' });
    await page.click('#shortcuts-close');
    await page.locator('#shortcuts-dialog').waitFor({ state: 'hidden' });
    // typed in a box, `?` is a character
    await page.click('#search');
    await page.keyboard.type('?');
    assert.equal(await page.locator('#shortcuts-dialog').isVisible(), false);
    assert.equal(await page.inputValue('#search'), '?');
    await done(a);
  }
});
