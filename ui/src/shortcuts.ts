// Every shortcut of the app, declared once: SHORTCUTS. The key handlers ask `is(id, e)` (and
// `clickIs(id, e)` for the mouse gestures) instead of spelling keys out, and the shortcut sheet
// (`?`, shortcut-sheet.ts) lists this table — so what the sheet says is what the keys do.

/** A key combination. Ctrl, ⌘ and Alt must be as given (absent: not pressed); `mod` is Ctrl, or
 *  ⌘ on a Mac. `shift` absent: either (a letter, `?`); true/false: must be / must not be held. */
export type Combo = { key: string; ctrl?: true; mod?: true; alt?: true; shift?: boolean };
/** A mouse gesture (shown in the sheet; `clickIs` checks its modifiers). */
export type Gesture = { pointer: 'Click' | 'Double-click' | 'Right-click' | 'Drag' | 'Scroll'; mod?: true; shift?: true };
export type Shortcut = { section: Section; label: string; keys?: readonly Combo[]; gestures?: readonly Gesture[] };

/** The sheet's sections, in its order. */
export const SECTIONS = ['General', 'Library', 'Search and filters', 'Similar tracks', 'Playlist', 'Radio', 'Like a file', 'Map'] as const;
export type Section = (typeof SECTIONS)[number];

const ARROWS = { up: 'ArrowUp', down: 'ArrowDown' } as const;

export const SHORTCUTS = {
  // ---- anywhere ----
  help: { section: 'General', label: 'Show these keyboard shortcuts', keys: [{ key: '?' }] },
  search: { section: 'General', label: 'Search the library', keys: [{ key: '/' }, { key: 'f', mod: true }] },
  playPause: { section: 'General', label: 'Play or pause: the focused row, else the selected track, else what plays', keys: [{ key: ' ' }] },
  next: { section: 'General', label: 'Next track of the list the preview came from', keys: [{ key: 'n' }, { key: 'ArrowRight', ctrl: true }] },
  previous: { section: 'General', label: 'Previous track', keys: [{ key: 'b' }, { key: 'ArrowLeft', ctrl: true }] },
  // ---- the library table ----
  'table.select': { section: 'Library', label: 'Select a track and show its details', gestures: [{ pointer: 'Click' }] },
  'table.toggle': { section: 'Library', label: 'Add a track to the selection, or take it out', gestures: [{ pointer: 'Click', mod: true }] },
  'table.range': { section: 'Library', label: 'Select every track from the last one clicked', gestures: [{ pointer: 'Click', shift: true }] },
  'table.play': { section: 'Library', label: 'Play the track', keys: [{ key: 'Enter' }], gestures: [{ pointer: 'Double-click' }] },
  'table.down': { section: 'Library', label: 'Next track (shows its details)', keys: [{ key: ARROWS.down, shift: false }] },
  'table.up': { section: 'Library', label: 'Previous track', keys: [{ key: ARROWS.up, shift: false }] },
  'table.extendDown': { section: 'Library', label: 'Extend the selection down', keys: [{ key: ARROWS.down, shift: true }] },
  'table.extendUp': { section: 'Library', label: 'Extend the selection up', keys: [{ key: ARROWS.up, shift: true }] },
  'table.pageDown': { section: 'Library', label: 'A page down', keys: [{ key: 'PageDown' }] },
  'table.pageUp': { section: 'Library', label: 'A page up', keys: [{ key: 'PageUp' }] },
  'table.first': { section: 'Library', label: 'First track', keys: [{ key: 'Home' }] },
  'table.last': { section: 'Library', label: 'Last track', keys: [{ key: 'End' }] },
  'table.makePlaylist': { section: 'Library', label: 'Make a playlist from the selected track(s)', keys: [{ key: 'p' }] },
  'table.journey': { section: 'Library', label: 'A journey from the first to the second of two selected tracks', keys: [{ key: 'j' }] },
  'table.radio': { section: 'Library', label: 'Start a radio from the selected track(s)', keys: [{ key: 'r' }] },
  'table.menu': { section: 'Library', label: 'The track’s menu', keys: [{ key: 'ContextMenu' }, { key: 'F10', shift: true }], gestures: [{ pointer: 'Right-click' }] },
  'details.close': { section: 'Library', label: 'Close the details', keys: [{ key: 'Escape' }] },
  // ---- the toolbar's boxes ----
  'search.clear': { section: 'Search and filters', label: 'In the search box: clear it, then leave it', keys: [{ key: 'Escape' }] },
  'search.toTable': { section: 'Search and filters', label: 'In the search box: on to the tracks', keys: [{ key: ARROWS.down }] },
  'search.apply': { section: 'Search and filters', label: 'In the search or a BPM box: search now', keys: [{ key: 'Enter' }] },
  'filter.clear': { section: 'Search and filters', label: 'In a BPM box or the tag filter: clear it', keys: [{ key: 'Escape' }] },
  // ---- the similar tracks (detail panel) ----
  'similar.down': { section: 'Similar tracks', label: 'Next similar track', keys: [{ key: ARROWS.down }] },
  'similar.up': { section: 'Similar tracks', label: 'Previous similar track', keys: [{ key: ARROWS.up }] },
  'similar.first': { section: 'Similar tracks', label: 'First similar track', keys: [{ key: 'Home' }] },
  'similar.last': { section: 'Similar tracks', label: 'Last similar track', keys: [{ key: 'End' }] },
  'similar.pick': { section: 'Similar tracks', label: 'Show that track’s details', keys: [{ key: 'Enter' }], gestures: [{ pointer: 'Click' }] },
  'similar.play': { section: 'Similar tracks', label: 'Show it and play it', gestures: [{ pointer: 'Double-click' }] },
  // ---- the playlist view ----
  'playlist.back': { section: 'Playlist', label: 'Back to the library', keys: [{ key: 'Escape' }] },
  'playlist.down': { section: 'Playlist', label: 'Next row', keys: [{ key: ARROWS.down }] },
  'playlist.up': { section: 'Playlist', label: 'Previous row', keys: [{ key: ARROWS.up }] },
  'playlist.first': { section: 'Playlist', label: 'First row', keys: [{ key: 'Home' }] },
  'playlist.last': { section: 'Playlist', label: 'Last row', keys: [{ key: 'End' }] },
  'playlist.play': { section: 'Playlist', label: 'Play the row', keys: [{ key: 'Enter' }], gestures: [{ pointer: 'Double-click' }] },
  'playlist.moveDown': { section: 'Playlist', label: 'Move the row down', keys: [{ key: ARROWS.down, alt: true }] },
  'playlist.moveUp': { section: 'Playlist', label: 'Move the row up', keys: [{ key: ARROWS.up, alt: true }] },
  'playlist.remove': { section: 'Playlist', label: 'Remove the row', keys: [{ key: 'Delete' }, { key: 'Backspace' }] },
  'playlist.undo': { section: 'Playlist', label: 'Undo the last remove, swap or move', keys: [{ key: 'z', mod: true, shift: false }] },
  'playlist.regenerate': { section: 'Playlist', label: 'In a setting’s box: make the playlist now', keys: [{ key: 'Enter' }] },
  // ---- the radio view ----
  'radio.like': { section: 'Radio', label: 'More like the track playing (♥)', keys: [{ key: 'l' }] },
  'radio.back': { section: 'Radio', label: 'Back to the library (the radio plays on)', keys: [{ key: 'Escape' }] },
  // ---- "like a file" ----
  'outside.drop': { section: 'Like a file', label: 'Drop an audio file on the window: the tracks like it', gestures: [{ pointer: 'Drag' }] },
  'outside.down': { section: 'Like a file', label: 'Next track', keys: [{ key: ARROWS.down }] },
  'outside.up': { section: 'Like a file', label: 'Previous track', keys: [{ key: ARROWS.up }] },
  'outside.first': { section: 'Like a file', label: 'First track', keys: [{ key: 'Home' }] },
  'outside.last': { section: 'Like a file', label: 'Last track', keys: [{ key: 'End' }] },
  'outside.play': { section: 'Like a file', label: 'Play the track', keys: [{ key: 'Enter' }] },
  'outside.back': { section: 'Like a file', label: 'Back to the library', keys: [{ key: 'Escape' }] },
  // ---- the map ----
  'map.pick': { section: 'Map', label: 'Pick a track and show its details', gestures: [{ pointer: 'Click' }] },
  'map.play': { section: 'Map', label: 'Play the picked track', keys: [{ key: 'Enter' }], gestures: [{ pointer: 'Double-click' }] },
  'map.pan': { section: 'Map', label: 'Move around (Shift: farther)', keys: [{ key: 'ArrowLeft' }, { key: 'ArrowRight' }, { key: ARROWS.up }, { key: ARROWS.down }], gestures: [{ pointer: 'Drag' }] },
  'map.zoomIn': { section: 'Map', label: 'Zoom in (the wheel: at the pointer)', keys: [{ key: '+' }, { key: '=' }], gestures: [{ pointer: 'Scroll' }] },
  'map.zoomOut': { section: 'Map', label: 'Zoom out', keys: [{ key: '-' }, { key: '_' }] },
  'map.fit': { section: 'Map', label: 'Show every track', keys: [{ key: '0' }] },
  'map.lasso': { section: 'Map', label: 'Lasso: draw around tracks to pick them', keys: [{ key: 'l' }], gestures: [{ pointer: 'Drag', shift: true }] },
  'map.clear': { section: 'Map', label: 'Clear the picks, then the lasso, then the selection', keys: [{ key: 'Escape' }] },
} as const satisfies Record<string, Shortcut>;

export type ShortcutId = keyof typeof SHORTCUTS;

const MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

function comboMatches(c: Combo, e: KeyboardEvent): boolean {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key !== c.key) return false;
  // `mod`: Ctrl or ⌘ (either will do); else Ctrl as given, and never ⌘.
  if (c.mod ? !(e.ctrlKey || e.metaKey) : e.ctrlKey !== !!c.ctrl || e.metaKey) return false;
  if (e.altKey !== !!c.alt) return false;
  return c.shift === undefined || e.shiftKey === c.shift;
}

/** Whether `e` is one of shortcut `id`'s keys. */
export function is(id: ShortcutId, e: KeyboardEvent): boolean {
  const s: Shortcut = SHORTCUTS[id];
  return !!s.keys?.some((c) => comboMatches(c, e));
}

/** Whether a click's modifiers are those of gesture shortcut `id` (Ctrl/⌘-click, Shift-click). */
export function clickIs(id: ShortcutId, e: MouseEvent): boolean {
  const s: Shortcut = SHORTCUTS[id];
  return !!s.gestures?.some((g) => !!g.mod === (e.ctrlKey || e.metaKey) && !!g.shift === e.shiftKey);
}

const KEY_NAMES: Record<string, string> = {
  ' ': 'Space', ArrowUp: '↑', ArrowDown: '↓', ArrowLeft: '←', ArrowRight: '→', Escape: 'Esc', ContextMenu: 'Menu',
  PageUp: 'Page Up', PageDown: 'Page Down', Backspace: '⌫',
};
const CTRL = MAC ? '⌃' : 'Ctrl';
const MOD = MAC ? '⌘' : 'Ctrl';
const ALT = MAC ? '⌥' : 'Alt';

/** The keys of a combination as they read on the keyboard: ['Ctrl', '→']. */
export function comboKeys(c: Combo): string[] {
  const out: string[] = [];
  if (c.ctrl) out.push(CTRL);
  if (c.mod) out.push(MOD);
  if (c.alt) out.push(ALT);
  if (c.shift) out.push('Shift');
  out.push(KEY_NAMES[c.key] ?? (c.key.length === 1 ? c.key.toUpperCase() : c.key));
  return out;
}

/** A gesture as it reads: ['Ctrl', 'Click']. */
export function gestureKeys(g: Gesture): string[] {
  return [...(g.mod ? [MOD] : []), ...(g.shift ? ['Shift'] : []), g.pointer];
}

/** "Ctrl+F": a shortcut's first key, for tooltips. */
export function hint(id: ShortcutId): string {
  const s: Shortcut = SHORTCUTS[id];
  const c = s.keys?.[0];
  return c ? comboKeys(c).join('+') : '';
}

/** "Ctrl+Click": a gesture shortcut's first gesture, for hints. */
export function gestureHint(id: ShortcutId): string {
  const s: Shortcut = SHORTCUTS[id];
  const g = s.gestures?.[0];
  return g ? gestureKeys(g).join('+') : '';
}
