// "Like a file" on the demo library's recorded engine answers (fixtures/demo.json, recorded by
// tests/ui_fixtures.rs): a file dragged over the window shows the drop overlay; dropped, the
// view shows the file as analysed and the tracks like it (▶ and the keys play them); "Make
// playlist" makes a playlist seeded by the file. The empty state, the picker, a file that is not
// audio and a dropped folder say what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const DEMO = { library: 'demo' };
const FILE = '/home/ada/Downloads/Late bus home.flac';
const NOT_AUDIO = '/home/ada/Downloads/notes.mp3';

const listed = (page) => page.$$eval('#outside-list li.similar-row', (ls) => ls.map((li) => Number(li.dataset.id)));
const emit = (page, event, payload) => page.evaluate(([e, p]) => window.__fake.emit(e, p), [event, payload]);

test('like a file: a dropped file lists the tracks like it, plays them and makes a playlist from it', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();

  // Dragged over the window: the overlay says what a drop does.
  await emit(page, 'drag-hover', true);
  await page.locator('#drop-overlay:not([hidden])').waitFor();
  assert.match(await page.locator('#drop-overlay').innerText(), /Drop an audio file/);
  await page.screenshot({ path: path.join(OUT, 'outside-drop-overlay.png') });

  // Dropped: the view shows the file as analysed and what sounds like it, best first.
  await emit(page, 'files-dropped', { paths: [FILE], dropped: 1 });
  await page.locator('#view-outside:not([hidden]) #outside-list').waitFor();
  assert.equal(await page.locator('#drop-overlay').isHidden(), true);
  assert.deepEqual((await a.calls('similar_to_outside_file')).map((c) => c.args.path), [FILE]);
  const answer = await page.evaluate((p) => window.__fake.recorded('similar_to_outside_file', { path: p }), FILE);
  assert.ok(answer.results.length >= 3, 'the recording has matches');
  assert.deepEqual(await listed(page), answer.results.map((r) => r.id));
  const card = await page.locator('#outside-file').innerText();
  assert.match(card, /Late bus home/);
  assert.match(card, /Sam/);
  assert.match(card, new RegExp(`${Math.round(answer.file.bpm)} BPM`));
  assert.match(card, new RegExp(answer.file.chips[0]));
  assert.ok(await page.locator('#nav-outside.active').count(), 'the nav marks the view');
  assert.equal(await page.locator('#outside-twin').count(), 0, 'a mix of two tracks is no copy of either');
  await page.screenshot({ path: path.join(OUT, 'outside.png') });

  // ▶ on the card plays the file itself (by its path); N goes on to its closest match.
  await page.click('#outside-file button.play');
  await page.waitForFunction((f) => document.querySelector('#player')?.dataset.status === 'playing'
    && /Late bus home/.test(document.querySelector('#player')?.textContent ?? ''), FILE);
  const played = (await a.calls('play_outside_file')).at(-1).args;
  assert.equal(played.path, FILE);
  assert.equal(await page.getAttribute('#outside-file button.play', 'aria-label'), 'Pause Late bus home');
  await page.screenshot({ path: path.join(OUT, 'outside-playing.png') });
  await page.keyboard.press('n');
  await page.waitForFunction((id) => Number(document.querySelector('#player')?.dataset.id) === id, answer.results[0].id);

  assert.equal((await a.calls('play_preview')).at(-1).args.id, answer.results[0].id);
  assert.ok(await page.locator('#outside-list li:first-child.playing').count(), 'the row marks it');

  // ▶ on a match pauses and resumes it; the keys walk the list and Enter plays.
  await page.click('#outside-list li:first-child button.play');
  await page.waitForFunction(() => document.querySelector('#player')?.dataset.status === 'paused');
  await page.click('#outside-list li:first-child .similar-title');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => Number(document.activeElement?.dataset.id)), answer.results[1].id);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => Number(document.querySelector('#player')?.dataset.id) === id, answer.results[1].id);
  // N: the next match (the list the preview came from).
  await page.keyboard.press('n');
  await page.waitForFunction((id) => Number(document.querySelector('#player')?.dataset.id) === id, answer.results[2].id);

  // "Make playlist": seeded by the file (not a library track), named after it.
  await page.click('#outside-playlist');
  await page.locator('#view-playlist:not([hidden]) .playlist-body[data-state="ready"]').waitFor();
  const made = (await a.calls('make_playlist')).at(-1).args.request;
  assert.equal(made.seed_file, FILE);
  assert.deepEqual(made.seeds, []);
  assert.equal(await page.$eval('.playlist-body', (b) => b.dataset.seedFile), FILE);
  assert.match(await page.locator('#playlist-title').innerText(), /Like Late bus home/);
  const recorded = await page.evaluate((r) => window.__fake.recorded('make_playlist', { request: r }), made);
  const rows = await page.$$eval('#view-playlist li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id)));
  assert.deepEqual(rows, recorded.entries.map((e) => e.id));
  await page.screenshot({ path: path.join(OUT, 'outside-playlist.png') });

  // Saved under its suggested name; opened again from the sidebar, it still says what it was
  // made from (the file's name: the library has no row for it).
  await page.click('#playlist-save');
  assert.equal(await page.inputValue('#playlist-name'), 'Like Late bus home');
  await page.keyboard.press('Enter');
  await page.locator('#saved-playlists .playlist-item').first().waitFor();
  assert.equal((await a.calls('save_playlist')).at(-1).args.request.seed_file, FILE);
  await page.keyboard.press('Escape');
  await page.locator('#view-library').waitFor({ state: 'visible' });
  await page.click('#saved-playlists .playlist-item .playlist-open');
  await page.locator('#playlist[data-state="ready"][data-saved-id]').waitFor();
  assert.equal(await page.locator('#playlist-title').innerText(), 'Like Late bus home');
  await page.waitForFunction(() => /from Late bus home\.flac/.test(document.querySelector('#playlist-seed')?.textContent ?? ''));
  assert.equal(await page.$eval('#playlist', (b) => b.dataset.seedFile), FILE);
  assert.deepEqual(await page.$$eval('#view-playlist li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id))), rows);
  await done(a);
});

test('like a file: the empty state, the picker, a file that is not audio and a dropped folder (dark theme)', async () => {
  const a = await browser.open({ config: DEMO, colorScheme: 'dark' });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('#nav-outside');
  await page.locator('#outside-empty').waitFor();
  assert.match(await page.locator('#outside-empty').innerText(), /Drop an audio file/);
  await page.screenshot({ path: path.join(OUT, 'outside-empty-dark.png') });

  // Cancelled picker: nothing changes. A picked file that is not audio: why, and a way on.
  await page.click('#outside-empty .outside-pick');
  assert.equal((await a.calls('pick_outside_file')).length, 1);
  await page.locator('#outside-empty').waitFor();
  await page.evaluate((p) => window.__fake.answer('pick_outside_file', p), NOT_AUDIO);
  await page.click('#outside-empty .outside-pick');
  await page.locator('#outside-status.is-error').waitFor();
  const said = await page.locator('#outside-status').innerText();
  assert.match(said, /notes\.mp3/);
  assert.match(said, /not audio: the content is text/);
  assert.ok(await page.locator('#view-outside .outside-pick').count(), 'a way on');
  await page.screenshot({ path: path.join(OUT, 'outside-error-dark.png') });

  // A folder dropped (no file among what was dropped).
  await emit(page, 'files-dropped', { paths: [], dropped: 1 });
  await page.waitForFunction(() => /not a file/.test(document.querySelector('#outside-status')?.textContent ?? ''));

  // Escape: back to the library.
  await page.keyboard.press('Escape');
  await page.locator('#view-library:not([hidden])').waitFor();
  await done(a);
});
