// The library's folders as the user changes them: add one (the native folder dialog), make the
// demo library, remove one (after the in-app confirm). Each change starts a scan on the Rust
// side; the UI then refreshes what it shows.
import * as api from './api';
import type { Folder } from './api';
import { plural } from './format';

export type FolderHooks = {
  /** Asks before removing (the app's own confirm dialog). */
  confirm(title: string, text: string, ok: string): Promise<boolean>;
  /** A folder was added or removed: refresh now. */
  onChanged(): void;
  onError(e: unknown): void;
};

export class FolderActions {
  constructor(private hooks: FolderHooks) {}

  /** "Add folder" (the sidebar's or the empty library's `button`, disabled meanwhile). */
  async add(button: HTMLButtonElement) {
    await this.whileDisabled(button, api.commands.addFolderDialog); // null: the dialog was cancelled
  }

  /** "Try a demo library". */
  async demo(button: HTMLButtonElement) {
    await this.whileDisabled(button, api.commands.createDemoLibrary);
  }

  async remove(f: Folder) {
    const ok = await this.hooks.confirm('Remove folder?',
      `“${f.path}” and its ${plural(f.track_count, 'track')} will leave the library. Files on disk are not touched.`, 'Remove');
    if (!ok) return;
    try { await api.commands.removeFolder(f.id); } catch (e) { this.hooks.onError(e); }
    this.hooks.onChanged();
  }

  private async whileDisabled(button: HTMLButtonElement, call: () => Promise<Folder | null>) {
    button.disabled = true;
    try {
      if (await call()) this.hooks.onChanged();
    } catch (e) {
      this.hooks.onError(e);
    } finally {
      button.disabled = false;
    }
  }
}
