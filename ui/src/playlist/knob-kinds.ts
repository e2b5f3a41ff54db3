// The kinds of playlist knob: what an entry of the KNOBS table (playlist/knobs.ts) looks like
// for each kind, and the control each kind puts on screen — its markup (same ids, classes and
// labels as the table says), how it reads the controls (whole numbers in range; an out-of-range
// number waits while typed and is clamped on Enter/blur; a tag box takes a tag when a comma
// ends it, on Enter/blur or when a suggestion is chosen, never a word still being typed), how it
// shows a request's value, and which stored values it accepts.
import type { PlaylistRequest, TagCount, TempoRange } from '../api';
import { h } from '../dom';

/** The request fields whose value is a T (a knob's kind says which fields it can set). */
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
/** A whole number in min … max; `optional`: an empty box is null (the field must allow it). */
type NumberKnob = Labels & { kind: 'number'; min: number; max: number; placeholder?: string } & (
  | { field: FieldOf<number>; optional?: false }
  | { field: FieldOf<number | null>; optional: true });
/** `none`: the label of an option for "nothing" (the field is then null). */
type SelectKnob = Labels & { kind: 'select'; options: readonly Choice[] } & (
  | { field: FieldOf<string>; none?: undefined }
  | { field: FieldOf<string | null>; none: string });
type CheckboxKnob = Labels & { kind: 'checkbox'; field: FieldOf<boolean> };
/** Comma-separated tags in a text box, suggested from the library's. */
type TagListKnob = Labels & { kind: 'tag-list'; field: FieldOf<string[]>; placeholder: string };
/** Any tempo, near the seed's (± %), or a BPM range. */
type TempoKnob = Labels & {
  kind: 'tempo'; field: FieldOf<TempoRange | null>;
  /** "Near seed": within this many percent of the seed's tempo (or half/double). */
  percent: { id: string; default: number; min: number; max: number; ariaLabel: string; title: string };
  /** "BPM range": an empty box is open (min … max); it starts at the seed's tempo ± aroundSeed. */
  range: { minId: string; maxId: string; min: number; max: number; aroundSeed: number };
};
export type KnobDef = NumberKnob | SelectKnob | CheckboxKnob | TagListKnob | TempoKnob;
/** An option of a select. */
export type Choice = { value: string; label: string; title?: string };

/** "rock, pop " → ['rock', 'pop']. */
const splitTags = (s: string) => s.split(',').map((t) => t.trim()).filter(Boolean);

export type FormControl = HTMLInputElement | HTMLSelectElement;

/** A knob on screen. Values are in request form (what the field holds). */
export interface Control {
  /** What the toolbar shows (inside its group's box when it has one). */
  readonly nodes: Node[];
  /** Its form controls: a change regenerates; the text boxes among them also while typed in. */
  readonly inputs: readonly FormControl[];
  /** The value the controls say; undefined while what is typed is not usable yet. `final`
   *  (change, Enter): clamp what is out of range instead, and show the clamped value. */
  read(final: boolean): unknown;
  /** Show `value` (a default, or a saved playlist's request). */
  write(value: unknown): void;
  /** Whether `value` (remembered from an earlier run) is one this knob can show. */
  accepts(value: unknown): boolean;
  /** What a text box's input event means: 'final' (take all of it, as on Enter: a suggestion
   *  chosen), 'typing' (take what is usable so far) or null (nothing to take yet: a word is
   *  being typed). Absent: 'typing'. */
  typed?(e: Event): 'final' | 'typing' | null;
  /** The library's tags, for the suggestions. */
  suggest?(tags: readonly TagCount[]): void;
}

const isWhole = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** What the kinds may ask of the view. */
export type Context = { seedBpm(): number | null };

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

  constructor(private def: NumberKnob) {
    this.box = new NumberBox({
      id: def.id, min: def.min, max: def.max, ariaLabel: def.ariaLabel ?? def.label ?? '', title: def.title,
      placeholder: def.placeholder, optional: def.optional,
    });
    this.inputs = [this.box.input];
    this.nodes = labelled(def, this.box.input);
  }
  read(final: boolean) { return this.box.read(final); }
  write(v: unknown) { this.box.write(v as number | null); }
  accepts(v: unknown) { return isWhole(v, this.def.min, this.def.max) || (v === null && !!this.def.optional); }
}

function select(id: string, ariaLabel: string, options: readonly Choice[]): HTMLSelectElement {
  return h('select', { id, class: 'filter-select knob-select', 'aria-label': ariaLabel },
    ...options.map((o) => h('option', { value: o.value, title: o.title }, o.label)));
}

class SelectControl implements Control {
  private select: HTMLSelectElement;
  readonly nodes: Node[];
  readonly inputs: FormControl[];

  constructor(private def: SelectKnob) {
    const options = def.none == null ? def.options : [{ value: '', label: def.none }, ...def.options];
    this.select = select(def.id, def.ariaLabel ?? def.label ?? '', options);
    this.inputs = [this.select];
    this.nodes = labelled(def, this.select);
  }
  read() { return this.def.none != null && this.select.value === '' ? null : this.select.value; }
  write(v: unknown) { this.select.value = v == null ? '' : String(v); }
  accepts(v: unknown) { return (v === null && this.def.none != null) || this.def.options.some((o) => o.value === v); }
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
  accepts(v: unknown) { return typeof v === 'boolean'; }
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
  /** Every tag in the box (`final`), or those a comma already ended (while typing). */
  read(final: boolean) {
    const v = this.box.value;
    return splitTags(final ? v : v.slice(0, v.lastIndexOf(',') + 1));
  }
  write(v: unknown) { this.box.value = (v as readonly string[]).join(', '); }
  accepts(v: unknown) { return Array.isArray(v) && v.every((t) => typeof t === 'string'); }

  /** A comma typed (or pasted) ends a tag; a suggestion chosen is a whole tag; an emptied box
   *  has no tags; any other keystroke is a word being typed: nothing to take yet. */
  typed(e: Event): 'final' | 'typing' | null {
    const ie = e instanceof InputEvent ? e : null;
    // a chosen suggestion replaces the text (some engines send a bare 'input' event for it)
    if (!ie || ie.inputType === 'insertReplacementText') return 'final';
    if (this.box.value.trim() === '') return 'final';
    if (ie.inputType === 'insertFromPaste' || ie.data?.includes(',')) return 'typing';
    return null;
  }

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

  accepts(v: unknown) {
    if (v === null) return true;
    const t = v as Partial<Record<string, unknown>> | undefined;
    const { percent, range } = this.def;
    if (t?.kind === 'tolerance') return isWhole(t.percent, percent.min, percent.max);
    return t?.kind === 'absolute' && isWhole(t.min, range.min, range.max) && isWhole(t.max, range.min, range.max);
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

export function control(def: KnobDef, ctx: Context): Control {
  switch (def.kind) {
    case 'number': return new NumberControl(def);
    case 'select': return new SelectControl(def);
    case 'checkbox': return new CheckboxControl(def);
    case 'tag-list': return new TagListControl(def);
    case 'tempo': return new TempoControl(def, ctx);
  }
}

export const isTextBox = (c: FormControl) => c instanceof HTMLInputElement && (c.type === 'number' || c.type === 'text');
