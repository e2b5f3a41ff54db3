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
  /** The next asked for and not answered yet: a second Next meanwhile (pressed as the track
   *  ended by itself) waits for it instead of moving on twice. */
  private asked: Promise<PreviewTrack | null> | null = null;

  constructor(private radio: RadioSource) {}

  leaving(id: number, ended: boolean, heardS: number) {
    this.skippedEarly = !ended && heardS < SKIP_WINDOW_S && this.radio.now?.id === id;
  }

  async neighbour(id: number, step: 1 | -1): Promise<PreviewTrack | null> {
    const skipped = this.skippedEarly;
    this.skippedEarly = false;
    if (step < 0) return null;
    if (this.asked) return this.asked;
    const now = this.radio.now;
    // The radio moved on already (the radio view's Skip): play what it plays now.
    if (now && now.id !== id) return now;
    this.asked = this.radio.next(skipped).finally(() => { this.asked = null; });
    return this.asked;
  }

  has(id: number, step: 1 | -1): boolean {
    return step > 0 && this.radio.now != null && (this.radio.now.id !== id || this.radio.hasNext);
  }
}
