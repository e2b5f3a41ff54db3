// The tooltip of the point under the pointer (#map-tooltip): title, artist, tempo, key and tags.
// One element, moved and refilled only when the point changes.
import { h } from '../dom';
import { WHEEL } from '../music';
import type { MapData } from './data';

const GAP = 14;

export class MapTooltip {
  readonly el: HTMLElement;
  private shown = -1;
  private data: MapData | null = null;

  constructor() {
    this.el = h('div', { id: 'map-tooltip', class: 'map-tooltip', role: 'tooltip', hidden: true });
  }

  /** Point i of `d` under the pointer at (x, y) in a box `w` × `hgt` (CSS px); i < 0 hides it. */
  show(d: MapData | null, i: number, x: number, y: number, w: number, hgt: number) {
    if (!d || i < 0) { this.hide(); return; }
    if (i !== this.shown || d !== this.data) {
      this.shown = i;
      this.data = d;
      this.el.dataset.id = String(d.id(i));
      this.el.replaceChildren(...this.content(d, i));
    }
    this.el.hidden = false;
    const r = this.el.getBoundingClientRect();
    const left = x + GAP + r.width > w ? x - GAP - r.width : x + GAP;
    const top = y + GAP + r.height > hgt ? y - GAP - r.height : y + GAP;
    this.el.style.transform = `translate(${Math.max(0, left)}px, ${Math.max(0, top)}px)`;
  }

  hide() {
    this.shown = -1;
    this.el.hidden = true;
  }

  private content(d: MapData, i: number): Node[] {
    const p = d.points;
    const bpm = p.bpm[i];
    const code = p.camelot[i];
    const key = code ? WHEEL.find((k) => k.code === code.toUpperCase()) : null;
    const facts = [bpm != null ? `${Math.round(bpm)} BPM` : 'tempo unknown', key ? `${key.code} · ${key.name}` : 'key unknown'];
    const chips = (p.chips[i] ?? []).slice(0, 4).map((c) => p.tags[c]).filter(Boolean);
    const out: Node[] = [
      h('div', { class: 'map-tooltip-title' }, p.title[i] || 'Untitled'),
      h('div', { class: 'map-tooltip-artist' }, p.artist[i] || 'Unknown artist'),
      h('div', { class: 'map-tooltip-facts num' }, facts.join(' · ')),
    ];
    if (chips.length) out.push(h('div', { class: 'map-tooltip-chips' }, ...chips.map((c) => h('span', { class: 'tag-chip' }, c))));
    return out;
  }
}
