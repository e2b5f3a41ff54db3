// Which of the main area's views is shown: the library (the table), the failures, or a playlist.
export type ViewName = 'library' | 'failures' | 'playlist';

export class Views {
  private shown: ViewName = 'library';

  /** `sections`: each view's section; `onShow`: after a view was shown (what else follows it). */
  constructor(private sections: Record<ViewName, HTMLElement>, private onShow: (v: ViewName) => void) {}

  get current(): ViewName {
    return this.shown;
  }

  show(v: ViewName) {
    this.shown = v;
    for (const [name, section] of Object.entries(this.sections)) section.hidden = name !== v;
    this.onShow(v);
  }
}
