// The playlist's edits that can be undone (remove, swap, move): for each, the rows as they were
// before it, what it was ("Removed “Title”") and the row it touched. The last one comes back
// first; another playlist shown forgets them.
import type { PlaylistEntry } from '../api';

/** How many edits back Undo goes. */
const DEPTH = 50;

export type Edit = {
  /** "Removed “Title”", "Swapped “A” for “B”", "Moved “Title”". */
  label: string;
  /** The rows before the edit. */
  before: PlaylistEntry[];
  /** The row the edit touched (where the focus goes back to). */
  index: number;
};

export class EditHistory {
  private edits: Edit[] = [];

  get last(): Edit | null {
    return this.edits[this.edits.length - 1] ?? null;
  }

  push(edit: Edit) {
    this.edits.push({ ...edit, before: edit.before.slice() });
    if (this.edits.length > DEPTH) this.edits.shift();
  }

  /** The last edit, taken off (null: nothing to undo). */
  pop(): Edit | null {
    return this.edits.pop() ?? null;
  }

  clear() {
    this.edits = [];
  }
}
