// The sidebar's "Playlists": ul#saved-playlists, li.playlist-item[data-id] for each saved
// playlist (`list_playlists`, asked again on `playlists-changed` and after own changes). Opens
// one in the playlist view, renames it (double-click or ✎; Enter/blur commit, Esc cancels) and
// deletes it (after the in-app confirm).
import * as api from '../api';
import type { SavedPlaylist } from '../api';
import { h } from '../dom';
import { duration, num, plural } from '../format';

export type SavedListHooks = {
  onOpen(id: number, viaKeyboard: boolean): void;
  /** Asks before deleting (the app's own confirm dialog). */
  confirm(title: string, text: string, ok: string): Promise<boolean>;
  onRenamed(p: SavedPlaylist): void;
  onDeleted(id: number): void;
  onError(e: unknown): void;
};

/** ul#saved-playlists: li.playlist-item[data-id] — open, rename (double-click or ✎), delete (×). */
export class SavedList {
  private items: SavedPlaylist[] = [];
  private active: number | null = null;
  private editing: number | null = null;
  private seq = 0;
  private timer = 0;

  constructor(readonly el: HTMLElement, private hooks: SavedListHooks) {
    this.render();
  }

  /** Ask list_playlists again (bursts of events and own changes collapse into one call). */
  refresh(delay = 30) {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      const seq = ++this.seq;
      api.commands.listPlaylists().then((list) => {
        if (seq !== this.seq) return;
        this.items = list;
        this.render();
      }, (e) => { if (seq === this.seq) this.hooks.onError(e); });
    }, delay);
  }

  /** Highlight the playlist shown in the view (null: none). */
  setActive(id: number | null) {
    this.active = id;
    for (const li of this.el.querySelectorAll<HTMLElement>('li.playlist-item')) {
      const on = Number(li.dataset.id) === id;
      li.classList.toggle('active', on);
      const open = li.querySelector('.playlist-open');
      if (on) open?.setAttribute('aria-current', 'page'); else open?.removeAttribute('aria-current');
    }
  }

  private render() {
    if (this.editing != null && this.el.querySelector('.playlist-rename-input')) {
      // don't pull the box away while a name is being typed; the list catches up after
      return;
    }
    this.el.replaceChildren(...this.items.map((p) => this.itemEl(p)));
    if (!this.items.length) this.el.append(h('li', { class: 'playlist-none muted' }, 'No playlists yet'));
    this.setActive(this.active);
  }

  private itemEl(p: SavedPlaylist): HTMLElement {
    const open = h('button', {
      class: 'playlist-open', type: 'button', title: `${p.name} · ${plural(p.track_count, 'track')}${p.duration_s ? ` · ${duration(p.duration_s)}` : ''}`,
      onclick: (e: Event) => { if ((e as MouseEvent).detail <= 1) this.hooks.onOpen(p.id, (e as MouseEvent).detail === 0); },
      ondblclick: () => this.startRename(p),
    },
      h('span', { class: 'playlist-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'playlist-item-name' }, p.name),
      h('span', { class: 'playlist-item-count num', 'aria-label': plural(p.track_count, 'track') }, num(p.track_count)));
    return h('li', { class: 'playlist-item', 'data-id': p.id },
      open,
      h('button', { class: 'icon-btn playlist-rename', type: 'button', 'aria-label': `Rename playlist ${p.name}`, title: 'Rename', onclick: () => this.startRename(p) }, '✎'),
      h('button', { class: 'icon-btn playlist-delete', type: 'button', 'aria-label': `Delete playlist ${p.name}`, title: 'Delete playlist', onclick: () => void this.remove(p) }, '×'));
  }

  private startRename(p: SavedPlaylist) {
    const li = this.el.querySelector<HTMLElement>(`li.playlist-item[data-id="${p.id}"]`);
    if (!li) return;
    this.editing = p.id;
    const input = h('input', { class: 'playlist-rename-input', type: 'text', value: p.name, 'aria-label': `New name for ${p.name}`, maxlength: 200, autocomplete: 'off', spellcheck: 'false' });
    let done = false;
    const finish = async (commit: boolean) => {
      if (done) return;
      done = true;
      const name = input.value.trim();
      this.editing = null;
      if (commit && name && name !== p.name) {
        try {
          const r = await api.commands.renamePlaylist(p.id, name);
          const i = this.items.findIndex((x) => x.id === r.id);
          if (i >= 0) this.items[i] = r;
          this.hooks.onRenamed(r);
        } catch (e) { this.hooks.onError(e); }
      }
      this.render();
      this.el.querySelector<HTMLElement>(`li.playlist-item[data-id="${p.id}"] .playlist-open`)?.focus();
      this.refresh();
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); void finish(true); }
      else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); void finish(false); }
    });
    input.addEventListener('blur', () => void finish(true));
    li.classList.add('is-editing');
    li.replaceChildren(h('span', { class: 'playlist-icon', 'aria-hidden': 'true' }), input);
    input.focus();
    input.select();
  }

  private async remove(p: SavedPlaylist) {
    const ok = await this.hooks.confirm('Delete playlist?',
      `“${p.name}” (${plural(p.track_count, 'track')}) will be deleted. Your music files are not touched, nor are files you exported.`, 'Delete');
    if (!ok) return;
    try {
      await api.commands.deletePlaylist(p.id);
    } catch (e) { this.hooks.onError(e); return; }
    this.items = this.items.filter((x) => x.id !== p.id);
    this.render();
    this.hooks.onDeleted(p.id);
    this.refresh();
  }
}
