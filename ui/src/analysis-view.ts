// The detail panel's analysis (#detail-analysis[data-status]): tempo and key with the chroma
// bars, loudness, timbre, and when it was analysed; each value with its data-field.
import type { TrackDetail, TrackRow } from './api';
import { h } from './dom';
import * as fmt from './format';
import { DOUBTFUL_TEMPO, NOTES, keyLong, keyShort, tempoDoubtful } from './music';

/** The panel's analysis part for row `r`: `d` is get_track's answer for it (null: not yet, or it
 *  failed; `loading`: not yet). Until it answers, what the row already knows (tempo, key,
 *  loudness) is shown and the rest is a skeleton, so the panel doesn't jump as it loads. */
export function analysisView(r: TrackRow, d: TrackDetail | null, loading: boolean, onShowFailures: () => void): HTMLElement {
  const wrap = h('div', { id: 'detail-analysis', class: 'detail-analysis', 'data-status': r.status });
  const status = d ? d.track.status : r.status;
  const f = d?.features ?? null;
  const message = (text: string, extra?: Node) =>
    h('section', { class: 'detail-section' }, h('h3', {}, 'Analysis'), h('p', { class: 'detail-note', 'data-field': 'analysis-status' }, text, extra ?? null));

  if (!f && (!loading || status !== 'analyzed')) {
    if (status === 'failed') {
      const link = h('button', { class: 'link-btn', type: 'button', onclick: onShowFailures }, 'Failures');
      wrap.append(message('Analysis failed — see ', link));
    } else if (status === 'pending') {
      wrap.append(message('Not analysed yet'));
    } else {
      wrap.append(message(loading ? 'Loading…' : d ? 'No analysis data' : 'Analysis could not be loaded'));
    }
    return wrap;
  }

  // Values: string, null (= none, shown as a dash) or undefined (= still loading).
  type V = string | Node | null | undefined;
  const skel = () => h('span', { class: 'skeleton', style: 'width:60%' });
  const val = (field: string | null, v: V, cls = '') =>
    h('dd', { class: cls + (v == null ? ' muted' : ''), 'data-field': field }, v === undefined ? skel() : v === null ? '—' : v);
  const row = (k: string, v: V, field: string | null = null, cls = '') => [h('dt', {}, k), val(field, v, cls)];
  const part = (name: string, ...content: Node[]) => h('section', { class: 'detail-section' }, h('h3', {}, name), ...content);
  const frag = (...xs: (Node | string | null)[]) => { const s = h('span', {}); for (const x of xs) if (x != null) s.append(x); return s; };

  // tempo
  let tempo: V;
  const bpm = f ? f.tempo?.bpm ?? null : r.bpm;
  const conf = f ? f.tempo?.confidence ?? null : r.bpm_confidence;
  if (bpm == null) tempo = f || r.status !== 'pending' ? null : undefined;
  else tempo = `${Math.round(bpm * 10) / 10} BPM`;
  const confidence: V = bpm == null ? null : conf == null ? (f ? null : undefined)
    : frag(`${Math.round(conf * 100)}%`, tempoDoubtful(conf) ? h('span', { class: 'muted', title: DOUBTFUL_TEMPO }, ' · uncertain') : null);
  // key
  let keyV: V = null, tonic = -1, strength: V = null;
  if (f?.key) {
    tonic = f.key.tonic;
    const name = NOTES[f.key.tonic % 12];
    keyV = frag(keyLong(name, f.key.scale), ' ', h('span', { class: 'camelot' }, r.camelot ?? ''));
    strength = f.key.strength.toFixed(2);
  } else if (!f && r.key) {
    tonic = NOTES.indexOf(r.key as (typeof NOTES)[number]);
    keyV = frag(keyLong(r.key, r.scale), ' ', r.camelot ? h('span', { class: 'camelot' }, r.camelot) : null);
    strength = r.key_strength != null ? r.key_strength.toFixed(2) : undefined;
  }
  const key = f?.key ?? null;
  const keyTitle = key ? keyShort(NOTES[key.tonic % 12], key.scale) : r.key ? keyShort(r.key, r.scale) : '';

  // chroma: 12 bars, C first; the tonic's bar in the accent colour
  const chroma = h('div', { class: 'chroma', role: 'img', 'aria-label': f ? `Chroma profile${keyTitle ? `, key ${keyTitle}` : ''}` : 'Chroma profile (loading)' });
  for (let i = 0; i < 12; i++) {
    const v = f ? Math.max(0, Math.min(1, f.chroma[i] ?? 0)) : 0;
    const bar = h('span', { class: 'chroma-fill' });
    bar.style.height = `${Math.round(v * 100)}%`;
    chroma.append(h('div', { class: `chroma-col${i === tonic ? ' tonic' : ''}`, title: f ? `${NOTES[i]} ${v.toFixed(2)}` : NOTES[i] },
      h('span', { class: 'chroma-bar' }, bar), h('span', { class: 'chroma-label' }, NOTES[i])));
  }

  const l = f?.loudness;
  const lufs = f ? l!.integrated_lufs : r.loudness_lufs;
  const t = f?.timbre;
  const ifF = (g: () => string | null): V => (f ? g() : undefined);
  wrap.append(
    part('Analysis',
      h('dl', {}, ...row('Tempo', tempo, 'bpm', 'num'), ...(bpm != null ? row('Confidence', confidence, 'bpm-confidence', 'num') : []), ...row('Key', keyV, 'key'), ...(keyV ? row('Key strength', strength, 'key-strength', 'num') : []),
        ...row('Tuning', ifF(() => `${fmt.signed(Math.round(f!.tuning_cents), 0, true)} cents`), 'tuning', 'num')),
      chroma),
    part('Loudness',
      h('dl', {},
        ...row('Integrated', lufs == null ? (f || r.status !== 'pending' ? null : undefined) : `${fmt.signed(lufs)} LUFS`, 'loudness', 'num'),
        ...row('Range', ifF(() => (l!.range_lu == null ? null : `${fmt.signed(l!.range_lu)} LU`)), 'loudness-range', 'num'),
        ...row('Peak', ifF(() => (l!.peak_dbfs == null ? null : `${fmt.signed(l!.peak_dbfs)} dBFS`)), 'peak', 'num'))),
    part('Timbre',
      h('dl', {},
        ...row('Brightness', ifF(() => `${fmt.num(Math.round(t!.centroid_hz.mean))} Hz`), 'brightness', 'num'),
        ...row('Noisiness', ifF(() => t!.flatness.mean.toFixed(2)), 'noisiness', 'num'),
        ...row('Onsets', ifF(() => `${fmt.signed(f!.onset_rate)} /s`), 'onsets', 'num'),
        ...row('Dynamics', ifF(() => `${fmt.signed(t!.rms_db.std)} dB`), 'dynamics', 'num'))),
  );
  const at = d?.analyzed_at ?? null;
  wrap.append(h('p', { class: 'detail-foot muted', 'data-field': 'analyzed-at', title: at ? fmt.fullTime(at) : null },
    f ? (at ? `Analysed ${fmt.fullTime(at)}` : 'Analysed') : '\u00a0'));
  if (r.status === 'pending' && f) wrap.prepend(h('p', { class: 'detail-note stale-note' }, 'The file changed: these results are from before; it will be analysed again.'));
  return wrap;
}
