// Genre and mood tags (MusiCNN): chips in the table and the detail panel, and the panel's Tags section.
import type { TagScore, TagVocabulary, TrackDetail, TrackRow } from './api';
import { h } from './dom';

/** Chips a table row shows (the row has up to 5; the rest are in the cell's tooltip). */
export const ROW_CHIPS = 3;
/** The detail panel: up to this many tags at or above DETAIL_MIN, and never fewer than DETAIL_TOP. */
const DETAIL_MAX = 8;
const DETAIL_MIN = 0.05;
const DETAIL_TOP = 3;

/** The tags the detail panel lists, likeliest first. */
export function topTags(tags: TagScore[]): TagScore[] {
  const likely = tags.filter((t) => t.probability >= DETAIL_MIN).slice(0, DETAIL_MAX);
  return likely.length >= DETAIL_TOP ? likely : tags.slice(0, DETAIL_TOP);
}

/** "43%"; "<1%" for what rounds to nothing. */
export function tagPercent(p: number): string {
  return p > 0 && p < 0.005 ? '<1%' : `${Math.round(Math.max(0, Math.min(1, p)) * 100)}%`;
}

/** A chip: a button that filters the library to its tag (data-tag). In the table it is not a
 *  tab stop (the table keeps the keyboard, like ▶); in the detail panel it is. */
export function tagChip(label: string, opts: { probability?: number | null; loading?: boolean; tabbable?: boolean } = {}): HTMLButtonElement {
  const p = opts.probability;
  const pct = p != null ? h('span', { class: 'tag-pct num' }, tagPercent(p))
    : opts.loading ? h('span', { class: 'tag-pct' }, h('span', { class: 'skeleton' })) : null;
  return h('button', {
    class: 'tag-chip', type: 'button', 'data-tag': label, 'data-probability': p ?? null,
    tabindex: opts.tabbable ? null : '-1',
    title: `Only tracks tagged “${label}”`,
    'aria-label': p == null ? `Filter by tag ${label}` : `Filter by tag ${label}, ${tagPercent(p)}`,
  }, h('span', { class: 'tag-label' }, label), pct);
}

/** The detail panel's tags section (#detail-tags[data-state]) for row `r`: the likeliest tags of
 *  `d` (get_track's answer for it) with their probabilities. Until it answers (`loading`), the
 *  row's chips with the percentages loading, so the section keeps its size. */
export function tagsSection(r: TrackRow, d: TrackDetail | null, loading: boolean, vocab: TagVocabulary | null): HTMLElement {
  const tags = d ? topTags(d.tags) : [];
  let state: string, body: Node;
  if (tags.length) {
    state = 'tagged';
    body = h('div', { class: 'tag-list' }, ...tags.map((t) => tagChip(t.label, { probability: t.probability, tabbable: true })));
  } else if (loading && r.chips?.length) {
    state = 'loading';
    body = h('div', { class: 'tag-list' }, ...r.chips.map((c) => tagChip(c, { loading: true, tabbable: true })));
  } else if (loading) {
    state = 'loading';
    body = h('div', { class: 'tag-list', 'aria-hidden': 'true' }, ...[52, 40, 64].map((w) => h('span', { class: 'tag-chip skeleton-chip', style: `width:${w}px` })));
  } else if (vocab && !vocab.enabled) {
    state = 'off';
    body = h('p', { class: 'detail-note tag-note' }, vocab.message ?? 'Tags are off.');
  } else {
    state = 'untagged';
    const status = d ? d.track.status : r.status;
    body = h('p', { class: 'detail-note tag-note' },
      !d && status !== 'pending' ? 'Tags could not be loaded' : status === 'failed' ? 'Not tagged (the analysis failed)' : 'Not tagged yet');
  }
  return h('section', { id: 'detail-tags', class: 'detail-section detail-tags', 'data-state': state },
    h('h3', { title: 'Genre and mood heard in the audio (MusiCNN), likeliest first' }, 'Tags'), body);
}
