// The playlist knobs: one declarative table, KNOBS, and the machinery every knob shares.
//
// An entry is a whole knob: the request field it sets, its control's id, its label, its kind and
// its range; its default is the engine's (DEFAULT_PLAYLIST_REQUEST, generated from Rust). The
// kind (playlist/knob-kinds.ts: number, select, checkbox, tag-list, tempo) knows the markup, how
// to read the controls and how to show a request's value. Everything else is generic, here: the
// request is the knobs' values laid over the engine's defaults; any change regenerates after a
// pause (longer while typing in a box); Enter in a box regenerates at once. What the user sets is
// remembered across restarts (localStorage); a saved playlist's own settings, shown when it is
// opened, are not. Adding a simple knob (a number, a checkbox …) is one entry in KNOBS.
import { fullRequest, RAMPS, type Order, type PlaylistRequest, type Ramp, type TagCount } from '../api';
import { h } from '../dom';
import { is } from '../shortcuts';
import { readStoredJson, store } from '../storage';
import { control, isTextBox, type Choice, type Context, type Control, type KnobDef } from './knob-kinds';

const LENGTH_MIN = 5;
const LENGTH_MAX = 100;
/** Knob changes regenerate after this pause (typing in a number or tag box waits longer). */
const DEBOUNCE_MS = 300;
const TYPING_DEBOUNCE_MS = 600;
/** Where the knobs' last settings are remembered: { field: value } for the knobs the user set. */
const STORE_KEY = 'segue.playlist.knobs';

const ORDERS: readonly (Choice & { value: Order })[] = [
  { value: 'similarity', label: 'Similar first' },
  { value: 'flow', label: 'Smooth flow' },
  { value: 'harmonic', label: 'Harmonic mix' },
];
/** What each ramp is called in the menu (the engine's RAMPS give the order). */
const RAMP_LABELS: Record<Ramp, Choice> = {
  'tempo-up': { value: 'tempo-up', label: 'Tempo rising', title: 'Slowest first, each track a little faster' },
  'tempo-down': { value: 'tempo-down', label: 'Tempo falling', title: 'Fastest first, each track a little slower' },
  'energy-up': { value: 'energy-up', label: 'Energy rising', title: 'Calmest first (loudness and how busy the music is)' },
  'energy-down': { value: 'energy-down', label: 'Energy falling', title: 'Most energetic first, winding down' },
  'cool-down': { value: 'cool-down', label: 'Up, then cool down', title: 'Energy rising to a peak in the middle, then falling' },
};
const RAMP_CHOICES: readonly Choice[] = RAMPS.map((r) => RAMP_LABELS[r]);
const TAGS_TITLE = 'genre tags of the files, and the genre and mood heard in the audio';

/** Every knob, in the order the toolbar shows them. */
export const KNOBS = [
  { kind: 'number', field: 'length', id: 'knob-length', label: 'Length', min: LENGTH_MIN, max: LENGTH_MAX, title: `${LENGTH_MIN}–${LENGTH_MAX} tracks` },
  { kind: 'select', field: 'order', id: 'knob-order', label: 'Order', options: ORDERS },
  { kind: 'select', field: 'ramp', id: 'knob-ramp', label: 'Ramp', none: 'None', options: RAMP_CHOICES, title: 'Tempo or energy following a shape (the order then follows it)' },
  { kind: 'number', field: 'max_per_artist', id: 'knob-artist', group: 'Max per', label: 'artist', ariaLabel: 'At most per artist', min: 0, max: 99, title: 'At most this many tracks by one artist (0 = no limit)' },
  { kind: 'number', field: 'max_per_album', id: 'knob-album', group: 'Max per', label: 'album', ariaLabel: 'At most per album', min: 0, max: 99, title: 'At most this many tracks from one album (0 = no limit)' },
  { kind: 'checkbox', field: 'strict_caps', id: 'knob-strict-caps', group: 'Max per', label: 'strict', ariaLabel: 'Keep to these limits even when the list comes out short', title: 'Keep to these limits even when the list comes out short (by default a limit gives way to a clearly better match)' },
  {
    kind: 'tempo', field: 'tempo', id: 'knob-tempo', label: 'Tempo',
    percent: { id: 'knob-tempo-pct', default: 6, min: 1, max: 50, ariaLabel: 'Tempo tolerance in percent', title: 'Within this many percent of the seed’s tempo (or half/double)' },
    range: { minId: 'knob-tempo-min', maxId: 'knob-tempo-max', min: 0, max: 999, aroundSeed: 10 },
  },
  { kind: 'checkbox', field: 'key_compatible', id: 'knob-key', label: 'Compatible keys', title: 'Only keys that mix with the seed’s: the same, a neighbour on the Camelot wheel, or the relative key' },
  { kind: 'tag-list', field: 'include_tags', id: 'knob-include', group: 'Tags', placeholder: 'include…', ariaLabel: 'Only tracks with one of these tags (comma separated)', title: `Only tracks with one of these tags (comma separated): ${TAGS_TITLE}` },
  { kind: 'tag-list', field: 'avoid_tags', id: 'knob-avoid', group: 'Tags', placeholder: 'avoid…', ariaLabel: 'No tracks with these tags (comma separated)', title: `No tracks with these tags (comma separated): ${TAGS_TITLE}` },
] as const satisfies readonly KnobDef[];

/** The engine's request defaults: a new playlist's knobs start there. */
const DEFAULTS: PlaylistRequest = fullRequest({});

/** A new playlist's request from `seeds`: every field spelled out, at the engine's defaults. */
export function defaultRequest(seeds: number[]): PlaylistRequest {
  return { ...structuredClone(DEFAULTS), seeds: seeds.slice() };
}

// ---------- the panel ----------

export type KnobHooks = {
  /** A knob changed and the pause after it is over: make the playlist again. */
  onChange(): void;
  /** Enter in a knob's box: make it again now. */
  onRegenerate(): void;
  /** The seed's tempo (a BPM range starts around it). */
  seedBpm(): number | null;
};

type Knob = { def: KnobDef; control: Control };

/** div#playlist-knobs: every knob of KNOBS. What they say is kept between playlists (set length
 *  10 once, get 10 every time) and across restarts. */
export class KnobPanel {
  readonly el: HTMLElement;
  private knobs: Knob[];
  /** Each knob's value, by request field. */
  private values: Partial<PlaylistRequest> = {};
  private timer = 0;

  constructor(private hooks: KnobHooks) {
    const ctx: Context = { seedBpm: () => hooks.seedBpm() };
    this.knobs = KNOBS.map((def: KnobDef) => ({ def, control: control(def, ctx) }));
    this.el = h('div', { id: 'playlist-knobs', class: 'toolbar playlist-knobs', role: 'group', 'aria-label': 'Playlist settings' }, ...this.layout());
    const stored = readStoredJson(STORE_KEY) as Record<string, unknown> | null;
    for (const knob of this.knobs) {
      for (const input of knob.control.inputs) {
        if (isTextBox(input)) {
          input.addEventListener('input', (e) => {
            const how = knob.control.typed?.(e) ?? 'typing';
            if (how && this.take(knob, how === 'final')) this.changedByUser(how === 'final' ? DEBOUNCE_MS : TYPING_DEBOUNCE_MS);
          });
        }
        input.addEventListener('change', () => { if (this.take(knob, true)) this.changedByUser(DEBOUNCE_MS); });
      }
      const remembered = stored && typeof stored === 'object' ? stored[knob.def.field] : undefined;
      this.show(knob, remembered !== undefined && knob.control.accepts(remembered) ? remembered : DEFAULTS[knob.def.field]);
    }
  }

  /** The request to send: `base` (the seeds, the fields without a knob) with the knobs' values. */
  request(base: PlaylistRequest): PlaylistRequest {
    return { ...base, ...this.values };
  }

  /** Show the settings of `r`: a saved playlist's request, or (`remember`) one the user chose
   *  (the change that lengthens a playlist), kept for the next start like a knob set by hand. */
  setFrom(r: PlaylistRequest, remember = false) {
    this.cancelPending();
    for (const knob of this.knobs) this.show(knob, r[knob.def.field] ?? DEFAULTS[knob.def.field]);
    if (remember) this.remember();
  }

  /** A saved playlist without its request cannot be regenerated: the knobs are off. */
  setEnabled(on: boolean) {
    this.el.classList.toggle('is-disabled', !on);
    for (const c of this.el.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('input, select, button')) c.disabled = !on;
    this.el.title = on ? '' : 'This playlist was saved without its settings: it can be edited, not regenerated.';
  }

  /** The library's tags as suggestions for the tag boxes. */
  setTagSuggestions(tags: readonly TagCount[]) {
    for (const knob of this.knobs) knob.control.suggest?.(tags);
  }

  /** Forget a change still waiting for its pause (the playlist is made now, or another is shown). */
  cancelPending() {
    clearTimeout(this.timer);
  }

  /** Enter in a knob's box: take its value (clamped) and regenerate at once. True when used. */
  handleKey(e: KeyboardEvent): boolean {
    const t = e.target;
    if (!is('playlist.regenerate', e) || !(t instanceof HTMLInputElement) || t.type === 'checkbox' || !this.el.contains(t)) return false;
    const knob = this.knobs.find((k) => k.control.inputs.includes(t));
    if (knob && this.take(knob, true)) this.remember();
    this.hooks.onRegenerate();
    return true;
  }

  /** Knobs of one group, one after another, share a box under the group's label. */
  private layout(): Node[] {
    const out: Node[] = [];
    let box: HTMLElement | null = null; // the group's, while its knobs come
    this.knobs.forEach(({ def, control }, i) => {
      if (!def.group) { out.push(...control.nodes); return; }
      if (!box || this.knobs[i - 1]?.def.group !== def.group) {
        box = h('span', { class: 'knob' }, h('span', { class: 'knob-label' }, def.group));
        out.push(box);
      }
      box.append(...control.nodes);
    });
    return out;
  }

  /** Read a knob into `values`; false when what it says is not usable yet. */
  private take(knob: Knob, final: boolean): boolean {
    const v = knob.control.read(final);
    if (v === undefined) return false;
    (this.values as Record<string, unknown>)[knob.def.field] = v;
    return true;
  }

  /** Show `value`, and take it as the control then reads it (a number clamped into its range). */
  private show(knob: Knob, value: unknown) {
    knob.control.write(value);
    this.take(knob, true);
  }

  /** The user set a knob: remember the settings, regenerate after `ms`. */
  private changedByUser(ms: number) {
    this.remember();
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.hooks.onChange(), ms);
  }

  /** What the knobs say now, for the next start. */
  private remember() {
    store(STORE_KEY, JSON.stringify(this.values));
  }
}
