// The installed Debian package, smoke-tested as a new user would use it (tests/package.sh runs
// this with SEGUE_APP=/usr/bin/segue-app SEGUE_CLI=/usr/bin/segue, after `apt install ./….deb`):
// the demo library is made and analysed — genre and mood tags included, from the weights the
// package brought — a playlist is made from a track, and a preview comes out of the (ALSA file)
// sound device. Not part of the suite tests/e2e/*.test.mjs: it needs the package installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  launch, waitFor, analysisDone, attr, clickWhenReady, saveScreenshot, alsaCaptureHome,
  capturedAudio, playlistView, playerBar, appBinary, cliBinary, By,
} from './harness.mjs';

assert.ok(process.env.SEGUE_APP && process.env.SEGUE_CLI, 'SEGUE_APP and SEGUE_CLI name the installed binaries');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segue-installed-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test(`installed ${appBinary}: demo library, analysis with tags, a playlist, a preview that plays`, async () => {
  const data = path.join(root, 'data');
  const raw = path.join(root, 'capture.raw');
  const home = alsaCaptureHome(path.join(root, 'capture'), raw);
  const { driver, stop } = await launch(['--data-dir', data], { HOME: home });
  let seed;
  try {
    await clickWhenReady(driver, '#demo-library');
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 36, '36 demo tracks', 120000);
    await analysisDone(driver, { tracks: 36 });

    await clickWhenReady(driver, '.track-row[data-index="0"] td:nth-child(2)');
    // (read in one script: the table re-renders its rows as the details open, and an element
    // found a moment before may be gone — a StaleElementReferenceError on a busy machine)
    seed = await driver.executeScript('return Number(document.querySelector(\'.track-row[data-index="0"]\')?.dataset.id)');
    await driver.findElement(By.css('body')).sendKeys('p');
    const list = await waitFor(() => playlistView(driver), (p) => p != null && p.seed === seed && ['ready', 'error'].includes(p.state),
      `a playlist from track ${seed}`, 60000);
    assert.equal(list.state, 'ready', list.message);
    assert.ok(list.count >= 3, `${list.count} tracks that sound like the seed`);
    assert.ok(list.rows.every((r) => r.reasons.trim().length > 0), 'a reason on every row');

    // ▶ on the playlist's first row: once that track is done the player goes on down the list.
    const first = list.rows[0].id;
    await clickWhenReady(driver, '#playlist-list li.playlist-row button.play');
    const played = await waitFor(() => playerBar(driver),
      (p) => p != null && (p.status === 'error' || (p.id === first && p.status === 'finished') || (p.id !== null && p.id !== first)),
      'the first track played through', 60000);
    assert.notEqual(played.status, 'error', played.message);
    await clickWhenReady(driver, '#player-close');
    await saveScreenshot(driver, 'installed.png');
  } finally {
    await stop();
  }

  // The app has quit: the capture is complete, and the library is free for the installed CLI.
  const audio = capturedAudio(raw);
  let energy = 0;
  for (const v of audio) energy += v * v;
  const seconds = audio.length / 48000;
  const rms = Math.sqrt(energy / Math.max(1, audio.length));
  console.log(`# ${seconds.toFixed(2)} s of sound came out, RMS ${rms.toFixed(3)}`);
  assert.ok(seconds > 5, `${seconds.toFixed(2)} s of sound`);
  assert.ok(rms > 0.02 && rms < 0.7, `RMS ${rms.toFixed(3)}`);
  const shown = JSON.parse(execFileSync(cliBinary, ['--data-dir', data, 'show', String(seed), '--json'],
    { encoding: 'utf8', env: { ...process.env, XDG_DATA_HOME: path.join(root, 'xdg'), SEGUE_MODEL_DIR: '' } }));
  assert.ok(shown.features, 'analysed');
  assert.ok(shown.features.tags?.msd?.length === 50 && shown.features.tags?.mtt?.length === 50,
    'genre and mood tags, from the weights the package brought');
  assert.ok(shown.tags.length >= 10, `${shown.tags.length} tags listed`);
});
