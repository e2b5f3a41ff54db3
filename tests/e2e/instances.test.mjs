// Two programs on one library: while the app has it open, the CLI (`segue scan`) and a second
// app are refused plainly — the CLI with a message naming the app, the second app with a native
// message box — and the library stays whole.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { launch, waitFor, eventually, attr, writeWav, appBinary, cliBinary } from './harness.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segue-e2e-instances-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const cli = (data, ...args) => spawnSync(cliBinary, ['--data-dir', data, ...args], { encoding: 'utf8' });

test('while the app has the library open, `segue scan` and a second app are refused, and nothing is harmed', async () => {
  const music = path.join(root, 'music');
  const data = path.join(root, 'data');
  for (let i = 0; i < 6; i++) writeWav(path.join(music, `tone ${i}.wav`), 1, 300 + i * 40);
  assert.equal(cli(data, 'folder', 'add', music).status, 0);
  assert.equal(cli(data, 'scan', '--no-analyze').status, 0);
  // A file added while nothing had the library open: the app's scan at start finds it.
  writeWav(path.join(music, 'late.wav'), 1, 500);

  const { driver, stop } = await launch(['--data-dir', data]);
  let second;
  try {
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 7, 'the library and the late file in the table');

    const refused = cli(data, 'scan');
    assert.notEqual(refused.status, 0, 'segue scan ran beside the app');
    assert.match(refused.stderr, /the library in .* is in use by segue-app, process \d+: close it first/, refused.stderr);

    // A second app on the same library: a message box, then it exits with status 1.
    let log = '';
    second = spawn(appBinary, ['--data-dir', data], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    second.stderr.on('data', (d) => { log += d; });
    const exited = new Promise((resolve) => second.on('exit', (code) => resolve(code)));
    const box = await eventually(() => {
      try {
        return execFileSync('xdotool', ['search', '--onlyvisible', '--name', 'Segue cannot start']).toString().trim().split('\n')[0];
      } catch { return null; }
    }, 'the second app\'s message box', 60000);
    assert.match(log, /is in use by segue-app, process \d+/, log);
    execFileSync('xdotool', ['windowfocus', '--sync', box]);
    execFileSync('xdotool', ['key', '--window', box, 'Return']);
    assert.equal(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 20000))]), 1);
    second = null;

    // The first app still works: the table answers.
    assert.equal(Number(await attr(driver, '#row-count', 'data-total')), 7);
  } finally {
    if (second) second.kill('SIGKILL');
    await stop();
  }

  // Once the app is closed the CLI is let in: nothing left to add, and the library is sound.
  const scanned = cli(data, 'scan', '--no-analyze', '--json');
  assert.equal(scanned.status, 0, scanned.stderr);
  assert.equal(JSON.parse(scanned.stdout).added, 0);
  const tracks = JSON.parse(cli(data, 'tracks', '--json').stdout);
  assert.equal(tracks.length, 7);
  assert.equal(new Set(tracks.map((t) => t.path)).size, 7, 'no duplicate rows');
  const doctor = cli(data, 'doctor');
  assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
});

test('closing the window closes the library cleanly: the next start opens it without reading all of it', async () => {
  const music = path.join(root, 'music-close');
  const data = path.join(root, 'data-close');
  for (let i = 0; i < 3; i++) writeWav(path.join(music, `tone ${i}.wav`), 1, 300 + i * 40);
  assert.equal(cli(data, 'folder', 'add', music).status, 0);
  const note = path.join(data, 'clean-close.json');
  const wal = path.join(data, 'library.sqlite3-wal');
  const { driver, stop } = await launch(['--data-dir', data]);
  try {
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 3, 'the tracks in the table');
    assert.ok(!fs.existsSync(note), 'the open used the CLI\'s note up');
    const running = () => {
      try { execFileSync('pgrep', ['-f', `${appBinary} --data-dir ${data}`]); return true; } catch { return false; }
    };
    assert.ok(running());
    // As a window manager would: WM_DELETE_WINDOW to the app's windows.
    const windows = execFileSync('xdotool', ['search', '--name', '^Segue$']).toString().trim().split('\n');
    execFileSync('python3', [path.join(import.meta.dirname, 'close-window.py'), ...windows]);
    await eventually(() => (running() ? null : true), 'the app to exit', 60000);
  } finally {
    await stop();
  }
  assert.ok(fs.existsSync(note), 'the exit noted the database as it left it');
  assert.ok(!fs.existsSync(wal) || fs.statSync(wal).size === 0, 'the WAL went into the file');
  const noted = JSON.parse(fs.readFileSync(note, 'utf8'));
  assert.equal(noted.size, fs.statSync(path.join(data, 'library.sqlite3')).size);
  // The next program opens it as noted (and uses the note up); the library is whole.
  const tracks = JSON.parse(cli(data, 'tracks', '--json').stdout);
  assert.equal(tracks.length, 3);
  const doctor = cli(data, 'doctor');
  assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
});
