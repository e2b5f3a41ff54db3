// The radio on the demo library's recorded engine answers (fixtures/demo.json, recorded by
// tests/ui_fixtures.rs in the order the UI asks): R starts it from the selected row and its first
// pick plays whole; at the end of a track the next plays and the queue is refilled; Skip within
// 30 s is a skip (the backend is told), L a thumbs-up, × takes a queued track off; the history
// says what happened; Stop radio turns it off and the player with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useBrowser, done, OUT } from './harness.mjs';

const browser = useBrowser();
const DEMO = { library: 'demo' };

const nowId = (page) => page.$eval('#radio-now', (el) => Number(el.dataset.id));
const queued = (page) => page.$$eval('#radio-upcoming li', (ls) => ls.map((li) => Number(li.dataset.id)));
const heard = (page) => page.$$eval('#radio-history li', (ls) => ls.map((li) => ({ id: Number(li.dataset.id), feedback: li.dataset.feedback })));
const barId = (page) => page.$eval('#player', (el) => Number(el.dataset.id));

/** Waits until the radio plays a track other than `was`, and the player plays it. */
async function movedOn(page, was) {
  await page.waitForFunction((was) => {
    const now = Number(document.querySelector('#radio-now')?.dataset.id);
    const bar = document.querySelector('#player');
    return now !== was && Number(bar?.dataset.id) === now && bar?.dataset.status === 'playing';
  }, was);
  return nowId(page);
}

test('radio: R on a row plays its first pick whole, ends into the next with the queue refilled, Skip, L, × and Stop', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.click('#nav-radio');
  await page.locator('#radio-empty').waitFor();
  assert.match(await page.locator('#radio-empty').innerText(), /press R/);
  await page.screenshot({ path: path.join(OUT, 'radio-empty.png') });
  await page.keyboard.press('Escape');
  await page.locator('#view-library:not([hidden])').waitFor();

  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  const seed = await page.$eval('.track-row[data-index="0"]', (tr) => Number(tr.dataset.id));
  await page.keyboard.press('r');
  await page.locator('#view-radio:not([hidden]) #radio-now').waitFor();
  const first = await movedOn(page, NaN);
  assert.notEqual(first, seed, 'never the seed');
  assert.equal(await page.$eval('#player', (el) => el.dataset.source), 'radio');
  const play = (await a.calls('play_preview')).at(-1).args;
  assert.deepEqual([play.id, play.fromS, play.seconds], [first, 0, null], 'a whole track');
  assert.equal(await page.inputValue('#player-length'), 'whole', 'the bar says so');
  assert.equal(await page.locator('#player-length').isDisabled(), true);
  const ahead = await queued(page);
  assert.equal(ahead.length, 5);
  assert.ok(await page.locator('#nav-radio.is-on').count(), 'the nav says a radio is on');
  assert.match(await page.locator('#radio-from').innerText(), /^from “/);

  // The track ends: the first queued one plays, the queue is full again, the history has it.
  await page.evaluate(() => window.__fake.preview.finish());
  const second = await movedOn(page, first);
  assert.equal(second, ahead[0]);
  assert.deepEqual((await queued(page)).slice(0, 4), ahead.slice(1), 'the queue goes on where it was');
  assert.equal((await queued(page)).length, 5, 'refilled');
  assert.deepEqual(await heard(page), [{ id: first, feedback: 'played' }]);

  // Skip at once: an early skip, told to the backend.
  await page.click('#radio-skip');
  const third = await movedOn(page, second);
  const next = (await a.calls('radio_next')).at(-1).args;
  assert.equal(next.skippedEarly, true);
  assert.deepEqual((await heard(page))[0], { id: second, feedback: 'skipped' });
  assert.equal(await page.locator('#radio-history li[data-feedback="skipped"] .radio-badge').innerText(), 'Skipped');

  // L: a thumbs-up for the track playing.
  await page.keyboard.press('l');
  await page.locator('#radio-like[aria-pressed="true"]').waitFor();
  assert.equal((await a.calls('radio_like')).at(-1).args.id, third);

  // × on the first queued track: it goes, the queue stays full.
  const before = await queued(page);
  await page.hover('#radio-upcoming li:first-child');
  await page.click('#radio-upcoming li:first-child .radio-remove');
  await page.waitForFunction((gone) => ![...document.querySelectorAll('#radio-upcoming li')].some((li) => Number(li.dataset.id) === gone), before[0]);
  assert.equal((await queued(page)).length, 5);
  await page.screenshot({ path: path.join(OUT, 'radio-light.png') });

  // The liked track ends: the history says so.
  await page.evaluate(() => window.__fake.preview.finish());
  await movedOn(page, third);
  assert.deepEqual((await heard(page))[0], { id: third, feedback: 'liked' });
  const all = [...(await heard(page)).map((x) => x.id), await nowId(page), ...await queued(page)];
  assert.equal(new Set(all).size, all.length, `never twice: ${all}`);
  assert.equal(await barId(page), await nowId(page));

  await page.click('#radio-stop');
  await page.locator('#radio-empty').waitFor();
  await page.locator('#player[hidden]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('#nav-radio.is-on').count(), 0);
  // A preview from the table again: the bar's own length (30 s), which the radio left alone.
  await page.click('#nav-library');
  await page.click('.track-row[data-index="3"] td:nth-child(2)');
  await page.click('.track-row[data-index="3"] button.play');
  await page.waitForFunction(() => document.querySelector('#player')?.dataset.source === 'table');
  assert.equal(await page.inputValue('#player-length'), '30');
  assert.equal(await page.locator('#player-length').isDisabled(), false);
  assert.equal((await a.calls('play_preview')).at(-1).args.seconds, 30);
  await done(a);
});

test('radio: the context menu starts it too, in the dark theme', async () => {
  const a = await browser.open({ config: DEMO, colorScheme: 'dark' });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('.track-row[data-index="0"] td:nth-child(2)', { button: 'right' });
  await page.locator('#ctx-radio').waitFor();
  assert.match(await page.locator('#ctx-radio').innerText(), /Start radio/);
  await page.click('#ctx-radio');
  await movedOn(page, NaN);
  await page.screenshot({ path: path.join(OUT, 'radio-dark.png') });
  await done(a);
});

test('radio: a playlist\'s Radio button starts one from its tracks', async () => {
  const a = await browser.open({ config: DEMO });
  const { page } = a;
  await page.locator('.track-row[data-index="0"]').waitFor();
  await page.click('.track-row[data-index="0"] td:nth-child(2)');
  await page.keyboard.press('p');
  await page.locator('#playlist[data-state="ready"]').waitFor();
  const listed = await page.$$eval('#playlist-list li.playlist-row', (ls) => ls.map((li) => Number(li.dataset.id)));
  await page.click('#playlist-radio');
  await page.locator('#view-radio:not([hidden]) #radio-now').waitFor();
  assert.deepEqual((await a.calls('start_radio')).at(-1).args.seeds, listed, 'the playlist\'s tracks are the seeds');
  const first = await movedOn(page, NaN);
  assert.ok(!listed.includes(first), 'a track beyond the playlist');
  assert.equal((await queued(page)).length, 5);
  await done(a);
});
