"""Checks a scan of the shared bad-input corpus against each file's expected behaviour."""
import csv, json, os, sys

corpus, work = sys.argv[1], sys.argv[2]
tracks = json.load(open(os.path.join(work, 'tracks.json')))
failures = json.load(open(os.path.join(work, 'failures.json')))
summary = json.load(open(os.path.join(work, 'summary.json')))
bad = os.path.realpath(os.path.join(corpus, 'bad'))
track_paths = [os.path.relpath(t['path'], bad) for t in tracks]
failure_of = {os.path.relpath(f['path'], bad): f for f in failures}
rows = list(csv.DictReader(open(os.path.join(corpus, 'bad_manifest.tsv')), delimiter='\t'))
problems = []

def rel(row):
    return lossy(row['path'][len('bad/'):].rstrip('/'))

def lossy(name):
    # The manifest writes undecodable bytes as \xNN; Segue's JSON shows them as U+FFFD.
    if '\\x' not in name:
        return name
    return name.encode('ascii').decode('unicode_escape').encode('latin-1').decode('utf-8', 'replace')

# Must be tracks: valid audio, whatever the name or container quirk.
must_be_tracks = {'wav_float32.wav', 'wav_24bit_96k.wav', 'wav_mono_8k_ulaw.wav', 'flac_6ch_48k.flac',
                  'one_second.wav', 'tenth_second.wav', 'silence_60s.wav', 'silence_1h.flac',
                  'UPPERCASE.WAV', 'no_extension_flac', 'Ünïcødé spaces — 日本語 ♫ (test).flac',
                  'mp2_named.mp3', 'aac_in_m4a.m4a', 'alac_in_m4a.m4a', 'adpcm_ms_in_wav.wav',
                  'flac_in_ogg.ogg', 'opus_in_ogg.ogg', 'symlink_loop/sub/inside_loop.wav',
                  'caf\\xe9_latin1_\\xff.wav'}
# Must be failures with a reason containing one of these words.
must_fail = {'zero_bytes.mp3': ['empty'], 'random_bytes.flac': ['not audio'], 'text_file.ogg': ['text'],
             'png_image.wav': ['png'], 'zero_samplerate.wav': ['sample rate', 'header'],
             'zero_channels.wav': ['channel', 'header'], 'gsm_in_wav.wav': ['unsupported', 'codec'],
             'g726_in_wav.wav': ['unsupported', 'codec'], 'speex_in_ogg.ogg': ['unsupported', 'codec'],
             'id3_tag_only.mp3': ['no audio'],
             'fifo_named.wav': ['named pipe'], 'mp3_in_wav.wav': ['unsupported codec: mp3'],
             'id3_size_lies.mp3': ['bad id3 tag'], 'dangling_link.mp3': ['broken symlink'],
             'truncated_mid_frame.mp3': ['truncated'], 'truncated_mid_frame.flac': ['truncated'],
             'huge_bogus_header_size.wav': ['truncated', 'header']}

for name in map(lossy, must_be_tracks):
    if name not in track_paths:
        problems.append(f'{name}: expected a track; failure: {failure_of.get(name)}')
for name, words in must_fail.items():
    f = failure_of.get(name)
    if f is None:
        problems.append(f'{name}: expected a failure with a reason')
    elif not any(w in f['reason'].lower() for w in words):
        problems.append(f'{name}: reason {f["reason"]!r} should mention one of {words}')
dupes = {p for p in track_paths if track_paths.count(p) > 1}
if dupes:
    problems.append(f'listed twice: {dupes}')
if any('inside_loop.wav' in p for p in track_paths if p != 'symlink_loop/sub/inside_loop.wav'):
    problems.append('inside_loop.wav found through a symlink loop path')
# Analysis (the scan runs it): every valid file decodes through; silence and clips too short to
# have a beat get no made-up tempo or key (Essentia reports 738 BPM and "A minor" for silence).
by_name = {rel_track: t for rel_track, t in zip(track_paths, tracks)}
for name in map(lossy, must_be_tracks):
    t = by_name.get(name)
    if t is not None and t['status'] != 'analyzed':
        problems.append(f'{name}: not analysed (status {t["status"]}): {failure_of.get(name)}')
for name in ['silence_60s.wav', 'silence_1h.flac']:
    t = by_name.get(name)
    if t is not None and (t['bpm'] is not None or t['key'] is not None or t['loudness_lufs'] is not None):
        problems.append(f'{name}: silence got bpm {t["bpm"]}, key {t["key"]}, loudness {t["loudness_lufs"]}')
for name in ['one_second.wav', 'tenth_second.wav']:
    t = by_name.get(name)
    if t is not None and t['bpm'] is not None:
        problems.append(f'{name}: a clip of a second or less got a tempo of {t["bpm"]}')
for t in tracks:
    for field in ['bpm', 'bpm_confidence', 'key_strength', 'loudness_lufs']:
        v = t.get(field)
        if v is not None and not (isinstance(v, (int, float)) and abs(v) < 1e6):
            problems.append(f'{t["path"]}: {field} = {v!r}')
    if t['bpm'] is not None and not 30 <= t['bpm'] <= 250:
        problems.append(f'{t["path"]}: bpm {t["bpm"]} out of range')
analysis = summary.get('analysis') or {}
# Everything in the manifest is accounted for (a track or a failure), except folders.
for row in rows:
    name = rel(row)
    if row['kind'] == 'fs' and row['path'].endswith('/'):
        continue
    if name not in track_paths and name not in failure_of and name != 'unreadable.mp3':
        problems.append(f'{name}: neither a track nor a failure')
print(f"bad corpus: {len(rows)} entries, {len(tracks)} tracks, {len(failures)} failures, "
      f"scan {summary['elapsed_s']:.2f} s, analysis of {analysis.get('analyzed')} tracks "
      f"{analysis.get('elapsed_s', 0):.2f} s ({analysis.get('failed')} failed)")
for f in sorted(failures, key=lambda f: f['path']):
    print(f"  {os.path.relpath(f['path'], bad)}: {f['stage']}: {f['reason']}")
if problems:
    print('\n'.join(['PROBLEMS:'] + problems))
    sys.exit(1)
print('bad corpus: every entry behaved as expected')
