// Segue's UI: builds the components, connects their hooks and subscribes to the backend's events.
// Every piece of state lives in a component (see README.md for what each one owns).
import './style.css';
import './map/map.css';
import * as api from './api';
import type { TrackRow } from './api';
import { ConfirmDialog } from './confirm';
import { ContextMenu } from './context-menu';
import { DetailPanel } from './detail-panel';
import { $ } from './dom';
import { ErrorBanner } from './errors';
import { FailuresView } from './failures';
import { FolderActions } from './folders';
import { JourneyPick } from './journey-pick';
import { Keyboard } from './keyboard';
import { LibraryTags } from './library-tags';
import { LibraryView } from './library-view';
import { MapView } from './map/view';
import { OutsideView } from './outside/view';
import { PlayingMarks } from './player/marks';
import { Player } from './player/player';
import { SavedList } from './playlist/saved-list';
import { seedOf } from './playlist/seeds';
import { PlaylistView } from './playlist/view';
import { PreviewSources } from './preview-sources';
import { RadioPanel } from './radio/view';
import { AnalysisStrip, ScanStrip } from './progress';
import { LibraryRefresh } from './refresh';
import { MAX_SEEDS } from './selection-summary';
import { ShortcutSheet } from './shortcut-sheet';
import { Sidebar } from './sidebar';
import { SimilarPanel } from './similar';
import { TrackTable } from './table';
import { Toast } from './toast';
import { Views, type ViewName } from './views';

// ---------- components ----------
// (Hooks may name components made further down: none is called while the components are built.)

const banner = new ErrorBanner($('#error-banner'), $('#error-text'), $<HTMLButtonElement>('#error-dismiss'));
const confirm = new ConfirmDialog($<HTMLDialogElement>('#confirm-dialog'));
const sheet = new ShortcutSheet($<HTMLDialogElement>('#shortcuts-dialog'), $<HTMLButtonElement>('#shortcuts-open'));
/** "Removed “Title” · Undo" after a playlist edit. */
const toast = new Toast($('#toast'));
/** "Journey to…": waits for the end track to be picked in the table. */
const journeyPick = new JourneyPick(toast, {
  onJourney: (from, to) => {
    showView('playlist');
    playlist.journey(seedOf(from), seedOf(to), false);
  },
});
/** What plays, as the rows of every list show it (and the map's pulse). */
const marks = new PlayingMarks({ onChange: (id, status) => map.setPlaying(id, status) });

/** The library's table and details (the detail panel moves beside the map while it is shown). */
const libraryContent = $('#view-library > .content');
const detailEl = $('#detail-panel');

const views = new Views({ library: $('#view-library'), map: $('#view-map'), failures: $('#view-failures'), playlist: $('#view-playlist'), radio: $('#view-radio'), outside: $('#view-outside') }, {
  onShow: (v) => {
    contextMenu.close();
    toast.hide();
    journeyPick.cancel();
    sidebar.setView(v);
    savedList.setActive(v === 'playlist' ? playlist.shownSavedId : null);
    if (v === 'map') map.content.append(detailEl);
    else if (v === 'library') libraryContent.append(detailEl);
    map.setVisible(v === 'map');
    if (v === 'library') table.schedule();
    else if (v === 'failures') void failures.load();
    else if (v === 'map') map.focus();
    else if (v === 'radio') radio.focus();
    else if (v === 'outside') outside.focus();
  },
});
const showView = (v: ViewName) => views.show(v);

const sidebar = new Sidebar({
  navLibrary: $<HTMLButtonElement>('#nav-library'), navMap: $<HTMLButtonElement>('#nav-map'), navRadio: $<HTMLButtonElement>('#nav-radio'), navOutside: $<HTMLButtonElement>('#nav-outside'), navFailures: $<HTMLButtonElement>('#nav-failures'), failureCount: $('#failure-count'),
  folderList: $('#folder-list'), addFolder: $<HTMLButtonElement>('#add-folder'), stats: $('#stats'),
}, {
  onNavigate: showView,
  onAddFolder: (button) => void folders.add(button),
  onRemoveFolder: (f) => void folders.remove(f),
});
const folders = new FolderActions({ confirm: confirm.ask, onChanged: () => refresh.schedule(0), onError: banner.show });

const table = new TrackTable($('#track-table'), $<HTMLTableSectionElement>('#track-body'), $<HTMLTableSectionElement>('#track-table thead'), marks, {
  onTotal: () => library.renderCounts(),
  onError: banner.show,
  onSelection: () => {
    if (journeyPick.active && table.selectionCount === 1) {
      const r = table.rowAt(table.selected);
      if (r && journeyPick.picked(r)) return;
    }
    detail.selectionChanged();
  },
  onReveal: () => {
    // The panel may open under the pointer: a double click's second click landing on it plays the row.
    const i = table.selected;
    const opening = !detail.isOpen;
    detail.open();
    if (opening && i >= 0) detail.armSecondClick(() => previews.playRow(i, false));
  },
  onPlay: (i) => previews.playRow(i, false),
});
const library = new LibraryView({
  toolbar: $('#toolbar'), search: $<HTMLInputElement>('#search'), bpmMin: $<HTMLInputElement>('#bpm-min'), bpmMax: $<HTMLInputElement>('#bpm-max'),
  keyFilter: $<HTMLSelectElement>('#key-filter'), tagFilter: $<HTMLSelectElement>('#tag-filter'), rowCount: $('#row-count'),
  idsFilter: $<HTMLButtonElement>('#ids-filter'), thead: $('#track-table thead'), content: libraryContent, noMatch: $('#no-match'),
  empty: $('#empty-state'), emptyAdd: $<HTMLButtonElement>('#empty-add-folder'), demo: $<HTMLButtonElement>('#demo-library'),
}, table, {
  onRowsReset: () => detail.close(false),
  vocabulary: () => libraryTags.current,
  onAddFolder: (button) => void folders.add(button),
  onDemo: (button) => void folders.demo(button),
});
const libraryTags = new LibraryTags({
  analysing: () => analysis.phase === 'running',
  onChange: (now, was) => {
    library.renderTagFilter();
    playlist.setTagSuggestions(now.tags);
    detail.vocabularyChanged(was, now);
  },
  onError: banner.show,
});

const similar = new SimilarPanel(marks, {
  onPick: (id, viaKeyboard, list) => {
    detail.pickSimilar(id, viaKeyboard);
    if (views.current === 'map') map.select(id);
    // a double click on a similar track: its second click lands on the new track's panel; it plays
    if (!viaKeyboard) detail.armSecondClick(() => previews.playFromSimilar(list, id));
  },
  onPlay: (t) => previews.playSimilar(t),
});
const detail = new DetailPanel(detailEl, table, similar, {
  onMakePlaylist: makePlaylist,
  onMakePlaylistFromSelection: makePlaylistFromSelection,
  onJourneyFromSelection: journeyFromSelection,
  onStartRadio: (rows) => (rows === 'selection' ? radioFromSelection() : startRadio([rows.id])),
  onJourneyTo: (r) => journeyPick.start(r),
  onShowFailures: () => showView('failures'),
  onTag: (label, viaKeyboard) => (views.current === 'map' ? map.filterByTag(label) : library.filterByTag(label, viaKeyboard)),
  onError: banner.show,
  vocabulary: () => libraryTags.current,
  refocus: () => (views.current === 'map' ? map.focus() : table.scroller.focus()),
});
const contextMenu = new ContextMenu($('#context-menu'), $<HTMLButtonElement>('#ctx-make-playlist'), $<HTMLButtonElement>('#ctx-journey'), $<HTMLButtonElement>('#ctx-radio'), table, {
  onMakePlaylist: makePlaylist,
  onMakePlaylistFromSelection: makePlaylistFromSelection,
  onJourneyFromSelection: journeyFromSelection,
  onStartRadio: radioFromSelection,
});

const map = new MapView($('#view-map'), marks, {
  onPick: (id) => {
    // The panel may open over the point: a double click's second click landing on it plays the track.
    const opening = !detail.isOpen;
    detail.openTrack(id);
    if (opening) detail.armSecondClick(() => previews.playMapPoint(id, map.playTarget?.ids ?? [id], false));
  },
  onPlay: (id, ids, toggle) => previews.playMapPoint(id, ids, toggle),
  onMakePlaylist: (seeds, viaKeyboard) => {
    showView('playlist');
    playlist.make(seeds, viaKeyboard);
  },
  onShowInLibrary: (ids) => {
    showView('library');
    library.filterByIds(ids);
  },
  onRadio: (ids) => startRadio(ids),
  onAddFolder: (button) => void folders.add(button),
  onDemo: (button) => void folders.demo(button),
  analysing: () => analysis.phase === 'running' || analysis.phase === 'paused',
  onError: banner.show,
});

const playlist = new PlaylistView($('#view-playlist'), marks, {
  onClose: () => {
    showView('library');
    table.scroller.focus({ preventScroll: true });
  },
  onSavedChange: () => savedList.refresh(),
  onShownSaved: (id) => savedList.setActive(views.current === 'playlist' ? id : null),
  onPlay: (e, toggle) => previews.playEntry(e, toggle),
  onPlayAll: () => previews.playAll(),
  onRadio: (ids) => startRadio(ids),
  onUndoable: (edit) => {
    if (edit) toast.show(edit.label, { label: 'Undo', run: () => playlist.undo() });
    else toast.hide();
  },
  onRows: (p) => map.setPath(p.seeds, p.entries, p.title),
});
const savedList = new SavedList($('#saved-playlists'), {
  onOpen: (id, viaKeyboard) => {
    showView('playlist');
    playlist.open(id, viaKeyboard);
    savedList.setActive(id);
  },
  confirm: confirm.ask,
  onRenamed: (p) => playlist.renamed(p),
  onDeleted: (id) => playlist.deleted(id),
  onError: banner.show,
});

const player: Player = new Player($('#player'), marks, {
  findByPath: (path) => (radio.now?.path === path ? radio.now : previews.findByPath(path)),
  queueOf: (path) => (radio.now?.path === path ? radio.queue : null),
  onAdvance: (from, to, queue) => previews.follow(from, to, queue),
});
const previews = new PreviewSources(player, table, similar, playlist, {
  view: () => views.current,
  tableStarted: () => library.started,
  shownRow: () => detail.shown,
  mapTarget: () => map.playTarget,
  mapFollow: (from, to) => map.follow(from, to),
});

const radio = new RadioPanel($('#view-radio'), marks, {
  onPlay: (t, queue, toggle) => (toggle ? player.toggleTrack(t, queue) : void player.play(t, queue)),
  onSkip: () => {
    if (player.queueKind === 'radio') void player.step(1);
    else void radio.next(false).then((t) => { if (t) void player.play(t, radio.queue); });
  },
  onStopped: () => {
    if (player.queueKind === 'radio') player.close();
    sidebar.setRadioOn(false);
  },
  onBack: () => showView('library'),
  onChange: (on) => sidebar.setRadioOn(on),
  onError: banner.show,
});

const outside = new OutsideView($('#view-outside'), marks, {
  onPlay: (list, id, toggle) => previews.playFromSimilar(list, id, toggle),
  onPlayFile: (file, results) => previews.playOutside(file, results),
  onMakePlaylist: (file, viaKeyboard) => {
    showView('playlist');
    playlist.makeFromFile(file, viaKeyboard);
  },
  onBack: () => showView('library'),
});
/** While files are dragged over the window: what dropping does. */
const dropOverlay = $('#drop-overlay');

const failures = new FailuresView($('#view-failures'), { onError: banner.show });
const scan = new ScanStrip($('#scan-progress'), $<HTMLButtonElement>('#rescan'), {
  onScanningChange: (scanning) => library.setScanning(scanning),
  onFinished: () => refresh.schedule(),
  onError: banner.show,
});
const analysis = new AnalysisStrip($('#analysis-progress'), {
  onDone: () => detail.refreshSimilar(),
  onResults: () => refresh.schedule(),
  onError: banner.show,
});
const refresh = new LibraryRefresh({ quiet: () => analysis.phase === 'running' && !scan.active, run: refreshLibrary });

new Keyboard({ views, confirm, sheet, contextMenu, library, table, detail, similar, playlist, player, previews, map, radio, journeyPick }, {
  showView, makePlaylist, makePlaylistFromSelection, journeyFromSelection, radioFromSelection, startRadio,
});

// ---------- what spans components ----------

/** "Make playlist" (the detail panel's button, P, the row's context menu): the playlist view
 *  takes the place of the table until Escape. */
function makePlaylist(row: TrackRow, viaKeyboard: boolean) {
  showView('playlist');
  playlist.make([seedOf(row)], viaKeyboard);
}

/** "Make playlist from these" (several rows selected): one playlist whose seeds are all of
 *  them, in table order (rows not loaded are asked for first). */
function makePlaylistFromSelection(viaKeyboard: boolean) {
  if (table.selectionCount > MAX_SEEDS) return; // the panel says why its button is off
  void banner.guard(table.selectedRows()).then((rows) => {
    if (!rows?.length) return;
    showView('playlist');
    playlist.make(rows.map(seedOf), viaKeyboard);
  });
}

// The describe box: Enter lists the tracks that fit the words in the playlist view; Escape
// clears it.
const describeBox = $<HTMLInputElement>('#describe');
describeBox.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && describeBox.value.trim()) {
    e.preventDefault();
    showView('playlist');
    playlist.describe(describeBox.value.trim(), true);
  } else if (e.key === 'Escape' && describeBox.value) {
    e.preventDefault();
    e.stopPropagation();
    describeBox.value = '';
  }
});

/** "Journey between these" (two rows selected): from the first in table order to the second. */
function journeyFromSelection(viaKeyboard: boolean) {
  if (table.selectionCount !== 2) return;
  void banner.guard(table.selectedRows()).then((rows) => {
    if (rows?.length !== 2) return;
    showView('playlist');
    playlist.journey(seedOf(rows[0]), seedOf(rows[1]), viaKeyboard);
  });
}

/** "Start radio" on these tracks: the radio view, its first pick playing. */
function startRadio(ids: number[]) {
  if (!ids.length) return;
  showView('radio');
  void radio.start(ids);
}

/** "Start radio" with rows selected: from all of them (rows not loaded are asked for first). */
function radioFromSelection() {
  if (table.selectionCount > MAX_SEEDS) return; // the panel says why its button is off
  void banner.guard(table.selectedRows()).then((rows) => { if (rows?.length) startRadio(rows.map((r) => r.id)); });
}

/** get_overview: the sidebar, the track count, the empty library's card or the table. */
async function loadOverview() {
  const o = await banner.guard(api.commands.getOverview());
  if (!o) return undefined;
  sidebar.render(o);
  library.setOverview(o);
  map.setFolders(o.folders);
  return o;
}

/** The library changed: the overview, the visible rows, the tags, the failures. */
async function refreshLibrary() {
  const hadTable = library.started;
  await loadOverview();
  if (hadTable && library.started) table.refresh();
  libraryTags.schedule(); // new tags (analysis), or fewer (a folder removed)
  if (views.current === 'failures') void failures.load();
}

// ---------- boot ----------

async function boot() {
  try {
    await api.events.scanProgress.listen((e) => scan.update(e.payload));
    await api.events.analysisProgress.listen((e) => { analysis.update(e.payload); map.changed(); });
    await api.events.libraryChanged.listen(() => { refresh.schedule(); map.changed(); });
    await api.events.mapProgress.listen((e) => map.setProgress(e.payload));
    await api.events.mapUpdated.listen(() => map.updated());
    await api.events.indexUpdated.listen(() => detail.refreshSimilar());
    await api.events.playlistsChanged.listen(() => savedList.refresh());
    await api.events.dragHover.listen((e) => { dropOverlay.hidden = !e.payload; });
    await api.events.filesDropped.listen((e) => {
      dropOverlay.hidden = true;
      showView('outside');
      outside.showDropped(e.payload.paths, e.payload.dropped);
    });
  } catch (e) { banner.show(e); }
  // The radio that was on before a reload first: a track it plays goes on in it.
  await radio.load();
  // A preview problem is the player bar's to show, never the banner's.
  player.start().catch((e) => console.warn('[segue] preview:', api.errorText(e)));
  // A damaged database was moved aside and a backup restored at start: say so once.
  const recovery = await banner.guard(api.commands.getRecovery());
  if (recovery) banner.show(recovery.message);
  const o = await loadOverview();
  if (!o) return;
  savedList.refresh(0);
  libraryTags.schedule(0);
  scan.resume(o.scan);
  if (o.analysis) analysis.resume(o.analysis);
}
void boot();
