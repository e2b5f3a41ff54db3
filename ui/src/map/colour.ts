// The map's colours: continuous scales made in OKLCH (even steps of lightness read as even steps
// of tempo or loudness, in both themes), the Camelot wheel's 24 keys (12 hues around the wheel,
// minor darker than major), and a categorical palette for tags, folders and albums. Colours are
// 0xRRGGBB numbers; `pixel` packs one for an ImageData buffer.

/** An sRGB colour, 0xRRGGBB. */
export type Rgb = number;

/** What depends on the theme: the background the points are drawn on, and the grey of
 *  "unknown" and "other". */
export type Theme = { bg: Rgb; grey: Rgb; text: Rgb; accent: Rgb; dark: boolean };

const gamma = (x: number) => (x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055);
const byte = (x: number) => Math.max(0, Math.min(255, Math.round(gamma(x) * 255)));

/** OKLCH (lightness 0–1, chroma, hue in degrees) → sRGB (out-of-gamut channels clipped). */
export function oklch(l: number, c: number, hue: number): Rgb {
  const h = (hue * Math.PI) / 180;
  const a = c * Math.cos(h), b = c * Math.sin(h);
  const l3 = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m3 = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s3 = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const r = 4.0767416621 * l3 - 3.3077115913 * m3 + 0.2309699292 * s3;
  const g = -1.2684380046 * l3 + 2.6097574011 * m3 - 0.3413193965 * s3;
  const bl = -0.0041960863 * l3 - 0.7034186147 * m3 + 1.707614701 * s3;
  return (byte(r) << 16) | (byte(g) << 8) | byte(bl);
}

/** '#rrggbb'. */
export const hex = (c: Rgb) => `#${c.toString(16).padStart(6, '0')}`;

/** A CSS colour as the page computes it ('#rgb', '#rrggbb', 'rgb(r, g, b)'); `fallback` otherwise. */
export function parseColour(css: string, fallback: Rgb): Rgb {
  const s = css.trim();
  let m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) return parseInt(m[1], 16);
  m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(s);
  if (m) return parseInt(m[1] + m[1] + m[2] + m[2] + m[3] + m[3], 16);
  m = /^rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)/i.exec(s);
  if (m) return (Number(m[1]) << 16) | (Number(m[2]) << 8) | Number(m[3]);
  return fallback;
}

/** `a` mixed with `b`: t = 0 is a, 1 is b. */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const ch = (s: number) => Math.round(((a >> s) & 255) * (1 - t) + ((b >> s) & 255) * t);
  return (ch(16) << 16) | (ch(8) << 8) | ch(0);
}

/** The colour packed for a Uint32Array over ImageData bytes (RGBA in memory: little-endian ABGR), opaque. */
export const pixel = (c: Rgb) => (0xff000000 | ((c & 255) << 16) | (c & 0xff00) | ((c >> 16) & 255)) >>> 0;
/** Back from `pixel`. */
export const unpixel = (p: number) => ((p & 255) << 16) | (p & 0xff00) | ((p >> 16) & 255);

/** The themes' fallbacks (the CSS variables win). */
export const LIGHT: Theme = { bg: 0xffffff, grey: 0xc2c2ca, text: 0x1d1d22, accent: 0x4f5bd5, dark: false };
export const DARK: Theme = { bg: 0x1b1b1f, grey: 0x55555f, text: 0xe8e8ed, accent: 0x8a93f5, dark: true };

/** A filtered-out point: its colour faded most of the way into the background. */
export const faint = (c: Rgb, theme: Theme) => mix(c, theme.bg, theme.dark ? 0.78 : 0.82);

// ---------- continuous scales ----------

/** A scale over [lo, hi]: values outside are clamped; the ticks its legend shows. */
export type Ramp = { lo: number; hi: number; unit: string; ticks: number[]; at(t: number): Rgb };

/** Tempo: blue (slow) through magenta and orange to yellow (fast), lightness rising evenly. */
export const TEMPO: Ramp = {
  lo: 60, hi: 180, unit: 'BPM', ticks: [60, 90, 120, 150, 180],
  at: (t) => oklch(0.5 + 0.34 * t, 0.16, 265 + 195 * t),
};

/** Loudness (integrated LUFS): deep violet (quiet) through teal and green to yellow (loud). */
export const LOUDNESS: Ramp = {
  lo: -30, hi: -5, unit: 'LUFS', ticks: [-30, -24, -18, -12, -6],
  at: (t) => oklch(0.42 + 0.48 * t, 0.11 + 0.06 * t, 295 - 190 * t),
};

/** The ramp's colour for `v` (null: unknown → the theme's grey). */
export function rampColour(r: Ramp, v: number | null, theme: Theme): Rgb {
  if (v == null || !Number.isFinite(v)) return theme.grey;
  return r.at(Math.max(0, Math.min(1, (v - r.lo) / (r.hi - r.lo))));
}

// ---------- keys ----------

/** A Camelot code's colour: its number picks the hue (12 around the wheel, neighbours close),
 *  its letter the lightness (A, minor: darker; B, major: lighter). Unknown: grey. */
export function camelotColour(code: string | null, theme: Theme): Rgb {
  const m = code ? /^(\d{1,2})([AB])$/i.exec(code) : null;
  const n = m ? Number(m[1]) : 0;
  if (!m || n < 1 || n > 12) return theme.grey;
  const hue = ((n - 1) * 30 + 25) % 360;
  return m[2].toUpperCase() === 'A' ? oklch(0.56, 0.14, hue) : oklch(0.8, 0.12, hue);
}

// ---------- categories ----------

/** Distinct hues for up to 12 categories (none of them grey). */
export const PALETTE: readonly Rgb[] = [
  0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948,
  0xb07aa1, 0xff9da7, 0x9c755f, 0x17becf, 0xbcbd22, 0x8c6bb1,
];

/** The theme as the page's CSS variables say (--bg, --text, --accent), for `el`. */
export function themeOf(el: Element): Theme {
  const cs = getComputedStyle(el);
  const base = matchMedia('(prefers-color-scheme: dark)').matches ? DARK : LIGHT;
  const bg = parseColour(cs.getPropertyValue('--bg'), base.bg);
  const text = parseColour(cs.getPropertyValue('--text'), base.text);
  return { bg, text, accent: parseColour(cs.getPropertyValue('--accent'), base.accent), grey: mix(bg, text, 0.26), dark: base.dark };
}
