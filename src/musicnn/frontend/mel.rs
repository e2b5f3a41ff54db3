//! The 96-band Slaney mel filterbank of `librosa.filters.mel(16000, 512, n_mels=96)`, bit-identical
//! to the reference: band edges stored as the reference machine computed them, triangles and
//! area norm rounded as numpy does; and its sparse form (each band's non-zero span) that the
//! STFT's mel product walks in OpenBLAS's order.

use super::{N_BINS, N_MELS, SAMPLE_RATE};

/// The 98 band edges of the Slaney mel filterbank in Hz (float64 bit patterns):
/// `mel_to_hz(linspace(hz_to_mel(0), hz_to_mel(8000), 98))`, exactly as numpy 1.23 computes them
/// on the reference's AVX512 machines. numpy's own vectorised `exp`/`log` there differ from the
/// C library's by one ulp on 23 of these values (and on `log(6.4)`), and that moves one of the
/// 24 672 float32 weights by one ulp, so the edges are stored rather than recomputed. The tests
/// recompute them from librosa's formulas and check they agree to within 1e-14 (relative).
const MEL_EDGES: [u64; N_MELS + 2] = [
    0x0000000000000000,
    0x403f18beb7ae54c4,
    0x404f18beb7ae54c4,
    0x4057528f09c2bf93,
    0x405f18beb7ae54c4,
    0x40636f7732ccf4fb,
    0x4067528f09c2bf93,
    0x406b35a6e0b88a2c,
    0x406f18beb7ae54c4,
    0x40717deb47520faf,
    0x40736f7732ccf4fb,
    0x407561031e47da46,
    0x4077528f09c2bf93,
    0x4079441af53da4e0,
    0x407b35a6e0b88a2c,
    0x407d2732cc336f77,
    0x407f18beb7ae54c4,
    0x4080852551949d09,
    0x40817deb47520faf,
    0x408276b13d0f8254,
    0x40836f7732ccf4fb,
    0x4084683d288a67a1,
    0x408561031e47da46,
    0x408659c914054ced,
    0x4087528f09c2bf93,
    0x40884b54ff80323a,
    0x4089441af53da4e0,
    0x408a3ce0eafb1785,
    0x408b35a6e0b88a2c,
    0x408c2e6cd675fcd2,
    0x408d2732cc336f77,
    0x408e1ff8c1f0e21e,
    0x408f18beb7ae54c4,
    0x40900d8201b49cd1,
    0x4090936ec3819ffa,
    0x40911db8d3cd95bc,
    0x4091ac849c0c9596,
    0x40923ff7b579a290,
    0x4092d838f2fd0446,
    0x409375706b65376f,
    0x409417c783f526f7,
    0x4094bf68fb4a7537,
    0x40956c80f49eb3e4,
    0x40961f3d0366816c,
    0x4096d7cc37519b12,
    0x4097965f28af0cb4,
    0x40985b280538c15d,
    0x4099265a9d49d356,
    0x4099f82c718315f7,
    0x409ad0d4c0e17120,
    0x409bb08c9749c3ae,
    0x409c978edc8e218e,
    0x409d861863f061de,
    0x409e7c67fc26128d,
    0x409f7abe7fe20901,
    0x40a040af7373f542,
    0x40a0c8472bd715ad,
    0x40a1544a1cc994b2,
    0x40a1e4dd23d51689,
    0x40a27a265212a23f,
    0x40a3144cf6308a62,
    0x40a3b379a6cbf496,
    0x40a457d64d20b997,
    0x40a5018e30126e0f,
    0x40a5b0cdff917c26,
    0x40a665c3e05f4db7,
    0x40a7209f7834a077,
    0x40a7e191fa4d36e8,
    0x40a8a8ce345c33b1,
    0x40a976889bec88c6,
    0x40aa4af75c30ffb4,
    0x40ab265264477e7a,
    0x40ac08d375f34a0c,
    0x40acf2b634d22747,
    0x40ade43836105ba2,
    0x40aedd99109fafb3,
    0x40afdf1a6df5b8d2,
    0x40b074800daae922,
    0x40b0fdc80dd5a9b8,
    0x40b18b895cfc5b25,
    0x40b21de94e304459,
    0x40b2b50e6be695e0,
    0x40b35120821e46ec,
    0x40b3f248a8da9bcc,
    0x40b498b14ef5181d,
    0x40b544864549b61e,
    0x40b5f5f4ca405424,
    0x40b6ad2b95b661df,
    0x40b76a5ae54bf07a,
    0x40b82db4891762af,
    0x40b8f76bf0c314ee,
    0x40b9c7b6391871e3,
    0x40ba9eca39fc03f9,
    0x40bb7ce094de32a5,
    0x40bc6233c3a478e4,
    0x40bd4f00280f01c1,
    0x40be43841b9eb920,
    0x40bf3fffffffffff,
];

/// `librosa.filters.mel(16000, 512, n_mels=96)` (Slaney scale and area norm, float32): the
/// 96×257 filterbank, row-major, bit-identical to the reference. The triangles are evaluated in
/// float64 and stored to float32, then multiplied by `2 / (f[i+2] - f[i])` and rounded again.
pub fn mel_filterbank() -> Vec<f32> {
    let nyquist = f64::from(SAMPLE_RATE) / 2.0;
    // np.linspace(0, 8000, 257): step 31.25 exactly.
    let fft_step = nyquist / (N_BINS - 1) as f64;
    let fftfreqs: Vec<f64> = (0..N_BINS).map(|k| k as f64 * fft_step).collect();
    let mel_f: Vec<f64> = MEL_EDGES.iter().map(|&b| f64::from_bits(b)).collect();
    let fdiff: Vec<f64> = mel_f.windows(2).map(|w| w[1] - w[0]).collect();
    let mut weights = vec![0.0f32; N_MELS * N_BINS];
    for i in 0..N_MELS {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for (k, &f) in fftfreqs.iter().enumerate() {
            let lower = -(mel_f[i] - f) / fdiff[i];
            let upper = (mel_f[i + 2] - f) / fdiff[i + 1];
            // np.minimum / np.maximum as numpy's AVX512 loops evaluate them (x86 min/max return
            // the second operand on ties): band 0 starts with -0.0, as in the original.
            let tri = if lower < upper { lower } else { upper };
            let tri = if 0.0 > tri { 0.0 } else { tri };
            let stored = tri as f32;
            weights[i * N_BINS + k] = (f64::from(stored) * enorm) as f32;
        }
    }
    weights
}

/// The filterbank as rows of their non-zero span: (first bin, weights).
pub(super) fn sparse_filterbank() -> Vec<(usize, Vec<f32>)> {
    let dense = mel_filterbank();
    dense
        .chunks_exact(N_BINS)
        .map(|row| {
            let first = row.iter().position(|&w| w != 0.0).unwrap_or(0);
            let last = row.iter().rposition(|&w| w != 0.0).map_or(first, |l| l + 1);
            (first, row[first..last].to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::ref_dir;
    use super::*;

    #[test]
    fn filterbank_is_bit_identical_to_reference_npy() {
        let bytes =
            std::fs::read(ref_dir().join("mel_filterbank_96x257_f32.npy")).expect("read npy");
        assert_eq!(&bytes[..6], b"\x93NUMPY", "not an npy file");
        let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).expect("npy header");
        assert!(
            header.contains("'<f4'") && header.contains("(96, 257)"),
            "{header}"
        );
        assert!(header.contains("'fortran_order': False"), "{header}");
        let data: Vec<f32> = bytes[10 + header_len..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let ours = mel_filterbank();
        assert_eq!(data.len(), N_MELS * N_BINS);
        let differing = ours
            .iter()
            .zip(&data)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differing, 0, "filterbank values differing from the npy");
    }

    #[test]
    fn mel_edges_follow_librosa_formulas() {
        // librosa 0.7.2 hz_to_mel / mel_to_hz (Slaney), with the C library's exp and log.
        let f_sp = 200.0 / 3.0;
        let min_log_mel = 1000.0 / f_sp;
        let logstep = 6.4f64.ln() / 27.0;
        let m1 = min_log_mel + (8000.0f64 / 1000.0).ln() / logstep;
        let step = m1 / 97.0;
        for (j, &bits) in MEL_EDGES.iter().enumerate() {
            let m = if j == 97 { m1 } else { j as f64 * step };
            let hz = if m >= min_log_mel {
                1000.0 * (logstep * (m - min_log_mel)).exp()
            } else {
                f_sp * m
            };
            let edge = f64::from_bits(bits);
            assert!(
                (hz - edge).abs() <= 1e-14 * edge,
                "edge {j}: {hz} vs {edge}"
            );
        }
        assert_eq!(f64::from_bits(MEL_EDGES[0]), 0.0);
        assert!((f64::from_bits(MEL_EDGES[97]) - 8000.0).abs() < 1e-9);
    }
}
