// Musical keys as Segue names them: the engine's spelling and its Camelot wheel, from the
// generated bindings (no key arithmetic in the UI); and when a tempo is in doubt.
import { CAMELOT_WHEEL, NOTE_NAMES, TEMPO_DOUBTFUL_BELOW } from './api';

/** A tempo whose confidence is below the engine's line: likely the wrong metrical level. */
export const tempoDoubtful = (confidence: number | null | undefined) => confidence != null && confidence < TEMPO_DOUBTFUL_BELOW;
/** What a doubtful tempo's tooltip says (most such misses are half or twice the beat). */
export const DOUBTFUL_TEMPO = 'uncertain tempo: it may be half or twice this';

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
