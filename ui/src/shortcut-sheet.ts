// The keyboard shortcuts sheet (#shortcuts-dialog): every entry of SHORTCUTS (shortcuts.ts), by
// section — the table the key handlers read, so it lists what the keys do. `?` or the sidebar's
// "Keyboard shortcuts" opens it; Esc or Close closes it (the focus goes back where it was).
import { h } from './dom';
import { SECTIONS, SHORTCUTS, comboKeys, gestureKeys, hint, type Shortcut } from './shortcuts';

/** One way to do it: its keys, each in a <kbd>, joined by "+". */
const keysEl = (keys: string[]) => h('span', { class: 'shortcut-combo' }, ...keys.flatMap((k, i) => [i ? '+' : null, h('kbd', {}, k)]));

export class ShortcutSheet {
  private back: HTMLElement | null = null;

  /** `dialog`: #shortcuts-dialog (empty: filled here); `opener`: #shortcuts-open. */
  constructor(private dialog: HTMLDialogElement, opener: HTMLButtonElement) {
    const close = h('button', { id: 'shortcuts-close', class: 'btn', type: 'button', onclick: () => dialog.close() }, 'Close');
    dialog.replaceChildren(
      h('div', { class: 'shortcuts-head' }, h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'), close),
      h('div', { class: 'shortcuts-body' }, ...SECTIONS.map((section) => this.sectionEl(section))));
    dialog.addEventListener('close', () => { this.back?.focus?.(); this.back = null; });
    // a click on the backdrop closes it
    dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
    opener.addEventListener('click', () => this.open());
    const key = opener.querySelector('kbd');
    if (key) key.textContent = hint('help');
    opener.setAttribute('aria-keyshortcuts', hint('help'));
  }

  /** The sheet is up (it has the keyboard: Esc closes it). */
  get isOpen(): boolean {
    return this.dialog.open;
  }

  open() {
    if (this.dialog.open) return;
    this.back = document.activeElement as HTMLElement | null;
    this.dialog.showModal();
    this.dialog.querySelector<HTMLElement>('#shortcuts-close')?.focus();
  }

  private sectionEl(section: string): HTMLElement {
    const entries = Object.entries(SHORTCUTS as Record<string, Shortcut>).filter(([, s]) => s.section === section);
    return h('section', { class: 'shortcuts-section' },
      h('h3', {}, section),
      h('ul', { class: 'shortcuts-list' }, ...entries.map(([id, s]) => {
        const ways = [...(s.keys ?? []).map(comboKeys), ...(s.gestures ?? []).map(gestureKeys)];
        return h('li', { 'data-shortcut': id },
          h('span', { class: 'shortcut-label' }, s.label),
          h('span', { class: 'shortcut-keys' }, ...ways.flatMap((keys, i) => [i ? h('span', { class: 'shortcut-or' }, 'or') : null, keysEl(keys)])));
      })));
  }
}
