// Which rows of the track table are selected, by row index: one (a click, the arrows), a range
// (Shift+click, Shift+↑/↓, from the anchor: the row last clicked on its own) or any set
// (Ctrl/⌘+click toggles a row). The lead is the row the keyboard is on: the last one clicked or
// moved to; it is always one of the selected rows (-1: none selected).

export class TableSelection {
  /** The row the keyboard is on (-1: nothing selected). */
  private leadRow = -1;
  /** Where a range starts (Shift+click, Shift+arrows). */
  private anchor = -1;
  private rows = new Set<number>();

  get lead(): number {
    return this.leadRow;
  }

  get count(): number {
    return this.rows.size;
  }

  has(i: number): boolean {
    return this.rows.has(i);
  }

  /** The selected rows in table order. */
  indices(): number[] {
    return [...this.rows].sort((a, b) => a - b);
  }

  /** Just row `i`. */
  single(i: number) {
    this.rows = new Set([i]);
    this.leadRow = this.anchor = i;
  }

  /** Row `i` in or out of the selection; a row put in becomes the lead and the anchor. A lead
   *  taken out hands over to the nearest selected row. */
  toggle(i: number) {
    if (!this.rows.has(i)) {
      this.rows.add(i);
      this.leadRow = this.anchor = i;
      return;
    }
    this.rows.delete(i);
    if (this.leadRow === i) {
      let best = -1;
      for (const r of this.rows) if (best < 0 || Math.abs(r - i) < Math.abs(best - i)) best = r;
      this.leadRow = best;
    }
    if (this.anchor === i) this.anchor = this.leadRow;
  }

  /** Every row from the anchor to `i`; `i` becomes the lead. */
  extendTo(i: number) {
    if (this.anchor < 0) this.anchor = this.leadRow >= 0 ? this.leadRow : i;
    const [from, to] = this.anchor <= i ? [this.anchor, i] : [i, this.anchor];
    this.rows = new Set(Array.from({ length: to - from + 1 }, (_, k) => from + k));
    this.leadRow = i;
  }

  clear() {
    this.rows = new Set();
    this.leadRow = this.anchor = -1;
  }

  /** The table has `total` rows now: rows past the end leave the selection (a lead past the end
   *  moves to the last row, as a single selection did). */
  clamp(total: number) {
    for (const r of [...this.rows]) if (r >= total) this.rows.delete(r);
    if (total <= 0) { this.clear(); return; }
    if (this.leadRow >= total) { this.leadRow = total - 1; this.rows.add(this.leadRow); }
    if (this.anchor >= total) this.anchor = this.leadRow;
  }
}
