// The map's legend (#map-legend, over the canvas's lower left corner): what the colours mean for
// the "Colour by" chosen — swatches with labels and counts, the Camelot wheel as two rows of
// twelve (minor over major), or a scale with numbers — and the open playlist's path. Its title
// folds it away (it covers a corner of the map).
import { h } from '../dom';
import * as fmt from '../format';
import { hex } from './colour';
import type { Legend, Swatch } from './colour-by';

/** Samples along a scale for its CSS gradient. */
const STOPS = 12;

export class MapLegend {
  readonly el: HTMLElement;
  private title: HTMLButtonElement;
  private body: HTMLElement;
  private pathEl: HTMLElement;

  constructor() {
    this.title = h('button', { id: 'map-legend-title', class: 'map-legend-title', type: 'button', 'aria-expanded': 'true', title: 'Fold the legend away',
      onclick: () => this.fold(this.title.getAttribute('aria-expanded') === 'true') });
    this.body = h('div', { class: 'map-legend-body' });
    this.pathEl = h('div', { id: 'map-legend-path', class: 'map-legend-path', hidden: true });
    this.el = h('div', { id: 'map-legend', class: 'map-legend', role: 'group', 'aria-label': 'Legend' }, this.title, this.body, this.pathEl);
  }

  private fold(folded: boolean) {
    this.title.setAttribute('aria-expanded', String(!folded));
    this.title.title = folded ? 'Show the legend' : 'Fold the legend away';
    this.body.hidden = folded;
  }

  render(l: Legend) {
    this.el.dataset.kind = l.kind;
    this.title.textContent = l.title;
    if (l.kind === 'swatches') {
      const items = l.items.filter((s) => s.count > 0);
      this.body.replaceChildren(h('ul', { class: `map-legend-list${items.length > 6 ? ' is-wide' : ''}` }, ...items.map((s) => this.item(s))));
    } else if (l.kind === 'ramp') {
      const r = l.ramp;
      const stops = Array.from({ length: STOPS }, (_, k) => `${hex(r.at(k / (STOPS - 1)))} ${Math.round((k / (STOPS - 1)) * 100)}%`);
      const pos = (v: number) => `${((v - r.lo) / (r.hi - r.lo)) * 100}%`;
      this.body.replaceChildren(
        h('div', { class: 'map-legend-ramp', style: `background: linear-gradient(to right, ${stops.join(', ')})`,
          title: `${fmt.num(r.lo)} ${r.unit} or less … ${fmt.num(r.hi)} ${r.unit} or more` }),
        h('div', { class: 'map-legend-ticks num' }, ...r.ticks.map((t) => h('span', { style: `left: ${pos(t)}` }, fmt.signed(t, 0)))),
        ...this.unknown(l.unknown));
    } else {
      const cell = (s: Swatch & { code: string }) => h('span', {
        class: 'map-legend-key', style: `background: ${hex(s.colour)}`, 'data-code': s.code, title: `${s.label} · ${fmt.plural(s.count, 'track')}`,
      });
      const row = (letter: string) => l.keys.filter((k) => k.code.endsWith(letter)).map(cell);
      this.body.replaceChildren(
        h('div', { class: 'map-legend-wheel' },
          h('span', { class: 'map-legend-row-label' }, 'A'), ...row('A'),
          h('span', { class: 'map-legend-row-label' }, 'B'), ...row('B'),
          h('span', {}), ...Array.from({ length: 12 }, (_, k) => h('span', { class: 'map-legend-num num' }, String(k + 1)))),
        h('div', { class: 'map-legend-note' }, 'A minor · B major; neighbours on the wheel mix well'),
        ...this.unknown(l.unknown));
    }
  }

  /** The open playlist drawn on the map (null: none). */
  setPath(text: string | null) {
    this.pathEl.hidden = !text;
    this.pathEl.replaceChildren(h('span', { class: 'map-legend-path-line', 'aria-hidden': 'true' }), text ?? '');
    this.pathEl.title = text ?? '';
  }

  /** The "Unknown" row when some points have no value. */
  private unknown(s: Swatch): Node[] {
    return s.count ? [h('ul', { class: 'map-legend-list' }, this.item(s))] : [];
  }

  private item(s: Swatch) {
    return h('li', { class: s.grey ? 'is-grey' : null, title: s.label },
      h('span', { class: 'map-legend-swatch', style: `background: ${hex(s.colour)}` }),
      h('span', { class: 'map-legend-label' }, s.label),
      h('span', { class: 'map-legend-count num' }, fmt.num(s.count)));
  }
}
