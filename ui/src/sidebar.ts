// The sidebar: the nav (Library, Map, Radio, Like a file, Failures with its count), the folders (each with its track
// count, × to remove), "Add folder", and the library's stats at the bottom. (Its "Playlists" are
// playlist/saved-list.ts.)
import type { Folder, Overview } from './api';
import { h } from './dom';
import * as fmt from './format';
import type { ViewName } from './views';

export type SidebarElements = {
  navLibrary: HTMLButtonElement; navMap: HTMLButtonElement; navRadio: HTMLButtonElement; navOutside: HTMLButtonElement; navFailures: HTMLButtonElement; failureCount: HTMLElement;
  folderList: HTMLElement; addFolder: HTMLButtonElement; stats: HTMLElement;
};

export type SidebarHooks = {
  onNavigate(view: 'library' | 'map' | 'radio' | 'outside' | 'failures'): void;
  onAddFolder(button: HTMLButtonElement): void;
  onRemoveFolder(f: Folder): void;
};

export class Sidebar {
  constructor(private el: SidebarElements, private hooks: SidebarHooks) {
    el.navLibrary.addEventListener('click', () => hooks.onNavigate('library'));
    el.navMap.addEventListener('click', () => hooks.onNavigate('map'));
    el.navRadio.addEventListener('click', () => hooks.onNavigate('radio'));
    el.navOutside.addEventListener('click', () => hooks.onNavigate('outside'));
    el.navFailures.addEventListener('click', () => hooks.onNavigate('failures'));
    el.addFolder.addEventListener('click', () => hooks.onAddFolder(el.addFolder));
  }

  /** The folders, stats and failure count of get_overview. */
  render(o: Overview) {
    const el = this.el;
    el.folderList.replaceChildren(...o.folders.map((f) => this.folderItem(f)));
    if (o.folders.length === 0) el.folderList.append(h('li', { class: 'folder-none muted' }, 'No folders yet'));
    const s = o.stats;
    el.stats.replaceChildren(
      h('span', { class: 'num' }, fmt.plural(s.tracks, 'track')), ' · ',
      h('span', { class: 'num' }, fmt.longDuration(s.total_duration_s)), ' · ',
      h('span', { class: 'num' }, fmt.plural(s.folders, 'folder')));
    el.failureCount.textContent = `(${fmt.num(s.failures)})`;
    el.navFailures.classList.toggle('has-failures', s.failures > 0);
  }

  /** Mark the nav item of the view shown (none for a playlist: the Playlists list marks it). */
  setView(v: ViewName) {
    const el = this.el;
    for (const [nav, on] of [[el.navLibrary, v === 'library'], [el.navMap, v === 'map'], [el.navRadio, v === 'radio'], [el.navOutside, v === 'outside'], [el.navFailures, v === 'failures']] as const) {
      nav.classList.toggle('active', on);
      if (on) nav.setAttribute('aria-current', 'page'); else nav.removeAttribute('aria-current');
    }
  }

  /** The radio is on (its nav item says so). */
  setRadioOn(on: boolean) {
    this.el.navRadio.classList.toggle('is-on', on);
    this.el.navRadio.title = on ? 'The radio plays: what it plays and what comes next' : 'A radio that plays without end from a track';
  }

  private folderItem(f: Folder) {
    const name = fmt.basename(f.path.replace(/[\\/]+$/, '')) || f.path;
    return h('li', { class: `folder-item${f.exists ? '' : ' missing'}`, 'data-id': f.id, title: f.exists ? f.path : `${f.path} (not found on disk)` },
      h('span', { class: 'folder-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'folder-text' },
        h('span', { class: 'folder-name' }, name),
        h('span', { class: 'folder-path' }, f.exists ? f.path : `Missing · ${f.path}`)),
      h('span', { class: 'folder-count num', title: fmt.plural(f.track_count, 'track') }, fmt.num(f.track_count)),
      h('button', {
        class: 'icon-btn folder-remove', type: 'button', 'aria-label': `Remove folder ${f.path}`, title: 'Remove folder',
        onclick: () => this.hooks.onRemoveFolder(f),
      }, '×'));
  }
}
