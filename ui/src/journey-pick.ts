// "Journey to…" (the detail panel of one track): the track is the journey's start; the app then
// waits, with a prompt in the toast, for the user to pick where it ends — a click on another
// row of the table. Escape or Cancel gives up; so does leaving the library.
import type { TrackRow } from './api';
import * as fmt from './format';
import type { Toast } from './toast';

export type JourneyPickHooks = {
  /** The end was picked: a journey from `from` to `to`. */
  onJourney(from: TrackRow, to: TrackRow): void;
};

export class JourneyPick {
  private from: TrackRow | null = null;

  constructor(private toast: Toast, private hooks: JourneyPickHooks) {}

  /** Waiting for the end to be picked. */
  get active(): boolean {
    return this.from != null;
  }

  start(from: TrackRow) {
    this.from = from;
    this.toast.show(`Journey from “${from.title ?? fmt.basename(from.path)}”: click the track it should end at`,
      { label: 'Cancel', run: () => this.cancel() }, { sticky: true });
  }

  /** A row was picked: the journey when it is another track than the start (true: taken). */
  picked(row: TrackRow): boolean {
    const from = this.from;
    if (!from || row.id === from.id) return false;
    this.cancel();
    this.hooks.onJourney(from, row);
    return true;
  }

  cancel() {
    if (!this.from) return;
    this.from = null;
    this.toast.hide();
  }
}
