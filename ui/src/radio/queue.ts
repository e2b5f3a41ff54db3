// The radio as the list the player walks: next is the radio's next pick (asked of the backend,
// which plans the queue again), there is no previous, and every track plays whole. Leaving a
// track within its first SKIP_WINDOW_S seconds by asking for the next one is a skip: the
// backend steers the next picks away from it.
import type { PreviewQueue, PreviewTrack } from '../player/queue';

/** A next asked for within this many seconds of a track is a skip ("not like this"). */
export const SKIP_WINDOW_S = 30;

/** What the queue needs of the radio. */
export type RadioSource = {
  /** The track the radio plays now (null: the radio is off or has run dry). */
  readonly now: PreviewTrack | null;
  /** Whether a pick is queued after the one playing. */
  readonly hasNext: boolean;
  /** The playing track ended or was skipped: the radio moves on; its new `now`. */
  next(skippedEarly: boolean): Promise<PreviewTrack | null>;
};

export class RadioQueue implements PreviewQueue {
  readonly kind = 'radio';
  readonly length = 'whole';
  private skippedEarly = false;

  constructor(private radio: RadioSource) {}

  leaving(id: number, ended: boolean, heardS: number) {
    this.skippedEarly = !ended && heardS < SKIP_WINDOW_S && this.radio.now?.id === id;
  }

  async neighbour(id: number, step: 1 | -1): Promise<PreviewTrack | null> {
    if (step < 0) return null;
    const skipped = this.skippedEarly;
    this.skippedEarly = false;
    const now = this.radio.now;
    // The radio moved on already (the radio view's Skip): play what it plays now.
    if (now && now.id !== id) return now;
    return this.radio.next(skipped);
  }

  has(id: number, step: 1 | -1): boolean {
    return step > 0 && this.radio.now != null && (this.radio.now.id !== id || this.radio.hasNext);
  }
}
