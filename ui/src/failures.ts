// The failures view (#view-failures): every file that could not be read or analysed, with the
// stage, the reason and when (`list_failures`, asked each time the view is shown or refreshed).
import * as api from './api';
import type { Failure } from './api';
import { $, h } from './dom';
import * as fmt from './format';

export class FailuresView {
  private body: HTMLElement;
  private empty: HTMLElement;
  private count: HTMLElement;

  /** `el`: section#view-failures. */
  constructor(el: HTMLElement, private hooks: { onError(e: unknown): void }) {
    this.body = $('#failure-body', el);
    this.empty = $('#failures-empty', el);
    this.count = $('#failures-count', el);
  }

  async load() {
    let list: Failure[];
    try { list = await api.commands.listFailures(); } catch (e) { this.hooks.onError(e); return; }
    this.render(list);
  }

  private render(list: Failure[]) {
    const now = Date.now();
    this.body.replaceChildren(...list.map((f) =>
      h('tr', { class: 'failure-row' },
        h('td', { class: 'f-path', title: f.path },
          h('span', { class: 'file' }, fmt.basename(f.path)), h('span', { class: 'dir' }, f.path)),
        h('td', {}, h('span', { class: 'badge stage' }, f.stage)),
        h('td', { class: 'reason', title: f.reason }, f.reason),
        h('td', { class: 'time num', title: fmt.fullTime(f.at) }, fmt.relativeTime(f.at, now)))));
    this.empty.hidden = list.length > 0;
    this.body.closest('table')!.hidden = list.length === 0;
    this.count.textContent = list.length ? fmt.plural(list.length, 'file') : '';
  }
}
