// Musical keys as Segue names them: the engine's spelling and its Camelot wheel, from the
// generated bindings (no key arithmetic in the UI).
import { CAMELOT_WHEEL, NOTE_NAMES } from './api';

/** Pitch-class names, 0 = C. */
export const NOTES = NOTE_NAMES;
export type Scale = 'major' | 'minor';

/** "F#m" / "C". */
export const keyShort = (key: string, scale: Scale | string | null) => key + (scale === 'minor' ? 'm' : '');
/** "F# minor". */
export const keyLong = (key: string, scale: Scale | string | null) => (scale ? `${key} ${scale}` : key);

export type WheelKey = { code: string; name: string };
/** The 24 keys in Camelot order: 1A, 1B, 2A, 2B … 12A, 12B. */
export const WHEEL: readonly WheelKey[] = CAMELOT_WHEEL;
