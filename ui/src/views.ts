// Which of the main area's views is shown: the library (the table), the map, the failures, a playlist, the radio, or
// the tracks like a file from outside the library.
export type ViewName = 'library' | 'map' | 'failures' | 'playlist' | 'radio' | 'outside';

export type ViewsHooks = {
  /** A view was shown (what else follows it: the nav, the rows, …). */
  onShow(v: ViewName): void;
};

export class Views {
  private shown: ViewName = 'library';

  /** `sections`: each view's section. */
  constructor(private sections: Record<ViewName, HTMLElement>, private hooks: ViewsHooks) {}

  get current(): ViewName {
    return this.shown;
  }

  show(v: ViewName) {
    this.shown = v;
    for (const [name, section] of Object.entries(this.sections)) section.hidden = name !== v;
    this.hooks.onShow(v);
  }
}
