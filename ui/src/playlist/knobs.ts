// The playlist knobs: one declarative table, KNOBS, and the machinery every knob shares.
//
// An entry is a whole knob: the request field it sets, its control's id, its label, its kind, its
// default and its range. The kind knows the markup, how to read the controls (whole numbers in
// range; an out-of-range number waits while typed, and is clamped on Enter/blur) and how to show
// a request's value. Everything else is generic: the request is the knobs' values laid over the
// fields without a knob; any change regenerates after a pause (longer while typing in a box);
// Enter in a box regenerates at once. Adding a simple knob (a number, a checkbox …) is one entry.
import type { Order, PlaylistRequest, TagCount, TempoRange } from '../api';
import { h } from '../dom';

export const LENGTH_MIN = 5;
export const LENGTH_MAX = 100;
/** Knob changes regenerate after this pause (typing in a number or tag box waits longer). */
const DEBOUNCE_MS = 300;
const TYPING_DEBOUNCE_MS = 600;

/** The request fields whose value is a T. */
type FieldOf<T> = { [K in keyof PlaylistRequest]-?: PlaylistRequest[K] extends T ? K : never }[keyof PlaylistRequest];

type Labels = {
  /** The control's id. */
  id: string;
  /** The text beside the control. Knobs of one `group` (in a row) share the group's label, each
   *  with its own small one (or none: the placeholder says it). */
  label?: string;
  group?: string;
  /** The screen reader's name (default: the label) and the tooltip. */
  ariaLabel?: string;
  title?: string;
};
/** A whole number in min … max. */
type NumberKnob = Labels & { kind: 'number'; field: FieldOf<number>; default: number; min: number; max: number };
type SelectKnob = Labels & { kind: 'select'; field: FieldOf<string>; default: string; options: readonly Choice[] };
type CheckboxKnob = Labels & { kind: 'checkbox'; field: FieldOf<boolean>; default: boolean };
/** Comma-separated tags in a text box, suggested from the library's. */
type TagListKnob = Labels & { kind: 'tag-list'; field: FieldOf<string[]>; default: readonly string[]; placeholder: string };
/** Any tempo, near the seed's (± %), or a BPM range. */
type TempoKnob = Labels & {
  kind: 'tempo'; field: FieldOf<TempoRange | null>; default: TempoRange | null;
  /** "Near seed": within this many percent of the seed's tempo (or half/double). */
  percent: { id: string; default: number; min: number; max: number; ariaLabel: string; title: string };
  /** "BPM range": an empty box is open (min … max); it starts at the seed's tempo ± aroundSeed. */
  range: { minId: string; maxId: string; min: number; max: number; aroundSeed: number };
};
export type KnobDef = NumberKnob | SelectKnob | CheckboxKnob | TagListKnob | TempoKnob;
type Choice = { value: string; label: string; title?: string };

const ORDERS: readonly (Choice & { value: Order })[] = [
  { value: 'similarity', label: 'Similar first' },
  { value: 'flow', label: 'Smooth flow' },
  { value: 'harmonic', label: 'Harmonic mix' },
];
const TAGS_TITLE = 'genre tags of the files, and the genre and mood heard in the audio';

/** Every knob, in the order the toolbar shows them. */
export const KNOBS = [
  { kind: 'number', field: 'length', id: 'knob-length', label: 'Length', default: 20, min: LENGTH_MIN, max: LENGTH_MAX, title: `${LENGTH_MIN}–${LENGTH_MAX} tracks` },
  { kind: 'select', field: 'order', id: 'knob-order', label: 'Order', default: 'similarity', options: ORDERS },
  { kind: 'number', field: 'max_per_artist', id: 'knob-artist', group: 'Max per', label: 'artist', ariaLabel: 'At most per artist', default: 2, min: 0, max: 99, title: 'At most this many tracks by one artist (0 = no limit)' },
  { kind: 'number', field: 'max_per_album', id: 'knob-album', group: 'Max per', label: 'album', ariaLabel: 'At most per album', default: 2, min: 0, max: 99, title: 'At most this many tracks from one album (0 = no limit)' },
  {
    kind: 'tempo', field: 'tempo', id: 'knob-tempo', label: 'Tempo', default: null,
    percent: { id: 'knob-tempo-pct', default: 6, min: 1, max: 50, ariaLabel: 'Tempo tolerance in percent', title: 'Within this many percent of the seed’s tempo (or half/double)' },
    range: { minId: 'knob-tempo-min', maxId: 'knob-tempo-max', min: 0, max: 999, aroundSeed: 10 },
  },
  { kind: 'checkbox', field: 'key_compatible', id: 'knob-key', label: 'Compatible keys', default: false, title: 'Only keys that mix with the seed’s: the same, a neighbour on the Camelot wheel, or the relative key' },
  { kind: 'tag-list', field: 'include_tags', id: 'knob-include', group: 'Tags', placeholder: 'include…', default: [], ariaLabel: 'Only tracks with one of these tags (comma separated)', title: `Only tracks with one of these tags (comma separated): ${TAGS_TITLE}` },
  { kind: 'tag-list', field: 'avoid_tags', id: 'knob-avoid', group: 'Tags', placeholder: 'avoid…', default: [], ariaLabel: 'No tracks with these tags (comma separated)', title: `No tracks with these tags (comma separated): ${TAGS_TITLE}` },
] as const satisfies readonly KnobDef[];

type KnobField = (typeof KNOBS)[number]['field'];

/** A new playlist's request from `seed`: every field spelled out, the knobs' at their defaults. */
export function defaultRequest(seed: number): PlaylistRequest {
  // The fields without a knob (the compiler checks that these and the knobs cover the request).
  const fixed: Omit<PlaylistRequest, KnobField | 'seeds'> = { avoid_like: [], min_duration_s: null, max_duration_s: null, folders: [] };
  const knobs = Object.fromEntries(KNOBS.map((k): [string, unknown] => [k.field, structuredClone(k.default)])) as Pick<PlaylistRequest, KnobField>;
  return { seeds: [seed], ...fixed, ...knobs };
}

/** "rock, pop " → ['rock', 'pop']. */
export const splitTags = (s: string) => s.split(',').map((t) => t.trim()).filter(Boolean);

// ---------- the kinds ----------

type FormControl = HTMLInputElement | HTMLSelectElement;

/** A knob on screen. Values are in request form (what the field holds). */
interface Control {
  /** What the toolbar shows (inside its group's box when it has one). */
  readonly nodes: Node[];
  /** Its form controls: a change regenerates; the text boxes among them also while typed in. */
  readonly inputs: readonly FormControl[];
  /** The value the controls say; undefined while what is typed is not usable yet. `final`
   *  (change, Enter): clamp what is out of range instead, and show the clamped value. */
  read(final: boolean): unknown;
  /** Show `value` (a default, or a saved playlist's request). */
  write(value: unknown): void;
  /** The library's tags, for the suggestions. */
  suggest?(tags: readonly TagCount[]): void;
}

/** What the kinds may ask of the view. */
type Context = { seedBpm(): number | null };

/** The control(s) with the knob's label: `label.knob`, or in a group `label.knob-sub` (or bare). */
function labelled(def: Labels, ...controls: Node[]): Node[] {
  if (def.group) return def.label ? [h('label', { class: 'knob-sub' }, def.label, ...controls)] : controls;
  return [h('label', { class: 'knob' }, h('span', { class: 'knob-label' }, def.label ?? ''), ...controls)];
}

/** A number box: a whole number in min … max; `optional`: empty is null. */
class NumberBox {
  readonly input: HTMLInputElement;
  /** The last value read or shown: what an unreadable box falls back to. */
  private last: number | null = null;

  constructor(private o: { id: string; min: number; max: number; ariaLabel: string; title?: string; placeholder?: string; optional?: boolean }) {
    this.input = h('input', {
      id: o.id, class: 'filter-input knob-num num', type: 'number', min: o.min, max: o.max, step: 1, inputmode: 'numeric',
      'aria-label': o.ariaLabel, title: o.title, placeholder: o.placeholder,
    });
  }

  get empty(): boolean {
    return this.input.value.trim() === '';
  }

  read(final: boolean): number | null | undefined {
    const { min, max } = this.o;
    if (this.o.optional && this.empty) return (this.last = null);
    const v = this.empty ? NaN : this.input.valueAsNumber;
    if (Number.isFinite(v) && v >= min && v <= max) return (this.last = Math.round(v));
    if (!final) return undefined;
    const clamped = Number.isFinite(v) ? Math.round(Math.max(min, Math.min(max, v))) : this.last ?? min;
    this.input.value = String(clamped);
    return (this.last = clamped);
  }

  write(v: number | null) {
    this.input.value = v == null ? '' : String(v);
    this.last = v;
  }
}

class NumberControl implements Control {
  private box: NumberBox;
  readonly nodes: Node[];
  readonly inputs: FormControl[];

  constructor(def: NumberKnob) {
    this.box = new NumberBox({ id: def.id, min: def.min, max: def.max, ariaLabel: def.ariaLabel ?? def.label ?? '', title: def.title });
    this.inputs = [this.box.input];
    this.nodes = labelled(def, this.box.input);
  }
  read(final: boolean) { return this.box.read(final); }
  write(v: unknown) { this.box.write(v as number); }
}

function select(id: string, ariaLabel: string, options: readonly Choice[]): HTMLSelectElement {
  return h('select', { id, class: 'filter-select knob-select', 'aria-label': ariaLabel },
    ...options.map((o) => h('option', { value: o.value, title: o.title }, o.label)));
}

class SelectControl implements Control {
  private select: HTMLSelectElement;
  readonly nodes: Node[];
  readonly inputs: FormControl[];

  constructor(def: SelectKnob) {
    this.select = select(def.id, def.ariaLabel ?? def.label ?? '', def.options);
    this.inputs = [this.select];
    this.nodes = labelled(def, this.select);
  }
  read() { return this.select.value; }
  write(v: unknown) { this.select.value = String(v); }
}

class CheckboxControl implements Control {
  private box: HTMLInputElement;
  readonly nodes: Node[];
  readonly inputs: FormControl[];

  constructor(def: CheckboxKnob) {
    this.box = h('input', { id: def.id, type: 'checkbox', 'aria-label': def.ariaLabel });
    this.inputs = [this.box];
    // the box first, its label after; the whole label is the tooltip's
    this.nodes = [h('label', { class: `${def.group ? 'knob-sub' : 'knob'} knob-check`, title: def.title }, this.box, h('span', {}, def.label ?? ''))];
  }
  read() { return this.box.checked; }
  write(v: unknown) { this.box.checked = !!v; }
}

class TagListControl implements Control {
  private box: HTMLInputElement;
  private list: HTMLDataListElement;
  private tags: readonly TagCount[] = [];
  readonly nodes: Node[];
  readonly inputs: FormControl[];

  constructor(def: TagListKnob) {
    const listId = `${def.id}-tags`;
    this.box = h('input', {
      id: def.id, class: 'filter-input knob-tag', type: 'text', placeholder: def.placeholder, autocomplete: 'off', spellcheck: 'false',
      list: listId, 'aria-label': def.ariaLabel ?? def.label, title: def.title,
    });
    this.list = h('datalist', { id: listId });
    this.box.addEventListener('input', () => this.renderSuggestions());
    this.box.addEventListener('focus', () => this.renderSuggestions());
    this.inputs = [this.box];
    this.nodes = labelled(def, this.box, this.list);
  }
  read() { return splitTags(this.box.value); }
  write(v: unknown) { this.box.value = (v as readonly string[]).join(', '); }

  suggest(tags: readonly TagCount[]) {
    this.tags = tags;
    this.renderSuggestions(true);
  }

  /** The suggestions: what is typed before the last comma, then each tag not in it yet
   *  ("rock, " → "rock, chill", "rock, electronic" …), so a pick adds a tag to the list. */
  private renderSuggestions(force = false) {
    const value = this.box.value;
    const cut = value.lastIndexOf(',');
    const prefix = cut < 0 ? '' : `${value.slice(0, cut + 1).trimEnd()} `;
    if (!force && this.list.dataset.prefix === prefix) return;
    this.list.dataset.prefix = prefix;
    const used = new Set(splitTags(prefix).map((t) => t.toLowerCase()));
    this.list.replaceChildren(...this.tags.filter((t) => !used.has(t.label)).map((t) => h('option', { value: prefix + t.label })));
  }
}

class TempoControl implements Control {
  private mode: HTMLSelectElement;
  private percent: NumberBox;
  private min: NumberBox;
  private max: NumberBox;
  private percentWrap: HTMLElement;
  private rangeWrap: HTMLElement;
  readonly nodes: Node[];
  readonly inputs: FormControl[];

  constructor(private def: TempoKnob, ctx: Context) {
    const { percent, range } = def;
    this.mode = select(def.id, def.ariaLabel ?? def.label ?? '', [
      { value: '', label: 'Any' }, { value: 'tolerance', label: 'Near seed', title: 'Near the seed’s tempo (or half/double)' }, { value: 'absolute', label: 'BPM range' },
    ]);
    this.percent = new NumberBox({ id: percent.id, min: percent.min, max: percent.max, ariaLabel: percent.ariaLabel, title: percent.title });
    this.percent.write(percent.default);
    this.min = new NumberBox({ id: range.minId, min: range.min, max: range.max, ariaLabel: 'Minimum BPM', placeholder: 'min', optional: true });
    this.max = new NumberBox({ id: range.maxId, min: range.min, max: range.max, ariaLabel: 'Maximum BPM', placeholder: 'max', optional: true });
    this.percentWrap = h('span', { class: 'knob-sub' }, '±', this.percent.input, '%');
    this.rangeWrap = h('span', { class: 'knob-sub' }, this.min.input, h('span', { class: 'filter-dash', 'aria-hidden': 'true' }, '–'), this.max.input);
    // (registered before the panel's change listener: the range is filled in before it is read)
    this.mode.addEventListener('change', () => {
      if (this.mode.value === 'absolute' && this.min.empty && this.max.empty) {
        // start from the seed's tempo ± a few BPM, when there is one
        const bpm = ctx.seedBpm();
        if (bpm != null) {
          this.min.write(Math.max(range.min, Math.round(bpm) - range.aroundSeed));
          this.max.write(Math.round(bpm) + range.aroundSeed);
        }
      }
      this.renderMode();
    });
    this.inputs = [this.mode, this.percent.input, this.min.input, this.max.input];
    this.nodes = labelled(def, this.mode, this.percentWrap, this.rangeWrap);
    this.renderMode();
  }

  read(final: boolean): TempoRange | null | undefined {
    if (this.mode.value === 'tolerance') {
      const percent = this.percent.read(final);
      return percent == null ? undefined : { kind: 'tolerance', percent };
    }
    if (this.mode.value === 'absolute') {
      const lo = this.min.read(final), hi = this.max.read(final);
      if (lo === undefined || hi === undefined) return undefined;
      const a = lo ?? this.def.range.min, b = hi ?? this.def.range.max;
      return { kind: 'absolute', min: Math.min(a, b), max: Math.max(a, b) };
    }
    return null;
  }

  write(v: unknown) {
    const t = v as TempoRange | null;
    this.mode.value = t ? t.kind : '';
    if (t?.kind === 'tolerance') this.percent.write(t.percent);
    if (t?.kind === 'absolute') { this.min.write(t.min); this.max.write(t.max); }
    this.renderMode();
  }

  private renderMode() {
    this.percentWrap.hidden = this.mode.value !== 'tolerance';
    this.rangeWrap.hidden = this.mode.value !== 'absolute';
    this.mode.classList.toggle('active', this.mode.value !== '');
  }
}

function control(def: KnobDef, ctx: Context): Control {
  switch (def.kind) {
    case 'number': return new NumberControl(def);
    case 'select': return new SelectControl(def);
    case 'checkbox': return new CheckboxControl(def);
    case 'tag-list': return new TagListControl(def);
    case 'tempo': return new TempoControl(def, ctx);
  }
}

const isTextBox = (c: FormControl) => c instanceof HTMLInputElement && (c.type === 'number' || c.type === 'text');

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
 *  10 once, get 10 every time). */
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
    for (const knob of this.knobs) {
      for (const input of knob.control.inputs) {
        if (isTextBox(input)) input.addEventListener('input', () => { if (this.take(knob, false)) this.schedule(TYPING_DEBOUNCE_MS); });
        input.addEventListener('change', () => { if (this.take(knob, true)) this.schedule(DEBOUNCE_MS); });
      }
      this.show(knob, knob.def.default);
    }
  }

  /** The request to send: `base` (the seeds, the fields without a knob) with the knobs' values. */
  request(base: PlaylistRequest): PlaylistRequest {
    return { ...base, ...this.values };
  }

  /** Show the settings of `r` (a saved playlist's request). */
  setFrom(r: PlaylistRequest) {
    for (const knob of this.knobs) this.show(knob, r[knob.def.field] ?? knob.def.default);
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
    if (e.key !== 'Enter' || !(t instanceof HTMLInputElement) || t.type === 'checkbox' || !this.el.contains(t)) return false;
    const knob = this.knobs.find((k) => k.control.inputs.includes(t));
    if (knob) this.take(knob, true);
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

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.hooks.onChange(), ms);
  }
}
