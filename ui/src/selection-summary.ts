// What the detail panel shows while several table rows are selected: "N tracks selected", their
// titles (the first few), their length, and "Make playlist from these" (#make-playlist, as for one
// track): one playlist whose seeds are all of them, in table order; with two selected, also
// "Journey between these" (#make-journey): from the first to the second; "Start radio" (#start-radio).
import type { TrackRow } from './api';
import { h } from './dom';
import * as fmt from './format';
import { gestureHint, hint } from './shortcuts';

/** A playlist is made from at most this many selected tracks. */
export const MAX_SEEDS = 100;
/** The titles listed (the rest: "and N more"). */
export const LISTED = 12;

export type SelectionSummaryHooks = {
  onMakePlaylist(viaKeyboard: boolean): void;
  /** Two selected: a journey from the first to the second. */
  onJourney(viaKeyboard: boolean): void;
  /** A radio that sounds like all of them. */
  onRadio(): void;
  onClose(): void;
};

/** The panel's content for `count` selected rows; `rows`: the first ones in table order (null:
 *  not loaded yet). */
export function selectionSummary(count: number, rows: readonly (TrackRow | null)[], hooks: SelectionSummaryHooks): Node[] {
  const known = rows.filter((r): r is TrackRow => r != null);
  const total = known.reduce((s, r) => s + (r.duration_s ?? 0), 0);
  const complete = known.length === count;
  const tooMany = count > MAX_SEEDS;
  const make = h('button', {
    id: 'make-playlist', class: 'btn btn-small', type: 'button', disabled: tooMany,
    title: tooMany ? `A playlist is made from at most ${MAX_SEEDS} tracks` : `One playlist that sounds like all of them (${hint('table.makePlaylist')})`,
    onclick: (e: Event) => hooks.onMakePlaylist((e as MouseEvent).detail === 0),
  }, 'Make playlist from these');
  const [first, second] = known;
  const journey = count === 2 && first && second ? h('button', {
    id: 'make-journey', class: 'btn btn-small', type: 'button',
    title: `From “${first.title ?? fmt.basename(first.path)}” to “${second.title ?? fmt.basename(second.path)}”, in even steps (${hint('table.journey')})`,
    onclick: (e: Event) => hooks.onJourney((e as MouseEvent).detail === 0),
  }, 'Journey between these') : null;
  const radio = h('button', {
    id: 'start-radio', class: 'btn btn-small', type: 'button', disabled: tooMany,
    title: tooMany ? `A radio starts from at most ${MAX_SEEDS} tracks` : `A radio that plays without end from their sound (${hint('table.radio')})`,
    onclick: () => hooks.onRadio(),
  }, 'Start radio');
  const close = h('button', { class: 'icon-btn detail-close', type: 'button', 'aria-label': 'Close details', title: 'Close (Esc)', onclick: () => hooks.onClose() }, '×');
  const listed = rows.slice(0, LISTED);
  return [
    h('div', { class: 'detail-head' },
      h('div', { class: 'detail-heading' },
        h('div', { class: 'detail-title' }, `${fmt.num(count)} tracks selected`),
        h('div', { class: 'detail-sub' }, total > 0 ? `${complete ? '' : 'at least '}${fmt.duration(total)}` : ''),
        h('div', { class: 'detail-actions' }, make, journey, radio)),
      close),
    h('section', { id: 'detail-selection', class: 'detail-section detail-selection', 'data-count': count },
      h('h3', {}, 'Selected'),
      h('ol', { class: 'selection-list' }, ...listed.map((r) => r
        ? h('li', { title: r.path }, h('span', { class: 'selection-title' }, r.title ?? fmt.basename(r.path)),
          h('span', { class: 'selection-artist muted' }, r.artist ?? 'Unknown artist'))
        : h('li', { class: 'muted' }, h('span', { class: 'skeleton', style: 'width:60%' })))),
      count > listed.length ? h('p', { class: 'detail-note' }, `and ${fmt.num(count - listed.length)} more`) : null,
      tooMany ? h('p', { class: 'detail-note' }, `Select at most ${MAX_SEEDS} tracks to make a playlist from them.`) : null),
    h('p', { class: 'detail-note detail-tip' },
      `${gestureHint('table.range')} (or ${hint('table.extendDown')}) selects a range; ${gestureHint('table.toggle')} adds or removes a track.`),
  ];
}
