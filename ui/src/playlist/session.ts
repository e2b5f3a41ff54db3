// The playlist the view shows and its backend calls: made from one or more seed tracks
// (`make_playlist`) with the knobs' settings, or a saved one opened from the sidebar
// (`get_playlist`); its rows swapped (`swap_playlist_track`), removed, moved and sorted along a
// dimension (`sort_playlist_tracks`) — each of those can be undone (the last first); saved (`save_playlist`) and exported. Once saved, the
// playlist is bound to it: every later edit (and undo) is stored at once (`set_playlist_tracks`).
// Regenerating from the knobs makes a new, unsaved draft.
// No DOM here: the view renders what `shown` says when told what changed.
import * as api from '../api';
import type { Format, PlaylistEntry, SavedPlaylist, SortBy } from '../api';
import { EditHistory, type Edit } from './history';
import { defaultRequest } from './knobs';
import { fileSeed, seedCount, seedOf, trackName, type Seed } from './seeds';
import type { RetryTarget, SessionHooks, Settings, Shown } from './shown';

export type { Change, RetryTarget, SessionHooks, Settings, Shown, StatusKind } from './shown';

const sameIds = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
/** How many tracks a description lists. */
const DESCRIBED_TRACKS = 30;
/** The seeds of a saved playlist whose tracks are asked for (its header names at most three). */
const SEEDS_NAMED = 3;

export class PlaylistSession {
  /** What is shown (the view reads it through `shown`). */
  private s: Shown = {
    state: 'loading', seeds: [], base: null, request: null, entries: [], shortfall: null, lengthen: null, notes: [],
    reasonsFollowSteps: false, reasonsAfter: new Map(), error: null, described: null,
    generation: 0, savedId: null, savedName: null, busy: { save: false, export: false }, swapping: new Set(),
  };
  /** JSON of the last request sent to make_playlist: knob events that change nothing ask nothing. */
  private asked = '';
  private retry: RetryTarget | null = null;
  /** Bumped by every make/open: answers for an older one are dropped. */
  private seq = 0;
  /** Bumped when another playlist is shown (made or opened; not by regenerating or editing it). */
  private list = 0;
  /** set_playlist_tracks calls, one after another (the last one wins). */
  private persisting: Promise<unknown> = Promise.resolve();
  /** The edits Undo takes back, the last first. */
  private history = new EditHistory();
  /** Bumped by every undo: a swap that answers after it is dropped. */
  private undone = 0;

  constructor(private settings: Settings, private hooks: SessionHooks) {}

  get shown(): Readonly<Shown> {
    return this.s;
  }

  /** Which playlist is shown: changes when another one is made or opened. */
  get listId(): number {
    return this.list;
  }

  get retryTarget(): RetryTarget | null {
    return this.retry;
  }

  /** A new playlist from `seeds` (one or more, in table order) with the knobs' settings; or
   *  from `file`, a file outside the library (its seed, `fileSeed`; the app knows its path). */
  make(seeds: Seed[], file: Seed | null = null) {
    this.list++;
    this.s.described = null;
    this.forgetEdits();
    this.unbind();
    const s = this.s;
    s.seeds = file ? [file, ...seeds] : seeds.slice();
    s.base = { ...defaultRequest(seeds.map((x) => x.id)), seed_file: file?.path ?? null };
    s.request = null;
    this.clearRows();
    this.hooks.onStatus(null);
    this.generate(true);
  }

  /** A journey from `from` to `to` with the knobs' settings (its length counts both ends). */
  journey(from: Seed, to: Seed) {
    this.list++;
    this.s.described = null;
    this.forgetEdits();
    this.unbind();
    const s = this.s;
    s.seeds = [from, to];
    s.base = { ...defaultRequest([from.id]), journey_to: to.id };
    s.request = null;
    this.clearRows();
    this.hooks.onStatus(null);
    this.generate(true);
  }

  /** The tracks that fit a description in words, best first: a list to play, edit and save
   *  (it has no seeds: the knobs are off). The status line says which words were understood. */
  describe(words: string) {
    this.list++;
    this.forgetEdits();
    this.unbind();
    const seq = ++this.seq;
    const s = this.s;
    s.seeds = [];
    s.base = null;
    s.request = null;
    s.described = words;
    this.clearRows();
    s.error = null;
    s.state = 'loading';
    this.retry = { kind: 'describe', words };
    this.asked = '';
    this.hooks.onStatus(null);
    this.hooks.onChange('all');
    api.commands.describeTracks(words, null, DESCRIBED_TRACKS).then((a) => {
      if (seq !== this.seq) return;
      this.arrived({ entries: a.tracks, shortfall: null, lengthen: null, notes: [], reasons_follow_steps: false });
      const understood = a.understood.map((u) => (u.negated ? u.words : `${u.words}`)).join(', ');
      const ignored = a.ignored.length ? `not understood: ${a.ignored.join(' ')}` : '';
      if (!a.understood.length) {
        this.hooks.onStatus(`No word matched a genre, mood or instrument Segue knows${ignored ? ` (${ignored})` : ''}.`, 'error');
      } else {
        this.hooks.onStatus(`Understood: ${understood}${ignored ? ` · ${ignored}` : ''}`);
      }
    }, (e) => this.fail(seq, e));
  }

  /** A saved playlist from the sidebar. */
  open(id: number) {
    this.list++;
    this.s.described = null;
    this.forgetEdits();
    const seq = ++this.seq;
    const s = this.s;
    s.savedId = id;
    this.hooks.onShownSaved(id);
    s.seeds = [];
    s.base = null;
    s.request = null;
    this.clearRows();
    s.error = null;
    s.state = 'loading';
    this.retry = { kind: 'open', id };
    this.asked = '';
    this.hooks.onStatus(null);
    this.hooks.onChange('all');
    api.commands.getPlaylist(id).then((d) => {
      if (seq !== this.seq) return;
      s.savedId = d.playlist.id;
      s.savedName = d.playlist.name;
      s.request = d.request && api.fullRequest(d.request);
      s.base = s.request && seedCount(s.request) ? s.request : null;
      if (s.base) this.settings.setFrom(s.base);
      this.asked = s.base ? JSON.stringify(this.settings.request(s.base)) : '';
      // (the engine explains a saved list's rows in its order: steps in flow and harmonic orders)
      const moves = s.request != null && (s.request.journey_to != null || s.request.ramp != null);
      this.arrived({ entries: d.entries, shortfall: null, lengthen: null, notes: [],
        reasons_follow_steps: s.request != null && (s.request.order !== 'similarity' || moves) });
      // the first seeds' names for the header (a seed that left the library just isn't named);
      // a journey's start and end
      const journeyTo = s.request?.journey_to;
      const named = journeyTo != null ? [s.request?.seeds[0] ?? journeyTo, journeyTo] : (s.request?.seeds ?? []).slice(0, SEEDS_NAMED);
      // (a file it was made from is named by its file name: it is not in the library)
      const file = s.request?.seed_file ? [fileSeed({ path: s.request.seed_file, title: null, artist: null, bpm: null })] : [];
      s.seeds = file;
      if (named.length) {
        void Promise.all(named.map((id) => api.commands.getTrack(id).then((t) => seedOf(t.track), () => null))).then((found) => {
          if (seq !== this.seq) return;
          const known: Seed[] = file.slice();
          for (const f of found) { if (!f) break; known.push(f); }
          s.seeds = known;
          this.hooks.onChange('header');
        });
      } else if (file.length) this.hooks.onChange('header');
    }, (e) => this.fail(seq, e));
  }

  /** Make the playlist again with the knobs' settings; unless `force`, only when they changed. */
  generate(force: boolean) {
    const base = this.s.base;
    if (!base) return;
    const request = this.settings.request(base);
    const json = JSON.stringify(request);
    if (!force && json === this.asked) return;
    this.asked = json;
    if (this.s.savedId != null) {
      // A saved playlist is a snapshot: new settings make a new draft (Save keeps it).
      this.unbind();
      this.hooks.onStatus('New settings: this is a new playlist, not saved yet.');
    }
    const seq = ++this.seq;
    this.forgetEdits(); // the rows to come are another list
    this.s.state = 'loading';
    this.s.error = null;
    this.retry = { kind: 'make' };
    this.hooks.onChange('all');
    api.commands.makePlaylist(request).then((p) => {
      if (seq !== this.seq) return;
      this.s.request = api.fullRequest(p.request);
      this.arrived(p);
    }, (e) => this.fail(seq, e));
  }

  /** The playlist was renamed in the sidebar. */
  renamed(p: SavedPlaylist) {
    if (p.id !== this.s.savedId) return;
    this.s.savedName = p.name;
    this.hooks.onChange('header');
  }

  /** The playlist was deleted in the sidebar: what is shown stays, as an unsaved draft. */
  deleted(id: number) {
    if (id !== this.s.savedId) return;
    this.unbind();
    this.hooks.onStatus('Playlist deleted — this list is no longer saved.');
    this.hooks.onChange('all');
  }

  /** Make the playlist again with the one change the engine offers to lengthen it (a rule
   *  dropped): the knobs show it, as if set by hand. */
  lengthen() {
    const l = this.s.lengthen;
    if (!l || !this.s.base || this.s.state === 'loading') return;
    this.s.base = api.fullRequest(l.request); // also the fields without a knob (folders, durations)
    this.settings.setFrom(this.s.base, true);
    this.generate(true);
  }

  private clearRows() {
    const s = this.s;
    s.entries = [];
    s.shortfall = null;
    s.lengthen = null;
    s.notes = [];
    s.reasonsFollowSteps = false;
  }

  /** New rows (made or opened). What each row's reasons compare it with, in step orders: the
   *  track before it, the first one the seed. */
  private arrived(p: Pick<api.Playlist, 'entries' | 'shortfall' | 'lengthen' | 'notes' | 'reasons_follow_steps'>) {
    const s = this.s;
    s.entries = p.entries;
    s.shortfall = p.shortfall;
    s.lengthen = p.lengthen;
    s.notes = p.notes;
    s.reasonsFollowSteps = p.reasons_follow_steps;
    s.reasonsAfter = new Map(p.entries.map((e, i) => [e.id, i > 0 ? { id: p.entries[i - 1].id, name: trackName(p.entries[i - 1]) } : null]));
    s.generation++;
    s.swapping.clear();
    this.forgetEdits();
    s.state = s.entries.length ? 'ready' : 'empty';
    this.hooks.onChange('arrived');
  }

  private fail(seq: number, e: unknown) {
    if (seq !== this.seq) return;
    const s = this.s;
    s.state = 'error';
    s.error = api.errorText(e);
    this.clearRows();
    this.hooks.onChange('failed');
  }

  // ---------- editing ----------

  private ids() {
    return this.s.entries.map((e) => e.id);
  }

  /** Swap the track at `index` for the best one not in the list. */
  swap(index: number) {
    const s = this.s;
    const old = s.entries[index];
    if (!old || !s.request || s.swapping.has(old.id)) return;
    const current = this.ids();
    const request = s.request;
    const seq = this.seq;
    const undone = this.undone;
    s.swapping.add(old.id);
    this.hooks.onStatus(null);
    this.hooks.onChange('rows');
    api.commands.swapPlaylistTrack(request, current, index).then((entry) => {
      if (seq !== this.seq) return;
      s.swapping.delete(old.id);
      if (undone !== this.undone) { this.hooks.onChange('rows'); return; } // asked about rows an undo took back
      const at = s.entries.findIndex((e) => e.id === old.id); // rows may have moved meanwhile
      if (at < 0) { this.hooks.onChange('rows'); return; }
      if (!entry) {
        this.hooks.onStatus(`Nothing else fits slot ${at + 1} with these settings.`);
        this.hooks.onChange('rows');
        return;
      }
      if (s.entries.some((e) => e.id === entry.id)) {
        // the list changed while we asked, and the answer is already in it
        this.hooks.onStatus('The list changed meanwhile — swap again.');
        this.hooks.onChange('rows');
        return;
      }
      const before = s.entries.slice();
      s.entries[at] = entry;
      s.reasonsAfter.set(entry.id, null); // swap_playlist_track explains a track against the seed
      this.edited({ label: `Swapped “${trackName(old)}” for “${trackName(entry)}”`, before, index: at });
      this.hooks.onChange('all');
    }, (e) => {
      if (seq !== this.seq) return;
      s.swapping.delete(old.id);
      this.hooks.onStatus(api.errorText(e), 'error');
      this.hooks.onChange('rows');
    });
  }

  /** Remove row `index`; false when there is none. The caller renders (it knows where the focus goes). */
  remove(index: number): boolean {
    const s = this.s;
    if (index < 0 || index >= s.entries.length) return false;
    const before = s.entries.slice();
    const [gone] = s.entries.splice(index, 1);
    this.hooks.onStatus(null);
    this.edited({ label: `Removed “${trackName(gone)}”`, before, index });
    return true;
  }

  /** Move row `from` to `to`; false when nothing moves. The caller renders. */
  move(from: number, to: number): boolean {
    const s = this.s;
    if (from === to || from < 0 || to < 0 || from >= s.entries.length || to >= s.entries.length) return false;
    const before = s.entries.slice();
    const [e] = s.entries.splice(from, 1);
    s.entries.splice(to, 0, e);
    this.edited({ label: `Moved “${trackName(e)}”`, before, index: to });
    return true;
  }

  /** Re-order the rows along `by` (`label`: how the undo toast names it): an edit Undo takes
   *  back. Nothing happens when the list changed while the engine was asked. */
  sort(by: SortBy, label: string) {
    const s = this.s;
    if (!s.entries.length || s.state === 'loading') return;
    const seq = this.seq;
    const undone = this.undone;
    const ids = this.ids();
    api.commands.sortPlaylistTracks(ids, by).then((order) => {
      if (seq !== this.seq || undone !== this.undone || !sameIds(ids, this.ids())) return;
      const byId = new Map(s.entries.map((e) => [e.id, e]));
      const sorted = order.map((id) => byId.get(id)).filter((e): e is PlaylistEntry => e != null);
      if (sorted.length !== s.entries.length) return;
      if (sameIds(order, ids)) { this.hooks.onStatus(`Already sorted by ${label.toLowerCase()}.`); return; }
      const before = s.entries.slice();
      s.entries = sorted;
      this.hooks.onStatus(null);
      this.edited({ label: `Sorted by ${label.toLowerCase()}`, before, index: 0 });
      this.hooks.onChange('all');
    }, (e) => {
      if (seq === this.seq) this.hooks.onStatus(api.errorText(e), 'error');
    });
  }

  /** Take the last remove, swap or move back (a saved playlist stores the rows again). The edit
   *  undone (null: nothing to undo). The caller renders. */
  undo(): Edit | null {
    const edit = this.history.pop();
    if (!edit) return null;
    const s = this.s;
    this.undone++;
    s.swapping.clear();
    s.entries = edit.before.slice();
    s.state = s.entries.length ? 'ready' : 'empty';
    this.hooks.onStatus(null);
    this.persist();
    this.hooks.onUndoable(null);
    return edit;
  }

  /** Another list: its edits can't be undone here. */
  private forgetEdits() {
    this.history.clear();
    this.hooks.onUndoable(null);
  }

  /** The rows changed here (`edit`): it can be undone; a saved playlist stores the new track list. */
  private edited(edit: Edit) {
    if (!this.s.entries.length) this.s.state = 'empty';
    this.history.push(edit);
    this.persist();
    this.hooks.onUndoable(edit);
  }

  private persist() {
    const id = this.s.savedId;
    if (id == null) return;
    const ids = this.ids();
    this.persisting = this.persisting.then(() => api.commands.setPlaylistTracks(id, ids).then(() => {
      this.hooks.onSavedChange();
    }, (e) => {
      if (this.s.savedId === id) this.hooks.onStatus(`The change was not saved: ${api.errorText(e)}`, 'error');
    }));
  }

  // ---------- save / export ----------

  /** Save what is shown under `name`; the session is then bound to it. True when saved. */
  async save(name: string): Promise<boolean> {
    const s = this.s;
    if (s.busy.save || !s.entries.length) return false;
    const seq = this.seq;
    const ids = this.ids();
    s.busy.save = true;
    this.hooks.onChange('actions');
    try {
      const p = await api.commands.savePlaylist(name, s.request, ids);
      if (seq !== this.seq) return false; // another playlist is shown now
      s.savedId = p.id;
      s.savedName = p.name;
      this.hooks.onShownSaved(p.id);
      this.hooks.onSavedChange();
      this.hooks.onStatus(`Saved as “${p.name}”.`, 'ok');
      // rows edited while the save was on its way
      if (!sameIds(ids, this.ids())) this.persist();
      return true;
    } catch (e) {
      if (seq === this.seq) this.hooks.onStatus(api.errorText(e), 'error');
      return false;
    } finally {
      s.busy.save = false;
      this.hooks.onChange('all');
    }
  }

  /** Export the saved playlist (a draft is saved first, by the caller): the file gets the latest
   *  order; "Exported to …", or nothing when the dialog was cancelled. */
  async exportSaved(format: Format) {
    const s = this.s;
    const id = s.savedId;
    if (id == null) return;
    s.busy.export = true;
    this.hooks.onChange('actions');
    try {
      await this.persisting;
      const path = await api.commands.exportPlaylist(id, format);
      if (s.savedId !== id) return;
      this.hooks.onStatus(path ? `Exported to ${path}` : null, 'ok'); // null: the dialog was cancelled
    } catch (e) {
      if (s.savedId === id) this.hooks.onStatus(api.errorText(e), 'error');
    } finally {
      s.busy.export = false;
      this.hooks.onChange('actions');
    }
  }

  private unbind() {
    if (this.s.savedId == null && this.s.savedName == null) return;
    this.s.savedId = null;
    this.s.savedName = null;
    this.hooks.onShownSaved(null);
  }
}
