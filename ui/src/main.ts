import './style.css';
import * as api from './api';
import type { Failure, Folder, Overview, ScanProgress, SortKey, TrackRow } from './api';
import { $, h } from './dom';
import * as fmt from './format';
import { TrackTable } from './table';

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
  toolbar: $('#toolbar'),
  search: $<HTMLInputElement>('#search'),
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
  failureBody: $('#failure-body'),
  failuresEmpty: $('#failures-empty'),
  failuresCount: $('#failures-count'),
};

// ---------- state ----------
let overview: Overview | null = null;
let view: 'library' | 'failures' = 'library';
let detailOpen = false;
let tableStarted = false;
let scanning = false;

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
const table = new TrackTable(el.scroller, el.tbody, el.thead, {
  onTotal: () => { renderRowCount(); renderNoMatch(); },
  onError: showError,
  onSelection: (row) => { if (detailOpen) renderDetail(row); },
  onOpen: () => openDetail(),
});

function renderRowCount() {
  const matched = table.total;
  const all = overview?.stats.tracks ?? matched;
  const filtered = table.search != null;
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
  el.noMatch.textContent = table.search != null
    ? `No tracks match “${table.search}”`
    : scanning ? 'Scanning… tracks will appear here as they are read.' : 'No audio files found in your folders yet.';
}

// search (debounced)
let searchTimer = 0;
function applySearch() {
  clearTimeout(searchTimer);
  const q = el.search.value.trim() || null;
  if (q === table.search) return;
  table.search = q;
  closeDetail(false);
  table.reset();
  renderRowCount();
}
el.search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(applySearch, 150);
});

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
  el.detail.hidden = true;
  el.detail.replaceChildren();
  if (refocus) el.scroller.focus();
}

function renderDetail(r: TrackRow | null) {
  if (!detailOpen) return;
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
        h('div', { class: 'detail-sub' }, [r.artist, r.album].filter(Boolean).join(' — ') || 'Unknown artist')),
      close),
    section('Tags',
      row('Title', r.title), row('Artist', r.artist), row('Album', r.album), row('Album artist', r.album_artist),
      row('Track', trackNo), row('Disc', r.disc_no), row('Year', r.year), row('Genre', r.genre)),
    section('Audio',
      row('Duration', fmt.duration(r.duration_s), 'num'), row('Format', (r.format || '').toUpperCase()), row('Codec', r.codec),
      row('Sample rate', fmt.sampleRate(r.sample_rate), 'num'), row('Channels', fmt.channels(r.channels)),
      row('Bitrate', r.bitrate_kbps != null ? `${fmt.num(r.bitrate_kbps)} kbps` : null, 'num'),
      row('Cover art', r.has_cover ? 'Embedded' : 'None')),
    section('File', row('Path', r.path, 'path'), row('Analysis', r.status === 'pending' ? 'not analysed yet' : r.status), row('Track ID', r.id, 'num')),
  );
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

// ---------- views ----------
function showView(v: typeof view) {
  view = v;
  el.viewLibrary.hidden = v !== 'library';
  el.viewFailures.hidden = v !== 'failures';
  el.navLibrary.classList.toggle('active', v === 'library');
  el.navFailures.classList.toggle('active', v === 'failures');
  if (v === 'library') { el.navLibrary.setAttribute('aria-current', 'page'); el.navFailures.removeAttribute('aria-current'); table.schedule(); }
  else { el.navFailures.setAttribute('aria-current', 'page'); el.navLibrary.removeAttribute('aria-current'); void loadFailures(); }
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
/** library-changed can arrive in bursts during a scan: refresh at most ~3×/s. */
function scheduleRefresh(delay?: number) {
  if (refreshTimer) return;
  const wait = delay ?? Math.max(0, 300 - (Date.now() - lastRefresh));
  refreshTimer = window.setTimeout(async () => {
    refreshTimer = 0;
    lastRefresh = Date.now();
    const hadTable = tableStarted;
    await refreshOverview();
    if (hadTable && tableStarted) table.refresh();
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
  const t = e.target as HTMLElement;
  const mod = e.ctrlKey || e.metaKey || e.altKey;
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
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t.isContentEditable) return;
  if (e.key === '/' && !mod) { e.preventDefault(); focusSearch(); return; }
  if (e.key === 'Escape' && detailOpen) { e.preventDefault(); closeDetail(); return; }
  const onButton = !!t.closest('button, a[href], summary');
  if (e.key === ' ') {
    // Reserved for play/pause. Never scroll the page; let buttons keep their default.
    if (!onButton) e.preventDefault();
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
    await api.onLibraryChanged(() => scheduleRefresh());
  } catch (e) { showError(e); }
  const o = await guard(api.getOverview());
  if (!o) return;
  overview = o;
  renderSidebar();
  renderLibraryMode();
  renderRowCount();
  if (o.scan.phase !== 'idle' && o.scan.phase !== 'done' && o.scan.phase !== 'cancelled' && o.scan.phase !== 'failed') updateProgress(o.scan);
  else el.scan.dataset.phase = o.scan.phase;
}
void boot();
