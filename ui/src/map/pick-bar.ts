// The bar over the map while tracks are picked with the lasso (#map-picked): "N tracks picked —
// Make playlist from these · Start radio · Show in library · Clear". A playlist is made from at most MAX_SEEDS
// tracks, as from the table's selection: with more picked its button is off and the bar says so.
import { h } from '../dom';
import * as fmt from '../format';
import { MAX_SEEDS } from '../selection-summary';

export type PickBarHooks = {
  onMakePlaylist(viaKeyboard: boolean): void;
  onShowInLibrary(): void;
  onRadio(): void;
  onClear(): void;
};

export class PickBar {
  readonly el: HTMLElement;
  private text: HTMLElement;
  private note: HTMLElement;
  private make: HTMLButtonElement;
  private radio!: HTMLButtonElement;

  constructor(hooks: PickBarHooks) {
    this.text = h('strong', { id: 'map-picked-count', class: 'num' });
    this.note = h('span', { id: 'map-picked-note', class: 'map-picked-note', hidden: true }, `At most ${MAX_SEEDS} make a playlist`);
    this.make = h('button', {
      id: 'map-pick-playlist', class: 'btn btn-small btn-primary', type: 'button',
      onclick: (e: Event) => hooks.onMakePlaylist((e as MouseEvent).detail === 0),
    }, 'Make playlist from these');
    this.el = h('div', { id: 'map-picked', class: 'map-picked', role: 'region', 'aria-label': 'Picked tracks', hidden: true },
      this.text, h('span', { class: 'map-picked-sep', 'aria-hidden': 'true' }, '—'), this.make, this.note,
      this.radio = h('button', { id: 'map-pick-radio', class: 'btn btn-small', type: 'button', title: 'A radio that plays without end from their sound', onclick: () => hooks.onRadio() }, 'Start radio'),
      h('button', { id: 'map-pick-library', class: 'btn btn-small', type: 'button', title: 'The library table with only these tracks', onclick: () => hooks.onShowInLibrary() }, 'Show in library'),
      h('button', { id: 'map-pick-clear', class: 'btn btn-small', type: 'button', title: 'Pick none (Esc)', onclick: () => hooks.onClear() }, 'Clear'));
  }

  show(count: number) {
    this.el.hidden = count === 0;
    this.el.dataset.count = String(count);
    this.text.textContent = `${fmt.plural(count, 'track')} picked`;
    const tooMany = count > MAX_SEEDS;
    this.make.disabled = tooMany;
    this.radio.disabled = tooMany;
    this.make.title = tooMany ? `A playlist is made from at most ${MAX_SEEDS} tracks` : 'One playlist that sounds like all of them (P)';
    this.note.hidden = !tooMany;
  }
}
