// The error banner (#error-banner) at the top of the main area: backend errors the user should
// see. (The player and the playlist view show theirs in place.)
import { errorText } from './api';

export class ErrorBanner {
  constructor(private el: HTMLElement, private text: HTMLElement, dismiss: HTMLButtonElement) {
    dismiss.addEventListener('click', () => { el.hidden = true; });
  }

  /** Show `e` (also logged). An arrow function: it is passed around as the onError hook. */
  readonly show = (e: unknown) => {
    const msg = errorText(e);
    console.warn('[segue]', msg);
    this.text.textContent = msg;
    this.text.title = msg;
    this.el.hidden = false;
  };

  /** Run a backend call; errors go to the banner, never up. */
  async guard<T>(p: Promise<T>): Promise<T | undefined> {
    try { return await p; } catch (e) { this.show(e); return undefined; }
  }
}
