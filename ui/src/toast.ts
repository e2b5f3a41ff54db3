// The toast (#toast) at the bottom of the main area: a short note about what was just done, with
// one action (#toast-action, e.g. Undo). It goes after a few seconds; not while the pointer is on
// it or the focus is in it (the action is a tab stop: keyboard users get there with Tab).
import { h } from './dom';

/** How long a toast stays, and how long again after the pointer or focus leaves it. */
const SHOW_MS = 6000;
const LINGER_MS = 2500;

export type ToastAction = { label: string; run(): void };

export class Toast {
  private text: HTMLElement;
  private button: HTMLButtonElement;
  private action: ToastAction | null = null;
  private timer = 0;
  private sticky = false;
  private held = { hover: false, focus: false };

  /** `el`: #toast (empty: filled here). */
  constructor(readonly el: HTMLElement) {
    this.text = h('span', { id: 'toast-text', class: 'toast-text' });
    this.button = h('button', { id: 'toast-action', class: 'toast-action', type: 'button', onclick: () => this.act() });
    el.replaceChildren(this.text, h('span', { class: 'toast-sep', 'aria-hidden': 'true' }, '·'), this.button);
    el.setAttribute('role', 'status');
    el.setAttribute('aria-live', 'polite');
    el.hidden = true;
    el.addEventListener('pointerenter', () => this.hold('hover', true));
    el.addEventListener('pointerleave', () => this.hold('hover', false));
    el.addEventListener('focusin', () => this.hold('focus', true));
    el.addEventListener('focusout', (e) => { if (!el.contains(e.relatedTarget as Node | null)) this.hold('focus', false); });
  }

  get shown(): boolean {
    return !this.el.hidden;
  }

  /** Show `text` with `action` (its button), replacing what was shown; `sticky`: until hidden
   *  (a prompt that waits for the user). */
  show(text: string, action: ToastAction, { sticky = false } = {}) {
    this.sticky = sticky;
    this.action = action;
    this.text.textContent = text;
    this.button.textContent = action.label;
    this.el.hidden = false;
    this.arm(SHOW_MS);
  }

  hide() {
    clearTimeout(this.timer);
    this.action = null;
    this.el.hidden = true;
  }

  /** Run the action (its button; Ctrl+Z for Undo goes to whoever undoes directly). */
  private act() {
    const a = this.action;
    this.hide();
    a?.run();
  }

  private hold(what: 'hover' | 'focus', on: boolean) {
    this.held[what] = on;
    if (this.el.hidden) return;
    if (this.held.hover || this.held.focus) clearTimeout(this.timer);
    else this.arm(LINGER_MS);
  }

  private arm(ms: number) {
    clearTimeout(this.timer);
    if (this.sticky || this.held.hover || this.held.focus) return;
    this.timer = window.setTimeout(() => this.hide(), ms);
  }
}
