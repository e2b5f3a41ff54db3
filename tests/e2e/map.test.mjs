// The library map in the real app: the demo library's map shows a point for every analysed
// track, Colour by changes the colours drawn, clicking a point opens its details, a lasso over
// one style's cluster seeds a playlist with exactly the points inside it, and the open
// playlist is drawn on the map as a path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, waitFor, analysisDone, attr, textOf, clickWhenReady, saveScreenshot, By } from './harness.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segue-e2e-map-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const SHIFT = '\uE008';

/** What the engine answers the map view (the real command, through the app's IPC). */
const engineMap = (driver) => driver.executeAsyncScript(`
  const done = arguments[arguments.length - 1];
  window.__TAURI_INTERNALS__.invoke('get_map').then(done, (e) => done({ error: String(e && e.message || e) }));`);

/** Every id's point on screen and the colour it is drawn with, and the pixel under it. */
const drawn = (driver, ids) => driver.executeScript(`
  const canvas = document.getElementById('map-canvas');
  const probe = canvas.mapProbe;
  const r = canvas.getBoundingClientRect();
  const ctx = canvas.getContext('2d');
  const scale = canvas.width / r.width;
  return arguments[0].map((id) => {
    const at = probe.screenOf(id);
    if (!at) return { id, at: null };
    const px = ctx.getImageData(Math.round((at.x - r.left) * scale), Math.round((at.y - r.top) * scale), 1, 1).data;
    const hex = '#' + [px[0], px[1], px[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
    return { id, at, colour: probe.colourOf(id), pixel: hex };
  });`, ids);

/** For each of `pts` (viewport CSS px): is the map's canvas itself what a press there lands on
 *  (not the details panel, the toolbar over the map's corner, or anything else over it)? */
const onCanvas = (driver, pts) => driver.executeScript(`
  const canvas = document.getElementById('map-canvas');
  return arguments[0].map((p) => document.elementFromPoint(p.x, p.y) === canvas);`, pts);

/** The middle of the map's canvas (viewport CSS px). */
const canvasMiddle = (driver) => driver.executeScript(`
  const r = document.getElementById('map-canvas').getBoundingClientRect();
  return { x: r.left + r.width / 2, y: r.top + r.height / 2 };`);

/** Is `p` inside the polygon `poly` (even-odd rule)? */
function inside(p, poly) {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [a, b] = [poly[i], poly[j]];
    if ((a.y > p.y) !== (b.y > p.y) && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) hit = !hit;
  }
  return hit;
}

/**
 * A ring (a 24-gon) round `points`: centred on their mean, `margin` px beyond the farthest. Not
 * their convex hull: three points of a layout can lie on one line, and a hull of a line holds
 * nothing (a CI run's lasso came out empty that way).
 */
function ring(points, margin) {
  const c = { x: points.reduce((t, p) => t + p.x, 0) / points.length, y: points.reduce((t, p) => t + p.y, 0) / points.length };
  const r = Math.max(...points.map((p) => Math.hypot(p.x - c.x, p.y - c.y))) + margin;
  return Array.from({ length: 24 }, (_, i) => ({
    x: c.x + r * Math.cos((2 * Math.PI * i) / 24),
    y: c.y + r * Math.sin((2 * Math.PI * i) / 24),
  }));
}

test('the map: a point per demo track, colour by tempo, a click opens the details, a lasso seeds a playlist, the playlist drawn as a path', async () => {
  const { driver, stop } = await launch(['--data-dir', path.join(root, 'data')]);
  try {
    await clickWhenReady(driver, '#demo-library');
    await waitFor(async () => Number(await attr(driver, '#row-count', 'data-total')), (n) => n === 36, '36 demo tracks', 60000);
    await analysisDone(driver, { tracks: 36 });

    await clickWhenReady(driver, '#nav-map');
    await waitFor(() => attr(driver, '#map-canvas', 'data-points'), (n) => n === '36', 'a point for every demo track', 120000);
    const map = await engineMap(driver);
    assert.equal(map.state, 'ready', JSON.stringify(map.error ?? map.state));
    const ids = map.points.ids;
    assert.equal(ids.length, 36);
    const artistOf = new Map(ids.map((id, i) => [id, map.points.artist[i]]));

    // Every point is on screen, drawn in the colour the view says (most centres are not covered
    // by a neighbour or a label).
    let points = await waitFor(() => drawn(driver, ids), (ps) => ps.every((p) => p.at) && ps.filter((p) => p.pixel === p.colour).length >= 18,
      'every point on screen, most centres in their colours');

    // Colour by tempo: the colours change, and the slowest and fastest tracks differ.
    const before = new Map(points.map((p) => [p.id, p.colour]));
    await clickWhenReady(driver, '#map-colour-by option[value="tempo"]');
    await waitFor(() => attr(driver, '#map-canvas', 'data-colour-by'), (v) => v === 'tempo', 'coloured by tempo');
    // The attribute changes at once; the pixels with the next frame.
    points = await waitFor(() => drawn(driver, ids), (ps) => ps.filter((p) => p.pixel === p.colour).length >= 18,
      'the tempo colours drawn');
    const changed = points.filter((p) => p.colour !== before.get(p.id)).length;
    assert.ok(changed >= 30, `colours changed for ${changed} of 36 points`);
    const byBpm = ids.map((id, i) => [id, map.points.bpm[i]]).sort((a, b) => a[1] - b[1]);
    const colourOf = new Map(points.map((p) => [p.id, p.colour]));
    assert.notEqual(colourOf.get(byBpm[0][0]), colourOf.get(byBpm[35][0]), 'slowest and fastest in different colours');

    // A click on a point selects it and opens its details.
    const target = points.find((p) => p.pixel === p.colour) ?? points[0];
    const title = map.points.title[ids.indexOf(target.id)];
    // Clicked where the point is drawn now: the view may still settle after the colour change
    // (the legend's height changes, the canvas with it), so a click that selected nothing is
    // made again at the point's new place (a few times at most).
    for (let attempt = 1; ; attempt++) {
      const [now] = await drawn(driver, [target.id]);
      await driver.actions().move({ origin: 'viewport', x: Math.round(now.at.x), y: Math.round(now.at.y) }).click().perform();
      try {
        await waitFor(() => attr(driver, '#map-canvas', 'data-selected'), (v) => v === String(target.id), 'the clicked point selected', 5000);
        break;
      } catch (e) {
        // (what the map showed after the click missed: kept with the test's screenshots)
        await saveScreenshot(driver, `map-click-miss-${attempt}.png`).catch(() => {});
        console.log(`# click attempt ${attempt} missed: ${e.message}`);
        if (attempt === 4) throw e;
      }
    }
    const panel = await driver.findElement(By.id('detail-panel'));
    await waitFor(() => textOf(driver, panel), (t) => t.includes(title), `the detail panel of "${title}"`);

    // A lasso (Shift+drag) around the clicked track and its two nearest of the same style (a
    // whole style as seeds leaves nothing that sounds like them in a 36-track library): exactly
    // the points inside it are picked, and they seed one playlist. The panel may pan the map to
    // keep the clicked point in view, so the places are read once they hold still; a lasso that
    // picked other than what it surrounds (the view moved under it) is drawn again at the
    // points' new places, a few times at most.
    const style = artistOf.get(target.id);
    const holdingStill = async (what) => {
      let before = null;
      return waitFor(async () => {
        const now = await drawn(driver, ids);
        const still = before && now.every((p, i) => (!p.at && !before[i].at)
          || (p.at && before[i].at && Math.hypot(p.at.x - before[i].at.x, p.at.y - before[i].at.y) < 0.5));
        before = now;
        await new Promise((r) => setTimeout(r, 250));
        return still ? now : null;
      }, (ps) => ps != null && ps.filter((p) => p.at).length >= 3, what);
    };
    let expected;
    for (let attempt = 1; ; attempt++) {
      points = await holdingStill('the points holding still after the panel opened');
      let clicked = points.find((p) => p.id === target.id);
      assert.ok(clicked?.at, 'the clicked point still on screen');
      // The panel's pan keeps the clicked point just inside the map's edge, where a ring round
      // it can reach the panel or the toolbar (a press there is theirs: a CI run's lasso picked
      // nothing and left no point on screen). A plain drag from the point to the middle pans it
      // there, as a user would.
      const middle = await canvasMiddle(driver);
      if (Math.hypot(clicked.at.x - middle.x, clicked.at.y - middle.y) > 60) {
        await driver.actions().move({ origin: 'viewport', x: Math.round(clicked.at.x), y: Math.round(clicked.at.y) }).press()
          .move({ origin: 'viewport', x: Math.round(middle.x), y: Math.round(middle.y), duration: 300 }).release().perform();
        points = await holdingStill('the points holding still after the drag');
        clicked = points.find((p) => p.id === target.id);
        assert.ok(clicked?.at, 'the clicked point on screen after the drag');
        assert.equal(await attr(driver, '#map-canvas', 'data-selected'), String(target.id), 'a drag pans, it does not pick');
      }
      const dist = (p) => Math.hypot(p.at.x - clicked.at.x, p.at.y - clicked.at.y);
      // Its own style first; if the panel's pan left fewer than three of them on screen (a CI
      // run saw two), the nearest others make up the three.
      const near = (same) => points.filter((p) => p.at && (artistOf.get(p.id) === style) === same).sort((a, b) => dist(a) - dist(b));
      const cluster = [...near(true), ...near(false)].slice(0, 3).map((p) => p.at);
      let polygon = ring(cluster, 8);
      expected = points.filter((p) => p.at && inside(p.at, polygon)).map((p) => p.id).sort((a, b) => a - b);
      assert.ok(expected.length >= 3, `the lasso holds the three tracks: ${expected.length}`);
      // The lasso starts where the canvas itself takes the press (the moves after it are the
      // canvas's wherever they go: it holds the pointer).
      const free = await onCanvas(driver, polygon);
      const start = free.indexOf(true);
      assert.ok(start >= 0, `the lasso's ring lies on the canvas somewhere: ${JSON.stringify(polygon)}`);
      polygon = [...polygon.slice(start), ...polygon.slice(0, start)];
      let act = driver.actions().keyDown(SHIFT).move({ origin: 'viewport', x: Math.round(polygon[0].x), y: Math.round(polygon[0].y) }).press();
      for (const p of [...polygon.slice(1), polygon[0]]) act = act.move({ origin: 'viewport', x: Math.round(p.x), y: Math.round(p.y), duration: 60 });
      await act.release().keyUp(SHIFT).perform();
      try {
        await waitFor(() => attr(driver, '#map-canvas', 'data-picked'), (n) => n === String(expected.length), `${expected.length} points picked`, 5000);
        break;
      } catch (e) {
        // (what the map showed after the lasso missed: kept with the test's screenshots)
        await saveScreenshot(driver, `map-lasso-miss-${attempt}.png`).catch(() => {});
        console.log(`# lasso attempt ${attempt} missed: ${e.message}`);
        if (attempt === 4) throw e;
      }
    }
    await saveScreenshot(driver, 'map-lasso.png');
    await clickWhenReady(driver, '#map-pick-playlist');
    await waitFor(() => attr(driver, '#playlist', 'data-state'), (s) => s === 'ready', 'the playlist ready', 60000);
    const seeds = (await attr(driver, '#playlist', 'data-seeds')).split(',').map(Number).sort((a, b) => a - b);
    assert.deepEqual(seeds, expected, 'seeded by the lassoed tracks');
    const entries = await driver.executeScript(
      "return [...document.querySelectorAll('#playlist-list li.playlist-row')].map((li) => Number(li.dataset.id))");
    assert.ok(entries.length > 0, 'the playlist has tracks');

    // Back on the map, the open playlist is drawn as a path through its tracks.
    await clickWhenReady(driver, '#nav-map');
    await waitFor(() => attr(driver, '#map-canvas', 'data-path'), (n) => n === String(entries.length), `a path through ${entries.length} tracks`);
    await saveScreenshot(driver, 'map-path.png');
  } finally {
    await stop();
  }
});
