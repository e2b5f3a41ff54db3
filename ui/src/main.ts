import './style.css';
import * as api from './api';
import type { AnalysisProgress, Failure, Folder, Overview, PlaylistEntry, ScanProgress, SimilarTrack, SortKey, TagVocabulary, TrackDetail, TrackRow } from './api';
import { $, h } from './dom';
import * as fmt from './format';
import { NOTES, WHEEL, camelot, keyLong, keyShort } from './music';
import { PlayingMarks } from './player/marks';
import { Player } from './player/player';
import { ListQueue, TableQueue, type PreviewQueue, type PreviewTrack } from './player/queue';
import { PlaylistView, type Seed } from './playlist/view';
import { SavedList } from './playlist/saved-list';
import { SimilarPanel } from './similar';
import { TrackTable } from './table';
import { tagChip, topTags } from './tags';

// ---------- elements ----------
const el = {
  folderList: $('#folder-list'),
  addFolder: $<HTMLButtonElement>('#add-folder'),
  stats: $('#stats'),
  navLibrary: $<HTMLButtonElement>('#nav-library'),
  navFailures: $<HTMLButtonElement>('#nav-failures'),
  failureCount: $('#failure-count'),
  errorBanner: $('#error-banner'),
  errorText: $('#error-text'),
  errorDismiss: $<HTMLButtonElement>('#error-dismiss'),
  viewLibrary: $('#view-library'),
  viewFailures: $('#view-failures'),
  viewPlaylist: $('#view-playlist'),
  savedPlaylists: $('#saved-playlists'),
  ctxMenu: $('#context-menu'),
  ctxMake: $<HTMLButtonElement>('#ctx-make-playlist'),
  toolbar: $('#toolbar'),
  search: $<HTMLInputElement>('#search'),
  bpmMin: $<HTMLInputElement>('#bpm-min'),
  bpmMax: $<HTMLInputElement>('#bpm-max'),
  keyFilter: $<HTMLSelectElement>('#key-filter'),
  tagFilter: $<HTMLSelectElement>('#tag-filter'),
  rowCount: $('#row-count'),
  rescan: $<HTMLButtonElement>('#rescan'),
  content: $('.content'),
  scroller: $('#track-table'),
  thead: $<HTMLTableSectionElement>('#track-table thead'),
  tbody: $<HTMLTableSectionElement>('#track-body'),
  noMatch: $('#no-match'),
  detail: $('#detail-panel'),
  empty: $('#empty-state'),
  emptyAdd: $<HTMLButtonElement>('#empty-add-folder'),
  demo: $<HTMLButtonElement>('#demo-library'),
  scan: $('#scan-progress'),
  scanPhase: $('#scan-phase'),
  scanBar: $<HTMLProgressElement>('#scan-bar'),
  scanCounts: $('#scan-counts'),
  scanRate: $('#scan-rate'),
  scanEta: $('#scan-eta'),
  scanFailed: $('#scan-failed'),
  scanCurrent: $('#scan-current'),
  scanSummary: $('#scan-summary'),
  scanCancel: $<HTMLButtonElement>('#scan-cancel'),
  analysis: $('#analysis-progress'),
  analysisText: $('#analysis-text'),
  analysisBar: $<HTMLProgressElement>('#analysis-bar'),
  analysisFailed: $('#analysis-failed'),
  analysisCurrent: $('#analysis-current'),
  analysisSummary: $('#analysis-summary'),
  analysisPause: $<HTMLButtonElement>('#analysis-pause'),
  analysisResume: $<HTMLButtonElement>('#analysis-resume'),
  failureBody: $('#failure-body'),
  failuresEmpty: $('#failures-empty'),
  failuresCount: $('#failures-count'),
};

// ---------- state ----------
let overview: Overview | null = null;
let view: 'library' | 'failures' | 'playlist' = 'library';
let detailOpen = false;
let tableStarted = false;
let scanning = false;
let analysisPhase: AnalysisProgress['phase'] = 'idle';

// ---------- errors ----------
function showError(e: unknown) {
  const msg = api.errorText(e);
  console.warn('[segue]', msg);
  el.errorText.textContent = msg;
  el.errorText.title = msg;
  el.errorBanner.hidden = false;
}
el.errorDismiss.addEventListener('click', () => { el.errorBanner.hidden = true; });

/** Run a backend call; errors go to the banner, never up. */
async function guard<T>(p: Promise<T>): Promise<T | undefined> {
  try { return await p; } catch (e) { showError(e); return undefined; }
}

// ---------- table ----------
const marks = new PlayingMarks();
const table = new TrackTable(el.scroller, el.tbody, el.thead, marks, {
  onTotal: () => { renderRowCount(); renderNoMatch(); },
  onError: showError,
  onSelection: (row) => { jumpSeq++; if (detailOpen) renderDetail(row); },
  onOpen: () => openDetail(),
});

function renderRowCount() {
  const matched = table.total;
  const all = overview?.stats.tracks ?? matched;
  const filtered = table.filtered;
  const total = filtered ? Math.max(all, matched) : matched;
  el.rowCount.dataset.total = String(total);
  el.rowCount.dataset.matched = String(matched);
  if (!table.loaded) { el.rowCount.textContent = ''; return; }
  el.rowCount.textContent = filtered ? `${fmt.num(matched)} of ${fmt.plural(total, 'track')}` : fmt.plural(matched, 'track');
}

function renderNoMatch() {
  const show = table.loaded && table.total === 0;
  el.noMatch.hidden = !show;
  el.scroller.classList.toggle('is-empty', show);
  if (!show) return;
  const ranged = table.bpmMin != null || table.bpmMax != null || table.camelot != null || table.tag != null;
  el.noMatch.textContent = table.search != null
    ? `No tracks match “${table.search}”${ranged ? ' with these filters' : ''}`
    : ranged ? 'No tracks match these filters'
    : scanning ? 'Scanning… tracks will appear here as they are read.' : 'No audio files found in your folders yet.';
}

// search and filters (debounced); any change re-queries from the top
let searchTimer = 0;
/** A BPM box: a finite number ≥ 0, or null when empty/invalid. */
function bpmValue(input: HTMLInputElement): number | null {
  const v = input.value.trim() === '' ? NaN : input.valueAsNumber;
  return isFinite(v) && v >= 0 ? v : null;
}
function applySearch() {
  clearTimeout(searchTimer);
  const q = el.search.value.trim() || null;
  const min = bpmValue(el.bpmMin), max = bpmValue(el.bpmMax);
  const key = el.keyFilter.value || null;
  const tag = el.tagFilter.value || null;
  el.bpmMin.classList.toggle('active', min != null);
  el.bpmMax.classList.toggle('active', max != null);
  el.keyFilter.classList.toggle('active', key != null);
  el.tagFilter.classList.toggle('active', tag != null);
  if (q === table.search && min === table.bpmMin && max === table.bpmMax && key === table.camelot && tag === table.tag) return;
  table.search = q;
  table.bpmMin = min;
  table.bpmMax = max;
  table.camelot = key;
  table.tag = tag;
  closeDetail(false);
  table.reset();
  renderRowCount();
}
function debounceQuery(ms: number) {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(applySearch, ms);
}
el.search.addEventListener('input', () => debounceQuery(150));
for (const input of [el.bpmMin, el.bpmMax]) {
  input.addEventListener('input', () => debounceQuery(250));
  input.addEventListener('change', () => applySearch()); // blur / spinner: no need to wait
}
el.keyFilter.append(...WHEEL.map((k) => h('option', { value: k.code }, `${k.code} · ${k.name}`)));
el.keyFilter.addEventListener('change', () => applySearch());
el.tagFilter.addEventListener('change', () => { renderTagFilter(); applySearch(); });
el.tagFilter.addEventListener('blur', () => renderTagFilter());

// ---------- tags (MusiCNN genre and mood) ----------
/** The library's tags for the tag filter and the playlist knobs; null until the first answer. */
let vocab: TagVocabulary | null = null;
let vocabTimer = 0;
let vocabDue = 0;
let vocabLast = 0;
let vocabLoading = false;
/** Ask tag_vocabulary again (it reads every track's tags): while an analysis runs (it tags
 *  tracks all the time) at most every 5 s, else every second (a run that just finished soon). */
function scheduleVocabulary(delay?: number) {
  const gap = analysisPhase === 'running' ? 5000 : 1000;
  const wait = delay ?? Math.max(0, gap - (Date.now() - vocabLast));
  if (vocabTimer && vocabDue <= Date.now() + wait) return;
  clearTimeout(vocabTimer);
  vocabDue = Date.now() + wait;
  vocabTimer = window.setTimeout(async () => {
    vocabTimer = 0;
    if (vocabLoading) { scheduleVocabulary(); return; }
    vocabLoading = true;
    vocabLast = Date.now();
    const v = await guard(api.tagVocabulary());
    vocabLoading = false;
    if (!v) return;
    const was = vocab;
    vocab = v;
    renderTagFilter();
    playlist.setTagSuggestions(v.tags);
    // Tagging turned on or off: the panel's tags section says so.
    if (detailOpen && shownRow && (was == null || was.enabled !== v.enabled)) {
      document.getElementById('detail-tags')?.replaceWith(tagsView(shownRow));
    }
  }, wait);
}

/** The tag filter's options: "Any tag", then every tag with its track count, most common first
 *  (the chosen one stays even when no track has it any more). Disabled while there is none. */
let tagOptionsKey = '';
function renderTagFilter(chosen = el.tagFilter.value) {
  const tags = vocab?.tags ?? [];
  const list = chosen && !tags.some((t) => t.label === chosen) ? [...tags, { label: chosen, tracks: 0 }] : tags;
  const key = JSON.stringify(list);
  // New counts while the select has the focus (its list may be open) wait for the blur.
  const later = document.activeElement === el.tagFilter && chosen === el.tagFilter.value && tagOptionsKey !== '';
  if (key !== tagOptionsKey && !later) {
    tagOptionsKey = key;
    el.tagFilter.replaceChildren(h('option', { value: '' }, 'Any tag'),
      ...list.map((t) => h('option', { value: t.label }, t.tracks ? `${t.label} · ${fmt.num(t.tracks)}` : t.label)));
    el.tagFilter.value = chosen;
  }
  const none = list.length === 0;
  el.tagFilter.disabled = none;
  el.tagFilter.title = !none ? 'Only tracks with this genre or mood tag (Esc: any)'
    : vocab && !vocab.enabled ? vocab.message ?? 'Tags are off'
    : vocab ? 'No tracks tagged yet: tags come with the analysis' : '';
}

/** A chip was clicked: show only the tracks with its tag. From the keyboard the focus goes to
 *  the tag filter (Esc there clears it), from the mouse to the table. */
function filterByTag(label: string, viaKeyboard: boolean) {
  if (view !== 'library') showView('library');
  renderTagFilter(label); // adds its option when the vocabulary doesn't have it yet
  el.tagFilter.value = label;
  applySearch();
  if (viaKeyboard) el.tagFilter.focus(); else el.scroller.focus({ preventScroll: true });
}
el.tbody.addEventListener('click', (e) => {
  const chip = (e.target as Element).closest<HTMLElement>('button.tag-chip');
  if (chip?.dataset.tag) filterByTag(chip.dataset.tag, e.detail === 0);
});
el.detail.addEventListener('click', (e) => {
  const chip = (e.target as Element).closest<HTMLElement>('button.tag-chip');
  if (chip?.dataset.tag) filterByTag(chip.dataset.tag, e.detail === 0);
});

/** The panel's tags section: the likeliest tags with their probabilities. Until get_track
 *  answers, the row's chips (percentages loading), so the section keeps its size. */
function tagsView(r: TrackRow): HTMLElement {
  const d = detail && detail.track.id === r.id ? detail : null;
  const loading = !d && detailError !== r.id;
  const tags = d ? topTags(d.tags) : [];
  let state: string, body: Node;
  if (tags.length) {
    state = 'tagged';
    body = h('div', { class: 'tag-list' }, ...tags.map((t) => tagChip(t.label, { probability: t.probability, tabbable: true })));
  } else if (loading && r.chips?.length) {
    state = 'loading';
    body = h('div', { class: 'tag-list' }, ...r.chips.map((c) => tagChip(c, { loading: true, tabbable: true })));
  } else if (loading) {
    state = 'loading';
    body = h('div', { class: 'tag-list', 'aria-hidden': 'true' }, ...[52, 40, 64].map((w) => h('span', { class: 'tag-chip skeleton-chip', style: `width:${w}px` })));
  } else if (vocab && !vocab.enabled) {
    state = 'off';
    body = h('p', { class: 'detail-note tag-note' }, vocab.message ?? 'Tags are off.');
  } else {
    state = 'untagged';
    const status = d ? d.track.status : r.status;
    body = h('p', { class: 'detail-note tag-note' },
      !d && status !== 'pending' ? 'Tags could not be loaded' : status === 'failed' ? 'Not tagged (the analysis failed)' : 'Not tagged yet');
  }
  return h('section', { id: 'detail-tags', class: 'detail-section detail-tags', 'data-state': state },
    h('h3', { title: 'Genre and mood heard in the audio (MusiCNN), likeliest first' }, 'Tags'), body);
}

// sorting
function renderSortHeaders() {
  for (const th of el.thead.querySelectorAll<HTMLElement>('th[data-sort]')) {
    const active = th.dataset.sort === table.sort;
    th.classList.toggle('sorted', active);
    th.setAttribute('aria-sort', active ? (table.desc ? 'descending' : 'ascending') : 'none');
    let ind = th.querySelector<HTMLElement>('.sort-ind');
    if (!ind) { ind = h('span', { class: 'sort-ind', 'aria-hidden': 'true' }); th.append(ind); }
    ind.textContent = active ? (table.desc ? '▼' : '▲') : '';
  }
}
el.thead.addEventListener('click', (e) => {
  const th = (e.target as Element).closest<HTMLElement>('th[data-sort]');
  if (!th) return;
  const key = th.dataset.sort as SortKey;
  if (table.sort === key) table.desc = !table.desc;
  else { table.sort = key; table.desc = false; }
  renderSortHeaders();
  closeDetail(false);
  table.reset();
});
renderSortHeaders();

// ---------- detail panel ----------
function openDetail() {
  if (table.selected < 0) return;
  detailOpen = true;
  el.detail.hidden = false;
  renderDetail(table.rowAt(table.selected));
  table.scrollIntoView(table.selected);
}
function closeDetail(refocus = true) {
  if (!detailOpen) return;
  detailOpen = false;
  shownRow = null;
  jumpSeq++;
  similar.show(null);
  el.detail.hidden = true;
  el.detail.replaceChildren();
  if (refocus) el.scroller.focus();
}

// Analysis for the panel: get_track for the row shown. One request at a time; while one is in
// flight only the newest wanted row is kept (holding ↓ doesn't queue a request per row).
// A row is fetched again when its status changes (e.g. analysis finished while it is open).
let shownRow: TrackRow | null = null;
let detail: TrackDetail | null = null;
let detailError: number | null = null;         // id whose get_track failed (for the last asked status)
let detailAsked = '';                          // `${id}:${status}` of the last finished request
let detailLoading = '';                        // … and of the one in flight

function needDetail(r: TrackRow) {
  const key = `${r.id}:${r.status}`;
  if (key === detailAsked || key === detailLoading) return;
  if (detailLoading) return; // the newest shownRow is looked at when this one finishes
  detailLoading = key;
  api.getTrack(r.id).then((d) => {
    detail = d;
    detailError = null;
  }, (e) => {
    detailError = r.id;
    showError(e);
  }).finally(() => {
    detailAsked = key;
    detailLoading = '';
    const cur = detailOpen ? shownRow : null;
    if (!cur) return;
    if (cur.id === r.id) {
      document.getElementById('detail-tags')?.replaceWith(tagsView(cur));
      document.getElementById('detail-analysis')?.replaceWith(analysisView(cur));
    }
    needDetail(cur);
  });
}

function renderDetail(r: TrackRow | null) {
  if (!detailOpen) return;
  // The same track again (its row was refetched): keep the panel's scroll and the focus in the
  // similar tracks list (the section element is reused, so its rows survive the re-render).
  const same = r != null && shownRow?.id === r.id;
  const scrollTop = same ? el.detail.scrollTop : 0;
  const active = document.activeElement as HTMLElement | null;
  const keepFocus = active && similar.el.contains(active) ? active : null;
  shownRow = r;
  const close = h('button', { class: 'icon-btn detail-close', type: 'button', 'aria-label': 'Close details', title: 'Close (Esc)', onclick: () => closeDetail() }, '×');
  if (!r) {
    el.detail.replaceChildren(h('div', { class: 'detail-head' }, h('div', { class: 'detail-title muted' }, 'Loading…'), close));
    return;
  }
  const dash = (v: string | number | null | undefined) => (v == null || v === '' ? '—' : String(v));
  const row = (k: string, v: string | number | null | undefined, cls = '') =>
    [h('dt', {}, k), h('dd', { class: cls + (v == null || v === '' ? ' muted' : ''), title: v == null ? null : String(v) }, dash(v))];
  const section = (name: string, ...rows: Node[][]) =>
    h('section', { class: 'detail-section' }, h('h3', {}, name), h('dl', {}, ...rows.flat()));
  const trackNo = r.track_no;
  el.detail.replaceChildren(
    h('div', { class: 'detail-head' },
      h('div', { class: 'detail-heading' },
        h('div', { class: 'detail-title', title: r.title ?? fmt.basename(r.path) }, r.title ?? fmt.basename(r.path)),
        h('div', { class: 'detail-sub' }, [r.artist, r.album].filter(Boolean).join(' — ') || 'Unknown artist'),
        h('div', { class: 'detail-actions' },
          h('button', {
            id: 'make-playlist', class: 'btn btn-small', type: 'button', title: 'A playlist of tracks that sound like this one (P)',
            onclick: (e: Event) => makePlaylist(seedOf(r), (e as MouseEvent).detail === 0),
          }, 'Make playlist'))),
      close),
    section('Metadata',
      row('Title', r.title), row('Artist', r.artist), row('Album', r.album), row('Album artist', r.album_artist),
      row('Track', trackNo), row('Disc', r.disc_no), row('Year', r.year), row('Genre', r.genre)),
    section('Audio',
      row('Duration', fmt.duration(r.duration_s), 'num'), row('Format', (r.format || '').toUpperCase()), row('Codec', r.codec),
      row('Sample rate', fmt.sampleRate(r.sample_rate), 'num'), row('Channels', fmt.channels(r.channels)),
      row('Bitrate', r.bitrate_kbps != null ? `${fmt.num(r.bitrate_kbps)} kbps` : null, 'num'),
      row('Cover art', r.has_cover ? 'Embedded' : 'None')),
    section('File', row('Path', r.path, 'path'), row('Track ID', r.id, 'num')),
  );
  el.detail.querySelector('.detail-head')!.after(tagsView(r), analysisView(r), similar.el);
  similar.show(r);
  if (same) el.detail.scrollTop = scrollTop;
  if (keepFocus && similar.el.contains(keepFocus)) keepFocus.focus({ preventScroll: true });
  needDetail(r);
}

// ---------- similar tracks ----------
const similar = new SimilarPanel(marks, { onPick: pickSimilar, onPlay: (t) => playSimilar(t) });
/** Bumped whenever what the panel should show changes: a get_track for a picked track that
 *  answers after that is dropped. */
let jumpSeq = 0;

/** A similar track was picked: select its row when it is among the loaded rows (as a click on it
 *  would), else show its details without a table selection. */
function pickSimilar(id: number, viaKeyboard: boolean) {
  const i = table.indexOf(id);
  if (i >= 0) {
    table.select(i);
    if (!viaKeyboard) el.scroller.focus({ preventScroll: true });
  } else {
    void showTrack(id);
  }
  if (viaKeyboard) similar.focusFirstWhenReady(id);
}

/** Show a track that is not in the table (filtered out, or in a page not loaded): get_track. */
async function showTrack(id: number) {
  const n = ++jumpSeq;
  table.clearSelection();
  let d: TrackDetail;
  try { d = await api.getTrack(id); } catch (e) { if (n === jumpSeq) showError(e); return; }
  if (n !== jumpSeq || !detailOpen) return;
  detail = d;
  detailError = null;
  detailAsked = `${d.track.id}:${d.track.status}`;
  renderDetail(d.track);
}

/** The panel's analysis part. Until get_track answers, what the row already knows (tempo, key,
 *  loudness) is shown and the rest is a skeleton, so the panel doesn't jump as it loads. */
function analysisView(r: TrackRow): HTMLElement {
  const wrap = h('div', { id: 'detail-analysis', class: 'detail-analysis', 'data-status': r.status });
  const d = detail && detail.track.id === r.id ? detail : null;
  const loading = !d && detailError !== r.id;
  const status = d ? d.track.status : r.status;
  const f = d?.features ?? null;
  const message = (text: string, extra?: Node) =>
    h('section', { class: 'detail-section' }, h('h3', {}, 'Analysis'), h('p', { class: 'detail-note', 'data-field': 'analysis-status' }, text, extra ?? null));

  if (!f && (!loading || status !== 'analyzed')) {
    if (status === 'failed') {
      const link = h('button', { class: 'link-btn', type: 'button', onclick: () => showView('failures') }, 'Failures');
      wrap.append(message('Analysis failed — see ', link));
    } else if (status === 'pending') {
      wrap.append(message('Not analysed yet'));
    } else {
      wrap.append(message(loading ? 'Loading…' : d ? 'No analysis data' : 'Analysis could not be loaded'));
    }
    return wrap;
  }

  // Values: string, null (= none, shown as a dash) or undefined (= still loading).
  type V = string | Node | null | undefined;
  const skel = () => h('span', { class: 'skeleton', style: 'width:60%' });
  const val = (field: string | null, v: V, cls = '') =>
    h('dd', { class: cls + (v == null ? ' muted' : ''), 'data-field': field }, v === undefined ? skel() : v === null ? '—' : v);
  const row = (k: string, v: V, field: string | null = null, cls = '') => [h('dt', {}, k), val(field, v, cls)];
  const part = (name: string, ...content: Node[]) => h('section', { class: 'detail-section' }, h('h3', {}, name), ...content);
  const dim = (text: string) => h('span', { class: 'muted' }, text);
  const frag = (...xs: (Node | string | null)[]) => { const s = h('span', {}); for (const x of xs) if (x != null) s.append(x); return s; };

  // tempo
  let tempo: V;
  const bpm = f ? f.tempo?.bpm ?? null : r.bpm;
  const conf = f ? f.tempo?.confidence ?? null : r.bpm_confidence;
  if (bpm == null) tempo = f || r.status !== 'pending' ? null : undefined;
  else tempo = `${Math.round(bpm * 10) / 10} BPM`;
  const confidence: V = bpm == null ? null : conf == null ? (f ? null : undefined)
    : frag(`${Math.round(conf * 100)}%`, conf < 0.3 ? dim(' · low') : null);
  // key
  let keyV: V = null, tonic = -1, strength: V = null;
  if (f?.key) {
    tonic = f.key.tonic;
    const name = NOTES[f.key.tonic % 12];
    keyV = frag(keyLong(name, f.key.scale), ' ', h('span', { class: 'camelot' }, camelot(f.key.tonic, f.key.scale)));
    strength = f.key.strength.toFixed(2);
  } else if (!f && r.key) {
    tonic = NOTES.indexOf(r.key as (typeof NOTES)[number]);
    keyV = frag(keyLong(r.key, r.scale), ' ', r.camelot ? h('span', { class: 'camelot' }, r.camelot) : null);
    strength = r.key_strength != null ? r.key_strength.toFixed(2) : undefined;
  }
  const key = f?.key ?? null;
  const keyTitle = key ? keyShort(NOTES[key.tonic % 12], key.scale) : r.key ? keyShort(r.key, r.scale) : '';

  // chroma: 12 bars, C first; the tonic's bar in the accent colour
  const chroma = h('div', { class: 'chroma', role: 'img', 'aria-label': f ? `Chroma profile${keyTitle ? `, key ${keyTitle}` : ''}` : 'Chroma profile (loading)' });
  for (let i = 0; i < 12; i++) {
    const v = f ? Math.max(0, Math.min(1, f.chroma[i] ?? 0)) : 0;
    const bar = h('span', { class: 'chroma-fill' });
    bar.style.height = `${Math.round(v * 100)}%`;
    chroma.append(h('div', { class: `chroma-col${i === tonic ? ' tonic' : ''}`, title: f ? `${NOTES[i]} ${v.toFixed(2)}` : NOTES[i] },
      h('span', { class: 'chroma-bar' }, bar), h('span', { class: 'chroma-label' }, NOTES[i])));
  }

  const l = f?.loudness;
  const lufs = f ? l!.integrated_lufs : r.loudness_lufs;
  const t = f?.timbre;
  const ifF = (g: () => string | null): V => (f ? g() : undefined);
  wrap.append(
    part('Analysis',
      h('dl', {}, ...row('Tempo', tempo, 'bpm', 'num'), ...(bpm != null ? row('Confidence', confidence, 'bpm-confidence', 'num') : []), ...row('Key', keyV, 'key'), ...(keyV ? row('Key strength', strength, 'key-strength', 'num') : []),
        ...row('Tuning', ifF(() => `${fmt.signed(Math.round(f!.tuning_cents), 0, true)} cents`), 'tuning', 'num')),
      chroma),
    part('Loudness',
      h('dl', {},
        ...row('Integrated', lufs == null ? (f || r.status !== 'pending' ? null : undefined) : `${fmt.signed(lufs)} LUFS`, 'loudness', 'num'),
        ...row('Range', ifF(() => (l!.range_lu == null ? null : `${fmt.signed(l!.range_lu)} LU`)), 'loudness-range', 'num'),
        ...row('Peak', ifF(() => (l!.peak_dbfs == null ? null : `${fmt.signed(l!.peak_dbfs)} dBFS`)), 'peak', 'num'))),
    part('Timbre',
      h('dl', {},
        ...row('Brightness', ifF(() => `${fmt.num(Math.round(t!.centroid_hz.mean))} Hz`), 'brightness', 'num'),
        ...row('Noisiness', ifF(() => t!.flatness.mean.toFixed(2)), 'noisiness', 'num'),
        ...row('Onsets', ifF(() => `${fmt.signed(f!.onset_rate)} /s`), 'onsets', 'num'),
        ...row('Dynamics', ifF(() => `${fmt.signed(t!.rms_db.std)} dB`), 'dynamics', 'num'))),
  );
  const at = d?.analyzed_at ?? null;
  wrap.append(h('p', { class: 'detail-foot muted', 'data-field': 'analyzed-at', title: at ? fmt.fullTime(at) : null },
    f ? (at ? `Analysed ${fmt.fullTime(at)}` : 'Analysed') : '\u00a0'));
  if (r.status === 'pending' && f) wrap.prepend(h('p', { class: 'detail-note stale-note' }, 'The file changed: these results are from before; it will be analysed again.'));
  return wrap;
}

// ---------- sidebar ----------
function renderSidebar() {
  const o = overview;
  if (!o) return;
  el.folderList.replaceChildren(...o.folders.map(folderItem));
  if (o.folders.length === 0) el.folderList.append(h('li', { class: 'folder-none muted' }, 'No folders yet'));
  const s = o.stats;
  el.stats.replaceChildren(
    h('span', { class: 'num' }, fmt.plural(s.tracks, 'track')), ' · ',
    h('span', { class: 'num' }, fmt.longDuration(s.total_duration_s)), ' · ',
    h('span', { class: 'num' }, fmt.plural(s.folders, 'folder')));
  el.failureCount.textContent = `(${fmt.num(s.failures)})`;
  el.navFailures.classList.toggle('has-failures', s.failures > 0);
}

function folderItem(f: Folder) {
  const name = fmt.basename(f.path.replace(/[\\/]+$/, '')) || f.path;
  return h('li', { class: `folder-item${f.exists ? '' : ' missing'}`, 'data-id': f.id, title: f.exists ? f.path : `${f.path} (not found on disk)` },
    h('span', { class: 'folder-icon', 'aria-hidden': 'true' }),
    h('span', { class: 'folder-text' },
      h('span', { class: 'folder-name' }, name),
      h('span', { class: 'folder-path' }, f.exists ? f.path : `Missing · ${f.path}`)),
    h('span', { class: 'folder-count num', title: fmt.plural(f.track_count, 'track') }, fmt.num(f.track_count)),
    h('button', {
      class: 'icon-btn folder-remove', type: 'button', 'aria-label': `Remove folder ${f.path}`, title: 'Remove folder',
      onclick: () => removeFolder(f),
    }, '×'));
}

// In-app confirm: window.confirm() is a silent `false` in WKWebView (macOS) and needs the
// dialog plugin's permission on Windows, so Segue never relies on it.
const confirmEl = {
  dialog: $<HTMLDialogElement>('#confirm-dialog'), title: $('#confirm-title'), text: $('#confirm-text'),
  ok: $<HTMLButtonElement>('#confirm-ok'), cancel: $<HTMLButtonElement>('#confirm-cancel'),
};
confirmEl.ok.addEventListener('click', () => confirmEl.dialog.close('ok'));
confirmEl.cancel.addEventListener('click', () => confirmEl.dialog.close('cancel'));
function askConfirm(title: string, text: string, okLabel: string): Promise<boolean> {
  const d = confirmEl.dialog;
  confirmEl.title.textContent = title;
  confirmEl.text.textContent = text;
  confirmEl.ok.textContent = okLabel;
  d.returnValue = '';
  const back = document.activeElement as HTMLElement | null;
  d.showModal();
  confirmEl.cancel.focus();
  return new Promise((resolve) => {
    d.addEventListener('close', () => { back?.focus?.(); resolve(d.returnValue === 'ok'); }, { once: true });
  });
}

async function removeFolder(f: Folder) {
  const ok = await askConfirm('Remove folder?',
    `“${f.path}” and its ${fmt.plural(f.track_count, 'track')} will leave the library. Files on disk are not touched.`, 'Remove');
  if (!ok) return;
  await guard(api.removeFolder(f.id));
  scheduleRefresh(0);
}

// ---------- playlists ----------
const playlist = new PlaylistView(el.viewPlaylist, marks, {
  onClose: () => {
    showView('library');
    el.scroller.focus({ preventScroll: true });
  },
  onSavedChange: () => savedList.refresh(),
  onShownSaved: (id) => savedList.setActive(view === 'playlist' ? id : null),
  onPlay: (e) => playEntry(e),
});
const savedList = new SavedList(el.savedPlaylists, {
  onOpen: (id, viaKeyboard) => {
    showView('playlist');
    playlist.open(id, viaKeyboard);
    savedList.setActive(id);
  },
  confirm: askConfirm,
  onRenamed: (p) => playlist.renamed(p),
  onDeleted: (id) => playlist.deleted(id),
  onError: showError,
});

const seedOf = (r: TrackRow): Seed => ({ id: r.id, title: r.title, artist: r.artist, path: r.path, bpm: r.bpm });

/** "Make playlist" (detail panel button, P, the row's context menu): the playlist view takes
 *  the place of the table until Escape. */
function makePlaylist(seed: Seed, viaKeyboard: boolean) {
  showView('playlist');
  playlist.make(seed, viaKeyboard);
}

/** The track P and the context menu act on: the selected row, else the one the detail panel
 *  shows (picked from the similar tracks, not in the table). */
function currentSeed(): Seed | null {
  const r = table.selected >= 0 ? table.rowAt(table.selected) : detailOpen ? shownRow : null;
  return r ? seedOf(r) : null;
}

// A small context menu on the table's rows: one item, "Make playlist from this track".
let ctxSeed: Seed | null = null;
function openContextMenu(x: number, y: number, seed: Seed) {
  ctxSeed = seed;
  const m = el.ctxMenu;
  m.hidden = false;
  const w = m.offsetWidth, hgt = m.offsetHeight;
  m.style.left = `${Math.max(4, Math.min(x, window.innerWidth - w - 4))}px`;
  m.style.top = `${Math.max(4, Math.min(y, window.innerHeight - hgt - 4))}px`;
  el.ctxMake.focus();
}
function closeContextMenu(refocus = false) {
  if (el.ctxMenu.hidden) return;
  el.ctxMenu.hidden = true;
  ctxSeed = null;
  if (refocus) el.scroller.focus({ preventScroll: true });
}
el.tbody.addEventListener('contextmenu', (e) => {
  const tr = (e.target as Element).closest<HTMLElement>('tr.track-row[data-index]');
  if (!tr) return;
  e.preventDefault();
  table.select(Number(tr.dataset.index), false);
  el.scroller.focus({ preventScroll: true });
  const r = table.rowAt(Number(tr.dataset.index));
  if (r) openContextMenu(e.clientX, e.clientY, seedOf(r));
});
el.ctxMake.addEventListener('click', (e) => {
  const seed = ctxSeed;
  closeContextMenu();
  if (seed) makePlaylist(seed, e.detail === 0);
});
el.ctxMenu.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); e.stopPropagation(); closeContextMenu(true); }
});
document.addEventListener('pointerdown', (e) => { if (!el.ctxMenu.contains(e.target as Node)) closeContextMenu(); }, true);
window.addEventListener('blur', () => closeContextMenu());
window.addEventListener('resize', () => closeContextMenu());
el.scroller.addEventListener('scroll', () => closeContextMenu(), { passive: true });

// ---------- preview ----------
const player = new Player($('#player'), marks, {
  findByPath: (path) => {
    const r = table.findByPath(path);
    if (r) return r;
    const e = playlist.currentEntries.find((x) => x.path === path);
    if (e) return e;
    const s = similar.results.find((x) => x.path === path);
    return s ? similarTrack(s) : null;
  },
  onAdvance: followPreview,
});

function tableQueue(start: number): PreviewQueue {
  return new TableQueue(table, start);
}

/** Play (or pause/resume) the table's row `i`. */
function playRow(i: number) {
  const r = table.rowAt(i);
  if (r) player.toggleTrack(r, tableQueue(i));
}

/** A similar track as the player needs it (its duration from the table, when it is loaded). */
function similarTrack(s: SimilarTrack): PreviewTrack {
  const i = table.indexOf(s.id);
  return { id: s.id, path: s.path, title: s.title, artist: s.artist, duration_s: i >= 0 ? table.rowAt(i)?.duration_s ?? null : null };
}
/** Play a similar track; next/previous walk the list as it was then (it changes with the selection). */
function playSimilar(s: SimilarTrack) {
  const list = similar.results.map(similarTrack);
  player.toggleTrack(list.find((t) => t.id === s.id) ?? similarTrack(s), new ListQueue('similar', () => list, s.id));
}
/** Play a playlist row; next/previous walk the playlist shown, with its edits, while it is shown. */
function playEntry(e: PlaylistEntry) {
  const id = playlist.listId;
  let rows = playlist.currentEntries.slice();
  const items = () => {
    if (playlist.listId === id) rows = playlist.currentEntries.slice();
    return rows;
  };
  player.toggleTrack(e, new ListQueue('playlist', items, e.id));
}

/** The preview moved on (next/previous, or the last one finished): the selection (table) or the
 *  focus (similar tracks, playlist) moves along when it was on the track before, so Space pauses
 *  what plays. */
function followPreview(from: PreviewTrack, to: PreviewTrack, queue: PreviewQueue) {
  if (queue.kind === 'table') {
    if (view !== 'library' || table.selected < 0 || table.rowAt(table.selected)?.id !== from.id) return;
    const i = table.indexOf(to.id);
    if (i >= 0) table.select(i);
    return;
  }
  const a = document.activeElement as HTMLElement | null;
  const li = a?.closest<HTMLElement>('li.similar-row, li.playlist-row');
  if (!li || Number(li.dataset.id) !== from.id) return;
  const next = li.parentElement?.querySelector<HTMLElement>(`li[data-id="${to.id}"]`);
  if (!next) return;
  const target = a!.matches('button.play') ? next.querySelector<HTMLElement>('button.play') ?? next : next;
  target.focus({ preventScroll: false });
}

/** Space: play/pause the focused row of the similar tracks or the playlist, else the selected
 *  table row (or the track the details show), else what is playing. */
function spaceKey(t: HTMLElement) {
  const sLi = t.closest('li.similar-row');
  const s = sLi && similar.el.contains(sLi) ? similar.trackOf(sLi) : null;
  if (s) { playSimilar(s); return; }
  const pLi = view === 'playlist' ? t.closest('li.playlist-row') : null;
  const e = pLi ? playlist.entryOf(pLi) : null;
  if (e) { playEntry(e); return; }
  if (view === 'library' && tableStarted) {
    if (table.selected >= 0 && table.rowAt(table.selected)) { playRow(table.selected); return; }
    if (detailOpen && shownRow) { player.toggleTrack(shownRow, tableQueue(-1)); return; }
  }
  player.toggle();
}

el.tbody.addEventListener('click', (e) => {
  const b = (e.target as Element).closest('button.play');
  const tr = b?.closest<HTMLElement>('tr.track-row[data-index]');
  if (!tr) return;
  el.scroller.focus({ preventScroll: true }); // the table keeps the keyboard (the row is selected too)
  playRow(Number(tr.dataset.index));
});

// ---------- views ----------
function showView(v: typeof view) {
  view = v;
  closeContextMenu();
  el.viewLibrary.hidden = v !== 'library';
  el.viewFailures.hidden = v !== 'failures';
  el.viewPlaylist.hidden = v !== 'playlist';
  for (const [nav, on] of [[el.navLibrary, v === 'library'], [el.navFailures, v === 'failures']] as const) {
    nav.classList.toggle('active', on);
    if (on) nav.setAttribute('aria-current', 'page'); else nav.removeAttribute('aria-current');
  }
  savedList.setActive(v === 'playlist' ? playlist.shownSavedId : null);
  if (v === 'library') table.schedule();
  else if (v === 'failures') void loadFailures();
}
el.navLibrary.addEventListener('click', () => showView('library'));
el.navFailures.addEventListener('click', () => showView('failures'));

function renderLibraryMode() {
  const empty = !!overview && overview.folders.length === 0;
  el.empty.hidden = !empty;
  el.toolbar.hidden = empty;
  el.content.hidden = empty;
  if (!empty && overview && !tableStarted) { tableStarted = true; table.reset(); }
  if (empty) { tableStarted = false; closeDetail(false); }
}

async function loadFailures() {
  const list = await guard(api.listFailures());
  if (!list) return;
  renderFailures(list);
}
function renderFailures(list: Failure[]) {
  const now = Date.now();
  el.failureBody.replaceChildren(...list.map((f) =>
    h('tr', { class: 'failure-row' },
      h('td', { class: 'f-path', title: f.path },
        h('span', { class: 'file' }, fmt.basename(f.path)), h('span', { class: 'dir' }, f.path)),
      h('td', {}, h('span', { class: 'badge stage' }, f.stage)),
      h('td', { class: 'reason', title: f.reason }, f.reason),
      h('td', { class: 'time num', title: fmt.fullTime(f.at) }, fmt.relativeTime(f.at, now)))));
  el.failuresEmpty.hidden = list.length > 0;
  el.failureBody.closest('table')!.hidden = list.length === 0;
  el.failuresCount.textContent = list.length ? fmt.plural(list.length, 'file') : '';
}

// ---------- overview / refresh ----------
async function refreshOverview() {
  const o = await guard(api.getOverview());
  if (!o) return;
  overview = o;
  renderSidebar();
  renderLibraryMode();
  renderRowCount();
}

let refreshTimer = 0;
let lastRefresh = 0;
/** library-changed can arrive in bursts during a scan: refresh at most ~3×/s. While only the
 *  analysis is running (a batch committed every moment) at most every 2 s: new BPM/key values
 *  appear without the visible rows being refetched all the time. */
function scheduleRefresh(delay?: number) {
  if (refreshTimer) return;
  const gap = analysisPhase === 'running' && !scanning ? 2000 : 300;
  const wait = delay ?? Math.max(0, gap - (Date.now() - lastRefresh));
  refreshTimer = window.setTimeout(async () => {
    refreshTimer = 0;
    lastRefresh = Date.now();
    const hadTable = tableStarted;
    await refreshOverview();
    if (hadTable && tableStarted) table.refresh();
    scheduleVocabulary(); // new tags (analysis), or fewer (a folder removed)
    if (view === 'failures') void loadFailures();
  }, wait);
}

// ---------- scan progress ----------
const PHASE_LABEL: Record<string, string> = {
  walking: 'Finding files…', reading: 'Reading tags…', removing: 'Removing missing files…',
};
let fadeTimer = 0;
function updateProgress(p: ScanProgress) {
  const s = el.scan;
  s.dataset.phase = p.phase;
  clearTimeout(fadeTimer);
  const active = p.phase === 'walking' || p.phase === 'reading' || p.phase === 'removing';
  const wasScanning = scanning;
  scanning = active;
  el.rescan.disabled = active;
  if (active) {
    s.hidden = false;
    s.classList.remove('finished', 'fading', 'is-error');
    el.scanPhase.textContent = PHASE_LABEL[p.phase];
    const processed = p.done + p.failed + p.unchanged;
    if (p.phase === 'walking' || p.found === 0) {
      el.scanBar.removeAttribute('value'); // indeterminate while we don't know the total
      el.scanCounts.textContent = `${fmt.num(p.found)} found`;
    } else {
      el.scanBar.max = Math.max(1, p.found);
      el.scanBar.value = Math.min(processed, p.found);
      el.scanCounts.textContent = `${fmt.num(processed)}/${fmt.num(p.found)}`;
    }
    el.scanRate.textContent = p.phase === 'reading' ? fmt.rate(p.rate) : '';
    el.scanEta.textContent = p.phase === 'reading' ? fmt.eta(p.eta_s) : '';
    el.scanFailed.textContent = p.failed > 0 ? `${fmt.num(p.failed)} failed` : '';
    el.scanCurrent.textContent = p.current ? fmt.basename(p.current) : '';
    el.scanCurrent.title = p.current ?? '';
    el.scanSummary.textContent = '';
  } else if (p.phase === 'idle') {
    s.hidden = true;
  } else {
    s.hidden = false;
    s.classList.add('finished');
    s.classList.remove('fading');
    s.classList.toggle('is-error', p.phase === 'failed');
    const tracks = p.done + p.unchanged;
    el.scanSummary.textContent =
      p.phase === 'done' ? `Scan finished: ${fmt.plural(tracks, 'track')}, ${fmt.num(p.failed)} failed`
      : p.phase === 'cancelled' ? `Scan cancelled after ${fmt.plural(p.done + p.failed + p.unchanged, 'file')}`
      : `Scan failed${p.message ? `: ${p.message}` : ''}`;
    fadeTimer = window.setTimeout(() => {
      s.classList.add('fading');
      fadeTimer = window.setTimeout(() => { s.hidden = true; }, 600);
    }, p.phase === 'failed' ? 10000 : 4000);
    if (wasScanning) scheduleRefresh();
  }
  if (wasScanning !== scanning) renderNoMatch();
}

el.scanCancel.addEventListener('click', () => { void guard(api.cancelScan()); });
el.rescan.addEventListener('click', async () => {
  el.rescan.disabled = true;
  const r = await guard(api.startScan());
  if (r === undefined) el.rescan.disabled = scanning;
});

// ---------- analysis progress ----------
let analysisFade = 0;
let analysisSeen = -1; // done + failed at the last event
function updateAnalysis(p: AnalysisProgress) {
  const s = el.analysis;
  s.dataset.phase = p.phase;
  clearTimeout(analysisFade);
  const was = analysisPhase;
  analysisPhase = p.phase;
  const processed = p.done + p.failed;
  const active = p.phase === 'running' || p.phase === 'paused';
  el.analysisPause.disabled = false;
  el.analysisResume.disabled = false;
  if (active) {
    const running = p.phase === 'running';
    s.hidden = false;
    s.classList.remove('finished', 'fading');
    s.classList.toggle('paused', !running);
    const counts = `${fmt.num(processed)} / ${fmt.num(p.total)}`;
    if (running) {
      const meta = [fmt.audioRate(p.audio_hours_per_hour), fmt.etaShort(p.eta_s)].filter(Boolean).join(' · ');
      el.analysisText.replaceChildren(h('span', { class: 'analysis-label' }, 'Analysing'), ' ',
        h('span', { class: 'analysis-counts num' }, counts), meta ? h('span', { class: 'scan-meta num' }, ` · ${meta}`) : '');
    } else {
      el.analysisText.replaceChildren(h('span', { class: 'analysis-label' }, 'Analysis paused'), ' ',
        h('span', { class: 'analysis-counts num' }, `(${counts})`));
    }
    el.analysisText.title = running ? 'Hours of audio analysed per hour of work' : '';
    el.analysisBar.max = Math.max(1, p.total);
    el.analysisBar.value = Math.min(processed, p.total);
    el.analysisFailed.textContent = p.failed > 0 ? `${fmt.num(p.failed)} failed` : '';
    el.analysisCurrent.textContent = running && p.current ? fmt.basename(p.current) : '';
    el.analysisCurrent.title = running ? p.current ?? '' : '';
    el.analysisSummary.textContent = '';
    el.analysisPause.hidden = !running;
    el.analysisResume.hidden = running;
  } else if (p.phase === 'idle') {
    s.hidden = true;
  } else {
    s.hidden = false;
    s.classList.add('finished');
    s.classList.remove('fading', 'paused');
    el.analysisSummary.textContent = p.phase === 'done'
      ? `Analysis finished: ${fmt.plural(p.done, 'track')}${p.failed ? `, ${fmt.num(p.failed)} failed` : ''}`
      : `Analysis stopped after ${fmt.plural(processed, 'track')}`;
    analysisFade = window.setTimeout(() => {
      s.classList.add('fading');
      analysisFade = window.setTimeout(() => { s.hidden = true; }, 600);
    }, 4000);
  }
  // Finished: the shown track (and the index) may have new neighbours.
  if (p.phase === 'done' && detailOpen && shownRow) similar.refresh();
  // New results: refresh what's visible (throttled to every ~2 s while running).
  if (processed !== analysisSeen || (was !== p.phase && !active)) {
    if (analysisSeen >= 0 || !active) scheduleRefresh();
    analysisSeen = processed;
  }
}
el.analysisPause.addEventListener('click', async () => {
  el.analysisPause.disabled = true;
  await guard(api.pauseAnalysis());
  el.analysisPause.disabled = false;
});
el.analysisResume.addEventListener('click', async () => {
  el.analysisResume.disabled = true;
  await guard(api.resumeAnalysis());
  el.analysisResume.disabled = false;
});

// ---------- add folder / demo ----------
async function addFolder(btn: HTMLButtonElement) {
  btn.disabled = true;
  try {
    const f = await guard(api.addFolderDialog());
    if (f) scheduleRefresh(0);
  } finally { btn.disabled = false; }
}
el.addFolder.addEventListener('click', () => addFolder(el.addFolder));
el.emptyAdd.addEventListener('click', () => addFolder(el.emptyAdd));
el.demo.addEventListener('click', async () => {
  el.demo.disabled = true;
  try {
    const f = await guard(api.createDemoLibrary());
    if (f) scheduleRefresh(0);
  } finally { el.demo.disabled = false; }
});

// ---------- keyboard ----------
function focusSearch() {
  if (view !== 'library') showView('library');
  el.search.focus();
  el.search.select();
}

document.addEventListener('keydown', (e) => {
  if (confirmEl.dialog.open) return; // the modal handles its own keys (Esc cancels)
  if (!el.ctxMenu.hidden) return; // so does the context menu (Esc closes, Enter picks)
  const t = e.target as HTMLElement;
  const mod = e.ctrlKey || e.metaKey || e.altKey;
  // The playlist view: Escape back to the library, its rows' keys (arrows, Alt+arrows, Delete).
  if (view === 'playlist' && playlist.handleKey(e)) { e.preventDefault(); return; }
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    focusSearch();
    return;
  }
  if (t === el.search) {
    if (e.key === 'Escape') {
      e.preventDefault();
      if (el.search.value) { el.search.value = ''; applySearch(); } else el.search.blur();
    } else if (e.key === 'Enter') {
      applySearch();
    } else if (e.key === 'ArrowDown' && !mod) {
      e.preventDefault();
      applySearch();
      el.scroller.focus();
      if (table.selected < 0 && table.total > 0) table.select(0);
    }
    return;
  }
  if (t === el.tagFilter && e.key === 'Escape' && !mod) {
    e.preventDefault();
    if (el.tagFilter.value) { el.tagFilter.value = ''; renderTagFilter(); applySearch(); } else el.tagFilter.blur();
    return;
  }
  if (t === el.bpmMin || t === el.bpmMax) {
    const input = t as HTMLInputElement;
    if (e.key === 'Escape' && input.value) { e.preventDefault(); input.value = ''; applySearch(); }
    else if (e.key === 'Escape') input.blur();
    else if (e.key === 'Enter') applySearch();
    return;
  }
  // Space on the player's seek or volume slider: play/pause too.
  if (e.key === ' ' && !mod && t instanceof HTMLInputElement && t.type === 'range' && player.el.contains(t)) {
    e.preventDefault();
    if (!e.repeat) player.toggle();
    return;
  }
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable) return;
  if (e.key === '/' && !mod) { e.preventDefault(); focusSearch(); return; }
  if (e.key === 'Escape' && detailOpen) { e.preventDefault(); closeDetail(); return; }
  const onButton = !!t.closest('button, a[href], summary');
  if (e.key === ' ') {
    // Play/pause (preview). Never scroll the page; buttons keep their default (a click).
    if (onButton) return;
    e.preventDefault();
    if (!e.repeat && !mod) spaceKey(t);
    return;
  }
  // N / B, Ctrl+→ / Ctrl+←: the next / previous track of the list the preview came from.
  const k = e.key.toLowerCase();
  if (!e.altKey && !e.metaKey && ((!e.ctrlKey && (k === 'n' || k === 'b')) || (e.ctrlKey && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')))) {
    if (player.active) {
      e.preventDefault();
      void player.step(k === 'n' || e.key === 'ArrowRight' ? 1 : -1);
    }
    return;
  }
  // P: a playlist from the selected track (or the one the details show). Menu key / Shift+F10:
  // the row's context menu.
  if (view === 'library' && tableStarted && !e.ctrlKey && !e.metaKey && !e.altKey && e.key.toLowerCase() === 'p') {
    const seed = currentSeed();
    if (seed) { e.preventDefault(); makePlaylist(seed, true); }
    return;
  }
  if (view === 'library' && (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) && table.selected >= 0 && !similar.el.contains(t)) {
    const tr = el.tbody.querySelector<HTMLElement>(`tr.track-row[data-index="${table.selected}"]`);
    const r = table.rowAt(table.selected);
    if (tr && r) {
      e.preventDefault();
      const box = tr.getBoundingClientRect();
      openContextMenu(box.left + 48, box.bottom - 4, seedOf(r));
    }
    return;
  }
  // The similar tracks list has its own arrows and Enter; the table's keys stay with the table.
  if (similar.el.contains(t)) {
    if (!mod && !onButton && similar.handleKey(e)) e.preventDefault();
    return;
  }
  if (view !== 'library' || !tableStarted || mod) return;
  if (onButton && e.key === 'Enter') return;
  const sel = table.selected;
  let next: number | null = null;
  switch (e.key) {
    case 'ArrowDown': next = sel < 0 ? 0 : sel + 1; break;
    case 'ArrowUp': next = sel < 0 ? 0 : sel - 1; break;
    case 'PageDown': next = (sel < 0 ? 0 : sel) + table.pageRows; break;
    case 'PageUp': next = (sel < 0 ? 0 : sel) - table.pageRows; break;
    case 'Home': next = 0; break;
    case 'End': next = table.total - 1; break;
    case 'Enter': if (sel >= 0) { e.preventDefault(); openDetail(); } return;
    default: return;
  }
  e.preventDefault();
  if (table.total === 0) return;
  if (document.activeElement !== el.scroller && !onButton) el.scroller.focus({ preventScroll: true });
  table.select(next);
});

// ---------- boot ----------
async function boot() {
  try {
    await api.onScanProgress(updateProgress);
    await api.onAnalysisProgress(updateAnalysis);
    await api.onLibraryChanged(() => scheduleRefresh());
    await api.onIndexUpdated(() => { if (detailOpen && shownRow) similar.refresh(); });
    await api.onPlaylistsChanged(() => savedList.refresh());
  } catch (e) { showError(e); }
  // A preview problem is the player bar's to show, never the banner's.
  player.start().catch((e) => console.warn('[segue] preview:', api.errorText(e)));
  const o = await guard(api.getOverview());
  if (!o) return;
  overview = o;
  renderSidebar();
  renderLibraryMode();
  renderRowCount();
  savedList.refresh(0);
  scheduleVocabulary(0);
  if (o.scan.phase !== 'idle' && o.scan.phase !== 'done' && o.scan.phase !== 'cancelled' && o.scan.phase !== 'failed') updateProgress(o.scan);
  else el.scan.dataset.phase = o.scan.phase;
  const a = o.analysis;
  if (a && (a.phase === 'running' || a.phase === 'paused')) updateAnalysis(a);
  else if (a) { el.analysis.dataset.phase = a.phase; analysisSeen = a.done + a.failed; }
}
void boot();
