// Fake Segue backend for browser tests. Injected with page.addInitScript()
// before the app loads. It reproduces what @tauri-apps/api/mocks.js mockIPC(…,
// {shouldMockEvents:true}) installs on window.__TAURI_INTERNALS__, plus an
// in-page implementation of every Segue command (search/sort/paging like Rust).
// Config comes from window.__FAKE_CONFIG__ (set by an earlier init script):
//   { tracks: number, folders: boolean, failures: number, errors: {cmd: message}, delayMs: number }
(() => {
  const cfg = Object.assign({ tracks: 0, folders: false, failures: 0, errors: {}, delayMs: 0 }, window.__FAKE_CONFIG__ || {});

  // ---- IPC plumbing (same shape as mocks.js) ----
  const callbacks = new Map();
  const listeners = new Map();
  let nextId = 1;
  function transformCallback(cb, once = false) {
    const id = nextId++;
    callbacks.set(id, (data) => { if (once) callbacks.delete(id); return cb && cb(data); });
    return id;
  }
  function runCallback(id, data) { const cb = callbacks.get(id); if (cb) cb(data); }
  function emit(event, payload) {
    for (const handler of [...(listeners.get(event) || [])]) runCallback(handler, { event, id: handler, payload });
  }

  // ---- data ----
  const ARTISTS = ['Aurora Lane', 'Bonobo Trail', 'Cass McCombs', 'Daft Pilots', 'Ella Vance', 'Floating Points North',
    'Grizzly Harbor', 'Hania Rani', 'Iron & Wine Cellar', 'Jon Hopkins', 'Khruangbin Lake', 'Low Roar', 'Massive Attic',
    'Nils Frahm', 'Ólafur Arnalds', 'Portishead Bay', 'Quiet Village', 'Röyksopp', 'Sigur Rós', 'Tycho Coast', 'Ulrich Schnauss',
    'Vashti Bunyan', 'Warpaint', 'Xiu Xiu', 'Yann Tiersen', 'Zero 7'];
  const WORDS = ['Amber', 'Blue', 'Cold', 'Distant', 'Echo', 'Falling', 'Glass', 'Harbor', 'Island', 'June', 'Kite', 'Lantern',
    'Midnight', 'Night', 'Ocean', 'Paper', 'Quiet', 'River', 'Silver', 'Tide', 'Under', 'Velvet', 'Winter', 'Yellow', 'Zephyr'];
  const FORMATS = ['flac', 'mp3', 'm4a', 'ogg', 'opus', 'wav'];
  const CODECS = { flac: 'FLAC', mp3: 'MP3', m4a: 'AAC', ogg: 'Vorbis', opus: 'Opus', wav: 'PCM' };
  const ROOT = '/home/ada/Music';

  function makeTrack(i) {
    const a = ARTISTS[(i * 7) % ARTISTS.length];
    const album = `${WORDS[(i >> 4) % WORDS.length]} ${WORDS[(i >> 8) % WORDS.length]}`;
    const fmt = FORMATS[i % FORMATS.length];
    const no = (i % 14) + 1;
    const title = `${WORDS[(i * 13) % WORDS.length]} ${WORDS[(i * 3 + 5) % WORDS.length]} ${i}`;
    const path = `${ROOT}/${a}/${album}/${String(no).padStart(2, '0')} ${title}.${fmt}`;
    return {
      id: i + 1, path, title: i % 97 === 5 ? null : title, artist: i % 211 === 3 ? null : a, album,
      album_artist: a, track_no: no, disc_no: 1, year: 1990 + (i % 35), genre: i % 3 ? 'Electronic' : 'Ambient',
      duration_s: 95 + ((i * 37) % 420) + (i % 500 === 0 ? 3600 : 0), format: fmt, codec: CODECS[fmt],
      sample_rate: fmt === 'opus' ? 48000 : 44100, channels: 2, bitrate_kbps: fmt === 'flac' ? 900 + (i % 300) : 320,
      has_cover: i % 4 !== 0, status: 'ok',
    };
  }

  const state = {
    tracks: Array.from({ length: cfg.tracks }, (_, i) => makeTrack(i)),
    folders: cfg.folders ? [{ id: 1, path: ROOT, track_count: cfg.tracks, added_at: '2026-01-02T10:00:00Z', exists: true },
      { id: 2, path: '/mnt/archive/Lossless Rips From The Old Drive/Music', track_count: 0, added_at: '2026-01-03T10:00:00Z', exists: false }] : [],
    failures: Array.from({ length: cfg.failures }, (_, i) => ({
      path: `${ROOT}/Broken/file ${i}.mp3`, stage: i % 2 ? 'tags' : 'probe',
      reason: i % 2 ? 'unsupported ID3v2 frame' : 'end of stream while reading header',
      at: new Date(Date.now() - (i + 1) * 120000).toISOString(),
    })),
    scan: { phase: 'idle', found: 0, done: 0, failed: 0, unchanged: 0, rate: 0, eta_s: null, elapsed_s: 0, current: null, message: null },
  };
  const calls = [];
  const sortCache = new Map();

  const keyOf = {
    title: (t) => (t.title ?? '').toLowerCase(), artist: (t) => (t.artist ?? '').toLowerCase(),
    album: (t) => (t.album ?? '').toLowerCase(), duration: (t) => t.duration_s ?? -1,
    format: (t) => t.format, path: (t) => t.path.toLowerCase(),
  };
  function query(q) {
    const k = `${q.search ?? ''}|${q.sort}|${q.desc}|${state.tracks.length}`;
    let list = sortCache.get(k);
    if (!list) {
      const s = (q.search ?? '').toLowerCase();
      list = s ? state.tracks.filter((t) => [t.title, t.artist, t.album, t.path].some((v) => v && v.toLowerCase().includes(s))) : state.tracks.slice();
      // Missing values sort last in both directions (what we ask of the Rust side too).
      const key = keyOf[q.sort];
      const dec = list.map((t) => [key(t), t.id, t]);
      const missing = (v) => v === '' || v === -1;
      const dir = q.desc ? -1 : 1;
      dec.sort((a, b) => (missing(a[0]) - missing(b[0])) || dir * (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      list = dec.map((d) => d[2]);
      sortCache.clear();
      sortCache.set(k, list);
    }
    return { total: list.length, offset: q.offset, rows: list.slice(q.offset, q.offset + q.limit) };
  }
  function stats() {
    return { folders: state.folders.length, tracks: state.tracks.length, failures: state.failures.length,
      total_duration_s: state.tracks.reduce((s, t) => s + (t.duration_s || 0), 0) };
  }

  function handle(cmd, args) {
    switch (cmd) {
      case 'get_overview': return { folders: state.folders, stats: stats(), scan: state.scan };
      case 'list_tracks': return query(args.query);
      case 'list_failures': return state.failures;
      case 'add_folder_dialog': return null;
      case 'remove_folder': state.folders = state.folders.filter((f) => f.id !== args.id); return null;
      case 'start_scan': case 'cancel_scan': return null;
      case 'create_demo_library': {
        state.tracks = Array.from({ length: 120 }, (_, i) => makeTrack(i));
        const f = { id: 9, path: '/home/ada/.local/share/segue/demo', track_count: 120, added_at: new Date().toISOString(), exists: true };
        state.folders = [f];
        setTimeout(() => emit('library-changed', null), 0);
        return f;
      }
      default: throw `unknown command ${cmd}`;
    }
  }

  async function invoke(cmd, args = {}, _options) {
    if (cmd === 'plugin:event|listen') {
      if (!listeners.has(args.event)) listeners.set(args.event, []);
      listeners.get(args.event).push(args.handler);
      return args.handler;
    }
    if (cmd === 'plugin:event|unlisten') {
      const l = listeners.get(args.event) || [];
      const i = l.indexOf(args.eventId);
      if (i >= 0) l.splice(i, 1);
      return null;
    }
    if (cmd === 'plugin:event|emit') { emit(args.event, args.payload); return null; }
    calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
    if (cfg.delayMs) await new Promise((r) => setTimeout(r, cfg.delayMs));
    if (cfg.errors[cmd]) throw cfg.errors[cmd];
    return handle(cmd, args);
  }

  window.__TAURI_INTERNALS__ = Object.assign(window.__TAURI_INTERNALS__ || {}, {
    invoke, transformCallback, runCallback, callbacks,
    unregisterCallback: (id) => callbacks.delete(id),
    convertFileSrc: (p) => `asset://localhost/${encodeURIComponent(p)}`,
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
  });
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: (_event, id) => callbacks.delete(id) };
  window.__fake = { state, calls, emit, listeners, setError: (cmd, msg) => { cfg.errors[cmd] = msg; } };
})();
