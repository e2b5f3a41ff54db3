// The map view's pure logic (src/map/*.ts), bundled by Vite and run in a blank Chromium page:
// the camera (fit, pan, zoom at the cursor, world ↔ screen), the colour scales, the lasso's
// point-in-polygon, the grid's hit test, the filters, the labels' cap and overlap, the
// rasteriser, the status texts and the loader's pacing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bundleUnits, launch, unitsPage } from './harness.mjs';

const MODULES = ['camera', 'colour', 'colour-by', 'lasso', 'grid', 'filters', 'labels', 'raster', 'status', 'loader', 'pointer'].map((m) => `src/map/${m}.ts`);
let browser, units;
before(async () => {
  const code = await bundleUnits(MODULES);
  browser = await launch();
  units = await unitsPage(browser, code);
});
after(async () => {
  assert.deepEqual(units?.errors ?? [], [], 'page errors');
  await browser?.close();
});
const run = (fn, arg) => units.page.evaluate(fn, arg);
const near = (a, b, eps, what) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

test('camera: fit shows every point inside the margins; world → screen → world round trips', async () => {
  const r = await run(() => {
    const { Camera } = window.units;
    const cam = new Camera();
    cam.resize(800, 500);
    cam.setBounds({ minX: -1, minY: -0.5, maxX: 1, maxY: 0.9 });
    cam.fit();
    const corners = [[-1, -0.5], [1, 0.9], [-1, 0.9], [1, -0.5]].map(([x, y]) => [cam.screenX(x), cam.screenY(y)]);
    const trips = [[0.3, -0.2], [-0.9, 0.7], [5, -3]].map(([x, y]) => [cam.worldX(cam.screenX(x)), cam.worldY(cam.screenY(y)), x, y]);
    return { corners, trips, zoom: cam.zoom, scale: cam.scale };
  });
  for (const [x, y] of r.corners) assert.ok(x >= 27.9 && x <= 772.1 && y >= 27.9 && y <= 472.1, `corner on screen: ${x}, ${y}`);
  assert.ok(r.corners.some(([, y]) => Math.abs(y - 28) < 0.01), 'the taller side touches the margin');
  near(r.zoom, 1, 1e-9, 'zoom after fit');
  near(r.scale, (500 - 56) / 1.4, 1e-9, 'scale');
  for (const [x, y, wx, wy] of r.trips) { near(x, wx, 1e-9, 'x round trip'); near(y, wy, 1e-9, 'y round trip'); }
});

test('camera: a drag moves the map with the pointer; the wheel zooms keeping the point under the cursor; zoom in then out is where it was', async () => {
  const r = await run(() => {
    const { Camera } = window.units;
    const cam = new Camera();
    cam.resize(600, 400);
    cam.setBounds({ minX: -1, minY: -1, maxX: 1, maxY: 1 });
    cam.fit();
    const p = [0.25, -0.4];
    const before = [cam.screenX(p[0]), cam.screenY(p[1])];
    cam.pan(37, -12);
    const panned = [cam.screenX(p[0]), cam.screenY(p[1])];
    const at = [410, 95];
    const under = [cam.worldX(at[0]), cam.worldY(at[1])];
    cam.zoomAt(3, at[0], at[1]);
    const still = [cam.worldX(at[0]), cam.worldY(at[1])];
    const zoom = cam.zoom;
    cam.zoomAt(1 / 3, at[0], at[1]);
    const back = [cam.screenX(p[0]), cam.screenY(p[1])];
    cam.zoomAt(1e9, 0, 0);
    const most = cam.zoom;
    cam.zoomAt(1e-9, 0, 0);
    const least = cam.zoom;
    // a panel opening on the right: the top left stays, no point moves
    cam.fit();
    const q = [cam.screenX(0.5), cam.screenY(0.5)];
    cam.resize(300, 400);
    const q2 = [cam.screenX(0.5), cam.screenY(0.5)];
    return { before, panned, under, still, zoom, back, most, least, q, q2 };
  });
  near(r.panned[0], r.before[0] + 37, 1e-9, 'pan x');
  near(r.panned[1], r.before[1] - 12, 1e-9, 'pan y');
  near(r.still[0], r.under[0], 1e-9, 'zoom keeps x under the cursor');
  near(r.still[1], r.under[1], 1e-9, 'zoom keeps y under the cursor');
  near(r.zoom, 3, 1e-9, 'zoom');
  near(r.back[0], r.panned[0], 1e-6, 'in and out: x');
  near(r.back[1], r.panned[1], 1e-6, 'in and out: y');
  assert.ok(r.most <= 2000 && r.most > 100, `zoom in is bounded (${r.most})`);
  assert.ok(r.least >= 0.25 && r.least < 1, `zoom out is bounded (${r.least})`);
  assert.deepEqual(r.q2, r.q, 'a narrower canvas keeps the points where they were');
});

test('colours: tempo from 60 to 180 BPM (clamped beyond, unknown grey, lightness rising evenly); Camelot keys: 12 hues, A darker than B; categories: the top N, the rest grey', async () => {
  const r = await run(() => {
    const { TEMPO, LOUDNESS, rampColour, camelotColour, LIGHT, DARK, hex, colourPoints, PALETTE, TOP_GROUPS, TOP_TAGS } = window.units;
    const luma = (c) => 0.2126 * ((c >> 16) & 255) + 0.7152 * ((c >> 8) & 255) + 0.0722 * (c & 255);
    const tempo = [40, 60, 120, 180, 250, null].map((b) => hex(rampColour(TEMPO, b, LIGHT)));
    const steps = Array.from({ length: 11 }, (_, k) => luma(rampColour(TEMPO, 60 + k * 12, LIGHT)));
    const loud = [-40, -30, -5, 0, null].map((v) => hex(rampColour(LOUDNESS, v, DARK)));
    const keys = {};
    for (let n = 1; n <= 12; n++) for (const l of 'AB') keys[`${n}${l}`] = camelotColour(`${n}${l}`, LIGHT);
    const keyHex = Object.fromEntries(Object.entries(keys).map(([k, c]) => [k, hex(c)]));
    const darker = Object.keys(keys).filter((k) => k.endsWith('A')).every((k) => luma(keys[k]) < luma(keys[k.replace('A', 'B')]));
    // 15 albums of 20 … 6 tracks, 2 without one
    const albums = [];
    for (let a = 0; a < 15; a++) for (let k = 0; k < 20 - a; k++) albums.push(`Album ${String(a).padStart(2, '0')}`);
    albums.push('', '');
    const n = albums.length;
    const points = { ids: albums.map((_, i) => i + 1), x: [], y: [], title: [], artist: [], album: albums, folder: albums.map(() => 1),
      bpm: [], camelot: [], loudness: [], chips: albums.map((_, i) => (i % 3 === 0 ? [] : i % 3 === 1 ? [11, 0] : [0, 11])), tags: Array.from({ length: 12 }, (_, t) => `tag${t}`) };
    const ctx = { theme: LIGHT, folderName: (id) => `F${id}` };
    const byAlbum = colourPoints(points, 'album', ctx);
    const byTag = colourPoints(points, 'tag', ctx);
    return {
      tempo, steps, loud, keyHex, darker, grey: hex(LIGHT.grey), darkGrey: hex(DARK.grey), n, TOP_GROUPS, TOP_TAGS,
      palette: PALETTE.map(hex),
      album: { colours: [...byAlbum.colours].map(hex), legend: byAlbum.legend },
      tag: { colours: [...byTag.colours].map(hex), legend: byTag.legend },
    };
  });
  const [below, lo, mid, hi, above, unknown] = r.tempo;
  assert.equal(below, lo, 'slower than 60: the slow end');
  assert.equal(above, hi, 'faster than 180: the fast end');
  assert.notEqual(lo, hi);
  assert.notEqual(lo, mid);
  assert.equal(unknown, r.grey, 'unknown tempo: grey');
  for (let k = 1; k < r.steps.length; k++) assert.ok(r.steps[k] > r.steps[k - 1], 'lightness rises with the tempo');
  assert.equal(r.loud[0], r.loud[1], 'quieter than −30 LUFS: the quiet end');
  assert.equal(r.loud[2], r.loud[3], 'louder than −5 LUFS: the loud end');
  assert.equal(r.loud[4], r.darkGrey, 'unknown loudness: the dark theme\'s grey');
  assert.notEqual(r.keyHex['8A'], r.keyHex['8B'], '8A and 8B differ');
  assert.ok(r.darker, 'every minor (A) key is darker than its major (B)');
  assert.equal(new Set(Object.values(r.keyHex)).size, 24, '24 distinct key colours');
  assert.ok(!Object.values(r.keyHex).includes(r.grey), 'no key is grey');

  // albums: the 12 biggest get the palette in order of size, the rest (and no album) grey
  const legend = r.album.legend;
  assert.equal(legend.kind, 'swatches');
  assert.deepEqual(legend.items.slice(0, r.TOP_GROUPS).map((s) => [s.label, s.count]),
    Array.from({ length: r.TOP_GROUPS }, (_, a) => [`Album ${String(a).padStart(2, '0')}`, 20 - a]));
  assert.deepEqual(legend.items.at(-1), { label: 'Other albums', colour: parseInt(r.grey.slice(1), 16), count: 8 + 7 + 6 + 2, grey: true });
  assert.equal(r.album.colours[0], r.palette[0]);
  assert.equal(r.album.colours[20], r.palette[1], 'the second album');
  assert.equal(r.album.colours[r.n - 1], r.grey, 'no album: grey');
  assert.equal(r.album.colours.filter((c) => c === r.grey).length, 23, 'the three smallest albums and the two without: grey');
  // tags: the first chip among the most common ones (tag0 and tag11 are the only ones used)
  assert.deepEqual(r.tag.legend.items.map((s) => s.label), ['tag0', 'tag11', 'Other or none']);
  assert.equal(r.tag.colours[1], r.palette[1], 'chips [11, 0]: tag11 first');
  assert.equal(r.tag.colours[2], r.palette[0], 'chips [0, 11]: tag0 first');
  assert.equal(r.tag.colours[0], r.grey, 'no chips: grey');
});

test('lasso: point in a concave polygon (the notch of a U is outside, its arms inside); picks in point order', async () => {
  const r = await run(() => {
    const { inPolygon, pickInPolygon } = window.units;
    // a U: arms at x 0–1 and 3–4, joined along y 0–1, open at the top (y up to 4)
    const u = [0, 0, 4, 0, 4, 4, 3, 4, 3, 1, 1, 1, 1, 4, 0, 4];
    const probes = { leftArm: [0.5, 3], rightArm: [3.5, 2], base: [2, 0.5], notch: [2, 2.5], outside: [5, 1], above: [2, 5] };
    const inside = Object.fromEntries(Object.entries(probes).map(([k, [x, y]]) => [k, inPolygon(x, y, u)]));
    const xs = Object.values(probes).map((p) => p[0]), ys = Object.values(probes).map((p) => p[1]);
    return { inside, picked: pickInPolygon(xs, ys, u), odd: pickInPolygon(xs, ys, u, (i) => i !== 0), tiny: pickInPolygon(xs, ys, [0, 0, 4, 4]) };
  });
  assert.deepEqual(r.inside, { leftArm: true, rightArm: true, base: true, notch: false, outside: false, above: false });
  assert.deepEqual(r.picked, [0, 1, 2]);
  assert.deepEqual(r.odd, [1, 2], 'a point the filter leaves out is not picked');
  assert.deepEqual(r.tiny, [], 'two corners pick nothing');
});

test('grid: the nearest point within the radius, the same as looking at every point; nothing beyond it', async () => {
  const r = await run(() => {
    const { PointGrid, boundsOf } = window.units;
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const n = 5000;
    const x = Float32Array.from({ length: n }, () => rnd() * 2 - 1), y = Float32Array.from({ length: n }, () => rnd() * 1.2 - 0.6);
    const grid = new PointGrid(x, y, boundsOf(x, y));
    const brute = (qx, qy, rad) => {
      let best = -1, bd = rad * rad;
      for (let i = 0; i < n; i++) { const d = (x[i] - qx) ** 2 + (y[i] - qy) ** 2; if (d < bd || (d === bd && best >= 0 && i < best) || (d === bd && best < 0)) { best = i; bd = d; } }
      return best;
    };
    const out = [];
    for (let k = 0; k < 400; k++) {
      const qx = rnd() * 2.4 - 1.2, qy = rnd() * 1.6 - 0.8, rad = [0.002, 0.01, 0.05][k % 3];
      out.push([grid.nearest(qx, qy, rad), brute(qx, qy, rad)]);
    }
    const far = grid.nearest(5, 5, 0.5);
    const onlyEven = grid.nearest(x[1], y[1], 0.05, (i) => i % 2 === 0);
    const inView = [];
    grid.forEachIn({ minX: -0.1, maxX: 0.1, minY: -0.1, maxY: 0.1 }, (i) => { inView.push(i); });
    const expected = [];
    for (let i = 0; i < n; i++) if (x[i] >= -0.1 && x[i] <= 0.1 && y[i] >= -0.1 && y[i] <= 0.1) expected.push(i);
    return { out, far, onlyEven, inView: inView.sort((a, b) => a - b), expected };
  });
  const found = r.out.filter(([g]) => g >= 0).length;
  assert.ok(found > 50 && found < 400, `some queries hit, some miss (${found})`);
  for (const [g, b] of r.out) assert.equal(g, b);
  assert.equal(r.far, -1, 'nothing far away');
  assert.ok(r.onlyEven >= 0 && r.onlyEven % 2 === 0, 'accept() leaves points out');
  assert.deepEqual(r.inView, r.expected, 'forEachIn: exactly the points in the rectangle');
});

test('filters: the search words, tempo range, key and tag dim exactly the points that do not match', async () => {
  const r = await run(() => {
    const { matchMask, NO_FILTER } = window.units;
    const p = {
      ids: [1, 2, 3, 4, 5], x: [], y: [],
      title: ['River Road', 'Old Porch', 'Lantern', 'Night Drive', 'River Night'], artist: ['Copper Lanes', 'Copper Lanes', 'Mira', 'Mira', 'Ode'],
      album: ['Kitchen', 'Kitchen', 'Harbour', 'Harbour', 'Kitchen'], folder: [1, 1, 1, 1, 1],
      bpm: [88, 92, null, 128, 120], camelot: ['7B', '8B', '8A', '8A', null], loudness: [], chips: [[0], [0, 1], [1], [], [2]], tags: ['guitar', 'indie', 'house'],
    };
    const m = (f) => { const x = matchMask(p, { ...NO_FILTER, ...f }); return x && [...x]; };
    return {
      none: m({}), text: m({ text: 'river' }), words: m({ text: 'NIGHT mira' }), album: m({ text: 'kitch' }),
      bpm: m({ bpmMin: 90, bpmMax: 125 }), min: m({ bpmMin: 100 }), key: m({ camelot: '8a' }), tag: m({ tag: 'indie' }),
      unknownTag: m({ tag: 'jazz' }), all: m({ text: 'copper', bpmMax: 90, tag: 'guitar', camelot: '7B' }),
    };
  });
  assert.equal(r.none, null, 'no filter: nothing dimmed');
  assert.deepEqual(r.text, [1, 0, 0, 0, 1]);
  assert.deepEqual(r.words, [0, 0, 0, 1, 0], 'every word, in any of the fields');
  assert.deepEqual(r.album, [1, 1, 0, 0, 1]);
  assert.deepEqual(r.bpm, [0, 1, 0, 0, 1], 'inclusive range; no tempo never matches');
  assert.deepEqual(r.min, [0, 0, 0, 1, 1]);
  assert.deepEqual(r.key, [0, 0, 1, 1, 0]);
  assert.deepEqual(r.tag, [0, 1, 1, 0, 0]);
  assert.deepEqual(r.unknownTag, [0, 0, 0, 0, 0]);
  assert.deepEqual(r.all, [1, 0, 0, 0, 0]);
});

test('labels: at most 150, none overlapping, none leaving the canvas, the first candidates first', async () => {
  const r = await run(() => {
    const { placeLabels, MAX_LABELS } = window.units;
    const grid = [];
    for (let k = 0; k < 1000; k++) grid.push({ i: k, x: 10 + (k % 20) * 60, y: 10 + Math.floor(k / 20) * 20, text: `T${k}` });
    const many = placeLabels(grid, () => 40, 1300, 1100);
    const crowd = placeLabels(Array.from({ length: 50 }, (_, k) => ({ i: k, x: 100, y: 100 + (k % 3), text: 'x' })), () => 30, 400, 400);
    const edge = placeLabels([{ i: 0, x: 395, y: 50, text: 'e' }, { i: 1, x: 200, y: 399, text: 'b' }], () => 30, 400, 400);
    return { MAX_LABELS, many, crowd, edge };
  });
  assert.equal(r.MAX_LABELS, 150);
  assert.equal(r.many.length, 150, 'capped');
  assert.deepEqual(r.many.slice(0, 5).map((l) => l.i), [0, 1, 2, 3, 4], 'in the candidates\' order');
  const overlap = (a, b) => a.left < b.left + b.w && b.left < a.left + a.w && a.top < b.top + b.h && b.top < a.top + a.h;
  for (const set of [r.many, r.crowd]) for (let i = 0; i < set.length; i++) for (let j = i + 1; j < set.length; j++) assert.ok(!overlap(set[i], set[j]), 'no overlap');
  assert.equal(r.crowd.length, 2, 'a crowd on one spot: one label on each side');
  assert.deepEqual(r.edge.map((l) => [l.i, Math.round(l.left)]), [[0, 359]], 'at the right edge the label goes left; at the bottom it is left out');
});

test('raster: a point is a square of its colour at its place; later points on top; picked ones outlined; off-canvas ones cost nothing', async () => {
  const r = await run(() => {
    const { rasterise } = window.units;
    const w = 20, h = 10, buf = new Uint32Array(w * h);
    const frame = (over) => ({ x: Float32Array.from([0, 0.1, 5]), y: Float32Array.from([0, 0, 0]), pixels: Uint32Array.from([11, 22, 33]),
      order: Uint32Array.from([0, 1, 2]), picked: null, outline: 99, size: 3, cx: 0, cy: 0, s: 10, ox: 10, oy: 5, ...over });
    const drawn = rasterise(buf, w, h, 7, frame({}));
    const rows = (b) => Array.from({ length: h }, (_, y) => [...b.slice(y * w, y * w + w)].map((v) => ({ 7: '.', 11: 'a', 22: 'b', 33: 'c', 99: 'o' })[v]).join(''));
    const plain = rows(buf);
    rasterise(buf, w, h, 7, frame({ order: Uint32Array.from([1, 0, 2]) }));
    const swapped = rows(buf);
    rasterise(buf, w, h, 7, frame({ picked: Uint8Array.from([0, 1, 0]), order: Uint32Array.from([0, 1, 2]) }));
    return { drawn, plain, swapped, picked: rows(buf) };
  });
  assert.equal(r.drawn, 2, 'the point at x 5 (60 px) is off the 20 px canvas');
  const empty = '.'.repeat(20);
  assert.deepEqual(r.plain, [empty, empty, empty, '........abbb........', '........abbb........', '........abbb........', empty, empty, empty, empty],
    '3 × 3 squares centred on their points, b (drawn later) over a');
  assert.equal(r.swapped[4], '........aaab........', 'in the other order a covers b');
  assert.deepEqual(r.picked.slice(2, 7), ['........ooooo.......', '........obbbo.......', '........obbbo.......', '........obbbo.......', '........ooooo.......'],
    'a picked point: an outline one pixel around it');
});

test('status: what the map says — no music, too few analysed, a layout under way (in percent), tracks still being analysed', async () => {
  const r = await run(() => {
    const { mapStatus, progressShare } = window.units;
    const pts = (n) => ({ ids: Array.from({ length: n }, (_, i) => i + 1) });
    const a = (over) => ({ state: 'ready', progress: null, tracks: 2000, analyzed: 2000, laid_out: 2000, placed: 0, built_at: null, points: pts(5), ...over });
    return {
      loading: mapStatus(null, null, false),
      none: mapStatus(a({ tracks: 0, analyzed: 0, state: 'empty', points: pts(0) }), null, false),
      few: mapStatus(a({ analyzed: 2, state: 'empty', points: pts(0) }), null, true),
      first: mapStatus(a({ state: 'building', points: pts(0) }), { phase: 'layout', done: 100, total: 500 }, false),
      building: mapStatus(a({ state: 'building', progress: { phase: 'neighbours', done: 1, total: 2 } }), null, false),
      partial: mapStatus(a({ analyzed: 312 }), null, true),
      idle: mapStatus(a({ analyzed: 312 }), null, false),
      ready: mapStatus(a({}), null, true),
      shares: [progressShare({ phase: 'neighbours', done: 0, total: 10 }), progressShare({ phase: 'layout', done: 10, total: 10 }), progressShare({ phase: 'saving', done: 1, total: 1 })],
    };
  });
  assert.equal(r.loading.message.text, 'Loading the map…');
  assert.deepEqual(r.none.message, { kind: 'none', text: 'No music yet — add a folder or try the demo library' });
  assert.deepEqual(r.few.message, { kind: 'few', text: 'The map appears once a few tracks are analysed' });
  assert.deepEqual(r.first.message, { kind: 'building', text: 'Arranging the map… 39 %' });
  assert.equal(r.first.strip, null);
  assert.equal(r.building.message, null, 'points shown: the layout is a strip over them');
  assert.equal(r.building.strip.text, 'Arranging the map… 12 %');
  assert.equal(r.partial.strip.text, '312 of 2,000 tracks analysed — the map fills in as they are');
  assert.equal(r.idle.strip, null, 'no analysis running: nothing is coming, nothing to say');
  assert.equal(r.ready.strip, null);
  assert.deepEqual(r.shares, [0, 0.95, 1]);
});

test('loader: asks at once when shown; after changes at most every 3 s, never two at a time; at once after a layout', async () => {
  const r = await run(async () => {
    const { MapLoader, GAP_MS } = window.units;
    const asked = [];
    let inflight = 0, most = 0;
    const t0 = Date.now();
    const loader = new MapLoader({ load: async () => { inflight++; most = Math.max(most, inflight); asked.push(Date.now() - t0); await new Promise((r) => setTimeout(r, 300)); inflight--; } });
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    loader.changed(); // hidden: nothing yet
    await wait(50);
    const hidden = asked.length;
    loader.setVisible(true);
    for (let k = 0; k < 20; k++) { loader.changed(); await wait(100); } // 2 s of events
    await wait(GAP_MS + 400);
    const afterBurst = asked.slice();
    loader.updated(); // a layout finished
    await wait(120);
    const updated = asked.length;
    return { hidden, afterBurst, updated, most, GAP_MS };
  });
  assert.equal(r.hidden, 0, 'nothing while hidden');
  assert.equal(r.afterBurst.length, 2, `one at once, one after the gap (${r.afterBurst})`);
  assert.ok(r.afterBurst[0] < 100, 'shown: at once');
  assert.ok(r.afterBurst[1] - r.afterBurst[0] >= r.GAP_MS - 5, `≥ 3 s apart (${r.afterBurst})`);
  assert.equal(r.updated, 3, 'map-updated: at once');
  assert.equal(r.most, 1, 'never two at a time');
});

test('pointer: Shift+drag draws a lasso, a plain drag pans, a click picks; a press whose button-up never came does not block the next one', async () => {
  const r = await run(() => {
    const { MapPointer } = window.units;
    const el = document.getElementById('c');
    const calls = [];
    const hooks = {
      lassoMode: () => false,
      pan: (dx, dy) => calls.push(['pan', dx, dy]),
      zoomAt: () => {},
      hover: () => {},
      click: (x, y) => calls.push(['click', x, y]),
      doubleClick: () => {},
      lasso: (poly, done) => { if (done) calls.push(['lasso', poly ? poly.length / 2 : null]); },
    };
    new MapPointer(el, hooks);
    const r0 = el.getBoundingClientRect();
    const ev = (type, x, y, extra = {}) => el.dispatchEvent(new PointerEvent(type, {
      pointerId: 1, isPrimary: true, button: 0, buttons: type === 'pointerup' ? 0 : 1, clientX: r0.left + x, clientY: r0.top + y, bubbles: true, ...extra }));
    const drag = (points, extra) => {
      ev('pointerdown', points[0][0], points[0][1], extra);
      for (const [x, y] of points.slice(1)) ev('pointermove', x, y, extra);
      ev('pointerup', ...points[points.length - 1], extra);
    };
    const square = [[10, 10], [60, 10], [60, 60], [10, 60], [10, 10]];
    const out = {};
    calls.length = 0; drag(square, { shiftKey: true }); out.lasso = [...calls];
    calls.length = 0; drag([[10, 10], [40, 30]]); out.pan = calls.filter((c) => c[0] === 'pan').length;
    calls.length = 0; drag([[20, 20]]); out.click = [...calls];
    // A press, and its button-up lost: the next Shift+drag still draws its lasso.
    ev('pointerdown', 5, 5);
    ev('pointermove', 30, 30);
    calls.length = 0; drag(square, { shiftKey: true }); out.afterLost = [...calls];
    return out;
  });
  assert.equal(r.lasso.length, 1, JSON.stringify(r.lasso));
  assert.equal(r.lasso[0][0], 'lasso');
  assert.ok(r.lasso[0][1] >= 5, `the lasso's corners: ${r.lasso[0][1]}`);
  assert.ok(r.pan > 0, 'a plain drag pans');
  assert.deepEqual(r.click, [['click', 20, 20]]);
  assert.deepEqual(r.afterLost.map((c) => c[0]), ['lasso'], JSON.stringify(r.afterLost));
});
