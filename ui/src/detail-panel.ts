// The detail panel (#detail-panel) beside the table: the selected track's metadata, audio and
// file, its tags and analysis (from `get_track`), "Make playlist", and the similar tracks
// (SimilarPanel, hosted here); with several rows selected, what they are and "Make playlist from
// these" (selection-summary.ts). Picking a row (a click, the arrows) opens it, Esc or × closes
// it; it follows the table's selection. A similar track that is not among the loaded rows is
// shown from `get_track` with no table selection, as is a point picked on the map (the panel sits
// beside the map while it is shown). A new track is shown from its top.
import * as api from './api';
import type { TagVocabulary, TrackDetail, TrackRow } from './api';
import { analysisView } from './analysis-view';
import { h } from './dom';
import * as fmt from './format';
import { LISTED, selectionSummary } from './selection-summary';
import { hint } from './shortcuts';
import type { SimilarPanel } from './similar';
import type { TrackTable } from './table';
import { tagsSection } from './tags';

/** How soon a second click makes a double click (the systems' default is 400–500 ms). */
const DOUBLE_CLICK_MS = 500;
/** … and how near the first one (the systems allow a few pixels). */
const NEAR_PX = 8;

export type DetailHooks = {
  /** The "Make playlist" button. */
  onMakePlaylist(r: TrackRow, viaKeyboard: boolean): void;
  /** "Start radio" (one track, or the selected ones). */
  onStartRadio(rows: 'selection' | TrackRow): void;
  /** "Journey to…": this track starts a journey whose end the user picks next. */
  onJourneyTo(r: TrackRow): void;
  /** "Make playlist from these" (several rows selected). */
  onMakePlaylistFromSelection(viaKeyboard: boolean): void;
  /** "Journey between these" (two rows selected). */
  onJourneyFromSelection(viaKeyboard: boolean): void;
  /** The "Failures" link of a track whose analysis failed. */
  onShowFailures(): void;
  /** A tag chip: only the tracks with that tag. */
  onTag(label: string, viaKeyboard: boolean): void;
  onError(e: unknown): void;
  /** The library's tags (whether tagging is on at all). */
  vocabulary(): TagVocabulary | null;
  /** Closed with × or Esc: where the keyboard goes back to (the table, or the map). */
  refocus(): void;
};

export class DetailPanel {
  private opened = false;
  /** The row shown (null: closed, or its row is still loading). */
  private shownRow: TrackRow | null = null;
  // get_track for the row shown. One request at a time; while one is in flight only the newest
  // wanted row is kept (holding ↓ doesn't queue a request per row). A row is fetched again when
  // its status changes (e.g. analysis finished while it is open).
  private detail: TrackDetail | null = null;
  /** The id whose get_track failed (for the last asked status). */
  private detailError: number | null = null;
  /** `${id}:${status}` of the last finished request … */
  private detailAsked = '';
  /** … and of the one in flight. */
  private detailLoading = '';
  /** Bumped whenever what the panel should show changes: a get_track for a picked track that
   *  answers after that is dropped. */
  private jumpSeq = 0;
  /** A click just changed what lies under the pointer (the panel opened over it, or a picked
   *  similar track replaced the panel's content): the second click of a double click lands on
   *  whatever is there now, so it is caught before it does anything and means `run` instead. */
  private secondClick: { until: number; x: number; y: number; run: () => void } | null = null;
  /** Where the last first click (of one or more) went down: a double click's second click is there too. */
  private firstDown = { x: 0, y: 0 };

  constructor(private el: HTMLElement, private table: TrackTable, private similar: SimilarPanel, private hooks: DetailHooks) {
    el.addEventListener('click', (e) => {
      const chip = (e.target as Element).closest<HTMLElement>('button.tag-chip');
      if (chip?.dataset.tag) hooks.onTag(chip.dataset.tag, e.detail === 0);
    });
    document.addEventListener('mousedown', (e) => { if (e.detail <= 1) this.firstDown = { x: e.clientX, y: e.clientY }; }, true);
    const caught = (e: MouseEvent) => {
      const s = this.secondClick;
      return e.detail >= 2 && s != null && performance.now() < s.until && Math.abs(e.clientX - s.x) <= NEAR_PX && Math.abs(e.clientY - s.y) <= NEAR_PX;
    };
    el.addEventListener('mousedown', (e) => { if (caught(e)) e.preventDefault(); }, true); // no word selected, no focus moved
    el.addEventListener('click', (e) => {
      if (!caught(e)) return;
      e.preventDefault();
      e.stopPropagation();
      const run = this.secondClick!.run;
      this.secondClick = null;
      run();
    }, true);
  }

  /** A click just changed what lies under the pointer: until a double click's time is up, its
   *  second click (there, landing in the panel) means `run` (see secondClick). */
  armSecondClick(run: () => void) {
    this.secondClick = { until: performance.now() + DOUBLE_CLICK_MS, ...this.firstDown, run };
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** The track the panel shows (null: closed, or loading). */
  get shown(): TrackRow | null {
    return this.opened ? this.shownRow : null;
  }

  /** Show the table's selection (a row picked by a click or the arrows); open already: it
   *  follows the selection by itself. */
  open() {
    const table = this.table;
    if (this.opened || table.selected < 0) return;
    this.opened = true;
    this.el.hidden = false;
    this.showSelection();
    table.scrollIntoView(table.selected);
  }

  close(refocus = true) {
    if (!this.opened) return;
    this.opened = false;
    this.shownRow = null;
    this.jumpSeq++;
    this.similar.show(null);
    this.el.hidden = true;
    this.el.replaceChildren();
    if (refocus) this.hooks.refocus();
  }

  /** Show track `id`, picked outside the table (a point on the map): no table selection. */
  openTrack(id: number) {
    if (this.opened && this.shownRow?.id === id && this.table.selectionCount === 0) return;
    this.opened = true;
    this.el.hidden = false;
    if (this.shownRow?.id !== id) this.render(null); // "Loading…" until get_track answers
    void this.showTrack(id);
  }

  /** The table's selection changed, or the lead row's data arrived or changed. */
  selectionChanged() {
    this.jumpSeq++;
    if (this.opened) this.showSelection();
  }

  /** One row selected: its details; several: what they are; none (the last one Ctrl+clicked
   *  away): the panel closes. */
  private showSelection() {
    const table = this.table;
    const count = table.selectionCount;
    if (count === 0) { this.close(false); return; }
    if (count === 1) { this.render(table.rowAt(table.selected)); return; }
    this.shownRow = null;
    this.similar.show(null);
    const rows = table.selectedIndices().slice(0, LISTED).map((i) => table.rowAt(i));
    this.el.replaceChildren(...selectionSummary(count, rows, {
      onMakePlaylist: (viaKeyboard) => this.hooks.onMakePlaylistFromSelection(viaKeyboard),
      onJourney: (viaKeyboard) => this.hooks.onJourneyFromSelection(viaKeyboard),
      onRadio: () => this.hooks.onStartRadio('selection'),
      onClose: () => this.close(),
    }));
    this.el.scrollTop = 0;
  }

  /** Ask for the shown track's similar tracks again (the analysis finished, a new index). */
  refreshSimilar() {
    if (this.opened && this.shownRow) this.similar.refresh();
  }

  /** The library's tags were asked again: when tagging was turned on or off, the tags section says so. */
  vocabularyChanged(was: TagVocabulary | null, now: TagVocabulary) {
    const r = this.shown;
    if (r && (was == null || was.enabled !== now.enabled)) this.el.querySelector('#detail-tags')?.replaceWith(this.tagsView(r));
  }

  /** A similar track was picked: select its row when it is among the loaded rows (as a click on it
   *  would), else show its details without a table selection. */
  pickSimilar(id: number, viaKeyboard: boolean) {
    const i = this.table.indexOf(id);
    if (i >= 0) {
      this.table.select(i);
      if (!viaKeyboard) this.table.scroller.focus({ preventScroll: true });
    } else {
      void this.showTrack(id);
    }
    if (viaKeyboard) this.similar.focusFirstWhenReady(id);
  }

  /** Show a track that is not in the table (filtered out, or in a page not loaded): get_track. */
  private async showTrack(id: number) {
    const n = ++this.jumpSeq;
    this.table.clearSelection();
    let d: TrackDetail;
    try { d = await api.commands.getTrack(id); } catch (e) { if (n === this.jumpSeq) this.hooks.onError(e); return; }
    if (n !== this.jumpSeq || !this.opened) return;
    this.detail = d;
    this.detailError = null;
    this.detailAsked = `${d.track.id}:${d.track.status}`;
    this.render(d.track);
  }

  private needDetail(r: TrackRow) {
    const key = `${r.id}:${r.status}`;
    if (key === this.detailAsked || key === this.detailLoading) return;
    if (this.detailLoading) return; // the newest shownRow is looked at when this one finishes
    this.detailLoading = key;
    api.commands.getTrack(r.id).then((d) => {
      this.detail = d;
      this.detailError = null;
    }, (e) => {
      this.detailError = r.id;
      this.hooks.onError(e);
    }).finally(() => {
      this.detailAsked = key;
      this.detailLoading = '';
      const cur = this.shown;
      if (!cur) return;
      if (cur.id === r.id) {
        this.el.querySelector('#detail-tags')?.replaceWith(this.tagsView(cur));
        this.el.querySelector('#detail-analysis')?.replaceWith(this.analysisView(cur));
      }
      this.needDetail(cur);
    });
  }

  private render(r: TrackRow | null) {
    if (!this.opened) return;
    const panel = this.el;
    // The same track again (its row was refetched): keep the panel's scroll and the focus in the
    // similar tracks list (the section element is reused, so its rows survive the re-render).
    const same = r != null && this.shownRow?.id === r.id;
    const scrollTop = same ? panel.scrollTop : 0;
    const active = document.activeElement as HTMLElement | null;
    const keepFocus = active && this.similar.el.contains(active) ? active : null;
    this.shownRow = r;
    const close = h('button', { class: 'icon-btn detail-close', type: 'button', 'aria-label': 'Close details', title: 'Close (Esc)', onclick: () => this.close() }, '×');
    if (!r) {
      panel.replaceChildren(h('div', { class: 'detail-head' }, h('div', { class: 'detail-title muted' }, 'Loading…'), close));
      return;
    }
    const dash = (v: string | number | null | undefined) => (v == null || v === '' ? '—' : String(v));
    const row = (k: string, v: string | number | null | undefined, cls = '') =>
      [h('dt', {}, k), h('dd', { class: cls + (v == null || v === '' ? ' muted' : ''), title: v == null ? null : String(v) }, dash(v))];
    const section = (name: string, ...rows: Node[][]) =>
      h('section', { class: 'detail-section' }, h('h3', {}, name), h('dl', {}, ...rows.flat()));
    panel.replaceChildren(
      h('div', { class: 'detail-head' },
        h('div', { class: 'detail-heading' },
          h('div', { class: 'detail-title', title: r.title ?? fmt.basename(r.path) }, r.title ?? fmt.basename(r.path)),
          h('div', { class: 'detail-sub' }, [r.artist, r.album].filter(Boolean).join(' — ') || 'Unknown artist'),
          h('div', { class: 'detail-actions' },
            h('button', {
              id: 'make-playlist', class: 'btn btn-small', type: 'button', title: 'A playlist of tracks that sound like this one (P)',
              onclick: (e: Event) => this.hooks.onMakePlaylist(r, (e as MouseEvent).detail === 0),
            }, 'Make playlist'),
            h('button', {
              id: 'start-radio', class: 'btn btn-small', type: 'button', title: `A radio that plays without end from this track (${hint('table.radio')})`,
              onclick: () => this.hooks.onStartRadio(r),
            }, 'Start radio'),
            h('button', {
              id: 'journey-to', class: 'btn btn-small', type: 'button', title: 'A journey from this track to one you pick next, in even steps',
              onclick: () => this.hooks.onJourneyTo(r),
            }, 'Journey to…'))),
        close),
      section('Metadata',
        row('Title', r.title), row('Artist', r.artist), row('Album', r.album), row('Album artist', r.album_artist),
        row('Track', r.track_no), row('Disc', r.disc_no), row('Year', r.year), row('Genre', r.genre)),
      section('Audio',
        row('Duration', fmt.duration(r.duration_s), 'num'), row('Format', (r.format || '').toUpperCase()), row('Codec', r.codec),
        row('Sample rate', fmt.sampleRate(r.sample_rate), 'num'), row('Channels', fmt.channels(r.channels)),
        row('Bitrate', r.bitrate_kbps != null ? `${fmt.num(r.bitrate_kbps)} kbps` : null, 'num'),
        row('Cover art', r.has_cover ? 'Embedded' : 'None')),
      section('File', row('Path', r.path, 'path'),
        // A CUE sheet's track: which stretch of the file it is.
        ...(r.span ? [row('CUE sheet', `Track ${r.span.number}: ${fmt.duration(r.span.start_s)}–${r.span.end_s != null ? fmt.duration(r.span.end_s) : 'the end'} of the file`)] : []),
        row('Track ID', r.id, 'num')),
    );
    panel.querySelector('.detail-head')!.after(this.tagsView(r), this.analysisView(r), this.similar.el);
    this.similar.show(r);
    panel.scrollTop = scrollTop; // a new track from its top
    if (keepFocus && this.similar.el.contains(keepFocus)) keepFocus.focus({ preventScroll: true });
    this.needDetail(r);
  }

  /** get_track's answer when it is for `r` (else null), and whether it is still to come. */
  private detailFor(r: TrackRow): { d: TrackDetail | null; loading: boolean } {
    const d = this.detail && this.detail.track.id === r.id ? this.detail : null;
    return { d, loading: !d && this.detailError !== r.id };
  }

  private tagsView(r: TrackRow): HTMLElement {
    const { d, loading } = this.detailFor(r);
    return tagsSection(r, d, loading, this.hooks.vocabulary());
  }

  private analysisView(r: TrackRow): HTMLElement {
    const { d, loading } = this.detailFor(r);
    return analysisView(r, d, loading, () => this.hooks.onShowFailures());
  }
}
