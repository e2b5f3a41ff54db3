// Lists that move, and music asked for in words, in the real app on the demo library: a journey
// between two selected tracks (start and end kept, each step explained), the playlist sorted by
// tempo and the sort undone, a playlist that ramps its tempo up (the Ramp knob), a
// description typed in the describe box; a radio that plays on through the sound device
// (ALSA into a file), refills its queue and takes a skip; and an audio file from outside the
// library dropped on the window (a real XDND drag): the tracks like it, and a playlist from it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, waitFor, analysisDone, attr, clickWhenReady, selectRow, selectTwoRows, saveScreenshot, playlistView, By, unstale, alsaCaptureHome, capturedAudio, storedTracks, dropFile, answerOpenDialog, playerBar } from './harness.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segue-e2e-journeys-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A cell of the table row at `index` (WebKit's driver does not click a <tr>). */
const cell = (index, n = 2) => `.track-row[data-index="${index}"] td:nth-child(${n})`;
/** The playlist rows' ids and BPM, in order. */
const rows = (driver) => driver.executeScript(`
  return [...document.querySelectorAll('#playlist-list li.playlist-row')].map((li) => ({
    id: Number(li.dataset.id), bpm: Number(li.querySelector('.playlist-bpm').textContent) }))`);
const ready = (driver, what) => waitFor(() => playlistView(driver), (p) => p?.state === 'ready' && p.count > 0, what, 60000);
/** Chooses `value` in a <select> as a user does (a change event). */
const choose = (driver, css, value) => driver.executeScript(
  `const s = document.querySelector(${JSON.stringify(css)}); s.value = ${JSON.stringify(value)}; s.dispatchEvent(new Event('change', { bubbles: true }));`);
const rising = (xs) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);
const title = (driver) => driver.executeScript("return document.getElementById('playlist-title').textContent");
const idAt = (driver, index) => driver.executeScript(`return Number(document.querySelector('.track-row[data-index="${index}"]')?.dataset.id)`);

test('a journey between two selected tracks, sorted and unsorted, a tempo ramp, and a description in words', async () => {
  const { driver, stop } = await launch(['--data-dir', path.join(root, 'data')]);
  try {
    await clickWhenReady(driver, '#demo-library');
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 36, '36 demo tracks', 60000);
    await analysisDone(driver, { tracks: 36 });

    // Two rows (the table is in title order): the first and the eighth.
    const from = await idAt(driver, 0);
    const to = await idAt(driver, 7);
    await selectTwoRows(driver, 0, 7);
    await clickWhenReady(driver, '#make-journey');
    const journey = await ready(driver, 'the journey');
    const ids = journey.rows.map((r) => r.id);
    assert.equal(ids[0], from, 'it starts at the first selected track');
    assert.equal(ids.at(-1), to, 'it ends at the second');
    assert.equal(new Set(ids).size, ids.length, 'no track twice');
    assert.ok(ids.length >= 4, `${ids.length} tracks`);
    assert.equal(journey.rows[0].reasons, 'the start');
    assert.ok(journey.rows.slice(1).every((r) => r.reasons.length > 0), 'every step says what changes');
    assert.match(await title(driver), /→/);
    await saveScreenshot(driver, 'journey.png');

    // Sorted by tempo: the same tracks, slowest first; Undo (Ctrl+Z) brings the journey back.
    await choose(driver, '#playlist-sort', 'tempo');
    const sorted = await waitFor(() => rows(driver), (r) => r.length === ids.length && r.some((x, i) => x.id !== ids[i]), 'sorted by tempo');
    assert.ok(rising(sorted.map((r) => r.bpm)), `tempo rises: ${sorted.map((r) => r.bpm)}`);
    assert.deepEqual([...sorted.map((r) => r.id)].sort(), [...ids].sort(), 'the same tracks');
    await driver.findElement(By.css('#playlist')).sendKeys('\uE009z');
    await waitFor(() => rows(driver), (r) => r.map((x) => x.id).join() === ids.join(), 'the journey back after Undo');

    // Back to the library: a playlist from the first row, then the Ramp knob: tempo rising.
    await driver.findElement(By.css('body')).sendKeys('\uE00C');
    await waitFor(() => driver.executeScript("return !document.getElementById('view-library').hidden"), (v) => v, 'the library again');
    await unstale(() => clickWhenReady(driver, cell(0)));
    await driver.findElement(By.css('body')).sendKeys('p');
    const plain = await ready(driver, 'a playlist from the first row');
    await choose(driver, '#knob-ramp', 'tempo-up');
    const ramped = await waitFor(() => playlistView(driver), (p) => p?.state === 'ready' && p.generation > plain.generation, 'the ramped playlist', 60000);
    const bpms = (await rows(driver)).map((r) => r.bpm);
    assert.ok(ramped.count >= 3 && rising(bpms), `tempo rises along the list: ${bpms}`);
    await choose(driver, '#knob-ramp', ''); // the knobs are remembered: leave it as found

    // Words: the describe box lists the tracks that fit, and says what it understood.
    await driver.findElement(By.css('body')).sendKeys('\uE00C');
    await waitFor(() => driver.executeScript("return !document.getElementById('view-library').hidden"), (v) => v, 'the library again');
    const box = await driver.findElement(By.css('#describe'));
    await box.sendKeys('electronic, no vocals, zydeco', '\uE007');
    const described = await ready(driver, 'the described tracks');
    assert.match(await title(driver), /electronic, no vocals, zydeco/);
    assert.match(described.status, /Understood: electronic, no vocals/);
    assert.match(described.status, /not understood: zydeco/);
    assert.ok(described.rows.every((r) => /electronic/.test(r.reasons)), 'each row says how electronic it is');
    await saveScreenshot(driver, 'describe.png');
  } finally {
    await stop();
  }
});

/** The radio view as the user sees it. */
const radioView = (driver) => driver.executeScript(`
  const now = document.getElementById('radio-now');
  const ids = (sel) => [...document.querySelectorAll(sel)].map((li) => ({ id: Number(li.dataset.id), feedback: li.dataset.feedback ?? null }));
  return { shown: !document.getElementById('view-radio').hidden, on: document.getElementById('view-radio').dataset.on === 'true',
    now: now?.dataset.id ? Number(now.dataset.id) : null, upcoming: ids('#radio-upcoming li'), history: ids('#radio-history li'),
    player: { id: Number(document.getElementById('player').dataset.id), status: document.getElementById('player').dataset.status,
      source: document.getElementById('player').dataset.source ?? null } };`);

test('a radio from a track plays one whole track after another through the sound device, refills its queue, and takes a skip', async () => {
  const data = path.join(root, 'data');
  const byId = new Map(storedTracks(data).map((t) => [t.id, t]));
  const raw = path.join(root, 'capture', 'radio.raw');
  const home = alsaCaptureHome(path.join(root, 'capture'), raw);
  const { driver, stop } = await launch(['--data-dir', data], { HOME: home });
  let seen;
  try {
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 36, '36 demo tracks', 60000);
    await analysisDone(driver); // analysed by the test before
    await selectRow(driver, 0);
    const seed = await idAt(driver, 0);
    // Skip a track within its first 30 s. The sound device here is not paced: a demo track
    // plays in a moment, the 35 others in seconds, and a Skip pressed while the radio is
    // between two tracks is the end of the one that ended (no skip). So the page itself
    // presses pause the moment the bar shows a radio track playing — a WebDriver round trip
    // per look is slow enough for the radio to run out of tracks (a run saw it) — and the
    // pause counts once it has held for longer than the bar trusts its own pause (1.5 s)
    // before the backend's word, in case the track ended as the pause was sent.
    const pauseOnPlay = () => driver.executeScript(`
      const player = document.getElementById('player');
      const press = (observer) => {
        if (player.dataset.status !== 'playing' || player.dataset.source !== 'radio') return false;
        document.getElementById('player-toggle').click();
        observer?.disconnect();
        return true;
      };
      window.pauseOnPlay?.disconnect(); // one watcher at a time: two would pause and resume
      if (press(null)) return;
      window.pauseOnPlay = new MutationObserver((_, o) => press(o));
      window.pauseOnPlay.observe(player, { attributes: true });`);
    await pauseOnPlay();
    await driver.findElement(By.css('body')).sendKeys('r');
    const started = await waitFor(() => radioView(driver), (r) => r.shown && r.now != null, 'the radio on', 30000);
    assert.notEqual(started.now, seed, 'never the seed');
    const held = (r) => r.player.status === 'paused' && r.player.id === r.now && r.player.source === 'radio';
    let skipped = null;
    for (let tries = 0; skipped == null; tries++) {
      assert.ok(tries < 20, `the radio paused on a track: ${JSON.stringify(await radioView(driver))}`);
      if (tries > 0) await pauseOnPlay();
      const paused = await waitFor(() => radioView(driver), held, 'the pause', 3000).catch(() => null);
      if (!paused) continue;
      await new Promise((r) => setTimeout(r, 2500));
      const still = await radioView(driver);
      if (held(still) && still.now === paused.now) skipped = still.now;
    }
    await clickWhenReady(driver, '#radio-skip');
    await waitFor(() => radioView(driver), (r) => r.history.some((x) => x.id === skipped && x.feedback === 'skipped'),
      `track ${skipped} in the history as skipped`, 30000);
    // Three tracks played whole, one after another, with the queue full behind them.
    seen = await waitFor(() => radioView(driver),
      (r) => r.history.filter((x) => x.feedback === 'played').length >= 3 && r.upcoming.length === 5 && r.player.source === 'radio',
      'three tracks played in a row, five queued', 120000);
    assert.ok(seen.history.some((x) => x.id === skipped && x.feedback === 'skipped'), `the skip in the history: ${JSON.stringify(seen.history)}`);
    const all = [...seen.history.map((x) => x.id), seen.now, ...seen.upcoming.map((x) => x.id)];
    assert.equal(new Set(all).size, all.length, `never a track twice: ${all}`);
    assert.ok(!all.includes(seed), 'never the seed');
    await saveScreenshot(driver, 'radio.png');
    // A reload of the window: the radio is still on; a track it was playing goes on in it (one
    // between two tracks waits for ▶ in the Radio view), and the radio moves on from there.
    await driver.navigate().refresh();
    const reloaded = await waitFor(() => radioView(driver).catch(() => null), (r) => r?.on && r.now != null, 'the radio after a reload', 60000);
    await clickWhenReady(driver, '#nav-radio');
    if (reloaded.player.source !== 'radio') await clickWhenReady(driver, '#radio-now button.play');
    await waitFor(() => radioView(driver), (r) => r.player.source === 'radio' && r.history.length > reloaded.history.length,
      'the radio going on after a reload', 60000);
    await clickWhenReady(driver, '#radio-stop');
    await waitFor(() => radioView(driver), (r) => !r.on, 'the radio off');
  } finally {
    await stop();
  }
  // What came out of the sound device: at least the three tracks played whole (the null device
  // writes as fast as it is fed; silence between the tracks is not counted).
  const audio = capturedAudio(raw);
  fs.rmSync(raw, { force: true });
  const played = seen.history.filter((x) => x.feedback === 'played').slice(-3);
  const expected = played.reduce((s, x) => s + (byId.get(x.id)?.duration_s ?? 0), 0);
  const seconds = audio.length / 48000;
  console.log(`# radio: ${seen.history.length} tracks heard, ${seconds.toFixed(1)} s of sound captured, the first three played ${expected.toFixed(1)} s`);
  assert.ok(expected > 60, `three demo tracks: ${expected} s`);
  assert.ok(seconds >= 0.9 * expected, `${seconds.toFixed(1)} s of sound for three whole tracks of ${expected.toFixed(1)} s`);
});

/** The "like a file" view as the user sees it. */
const outsideView = (driver) => driver.executeScript(`
  const v = document.getElementById('view-outside');
  return { shown: !v.hidden, state: v.dataset.state, status: document.getElementById('outside-status')?.textContent ?? null,
    file: document.getElementById('outside-file')?.textContent ?? null,
    rows: [...v.querySelectorAll('#outside-list li.similar-row')].map((li) => Number(li.dataset.id)) };`);

test('an audio file dropped on the window lists the tracks like it, and makes a playlist from it', async () => {
  const data = path.join(root, 'data');
  const tracks = storedTracks(data);
  const twin = tracks.find((t) => t.path.endsWith('.flac'));
  // Sent by someone: outside the library, a name to encode in a file:// URI.
  const dropped = path.join(root, 'Downloads', 'Sent by Sam #1 é.flac');
  fs.mkdirSync(path.dirname(dropped), { recursive: true });
  fs.copyFileSync(twin.path, dropped);
  const raw = path.join(root, 'capture-outside', 'dropped.raw');
  const home = alsaCaptureHome(path.join(root, 'capture-outside'), raw);
  const { driver, stop } = await launch(['--data-dir', data], { HOME: home });
  let fileSeconds = 0;
  try {
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 36, '36 demo tracks', 60000);
    await analysisDone(driver); // analysed by the first test

    await dropFile(dropped);
    const shown = await waitFor(() => outsideView(driver), (v) => v.shown && (v.state === 'ready' || v.state === 'error'), 'the dropped file analysed', 120000);
    assert.equal(shown.state, 'ready', `the view says: ${shown.status}`);
    assert.equal(shown.rows[0], twin.id, 'its twin in the library sounds most like it');
    assert.ok(shown.rows.length >= 3, `${shown.rows.length} tracks like it`);
    assert.ok(!tracks.some((t) => t.path === dropped), 'the file is not in the library');
    assert.match(shown.file, new RegExp(`${twin.title}`), 'the file as read: its tags');
    assert.match(shown.file, /BPM/);
    assert.match(await driver.executeScript("return document.getElementById('outside-twin')?.textContent ?? ''"),
      new RegExp(`sounds the same as “${twin.title}”`), 'a copy of a library track is named as such');
    // (a frame or two after the drop, or WebKit's snapshot may still show the one before)
    await driver.executeAsyncScript('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));');
    await saveScreenshot(driver, 'outside.png');

    // ▶ on the file's card plays the file itself through the sound device; it ends and the
    // player goes on to its closest match (then the player is closed).
    // The capture device is not paced: on a busy machine the file may play out between two
    // looks at the bar. The bar reaches the closest match only when the file's preview
    // *finished* (an error stops the queue), so either sight proves the file played; the sound
    // captured is checked below.
    await clickWhenReady(driver, '#outside-file button.play');
    const playing = await waitFor(() => playerBar(driver), (b) => (b?.id === 0 && b.status === 'playing') || b?.id === shown.rows[0],
      'the dropped file playing (or already on to its closest match)', 30000);
    assert.equal(playing.title, twin.title);
    await waitFor(() => playerBar(driver), (b) => b?.id === shown.rows[0], 'on to its closest match', 120000);
    await clickWhenReady(driver, '#player-close');
    fileSeconds = twin.duration_s;

    // "Make playlist": seeded by the file; the twin is the same song, so it is left out.
    await clickWhenReady(driver, '#outside-playlist');
    const made = await waitFor(() => playlistView(driver), (p) => p?.state === 'ready' && p.count > 0, 'the playlist from the file', 60000);
    assert.equal(await attr(driver, '#playlist', 'data-seed-file'), dropped);
    assert.ok(!made.rows.some((r) => r.id === twin.id), 'not the same song again');
    assert.ok(made.count >= 3, `${made.count} tracks`);
    assert.match(await title(driver), new RegExp(`Like ${twin.title}`));

    // Picked in the native dialog instead: another file, another twin first.
    const other = tracks.find((t) => t.artist !== twin.artist && /\.(wav|flac)$/.test(t.path));
    const picked = path.join(root, 'Downloads', `picked${path.extname(other.path)}`);
    fs.copyFileSync(other.path, picked);
    await driver.findElement(By.css('body')).sendKeys('\uE00C');
    await clickWhenReady(driver, '#nav-outside');
    await clickWhenReady(driver, '#view-outside .outside-pick');
    await answerOpenDialog(picked, 'Find tracks like a file');
    const again = await waitFor(() => outsideView(driver), (v) => v.state === 'ready' && v.rows[0] !== twin.id, 'the picked file analysed', 120000);
    assert.equal(again.rows[0], other.id, 'the picked file\'s twin first');

    // Least privilege: the webview cannot have a file read that the user did not hand over.
    const refused = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke('similar_to_outside_file', { path: '/etc/hostname' })
        .then(() => done('read'), (e) => done(String(e && e.message || e)));`);
    assert.match(refused, /was not dropped on the window or picked/);
    for (const [cmd, args] of [
      ['play_outside_file', { path: '/etc/hostname', fromS: null, seconds: null }],
      ['make_playlist', { request: { seeds: [], seed_file: '/etc/hostname' } }],
    ]) {
      const answer = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
        window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
          .then(() => done('accepted'), (e) => done(String(e && e.message || e)));`, cmd, args);
      assert.match(answer, /was not dropped on the window or picked/, cmd);
    }
  } finally {
    await stop();
  }
  // The file's sound came out of the device (then some of its match's).
  const seconds = capturedAudio(raw).length / 48000;
  fs.rmSync(raw, { force: true });
  console.log(`# like a file: ${seconds.toFixed(1)} s of sound captured for a file of ${fileSeconds.toFixed(1)} s`);
  assert.ok(fileSeconds > 10 && seconds >= 0.9 * fileSeconds, `${seconds.toFixed(1)} s of sound for ${fileSeconds} s`);
});
