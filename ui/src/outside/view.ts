// "Like a file" (#view-outside): the tracks of the library that sound like an audio file from
// outside it — one dropped on the window (anywhere: the drop overlay says so while a file is
// dragged over) or picked in a dialog. The app only reads files the user handed over this way;
// the view shows the file as analysed (title, tempo, key, tags), its similar tracks (▶ plays,
// next/previous walk the list) and "Make playlist", a playlist seeded by the file's sound.
import * as api from '../api';

/** A match this close is the same recording (a copy, another encoding of it). */
const SAME_RECORDING = 0.995;
import type { OutsideAnswer, OutsideTrack, SimilarTrack } from '../api';
import { h } from '../dom';
import * as fmt from '../format';
import type { PlayingMarks } from '../player/marks';
import { is } from '../shortcuts';
import { keyText, similarRow } from '../similar';

export type OutsideHooks = {
  /** ▶ on a row, or Space / Enter on it (`toggle`: a second press pauses). */
  onPlay(list: readonly SimilarTrack[], id: number, toggle: boolean): void;
  /** ▶ on the file's card: the file itself (next: the tracks like it). */
  onPlayFile(file: OutsideTrack, results: readonly SimilarTrack[]): void;
  /** "Make playlist": a playlist that sounds like the file. */
  onMakePlaylist(file: OutsideTrack, viaKeyboard: boolean): void;
  /** Escape, or the empty state's link: back to the library. */
  onBack(): void;
};

type State =
  | { kind: 'empty' }
  | { kind: 'loading'; path: string; note: string | null }
  | { kind: 'ready'; answer: OutsideAnswer; note: string | null }
  | { kind: 'error'; path: string; message: string };

export class OutsideView {
  private state: State = { kind: 'empty' };
  /** Bumped per file asked for: an answer for an older one is dropped. */
  private seq = 0;

  constructor(readonly el: HTMLElement, private marks: PlayingMarks, private hooks: OutsideHooks) {
    el.addEventListener('click', (e) => this.onClick(e));
    el.addEventListener('keydown', (e) => this.onKey(e));
    this.render();
  }

  /** The similar tracks shown (what Space on a row plays). */
  get results(): SimilarTrack[] {
    return this.state.kind === 'ready' ? this.state.answer.results : [];
  }

  /** Files dropped on the window (the regular files among what was dropped): the first is
   *  analysed, a note says when others were left. `dropped`: how many things were dropped. */
  showDropped(paths: string[], dropped: number) {
    if (!paths.length) {
      this.setState({ kind: 'error', path: '', message: dropped > 1
        ? 'None of those is a file: drop an audio file (a folder is added with “Add folder”).'
        : 'That is not a file: drop an audio file (a folder is added with “Add folder”).' });
      return;
    }
    const more = dropped - 1;
    this.load(paths[0], more > 0 ? `${fmt.plural(more, 'other item')} dropped with it ${more > 1 ? 'were' : 'was'} left out: one file at a time.` : null);
  }

  /** "Pick a file…": the native dialog, then that file. */
  async pick() {
    try {
      const path = await api.commands.pickOutsideFile();
      if (path) this.load(path, null);
    } catch (e) {
      this.setState({ kind: 'error', path: '', message: api.errorText(e) });
    }
  }

  focus() {
    const target = this.el.querySelector<HTMLElement>('li.similar-row[tabindex="0"]') ?? this.el.querySelector<HTMLElement>('.outside-primary');
    target?.focus({ preventScroll: true });
  }

  private load(path: string, note: string | null) {
    const seq = ++this.seq;
    this.setState({ kind: 'loading', path, note });
    api.commands.similarToOutsideFile(path).then((answer) => {
      if (seq !== this.seq) return;
      this.setState({ kind: 'ready', answer, note });
      this.focus();
    }, (e) => {
      if (seq !== this.seq) return;
      this.setState({ kind: 'error', path, message: api.errorText(e) });
    });
  }

  private setState(s: State) {
    this.state = s;
    this.render();
  }

  private onClick(e: MouseEvent) {
    const t = e.target as Element;
    if (t.closest('.outside-pick')) { void this.pick(); return; }
    if (t.closest('#outside-back')) { this.hooks.onBack(); return; }
    if (t.closest('#outside-playlist') && this.state.kind === 'ready') {
      this.hooks.onMakePlaylist(this.state.answer.file, e.detail === 0);
      return;
    }
    if (t.closest('#outside-file button.play') && this.state.kind === 'ready') {
      this.hooks.onPlayFile(this.state.answer.file, this.results);
      return;
    }
    const li = t.closest<HTMLElement>('li.similar-row');
    if (!li) return;
    li.focus({ preventScroll: true });
    if (t.closest('button.play')) this.hooks.onPlay(this.results, Number(li.dataset.id), true);
  }

  /** ↑/↓, Home/End between the rows; Enter plays the row, Space plays or pauses it; Escape
   *  goes back. (These keys are the view's: the app-wide ones do not see them.) */
  private onKey(e: KeyboardEvent) {
    if (is('outside.back', e)) { e.preventDefault(); e.stopPropagation(); this.hooks.onBack(); return; }
    const li = (e.target as Element).closest<HTMLElement>('li.similar-row');
    if (!li) return;
    if (is('playPause', e) && !(e.target as Element).closest('button')) {
      e.preventDefault();
      e.stopPropagation();
      if (!e.repeat) this.hooks.onPlay(this.results, Number(li.dataset.id), true);
      return;
    }
    const rows = [...this.el.querySelectorAll<HTMLElement>('li.similar-row')];
    const i = rows.indexOf(li);
    const next = is('outside.down', e) ? Math.min(rows.length - 1, i + 1) : is('outside.up', e) ? Math.max(0, i - 1)
      : is('outside.first', e) ? 0 : is('outside.last', e) ? rows.length - 1 : null;
    if (next != null) {
      e.preventDefault();
      e.stopPropagation();
      for (const r of rows) r.tabIndex = r === rows[next] ? 0 : -1;
      rows[next].focus();
      return;
    }
    if (is('outside.play', e)) {
      e.preventDefault();
      e.stopPropagation();
      this.hooks.onPlay(this.results, Number(li.dataset.id), false);
    }
  }

  private render() {
    const s = this.state;
    this.el.dataset.state = s.kind;
    this.el.setAttribute('aria-busy', String(s.kind === 'loading'));
    const pick = (label: string, primary = false) =>
      h('button', { class: `btn outside-pick${primary ? ' btn-primary outside-primary' : ''}`, type: 'button', title: 'Pick an audio file that is not in your library' }, label);
    const head = h('div', { class: 'toolbar outside-toolbar' }, h('h2', { class: 'view-title' }, 'Like a file'));
    if (s.kind === 'empty') {
      this.el.replaceChildren(head, h('div', { id: 'outside-empty', class: 'empty-state' },
        h('div', { class: 'empty-card' },
          h('div', { class: 'empty-art outside-art', 'aria-hidden': 'true' }, '⤓'),
          h('h1', {}, 'Find tracks like a file'),
          h('p', {}, 'Drop an audio file anywhere on this window — a song someone sent you, a download — and Segue lists the tracks of your library that sound like it. The file is analysed, not added to the library.'),
          h('div', { class: 'empty-actions' }, pick('Pick a file…', true),
            h('button', { id: 'outside-back', class: 'btn', type: 'button' }, 'Back to the library')))));
      return;
    }
    if (s.kind === 'loading') {
      this.el.replaceChildren(head, h('div', { class: 'outside-body' },
        h('p', { id: 'outside-status', class: 'outside-status', role: 'status' },
          h('span', { class: 'outside-spinner', 'aria-hidden': 'true' }),
          `Analysing “${fmt.basename(s.path)}” — tempo, key, tags and sound, as a scan would…`),
        ...(s.note ? [h('p', { class: 'detail-note' }, s.note)] : [])));
      return;
    }
    if (s.kind === 'error') {
      this.el.replaceChildren(head, h('div', { class: 'outside-body' },
        h('p', { id: 'outside-status', class: 'outside-status is-error', role: 'alert' },
          s.path ? `Cannot use “${fmt.basename(s.path)}”: ${s.message.startsWith(`${s.path}: `) ? s.message.slice(s.path.length + 2) : s.message}` : s.message),
        h('div', { class: 'outside-actions' }, pick('Pick another file…', true))));
      return;
    }
    const { file, results } = s.answer;
    head.append(h('span', { class: 'toolbar-spacer' }),
      h('button', { id: 'outside-playlist', class: 'btn btn-primary outside-primary', type: 'button', disabled: results.length === 0 ? '' : null,
        title: 'A playlist that sounds like this file (the file itself is not in it)' }, 'Make playlist'),
      pick('Pick another file…'));
    const list = results.length
      ? h('ul', { id: 'outside-list', class: 'similar-list outside-list', 'aria-label': `Tracks like ${this.name(file)}` },
        ...results.map((r, i) => similarRow(r, i, this.marks)))
      : h('p', { class: 'detail-note similar-message is-none' }, 'Nothing in your library sounds like this file.');
    this.el.replaceChildren(head, h('div', { class: 'outside-body' },
      this.fileCard(file),
      ...(s.note ? [h('p', { class: 'detail-note' }, s.note)] : []),
      ...(results[0] && results[0].score >= SAME_RECORDING && file.library_id == null
        ? [h('p', { id: 'outside-twin', class: 'detail-note' },
          `It sounds the same as “${results[0].title ?? fmt.basename(results[0].path)}”${results[0].artist ? ` by ${results[0].artist}` : ''} in your library — a copy of it?`)]
        : []),
      h('h3', { class: 'outside-subhead' }, results.length ? `${fmt.plural(results.length, 'track')} that sound like it` : 'Similar tracks'),
      list));
  }

  private name(f: OutsideTrack): string {
    return f.title ?? fmt.basename(f.path);
  }

  private fileCard(f: OutsideTrack): HTMLElement {
    const meta: string[] = [fmt.basename(f.path)];
    if (f.duration_s != null) meta.push(fmt.duration(f.duration_s));
    if (f.bpm != null) meta.push(`${fmt.num(Math.round(f.bpm))} BPM`);
    const key = keyText(f);
    if (key) meta.push(f.camelot ? `${key} (${f.camelot})` : key);
    return h('section', { id: 'outside-file', class: 'outside-file', 'aria-label': 'The file', title: f.path },
      h('div', { class: 'outside-file-head' }, this.marks.button(api.OUTSIDE_ID, this.name(f), true),
        h('div', { class: 'outside-file-name' }, this.name(f))),
      h('div', { class: 'muted' }, [f.artist, f.album].filter(Boolean).join(' — ') || fmt.basename(f.path)),
      h('div', { class: 'outside-file-meta num' }, meta.join(' · ')),
      f.chips.length ? h('div', { class: 'outside-chips' }, ...f.chips.map((c) => h('span', { class: 'tag-chip' }, h('span', { class: 'tag-label' }, c)))) : null,
      f.library_id != null ? h('p', { class: 'detail-note' }, 'This file is in your library too (it is not listed as its own match).') : null);
  }
}
