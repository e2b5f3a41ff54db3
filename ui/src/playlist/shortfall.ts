// Above the playlist's rows, what the engine says about the list it made: why it is shorter than
// asked (`shortfall`, as the engine words it), with a button for the one change that would
// lengthen it (`lengthen`: "Any tempo — 4 more"), and what it did on its own (`notes`: "Allowed
// 6 per artist to keep it sounding alike."), in small text. Nothing of the UI's own making.
import type { Lengthen } from '../api';
import { h } from '../dom';
import { num, plural } from '../format';

export type ShortfallHooks = {
  /** The lengthen button: make the playlist again with its request. */
  onLengthen(): void;
};

/** What the banner shows: the engine's answer (nothing while there is none, or for an error). */
export type ShortfallState = {
  shortfall: string | null;
  lengthen: Lengthen | null;
  notes: readonly string[];
  /** A new playlist is on its way: the button waits. */
  busy: boolean;
};

/** div#playlist-shortfall (#playlist-shortfall-text, button#playlist-lengthen) and
 *  p#playlist-notes. */
export class ShortfallBanner {
  /** The banner and the notes, in the order they are shown. */
  readonly els: readonly HTMLElement[];
  private banner: HTMLElement;
  private text: HTMLElement;
  private button: HTMLButtonElement;
  private notes: HTMLElement;

  constructor(hooks: ShortfallHooks) {
    this.text = h('span', { id: 'playlist-shortfall-text', class: 'playlist-shortfall-text' });
    this.button = h('button', { id: 'playlist-lengthen', class: 'btn btn-small playlist-lengthen', type: 'button', hidden: true, onclick: () => hooks.onLengthen() });
    this.banner = h('div', { id: 'playlist-shortfall', class: 'playlist-shortfall', hidden: true }, this.text, this.button);
    this.notes = h('p', { id: 'playlist-notes', class: 'playlist-notes', hidden: true });
    this.els = [this.banner, this.notes];
  }

  show(s: ShortfallState) {
    this.banner.hidden = !s.shortfall;
    this.text.textContent = s.shortfall ?? '';
    const l = s.shortfall ? s.lengthen : null;
    this.button.hidden = !l;
    this.button.disabled = s.busy;
    this.button.textContent = l ? `${l.label} — ${num(l.tracks)} more` : '';
    this.button.title = l ? `Make it again without that rule: ${plural(l.tracks, 'more track')} that sound alike` : '';
    this.notes.hidden = !s.notes.length;
    this.notes.textContent = s.notes.join(' ');
  }
}
