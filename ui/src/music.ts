// Musical keys as Segue names them (same spelling as the Rust side) and the Camelot wheel.

/** Pitch-class names, 0 = C (the Rust side's NOTE_NAMES). */
export const NOTES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'] as const;
export type Scale = 'major' | 'minor';

/** Camelot code: 8B = C major, 8A = A minor (same formula as analysis::key::camelot). */
export function camelot(tonic: number, scale: Scale): string {
  const major = scale === 'major' ? tonic % 12 : (tonic + 3) % 12;
  const n = (major * 7 + 8) % 12;
  return `${n === 0 ? 12 : n}${scale === 'major' ? 'B' : 'A'}`;
}

/** "F#m" / "C". */
export const keyShort = (key: string, scale: Scale | string | null) => key + (scale === 'minor' ? 'm' : '');
/** "F# minor". */
export const keyLong = (key: string, scale: Scale | string | null) => (scale ? `${key} ${scale}` : key);

export type WheelKey = { code: string; name: string };
/** The 24 keys in Camelot order: 1A, 1B, 2A, 2B … 12A, 12B. */
export const WHEEL: WheelKey[] = (() => {
  const byCode = new Map<string, string>();
  for (let t = 0; t < 12; t++) for (const s of ['minor', 'major'] as const) byCode.set(camelot(t, s), keyLong(NOTES[t], s));
  const out: WheelKey[] = [];
  for (let n = 1; n <= 12; n++) for (const l of ['A', 'B']) out.push({ code: `${n}${l}`, name: byCode.get(`${n}${l}`)! });
  return out;
})();
