const nf = new Intl.NumberFormat('en-US');

export const num = (n: number) => nf.format(n);
export const plural = (n: number, one: string, many = one + 's') => `${num(n)} ${n === 1 ? one : many}`;

export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** 3:07, 1:02:09 */
export function duration(s: number | null): string {
  if (s == null || !isFinite(s) || s < 0) return '';
  const t = Math.round(s);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Library length for the stats line: "45 min", "3 h 12 min", "2 d 4 h". */
export function longDuration(s: number): string {
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** ETA text: "about 12 s left", "about 3 min left". */
export function eta(s: number | null): string {
  if (s == null || !isFinite(s) || s < 0) return '';
  if (s < 1) return 'almost done';
  if (s < 60) return `about ${Math.ceil(s)} s left`;
  if (s < 3600) return `about ${Math.round(s / 60)} min left`;
  const h = Math.floor(s / 3600);
  return `about ${h} h ${Math.round((s % 3600) / 60)} min left`;
}

export function rate(r: number): string {
  if (!isFinite(r) || r <= 0) return '';
  return `${num(r >= 10 ? Math.round(r) : Math.round(r * 10) / 10)} files/s`;
}

export function relativeTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} d ago`;
  return new Date(t).toLocaleDateString();
}

export function fullTime(iso: string): string {
  const t = Date.parse(iso);
  return isNaN(t) ? iso : new Date(t).toLocaleString();
}

export function sampleRate(hz: number | null): string {
  if (hz == null) return '';
  return `${(hz / 1000).toFixed(hz % 1000 === 0 ? 0 : 1)} kHz`;
}

export function channels(n: number | null): string {
  if (n == null) return '';
  return n === 1 ? 'Mono' : n === 2 ? 'Stereo' : `${n} channels`;
}

/** Fixed decimals with a typographic minus: "−9.8", "+12" when `plus`. */
export function signed(n: number, digits = 1, plus = false): string {
  const s = Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const zero = Number(s.replace(/,/g, '')) === 0;
  return (n < 0 && !zero ? '\u2212' : plus && !zero ? '+' : '') + s;
}

/** Compact ETA: "ETA 45 s", "ETA 12 min", "ETA 3 h 20 min". '' when unknown. */
export function etaShort(s: number | null): string {
  if (s == null || !isFinite(s) || s < 0) return '';
  if (s < 60) return `ETA ${Math.max(1, Math.ceil(s))} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `ETA ${min} min`;
  return `ETA ${Math.floor(min / 60)} h ${min % 60} min`;
}

/** Analysis speed: "41 audio-h/h", "3.5 audio-h/h". '' when unknown. */
export function audioRate(r: number): string {
  if (!isFinite(r) || r <= 0) return '';
  return `${num(r >= 10 ? Math.round(r) : Math.round(r * 10) / 10)} audio-h/h`;
}

/** What the table's Format column shows of a file's format: its container's short name, in
 *  capitals ("Ogg Vorbis" → "OGG", "Matroska" → "MKV", "flac" → "FLAC"); the whole name and the
 *  codec go in the tooltip. */
export function formatShort(format: string | null | undefined): string {
  const first = (format ?? '').trim().split(/\s+/)[0] ?? '';
  return first.toLowerCase() === 'matroska' ? 'MKV' : first.toUpperCase();
}
