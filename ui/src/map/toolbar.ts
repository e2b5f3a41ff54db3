// The map's toolbar: search and filters that dim the points that don't match (text, tempo range,
// key, tag), "Colour by" (remembered), how many points match and Re-arrange; and the controls
// floating over the map's top right corner: zoom in and out, Fit, the lasso toggle. Esc in a box
// clears it (then leaves it), Enter applies at once, ↓ in the search goes to the map.
import { h } from '../dom';
import * as fmt from '../format';
import { WHEEL } from '../music';
import { hint, is } from '../shortcuts';
import { COLOUR_MODES, isColourBy, type ColourBy } from './colour-by';
import type { MapFilter } from './filters';

export type ToolbarHooks = {
  onFilter(f: MapFilter): void;
  onColourBy(c: ColourBy): void;
  /** The lasso was turned on or off (`fromUser`: with the button). */
  onLasso(on: boolean, fromUser: boolean): void;
  onFit(): void;
  /** The + / − buttons (factor > 1: in). */
  onZoom(factor: number): void;
  onRearrange(): void;
  /** ↓ in the search box: on to the map. */
  onLeave(): void;
};

const num = (input: HTMLInputElement): number | null => {
  const v = input.value.trim() === '' ? NaN : input.valueAsNumber;
  return Number.isFinite(v) && v >= 0 ? v : null;
};

export class MapToolbar {
  readonly el: HTMLElement;
  /** The buttons over the map (.map-controls). */
  readonly controls: HTMLElement;
  private search: HTMLInputElement;
  private bpmMin: HTMLInputElement;
  private bpmMax: HTMLInputElement;
  private key: HTMLSelectElement;
  private tag: HTMLSelectElement;
  private colour: HTMLSelectElement;
  private count: HTMLElement;
  private lassoBtn: HTMLButtonElement;
  readonly rearrange: HTMLButtonElement;
  private timer = 0;
  private tagKey = '';
  private lasso = false;

  constructor(colourBy: ColourBy, private hooks: ToolbarHooks) {
    const box = (id: string, placeholder: string, label: string) => h('input', {
      id, class: 'filter-input num', type: 'number', min: 0, max: 999, step: 1, inputmode: 'numeric', placeholder, 'aria-label': label,
    });
    this.search = h('input', {
      id: 'map-search', type: 'search', placeholder: 'Search the map…', title: 'Titles, artists and albums: the others fade',
      autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Search the map',
    });
    this.bpmMin = box('map-bpm-min', 'min BPM', 'Minimum BPM');
    this.bpmMax = box('map-bpm-max', 'max BPM', 'Maximum BPM');
    this.key = h('select', { id: 'map-key', class: 'filter-select', 'aria-label': 'Key' },
      h('option', { value: '' }, 'Any key'), ...WHEEL.map((k) => h('option', { value: k.code }, `${k.code} · ${k.name}`)));
    this.tag = h('select', { id: 'map-tag', class: 'filter-select', 'aria-label': 'Tag' }, h('option', { value: '' }, 'Any tag'));
    this.colour = h('select', { id: 'map-colour-by', class: 'filter-select map-colour', 'aria-label': 'Colour by', title: 'Colour by: what the colours show' },
      ...COLOUR_MODES.map((m) => h('option', { value: m.id }, `Colour: ${m.label}`)));
    this.colour.value = colourBy;
    this.count = h('span', { id: 'map-count', class: 'row-count', 'aria-live': 'polite' });
    this.lassoBtn = h('button', {
      id: 'map-lasso', class: 'map-control map-lasso', type: 'button', 'aria-pressed': 'false', 'aria-label': 'Lasso',
      title: `Lasso: draw around tracks to pick them (${hint('map.lasso')}, or Shift+drag)`, onclick: () => this.setLasso(!this.lasso, true),
    }, h('span', { class: 'map-lasso-icon', 'aria-hidden': 'true' }));
    const control = (id: string, label: string, text: string, title: string, run: () => void) =>
      h('button', { id, class: 'map-control', type: 'button', 'aria-label': label, title, onclick: run }, text);
    this.controls = h('div', { class: 'map-controls', role: 'group', 'aria-label': 'Map controls' },
      control('map-zoom-in', 'Zoom in', '+', `Zoom in (${hint('map.zoomIn')}, or the wheel)`, () => hooks.onZoom(1.5)),
      control('map-zoom-out', 'Zoom out', '−', `Zoom out (${hint('map.zoomOut')})`, () => hooks.onZoom(1 / 1.5)),
      control('map-fit', 'Show every track', '⤢', `Show every track (${hint('map.fit')})`, () => hooks.onFit()),
      this.lassoBtn);
    this.rearrange = h('button', {
      id: 'map-rearrange', class: 'btn btn-small', type: 'button', onclick: () => hooks.onRearrange(),
      title: 'Lay the map out afresh from how every track sounds. It takes a moment; the points move, your view stays. New tracks are placed by themselves, so this is rarely needed.',
    }, 'Re-arrange');

    this.search.addEventListener('input', () => this.later(150));
    for (const b of [this.bpmMin, this.bpmMax]) {
      b.addEventListener('input', () => this.later(250));
      b.addEventListener('change', () => this.apply());
    }
    this.key.addEventListener('change', () => this.apply());
    this.tag.addEventListener('change', () => this.apply());
    this.colour.addEventListener('change', () => { if (isColourBy(this.colour.value)) hooks.onColourBy(this.colour.value); });

    this.el = h('div', { class: 'toolbar map-toolbar' },
      h('div', { class: 'search-wrap' }, searchIcon(), this.search),
      h('div', { class: 'filters', role: 'group', 'aria-label': 'Filters' },
        this.bpmMin, h('span', { class: 'filter-dash', 'aria-hidden': 'true' }, '–'), this.bpmMax, this.key, this.tag),
      this.colour,
      this.count,
      h('div', { class: 'toolbar-spacer' }),
      this.rearrange);
  }

  get lassoOn(): boolean {
    return this.lasso;
  }

  setLasso(on: boolean, fromUser = false) {
    this.lasso = on;
    this.lassoBtn.setAttribute('aria-pressed', String(on));
    this.lassoBtn.classList.toggle('active', on);
    this.hooks.onLasso(on, fromUser);
  }

  focusSearch() {
    this.search.focus();
    this.search.select();
  }

  /** "1,234 tracks", or "123 of 1,234 match" while filtered. */
  setCount(matched: number | null, total: number) {
    this.count.textContent = total === 0 ? '' : matched == null ? fmt.plural(total, 'track') : `${fmt.num(matched)} of ${fmt.plural(total, 'track')}`;
    this.count.dataset.total = String(total);
    this.count.dataset.matched = String(matched ?? total);
  }

  /** The tag filter's options: the map's tags with how many tracks have each, most common first. */
  setTags(tags: { label: string; count: number }[]) {
    const chosen = this.tag.value;
    const list = chosen && !tags.some((t) => t.label === chosen) ? [...tags, { label: chosen, count: 0 }] : tags;
    const key = JSON.stringify(list);
    if (key === this.tagKey || document.activeElement === this.tag) return;
    this.tagKey = key;
    this.tag.replaceChildren(h('option', { value: '' }, 'Any tag'),
      ...list.map((t) => h('option', { value: t.label }, t.count ? `${t.label} · ${fmt.num(t.count)}` : t.label)));
    this.tag.value = chosen;
    this.tag.disabled = list.length === 0;
  }

  /** Only the tracks with tag `label` (a chip clicked in the details). */
  setTag(label: string) {
    if (![...this.tag.options].some((o) => o.value === label)) this.tag.append(h('option', { value: label }, label));
    this.tag.value = label;
    this.apply();
  }

  /** Keys in the boxes (the document's handler asks). True when the key was theirs. */
  handleKey(e: KeyboardEvent): boolean {
    const t = e.target;
    const boxes: HTMLElement[] = [this.search, this.bpmMin, this.bpmMax, this.key, this.tag];
    if (!(t instanceof HTMLElement) || !boxes.includes(t)) return t === this.colour;
    const field = t as HTMLInputElement | HTMLSelectElement;
    if (is('search.clear', e)) {
      e.preventDefault();
      if (field.value) { field.value = ''; this.apply(); } else field.blur();
    } else if (is('search.apply', e) && field instanceof HTMLInputElement) {
      this.apply();
    } else if (t === this.search && is('search.toTable', e)) {
      e.preventDefault();
      this.apply();
      this.hooks.onLeave();
    }
    return true;
  }

  private later(ms: number) {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.apply(), ms);
  }

  private apply() {
    clearTimeout(this.timer);
    const f: MapFilter = { text: this.search.value.trim(), bpmMin: num(this.bpmMin), bpmMax: num(this.bpmMax), camelot: this.key.value || null, tag: this.tag.value || null };
    this.bpmMin.classList.toggle('active', f.bpmMin != null);
    this.bpmMax.classList.toggle('active', f.bpmMax != null);
    this.key.classList.toggle('active', f.camelot != null);
    this.tag.classList.toggle('active', f.tag != null);
    this.hooks.onFilter(f);
  }
}

function searchIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'search-icon');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  const c = document.createElementNS(ns, 'circle');
  for (const [k, v] of [['cx', '7'], ['cy', '7'], ['r', '4.5'], ['fill', 'none'], ['stroke', 'currentColor'], ['stroke-width', '1.5']]) c.setAttribute(k, v);
  const p = document.createElementNS(ns, 'path');
  for (const [k, v] of [['d', 'M10.5 10.5 14 14'], ['stroke', 'currentColor'], ['stroke-width', '1.5'], ['stroke-linecap', 'round']]) p.setAttribute(k, v);
  svg.append(c, p);
  return svg;
}
