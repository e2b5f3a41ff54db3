// The in-app confirm dialog (#confirm-dialog): window.confirm() is a silent `false` in
// WKWebView (macOS) and needs the dialog plugin's permission on Windows, so Segue never relies
// on it.
import { $ } from './dom';

export class ConfirmDialog {
  private title: HTMLElement;
  private text: HTMLElement;
  private ok: HTMLButtonElement;
  private cancel: HTMLButtonElement;

  constructor(private dialog: HTMLDialogElement) {
    this.title = $('#confirm-title', dialog);
    this.text = $('#confirm-text', dialog);
    this.ok = $<HTMLButtonElement>('#confirm-ok', dialog);
    this.cancel = $<HTMLButtonElement>('#confirm-cancel', dialog);
    this.ok.addEventListener('click', () => dialog.close('ok'));
    this.cancel.addEventListener('click', () => dialog.close('cancel'));
  }

  /** The dialog is up (it has the keyboard: Esc cancels). */
  get isOpen(): boolean {
    return this.dialog.open;
  }

  /** Ask; true when the user chose `okLabel`. The focus goes back where it was. An arrow
   *  function: it is passed around as the confirm hook. */
  readonly ask = (title: string, text: string, okLabel: string): Promise<boolean> => {
    const d = this.dialog;
    this.title.textContent = title;
    this.text.textContent = text;
    this.ok.textContent = okLabel;
    d.returnValue = '';
    const back = document.activeElement as HTMLElement | null;
    d.showModal();
    this.cancel.focus();
    return new Promise((resolve) => {
      d.addEventListener('close', () => { back?.focus?.(); resolve(d.returnValue === 'ok'); }, { once: true });
    });
  };
}
