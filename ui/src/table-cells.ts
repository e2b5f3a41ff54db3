// The track table's cells that say more than their text: tempo, key, tags, format (with their
// pending / none states and tooltips).
import type { TrackRow } from './api';
import { h } from './dom';
import { formatShort } from './format';
import { DOUBTFUL_TEMPO, keyLong, keyShort, tempoDoubtful } from './music';
import { ROW_CHIPS, tagChip } from './tags';

/** "128"; "…" while pending; "—" when analysed without a steady tempo. Old values of a
 *  changed (pending) file stay visible, dimmed, until it is analysed again. */
export function bpmCell(r: TrackRow): HTMLTableCellElement {
  const pending = r.status === 'pending';
  if (r.bpm != null) {
    const low = tempoDoubtful(r.bpm_confidence);
    const cls = `num bpm${low ? ' low-conf' : ''}${pending ? ' stale' : ''}`;
    return h('td', { class: cls, title: pending ? 'not analysed since the file changed' : low ? DOUBTFUL_TEMPO : null }, String(Math.round(r.bpm)));
  }
  if (pending) return h('td', { class: 'num bpm pending', title: 'not analysed yet' }, '…');
  return h('td', { class: 'num bpm none', title: r.status === 'failed' ? 'analysis failed' : 'no steady tempo' }, '—');
}

/** "F#m" + a Camelot tag "11A"; the tooltip has the full name and strength. */
export function keyCell(r: TrackRow): HTMLTableCellElement {
  const pending = r.status === 'pending';
  if (r.key) {
    const strength = r.key_strength != null ? ` · strength ${r.key_strength.toFixed(2)}` : '';
    return h('td', { class: `key${pending ? ' stale' : ''}`, title: keyLong(r.key, r.scale) + strength },
      h('span', { class: 'key-name' }, keyShort(r.key, r.scale)),
      r.camelot ? h('span', { class: 'camelot' }, r.camelot) : null);
  }
  if (pending) return h('td', { class: 'key pending', title: 'not analysed yet' }, '…');
  return h('td', { class: 'key none', title: r.status === 'failed' ? 'analysis failed' : 'no clear key' }, '—');
}

/** Up to ROW_CHIPS of the track's tags as small pills; those that don't fit whole wrap out of
 *  sight (the cell is one line high). The tooltip lists them all. The tag filtered by is marked.
 *  Empty when not tagged. */
export function tagsCell(r: TrackRow, active: string | null): HTMLTableCellElement {
  const chips = r.chips ?? [];
  if (!chips.length) return h('td', { class: 'tags' });
  return h('td', { class: `tags${r.status === 'pending' ? ' stale' : ''}`, title: chips.join(', ') },
    h('span', { class: 'chips' }, ...chips.slice(0, ROW_CHIPS).map((c) => {
      const chip = tagChip(c);
      if (c === active) chip.classList.add('is-active');
      return chip;
    })));
}

/** The container's short name ("OGG" for "Ogg Vorbis"); the tooltip has the whole name and the codec. */
export function formatCell(r: TrackRow): HTMLTableCellElement {
  return h('td', { class: 'fmt', title: [r.format, r.codec].filter(Boolean).join(' · ') || null }, h('span', { class: 'badge' }, formatShort(r.format)));
}
