// Fake Segue backend for browser tests. Injected with page.addInitScript() before the app
// loads. It reproduces what @tauri-apps/api/mocks.js mockIPC(…, {shouldMockEvents:true})
// installs on window.__TAURI_INTERNALS__, and answers every Segue command.
//
// It never re-implements the engine: no similarity measure, no playlist rule (keys, tempo,
// caps, why a track is there). What the engine decides comes from answers recorded from the real engine.
// Two modes, chosen by window.__FAKE_CONFIG__ (set by an earlier init script):
//
// * Fixtures — { library: 'demo', phase?: 'before_analysis' }: get_overview, list_tracks,
//   get_track, similar_tracks, make_playlist (journeys and ramps too), swap_playlist_track,
//   sort_playlist_tracks, describe_tracks, similar_to_outside_file, tag_vocabulary and list_failures answer what the real engine answered on the demo library (36 tracks), from
//   (a radio's start_radio, radio_next, radio_like and radio_remove: in the order recorded, see RADIO_STEPS;
//   get_radio and stop_radio answer the radio as it stands / turn it off)
//   window.__FAKE_FIXTURES__ (ui/tests/fixtures/demo.json, injected by harness.mjs; recorded by
//   tests/ui_fixtures.rs), looked up by command and arguments (key order ignored). `calls` is
//   the library analysed; phase 'before_analysis' starts from the same library scanned but not
//   analysed yet, and __fake.analyse() moves on to the analysed one. A call with no recording
//   fails loudly: it rejects with a message naming the command and its arguments, logs it as a
//   console error and lands in __fake.unanswered (harness.mjs's done() asserts it empty).
//   state.tracks holds the recorded rows (what the tests read a track's fields from).
//
// * Synthetic — { tracks: number, … }: a made-up library of any size for the table tests
//   (virtualisation, paging, sort, search, filters), options:
//   { tracks: number, folders: boolean, failures: number, errors: {cmd: message}, delayMs: number,
//     estimateSearch: true (a search's page carries an estimated total; count_tracks the exact one),
//     analysis: Partial<AnalysisProgress> (what get_overview reports at start),
//     tagging: false (no MusiCNN weights: nothing is tagged, tag_vocabulary says how to turn it on),
//     recovery: Recovery (what get_recovery answers: a damaged database restored at start) }
//   Analysis fields are deterministic from the row index i (see analysisOf): every 10th track
//   (i % 10 === 7) is pending, i % 53 === 11 failed, i % 17 === 4 has no tempo, i % 23 === 6 no key.
//   Tags (MusiCNN): every analysed track has a deterministic ranking of TAG_LABELS (tagsOf: a few
//   likely, most unlikely); its chips are the labels at ≥ 0.2, at most 5. list_tracks pages,
//   sorts, searches and filters these rows (`ids` too); tag_vocabulary counts the chips. similar_tracks
//   answers made-up neighbours (madeUpSimilar: the next tracks by id, not a measure); get_map a
//   made-up map (madeUpMap: the analysed tracks in clusters, not a layout; { mapAll: true } puts
//   every track on it); make_playlist and swap_playlist_track have no answer here (use the fixtures).
//
// Either mode:
// * __fake.answer(cmd, value) answers every `cmd` call with `value` (a copy) until
//   __fake.answer(cmd, null): an answer a test writes itself (an index being rebuilt, a score
//   out of range…). __fake.setError(cmd, message) makes `cmd` fail.
// * Saved playlists live in state.playlists; every change emits playlists-changed. A saved
//   playlist's entries are the ones the fake served for its tracks (from make_playlist or
//   swap_playlist_track for the same seed), else the track unscored (no request: no seed).
//   state.exportPath is what export_playlist answers (null: a default path; false: cancelled).
// * Preview (play_preview / control_preview / preview_state, see window.__fake.preview): a player
//   that opens on first use and, like the real one, takes commands a moment after answering (the
//   state a command answers is the one from before); preview-state events every tickMs while
//   playing (position advancing at `speed`), and on every change; 'finished' at until_s or the end
//   of the track. preview.noDevice makes play/control reject like a machine without sound;
//   preview.undecodable (track ids) plays into status 'error'; preview.finish() ends it now;
//   preview.eventOnCommand = false leaves the reports to the ticks (as the real one polls).
(() => {
  const cfg = Object.assign({ tracks: 0, folders: false, failures: 0, errors: {}, delayMs: 0, analysis: {}, tagging: true,
    library: null, phase: 'calls' }, window.__FAKE_CONFIG__ || {});
  const clone = (v) => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

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
  const NOTES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
  /** The Camelot code of each made-up key, by scale and tonic (C … B): data, so that a
   *  synthetic row's key and code agree. */
  const CODE_OF_KEY = {
    minor: ['5A', '12A', '7A', '2A', '9A', '4A', '11A', '6A', '1A', '8A', '3A', '10A'],
    major: ['8B', '3B', '10B', '5B', '12B', '7B', '2B', '9B', '4B', '11B', '6B', '1B'],
  };
  const NO_ANALYSIS = { bpm: null, bpm_confidence: null, key: null, scale: null, key_strength: null, camelot: null, loudness_lufs: null, chips: [] };
  const mix = (i, salt) => { let x = Math.imul(i + 1, 2654435761) ^ Math.imul(salt, 40503); x = Math.imul(x ^ (x >>> 15), 2246822519); return (x ^ (x >>> 13)) >>> 0; };
  const TAG_LABELS = ['electronic', 'ambient', 'chillout', 'instrumental', 'downtempo', 'beautiful', 'mellow', 'experimental',
    'rock', 'pop', 'dance', 'house', 'techno', 'jazz', 'piano', 'guitar', 'female vocalists', 'male vocalists', 'indie',
    'soul', 'folk', 'classical', 'hip-hop', 'sad', 'happy', 'slow', 'fast', 'drums', 'synth', 'strings'];
  const CHIP_MIN = 0.2, CHIPS_MAX = 5;
  /** Track i's tags, likeliest first: [{label, probability}] ([] when tagging is off). A few
   *  likely ones (0.2 – 0.65) over many unlikely ones (< 0.12); ties keep the label order. */
  function tagsOf(i) {
    if (!cfg.tagging) return [];
    const strong = 1 + (mix(i, 90) % 4); // 1–4 likely tags
    const scored = TAG_LABELS.map((label, k) => ({ label, r: mix(i, 100 + k) }));
    scored.sort((a, b) => a.r - b.r);
    return scored.map((t, n) => ({
      label: t.label,
      probability: Math.round((n < strong ? 0.2 + (t.r % 450) / 1000 : (t.r % 1200) / 10000) * 1e4) / 1e4,
    })).sort((a, b) => b.probability - a.probability);
  }
  const chipsOf = (i) => tagsOf(i).filter((t) => t.probability >= CHIP_MIN).slice(0, CHIPS_MAX).map((t) => t.label);
  /** The row's analysis columns for an analysed track i. */
  function analysisOf(i) {
    const tempo = i % 17 !== 4;
    const keyed = i % 23 !== 6;
    const tonic = mix(i, 1) % 12;
    const scale = mix(i, 2) % 3 ? 'minor' : 'major';
    return {
      status: 'analyzed',
      bpm: tempo ? 60 + (mix(i, 3) % 1200) / 10 : null,        // 60.0 – 179.9
      bpm_confidence: tempo ? 0.62 + (mix(i, 4) % 38) / 100 : null, // ~21% in doubt (below 0.7), as the real recordings
      key: keyed ? NOTES[tonic] : null, scale: keyed ? scale : null,
      key_strength: keyed ? 0.35 + (mix(i, 5) % 60) / 100 : null,
      camelot: keyed ? CODE_OF_KEY[scale][tonic] : null,
      loudness_lufs: -(5 + ((i * 11) % 150) / 10),
      chips: chipsOf(i),
    };
  }
  const statusOf = (i) => (i % 10 === 7 ? 'pending' : i % 53 === 11 ? 'failed' : 'analyzed');
  /** Every stored feature of an analysed track (get_track). */
  function featuresOf(t) {
    const i = t.id - 1;
    const tonic = t.key ? NOTES.indexOf(t.key) : -1;
    const chroma = Array.from({ length: 12 }, (_, k) => {
      if (tonic < 0) return 0.2 + ((i + k * 5) % 7) / 20;
      const third = (tonic + (t.scale === 'minor' ? 3 : 4)) % 12, fifth = (tonic + 7) % 12;
      return k === tonic ? 1 : k === fifth ? 0.82 : k === third ? 0.7 : 0.12 + ((i * 3 + k * 7) % 40) / 100;
    });
    const stat = (mean, std) => ({ mean, std });
    return {
      version: 1, duration_s: t.duration_s,
      tempo: t.bpm == null ? null : { bpm: t.bpm, confidence: t.bpm_confidence },
      key: tonic < 0 ? null : { tonic, scale: t.scale, strength: t.key_strength },
      tuning_cents: ((i * 7) % 41) - 20, chroma,
      loudness: { integrated_lufs: t.loudness_lufs, range_lu: 3 + ((i * 3) % 90) / 10, peak_dbfs: -((i % 30) / 10) },
      timbre: {
        mfcc_mean: Array.from({ length: 13 }, (_, k) => Math.sin(i + k) * 10), mfcc_std: Array.from({ length: 13 }, (_, k) => 1 + ((i + k) % 5)),
        centroid_hz: stat(900 + ((i * 97) % 3200), 300), rolloff_hz: stat(3000 + ((i * 53) % 5000), 800),
        flatness: stat(0.02 + ((i * 7) % 40) / 100, 0.05), flux: stat(0.3, 0.1), zcr: stat(0.06, 0.02),
        rms_db: stat(-18 + (i % 8), 2 + ((i * 5) % 60) / 10), silent_share: (i % 9) / 100,
      },
      onset_rate: 0.5 + ((i * 11) % 60) / 10,
    };
  }

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
      has_cover: i % 4 !== 0,
      ...(statusOf(i) === 'analyzed' ? analysisOf(i) : { status: statusOf(i), ...NO_ANALYSIS }),
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
    analysis: Object.assign({ phase: 'idle', done: 0, failed: 0, total: 0, audio_s: 0, elapsed_s: 0, audio_hours_per_hour: 0, eta_s: null, current: null }, cfg.analysis),
    /** Bumped whenever rows change in place (analysis results): drops the sort cache. */
    version: 0,
  };

  // ---- fixtures: answers recorded from the real engine ----
  /** The commands fixture mode answers from the recordings. */
  const RECORDED = ['get_overview', 'list_tracks', 'get_track', 'similar_tracks', 'make_playlist', 'swap_playlist_track', 'tag_vocabulary', 'list_failures', 'get_map',
    'sort_playlist_tracks', 'describe_tracks', 'similar_to_outside_file'];
  /** A radio's commands: answered from the recordings in the order they were recorded (each
   *  recorded with its place in the radio's sequence, `step`, which the fake adds here). */
  const RADIO_STEPS = ['start_radio', 'radio_next', 'radio_like', 'radio_remove'];
  /** A value as one string, object keys sorted: how recorded arguments are matched. */
  const canonical = (v) => (Array.isArray(v) ? `[${v.map(canonical).join(',')}]`
    : v !== null && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`
      : JSON.stringify(v));
  /** Each recorded library state: cmd → canonical args → {ok} or {err}. */
  const recordings = {};
  if (cfg.library) {
    const fixtures = window.__FAKE_FIXTURES__;
    if (!fixtures || !fixtures.calls) throw new Error(`fake backend: no fixtures for library "${cfg.library}" (harness.mjs injects them)`);
    for (const [phase, byCmd] of Object.entries(fixtures)) {
      if (phase === 'about') continue;
      recordings[phase] = new Map(Object.entries(byCmd).map(([cmd, entries]) => [cmd, new Map(entries.map((e) => [canonical(e.args), e]))]));
    }
    if (!recordings[cfg.phase]) throw new Error(`fake backend: the fixtures have no "${cfg.phase}"`);
  }
  /** Which recorded state answers (fixture mode): 'calls' (analysed) or 'before_analysis'. */
  let phase = cfg.phase;
  /** Calls nothing answers (no recording, or no answer in this mode): what done() asserts empty. */
  const unanswered = [];
  function unanswerable(cmd, args, why) {
    const message = `fake backend: no answer for ${cmd} ${canonical(clone(args))}: ${why}`;
    unanswered.push({ cmd, args: clone(args), message });
    console.error(message);
    return message;
  }
  /** The recorded answer for a call (a copy; a recorded error is thrown), or undefined. */
  function recorded(cmd, args, from = phase) {
    const entry = recordings[from]?.get(cmd)?.get(canonical(clone(args)));
    if (!entry) return undefined;
    if ('err' in entry) throw clone(entry.err);
    return clone(entry.ok);
  }
  function replay(cmd, args) {
    const answer = recorded(cmd, args);
    if (answer === undefined) throw unanswerable(cmd, args, `not recorded in the ${cfg.library} fixtures (${phase}): add it to \`record\` in tests/ui_fixtures.rs`);
    return answer;
  }
  /** The recorded table rows (title order, every track): a fixture library's tracks. */
  const TITLE_PAGE = { query: { search: null, sort: 'title', desc: false, offset: 0, limit: 200, bpm_min: null, bpm_max: null, camelot: null, tag: null } };
  const recordedTracks = (from) => recorded('list_tracks', TITLE_PAGE, from).rows;
  if (cfg.library) state.tracks = recordedTracks(phase);

  /** Answers tests set: cmd → value (see __fake.answer). */
  const answers = new Map();
  /** get_track's tags for a track id, instead of tagsOf (e.g. a track where every tag is unlikely). */
  state.tagsOverride = new Map();
  const calls = [];
  const sortCache = new Map();
  /** Held requests: `${cmd}:${args.id}` → resolvers; see __fake.hold / __fake.release. */
  const holds = new Map();

  const keyOf = {
    title: (t) => (t.title ?? '').toLowerCase(), artist: (t) => (t.artist ?? '').toLowerCase(),
    album: (t) => (t.album ?? '').toLowerCase(), duration: (t) => t.duration_s ?? -1,
    format: (t) => t.format, path: (t) => t.path.toLowerCase(),
    bpm: (t) => t.bpm ?? -1,
    // Camelot order like the Rust side: number, then A before B
    key: (t) => (t.camelot ? parseInt(t.camelot, 10) * 2 + (t.camelot.endsWith('B') ? 1 : 0) : -1),
  };
  /** Every track `q` matches, in its order. */
  function matching(q) {
    const min = q.bpm_min ?? null, max = q.bpm_max ?? null, cam = q.camelot ?? null, tag = q.tag ?? null, ids = q.ids ?? null;
    const k = `${q.search ?? ''}|${q.sort}|${q.desc}|${min}|${max}|${cam}|${tag}|${ids?.join(',')}|${state.tracks.length}|${state.version}`;
    let list = sortCache.get(k);
    if (!list) {
      const s = (q.search ?? '').toLowerCase();
      list = s ? state.tracks.filter((t) => [t.title, t.artist, t.album, t.path].some((v) => v && v.toLowerCase().includes(s))) : state.tracks.slice();
      // Tracks without a tempo never match a range (same as Rust).
      if (min != null) list = list.filter((t) => t.bpm != null && t.bpm >= min);
      if (max != null) list = list.filter((t) => t.bpm != null && t.bpm <= max);
      if (cam != null) list = list.filter((t) => t.camelot === cam.toUpperCase());
      if (tag != null) list = list.filter((t) => t.chips.includes(tag.toLowerCase()));
      if (ids != null) { const only = new Set(ids); list = list.filter((t) => only.has(t.id)); }
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
    return list;
  }
  function query(q) {
    const list = matching(q);
    // { estimateSearch: true }: a search's total is an estimate (made up: 7 % over, as the
    // engine estimates from the first rows of a search most tracks match), count_tracks exact
    const estimated = !!(cfg.estimateSearch && q.search);
    const total = estimated ? Math.round(list.length * 1.07) : list.length;
    return { total, estimated, offset: q.offset, rows: list.slice(q.offset, q.offset + q.limit) };
  }
  function stats() {
    return { folders: state.folders.length, tracks: state.tracks.length, failures: state.failures.length,
      total_duration_s: state.tracks.reduce((s, t) => s + (t.duration_s || 0), 0) };
  }

  /** similar_tracks in a synthetic library. MADE UP, not a similarity measure: the tracks
   *  after the asked one by id (wrapping), scores falling from 0.9 in steps of 0.03, always
   *  'ready', uncalibrated (match and closeness null, as in a library too small to calibrate).
   *  It only gives the detail panel rows to show; tests that check similar tracks use the demo
   *  fixtures. */
  function madeUpSimilar(id, limit) {
    const i = state.tracks.findIndex((t) => t.id === id);
    if (i < 0) throw `no track with id ${id}`;
    const n = Math.min(limit ?? 20, state.tracks.length - 1);
    const results = Array.from({ length: n }, (_, k) => {
      const t = state.tracks[(i + 1 + k) % state.tracks.length];
      return { id: t.id, path: t.path, title: t.title, artist: t.artist, album: t.album, duration_s: t.duration_s, bpm: t.bpm,
        key: t.key, scale: t.scale, camelot: t.camelot, score: Math.round((0.9 - 0.03 * k) * 100) / 100, match: null, closeness: null };
    });
    return { state: 'ready', index_type: 'Flat', results };
  }

  /** get_map in a synthetic library. MADE UP, not a layout (the engine's is UMAP-style on its
   *  neighbour graph): the analysed tracks (every track with cfg.mapAll) in 12 clusters picked by
   *  a hash of the id, centred, the farthest point at radius 1, columns as the engine answers
   *  them. Fewer than 3 tracks: 'empty' with no points, as the engine. Only gives the map view
   *  points to draw, hit, colour and lasso; state.mapState ('building') and state.mapProgress
   *  change what it reports. */
  let mapCache = null;
  function madeUpMap() {
    const key = `${state.tracks.length}|${state.version}|${!!cfg.mapAll}`;
    if (mapCache?.key !== key) {
      const list = state.tracks.filter((t) => cfg.mapAll || t.status === 'analyzed');
      const p = { ids: [], x: [], y: [], title: [], artist: [], album: [], folder: [], bpm: [], camelot: [], loudness: [], chips: [], tags: [] };
      const tagIndex = new Map();
      if (list.length >= 3) {
        const CLUSTERS = 12;
        const spread = (i, salt) => ((mix(i, salt) % 1000) + (mix(i, salt + 1) % 1000) + (mix(i, salt + 2) % 1000)) / 1500 - 1;
        let far = 0;
        for (const t of list) {
          const i = t.id - 1, c = mix(i, 7) % CLUSTERS;
          const angle = (c / CLUSTERS) * 2 * Math.PI + (mix(c, 8) % 100) / 300, r = 0.35 + (mix(c, 9) % 60) / 100;
          const x = r * Math.cos(angle) + 0.17 * spread(i, 20), y = r * Math.sin(angle) + 0.17 * spread(i, 30);
          far = Math.max(far, Math.hypot(x, y));
          p.ids.push(t.id); p.x.push(x); p.y.push(y);
          p.title.push(t.title ?? t.path.split('/').pop()); p.artist.push(t.artist ?? ''); p.album.push(t.album ?? '');
          p.folder.push(1); p.bpm.push(t.bpm); p.camelot.push(t.camelot); p.loudness.push(t.loudness_lufs);
          p.chips.push(t.chips.map((label) => { if (!tagIndex.has(label)) tagIndex.set(label, tagIndex.size); return tagIndex.get(label); }));
        }
        p.x = p.x.map((v) => Math.round((v / far) * 1e4) / 1e4);
        p.y = p.y.map((v) => Math.round((v / far) * 1e4) / 1e4);
        p.tags = [...tagIndex.keys()];
      }
      mapCache = { key, points: p, n: p.ids.length };
    }
    const n = mapCache.n, building = state.mapState === 'building';
    return { state: n < 3 ? 'empty' : building ? 'building' : 'ready', progress: building ? state.mapProgress ?? null : null,
      tracks: state.tracks.length, analyzed: state.tracks.filter((t) => t.status === 'analyzed').length,
      laid_out: n, placed: 0, built_at: n ? '2026-01-05T14:40:00Z' : null, points: mapCache.points };
  }

  // ---- saved playlists (a small store) ----
  state.playlists = []; // { id, name, created_at, updated_at, request, trackIds }
  state.nextPlaylistId = 1;
  state.exportPath = null;
  const trackById = (id) => state.tracks.find((t) => t.id === id);
  /** Every playlist entry served (make_playlist, swap_playlist_track): `${seed}:${id}` → entry. */
  const served = new Map();
  const seedOf = (request) => request?.seeds?.[0] ?? null;
  function serve(request, entries) {
    for (const e of entries) if (e) served.set(`${seedOf(request)}:${e.id}`, e);
  }
  /** A saved track as an entry: as it was served for this seed, else unscored. */
  function savedEntry(request, t) {
    const e = served.get(`${seedOf(request)}:${t.id}`);
    if (e) return clone(e);
    return { id: t.id, path: t.path, title: t.title, artist: t.artist, album: t.album, duration_s: t.duration_s, bpm: t.bpm,
      key: t.key, scale: t.scale, camelot: t.camelot, score: 0, match: null, closeness: null, reasons: [] };
  }
  function savedSummary(p) {
    const ts = p.trackIds.map(trackById).filter(Boolean);
    const known = ts.filter((t) => t.duration_s != null);
    return { id: p.id, name: p.name, created_at: p.created_at, updated_at: p.updated_at, track_count: p.trackIds.length,
      duration_s: known.length ? known.reduce((s, t) => s + t.duration_s, 0) : null };
  }
  function savedDetail(p) {
    const entries = p.trackIds.map(trackById).filter(Boolean).map((t) => savedEntry(p.request, t));
    return { playlist: savedSummary(p), request: clone(p.request), entries };
  }
  function savedOf(id) {
    const p = state.playlists.find((x) => x.id === id);
    if (!p) throw `no playlist with id ${id}`;
    return p;
  }
  const playlistsChanged = () => setTimeout(() => emit('playlists-changed', null), 0);
  const now = () => new Date().toISOString();
  const checkName = (name) => { if (typeof name !== 'string' || !name.trim()) throw 'a playlist needs a name'; return name.trim(); };
  function checkIds(ids) {
    if (!Array.isArray(ids)) throw 'trackIds: expected a list of track ids';
    for (const id of ids) if (!trackById(id)) throw `no track with id ${id}`;
    return ids.slice();
  }

  // ---- preview ----
  const NO_DEVICE = 'no sound output device found (is a sound card or headphones connected?)';
  const preview = {
    /** null until the first play or control (the player opens on first use). */
    state: null,
    noDevice: false,
    undecodable: new Set(),
    /** Seconds of audio per second of time. */
    speed: 1,
    tickMs: 100,
    /** The player thread takes a command this long after the invoke answered. */
    latencyMs: 20,
    /** false: a command's effect is only reported by the next tick (the real backend polls
     *  every 100 ms: a preview that ends before that is only ever reported 'finished'). */
    eventOnCommand: true,
    /** The preview a seek starts again: { path, seconds, duration }. */
    current: null,
    timer: 0,
  };
  function openPlayer() {
    if (preview.noDevice) throw NO_DEVICE;
    if (!preview.state) {
      preview.state = { status: 'idle', path: null, position_s: 0, from_s: 0, until_s: null, volume: 1, device: 'Fake Output',
        sample_rate: 48000, channels: 2, underruns: 0, error: null };
    }
    return preview.state;
  }
  const previewSnapshot = () => (preview.state ? { ...preview.state } : null);
  const emitPreview = () => emit('preview-state', previewSnapshot());
  /** Where the current preview stops: until_s, or the end of the file, whichever is first. */
  function previewEnd() {
    const s = preview.state, dur = preview.current?.duration ?? Infinity;
    return Math.min(s.until_s ?? Infinity, dur);
  }
  function previewTimer() {
    const playing = preview.state?.status === 'playing';
    if (playing && !preview.timer) preview.timer = setInterval(previewTick, preview.tickMs);
    if (!playing && preview.timer) { clearInterval(preview.timer); preview.timer = 0; }
  }
  function previewTick() {
    const s = preview.state;
    if (!s || s.status !== 'playing') { previewTimer(); return; }
    s.position_s += (preview.tickMs / 1000) * preview.speed;
    const end = previewEnd();
    if (s.position_s >= end) { s.position_s = end; s.status = 'finished'; }
    emitPreview();
    previewTimer();
  }
  /** Run `fn` on the "player thread" a moment later, then report the new state. */
  function previewLater(fn) {
    setTimeout(() => {
      fn(preview.state);
      if (preview.eventOnCommand) emitPreview();
      previewTimer();
    }, preview.latencyMs);
  }
  /** Start (or, for a seek, start again) the current preview at `from`. */
  function previewStart(s, from) {
    const c = preview.current;
    s.path = c.path;
    if (c.undecodable) {
      s.status = 'error';
      s.error = `cannot decode “${c.path.split('/').pop()}”: unsupported or damaged audio`;
      return;
    }
    s.status = 'playing';
    s.from_s = from;
    s.until_s = c.seconds == null ? null : from + c.seconds;
    s.position_s = from;
    s.error = null;
    if (s.position_s >= previewEnd()) { s.position_s = previewEnd(); s.status = 'finished'; }
  }
  function playPreview(args) {
    const t = trackById(args.id);
    if (!t) throw `no track with id ${args.id}`;
    if ('from_s' in args) throw 'play_preview: the UI sends fromS (Tauri maps it to from_s)';
    const s = openPlayer();
    const before = previewSnapshot();
    const from = args.fromS ?? (t.duration_s != null && t.duration_s > 30 ? Math.floor(t.duration_s / 3) : 0);
    const seconds = args.seconds ?? null;
    const c = { path: t.path, seconds, duration: t.duration_s ?? Infinity, undecodable: preview.undecodable.has(t.id) };
    previewLater(() => { preview.current = c; previewStart(s, Math.max(0, from)); });
    return before;
  }
  /** play_outside_file: the file of a recorded similar_to_outside_file answer, by its path. */
  function playOutsideFile(args) {
    const answer = cfg.library ? recorded('similar_to_outside_file', { path: args.path }) : undefined;
    if (!answer || !answer.file) throw `${args.path} was not dropped on the window or picked: drop it again`;
    const s = openPlayer();
    const before = previewSnapshot();
    const d = answer.file.duration_s;
    const from = args.fromS ?? (d != null && d > 30 ? Math.floor(d / 3) : 0);
    const c = { path: args.path, seconds: args.seconds ?? null, duration: d ?? Infinity, undecodable: false };
    previewLater(() => { preview.current = c; previewStart(s, Math.max(0, from)); });
    return before;
  }
  function controlPreview(args) {
    const s = openPlayer();
    const before = previewSnapshot();
    switch (args.action) {
      case 'volume': {
        const v = args.value ?? 1;
        s.volume = Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 1; // at once, like the real one
        return previewSnapshot();
      }
      case 'pause': previewLater(() => { if (s.status === 'playing') s.status = 'paused'; }); break;
      case 'resume': previewLater(() => { if (s.status === 'paused') s.status = 'playing'; }); break;
      case 'stop': case 'close': previewLater(() => { preview.current = null; s.status = 'idle'; }); break;
      case 'seek': previewLater(() => { if (preview.current) previewStart(s, Math.max(0, args.value ?? 0)); }); break;
      default: throw `unknown preview action ${args.action}`;
    }
    return before;
  }
  /** Jump to the end of what plays now: status 'finished', one event. */
  preview.finish = () => {
    const s = preview.state;
    if (!s || (s.status !== 'playing' && s.status !== 'paused')) return false;
    s.position_s = Number.isFinite(previewEnd()) ? previewEnd() : s.position_s;
    s.status = 'finished';
    emitPreview();
    previewTimer();
    return true;
  };

  function emitAnalysis(patch = {}) {
    Object.assign(state.analysis, patch);
    emit('analysis-progress', { ...state.analysis });
  }
  /** Analyse the next n pending tracks in id order (or exactly the tracks `ids`): fill in their
   *  analysis fields, then emit analysis-progress and library-changed like a committed batch.
   *  Fixture mode: the whole library at once — from the recorded state before analysis to the
   *  analysed one (n and ids are not used). */
  function analyse(n, ids = null) {
    if (cfg.library) {
      const pending = state.tracks.filter((t) => t.status === 'pending').length;
      phase = 'calls';
      state.tracks = recordedTracks(phase);
      state.analysis.done += pending;
      emitAnalysis();
      emit('library-changed', null);
      return pending;
    }
    const todo = ids ? state.tracks.filter((t) => ids.includes(t.id)) : state.tracks.filter((t) => t.status === 'pending').slice(0, n);
    for (const t of todo) Object.assign(t, analysisOf(t.id - 1));
    state.version++;
    state.analysis.done += todo.length;
    emitAnalysis();
    emit('library-changed', null);
    return todo.length;
  }

  function handle(cmd, args) {
    if (answers.has(cmd)) return clone(answers.get(cmd));
    if (cfg.library && RADIO_STEPS.includes(cmd)) {
      if (cmd === 'start_radio') state.radioStep = 0;
      else if (state.radio == null) throw 'no radio is on';
      state.radio = replay(cmd, { ...args, step: state.radioStep++ });
      return state.radio;
    }
    if (cmd === 'get_radio') return clone(state.radio ?? null);
    if (cmd === 'stop_radio') { state.radio = null; return null; }
    if (cfg.library && RECORDED.includes(cmd)) {
      const answer = replay(cmd, args);
      if (cmd === 'make_playlist') serve(args.request, answer.entries);
      if (cmd === 'swap_playlist_track') serve(args.request, [answer]);
      return answer;
    }
    switch (cmd) {
      case 'get_overview': return { folders: state.folders, stats: stats(), scan: state.scan, analysis: { ...state.analysis } };
      case 'get_track': {
        const t = state.tracks.find((x) => x.id === args.id);
        if (!t) throw `no track with id ${args.id}`;
        const analysed = t.status === 'analyzed';
        return { track: { ...t, chips: [...t.chips] }, features: analysed ? featuresOf(t) : null, analyzed_at: analysed ? '2026-01-05T14:32:00Z' : null,
          tags: analysed ? state.tagsOverride.get(t.id) ?? tagsOf(t.id - 1) : [] };
      }
      case 'tag_vocabulary': {
        const counts = new Map();
        let tagged = 0;
        for (const t of state.tracks) {
          if (t.status !== 'analyzed' || !cfg.tagging) continue;
          tagged++;
          for (const c of t.chips) counts.set(c, (counts.get(c) || 0) + 1);
        }
        const tags = [...counts].map(([label, tracks]) => ({ label, tracks })).sort((a, b) => b.tracks - a.tracks || (a.label < b.label ? -1 : 1));
        return cfg.tagging ? { enabled: true, message: null, tagged, tags }
          : { enabled: false, message: 'model file not found: /home/ada/.local/share/segue/models/musicnn/MSD_musicnn/variables.index. genre and mood tags need the MusiCNN weights: run scripts/fetch-models.sh (downloads the musicnn 0.1.0 wheel from PyPI, 20 MB)', tagged: 0, tags: [] };
      }
      case 'similar_tracks': return madeUpSimilar(args.id, args.limit);
      case 'get_map': return madeUpMap(); // (not copied: 100,000 points; the UI only reads it)
      case 'rearrange_map': return true;
      case 'play_preview': return playPreview(args);
      case 'play_outside_file': return playOutsideFile(args);
      case 'control_preview': return controlPreview(args);
      case 'preview_state': return previewSnapshot();
      case 'list_output_devices': return ['Default Audio Device', 'USB DAC'];
      case 'set_output_device': {
        if (args.name != null && !['Default Audio Device', 'USB DAC'].includes(args.name)) throw `no output device named "${args.name}"`;
        state.outputDevice = args.name;
        return null;
      }
      case 'make_playlist': case 'swap_playlist_track':
        throw unanswerable(cmd, args, 'a synthetic library has no playlists (they are the engine\'s: use config { library: \'demo\' })');
      case 'save_playlist': {
        const p = { id: state.nextPlaylistId++, name: checkName(args.name), created_at: now(), updated_at: now(),
          request: clone(args.request), trackIds: checkIds(args.trackIds) };
        state.playlists.push(p);
        playlistsChanged();
        return savedSummary(p);
      }
      case 'list_playlists': return state.playlists.slice().sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id).map(savedSummary);
      case 'get_playlist': return savedDetail(savedOf(args.id));
      case 'rename_playlist': {
        const p = savedOf(args.id);
        p.name = checkName(args.name);
        p.updated_at = now();
        playlistsChanged();
        return savedSummary(p);
      }
      case 'set_playlist_tracks': {
        const p = savedOf(args.id);
        p.trackIds = checkIds(args.trackIds);
        p.updated_at = now();
        playlistsChanged();
        return savedSummary(p);
      }
      case 'delete_playlist': {
        savedOf(args.id);
        state.playlists = state.playlists.filter((x) => x.id !== args.id);
        playlistsChanged();
        return null;
      }
      case 'export_playlist': {
        const p = savedOf(args.id);
        if (!['m3u8', 'xspf', 'edl'].includes(args.format)) throw `unknown format ${args.format}`;
        if (state.exportPath === false) return null;
        return state.exportPath ?? `/home/ada/Music/Playlists/${p.name}.${args.format}`;
      }
      case 'pause_analysis':
        if (state.analysis.phase === 'running') setTimeout(() => emitAnalysis({ phase: 'paused', current: null }), 0);
        return null;
      case 'resume_analysis':
        if (state.analysis.phase === 'paused') setTimeout(() => emitAnalysis({ phase: 'running' }), 0);
        return null;
      case 'list_tracks': return query(args.query);
      case 'count_tracks': return matching(args.query).length;
      case 'list_failures': return state.failures;
      case 'add_folder_dialog': return null;
      case 'pick_outside_file': return null; // (the dialog cancelled; a test answers a path)
      case 'remove_folder': state.folders = state.folders.filter((f) => f.id !== args.id); return null;
      case 'start_scan': case 'cancel_scan': return null;
      case 'get_recovery': return cfg.recovery ?? null; // { recovery }: a backup was restored at start
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
    inFlight[cmd] = (inFlight[cmd] || 0) + 1;
    maxInFlight[cmd] = Math.max(maxInFlight[cmd] || 0, inFlight[cmd]);
    try {
      if (cfg.delayMs) await new Promise((r) => setTimeout(r, cfg.delayMs));
      const held = holds.get(`${cmd}:${args && args.id}`);
      if (held) await new Promise((r) => held.push(r));
      if (cfg.errors[cmd]) throw cfg.errors[cmd];
      return handle(cmd, args);
    } finally {
      inFlight[cmd] -= 1;
    }
  }
  /** Requests of each command being answered now, and the most there ever were at once. */
  const inFlight = {};
  const maxInFlight = {};

  window.__TAURI_INTERNALS__ = Object.assign(window.__TAURI_INTERNALS__ || {}, {
    invoke, transformCallback, runCallback, callbacks,
    unregisterCallback: (id) => callbacks.delete(id),
    convertFileSrc: (p) => `asset://localhost/${encodeURIComponent(p)}`,
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
  });
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: (_event, id) => callbacks.delete(id) };
  window.__fake = {
    state, calls, maxInFlight, emit, listeners, setError: (cmd, msg) => { cfg.errors[cmd] = msg; },
    /** Merge into the analysis state and emit it as an analysis-progress event. */
    emitAnalysis,
    analyse,
    featuresOf,
    /** Track i's (0-based) ranked tags, as get_track answers them. */
    tagsOf,
    /** Answer every `cmd` call with a copy of `value` from now on (null: stop). */
    answer: (cmd, value) => { if (value == null) answers.delete(cmd); else answers.set(cmd, clone(value)); },
    /** Fixture mode: the recorded answer for a call (what a test expects to see), or undefined. */
    recorded: (cmd, args) => recorded(cmd, args),
    /** Calls nothing answered (no recording; a playlist in a synthetic library). */
    unanswered,
    /** The preview player: state, noDevice, undecodable, speed, tickMs, latencyMs, finish(). */
    preview,
    /** Hold every `cmd` call whose args.id is `id` until release(cmd, id) (answers out of order). */
    hold: (cmd, id) => { if (!holds.has(`${cmd}:${id}`)) holds.set(`${cmd}:${id}`, []); },
    release: (cmd, id) => { const w = holds.get(`${cmd}:${id}`) || []; holds.delete(`${cmd}:${id}`); for (const r of w) r(); },
  };
})();
