//! The MusiCNN network (`build_musicnn(1.6, 64, 200)`), op by op as TensorFlow runs it at
//! inference: every conv is Conv2D → bias → ReLU → batch norm (moving statistics, ε = 0.001),
//! the front end max-pools over frequency, the mid-end adds residuals, the back end pools max
//! and mean over time, interleaves them and runs two dense layers.
//!
//! Convolutions are matrix products (the `gemm` crate, which picks AVX-512 or AVX2 kernels at
//! run time; measured against `matrixmultiply`, which has no AVX-512 kernel, it is 1.7× faster
//! here, and a DFT-along-frequency form of the timbral convs was slower still, despite 2.5×
//! fewer multiply-adds, because its small products run far from peak). Most inputs need no copy:
//! a 1-input-channel conv over time reads the padded input through strides. Only the timbral
//! front-end convs (7 × 38 and 7 × 67 windows) unfold their windows, a few rows at a time.

use std::path::Path;

use super::ckpt::{Checkpoint, CheckpointError};
use super::int8::{self, PackedWeights, Quantiser};
use super::sgemm::gemm;
/// Mel bands and frames of one input patch (`frontend::N_MELS`, `frontend::PATCH_FRAMES`).
const N_MELS: usize = 96;
const PATCH_FRAMES: usize = 187;

/// Batch-norm epsilon of `tf.compat.v1.layers.batch_normalization`.
const EPS: f32 = 1e-3;
const T: usize = PATCH_FRAMES;
/// The timbral convs' windows span 7 frames and this many mel bands, with 204 filters each.
const TIMBRAL_WIDTHS: [usize; 2] = [38, 67];
const TIMBRAL_FRAMES: usize = 7;
const TIMBRAL_FILTERS: usize = 204;
/// The temporal convs' windows span this many frames of one band, with 51 filters each.
const TEMPORAL_FRAMES: [usize; 3] = [128, 64, 32];
const TEMPORAL_FILTERS: usize = 51;
/// Front-end width: 204 + 204 timbral, 3 × 51 temporal.
const FRONT: usize =
    TIMBRAL_WIDTHS.len() * TIMBRAL_FILTERS + TEMPORAL_FRAMES.len() * TEMPORAL_FILTERS;
/// The mid-end convs span 7 frames of every feature.
const MID_FRAMES: usize = 7;
const MID: usize = 64;
/// Front end + three mid-end layers.
const FEATURES: usize = FRONT + 3 * MID;
pub const EMBEDDING: usize = 200;
pub const TAGS: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("checkpoint tensor {name} has shape {got:?}, the network needs {want:?}")]
    Shape {
        name: String,
        got: Vec<usize>,
        want: Vec<usize>,
    },
}

/// Inference batch norm over the last axis.
#[derive(Debug, Clone)]
struct BatchNorm {
    mean: Vec<f32>,
    /// gamma · rsqrt(variance + ε)
    scale: Vec<f32>,
    beta: Vec<f32>,
}

impl BatchNorm {
    fn load(ckpt: &Checkpoint, name: &str, n: usize) -> Result<Self, NetError> {
        let gamma = tensor(ckpt, &format!("{name}/gamma"), &[n])?;
        let beta = tensor(ckpt, &format!("{name}/beta"), &[n])?;
        let mean = tensor(ckpt, &format!("{name}/moving_mean"), &[n])?;
        let var = tensor(ckpt, &format!("{name}/moving_variance"), &[n])?;
        let scale = gamma
            .iter()
            .zip(&var)
            .map(|(g, v)| g * (1.0 / (v + EPS).sqrt()))
            .collect();
        Ok(BatchNorm { mean, scale, beta })
    }

    /// `FusedBatchNormV3`: (x − μ) · s + β.
    #[inline]
    fn fused(&self, c: usize, x: f32) -> f32 {
        (x - self.mean[c]) * self.scale[c] + self.beta[c]
    }

    /// `tf.nn.batch_normalization`: x · s + (β − μ · s).
    #[inline]
    fn plain(&self, c: usize, x: f32) -> f32 {
        x * self.scale[c] + (self.beta[c] - self.mean[c] * self.scale[c])
    }
}

/// A conv or dense layer: kernel as a (inputs × outputs) row-major matrix, and the bias.
#[derive(Debug, Clone)]
struct Linear {
    kernel: Vec<f32>,
    bias: Vec<f32>,
    outputs: usize,
    /// The kernel in 8 bits, for the front-end convs only.
    int8: Option<PackedWeights>,
}

impl Linear {
    fn load(ckpt: &Checkpoint, name: &str, shape: &[usize]) -> Result<Self, NetError> {
        let outputs = shape.last().copied().unwrap_or(0);
        Ok(Linear {
            kernel: tensor(ckpt, &format!("{name}/kernel"), shape)?,
            bias: tensor(ckpt, &format!("{name}/bias"), &[outputs])?,
            outputs,
            int8: None,
        })
    }

    /// [`Linear::load`] plus the kernel quantised to 8 bits per filter.
    fn load_with_int8(ckpt: &Checkpoint, name: &str, shape: &[usize]) -> Result<Self, NetError> {
        let mut linear = Self::load(ckpt, name, shape)?;
        let inputs = linear.kernel.len() / linear.outputs.max(1);
        linear.int8 = Some(PackedWeights::quantise(
            &linear.kernel,
            inputs,
            linear.outputs,
        ));
        Ok(linear)
    }

    fn int8(&self) -> &PackedWeights {
        // Only the front-end convs are run in 8 bits, and they load with their 8-bit kernels.
        self.int8
            .as_ref()
            .expect("front-end convs are loaded with 8-bit kernels")
    }
}

/// The arithmetic of the front-end convolutions (81 % + 15 % of a patch's multiply-adds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arithmetic {
    /// f32 throughout: the original's numbers (tags within 1e-4 of TensorFlow's).
    #[default]
    Exact,
    /// Inputs to 8 bits per patch, weights to 8 bits per filter, exact integer sums: about 4×
    /// the front end's speed on CPUs with AVX-512 VNNI.
    Int8,
}

fn tensor(ckpt: &Checkpoint, name: &str, want: &[usize]) -> Result<Vec<f32>, NetError> {
    let t = ckpt.tensor(name)?;
    if t.shape != want {
        return Err(NetError::Shape {
            name: name.to_string(),
            got: t.shape,
            want: want.to_vec(),
        });
    }
    Ok(t.data)
}

/// The 64 inference tensors of one model (792,079 parameters).
#[derive(Debug, Clone)]
pub struct Network {
    input_bn: BatchNorm,
    /// 7 × 38 and 7 × 67 windows over (time, mel), 204 filters each.
    timbral: [(Linear, usize, BatchNorm); 2],
    /// 128, 64 and 32 frames over time, one band at a time, 51 filters each.
    temporal: [(Linear, usize, BatchNorm); 3],
    mid: [(Linear, BatchNorm); 3],
    pooled_bn: BatchNorm,
    dense: Linear,
    dense_bn: BatchNorm,
    output: Linear,
}

/// The multiply-adds of one patch through the network, as [`Network::forward`] computes them
/// (every frequency position of a conv, the pooling's discards included).
#[derive(Debug, Clone, Copy)]
pub struct MultiplyAdds {
    /// The 7 × 38 and 7 × 67 timbral convs.
    pub timbral: [u64; 2],
    /// The three temporal convs together.
    pub temporal: u64,
    /// The three mid-end convs together.
    pub mid: u64,
    /// The two dense layers.
    pub dense: u64,
}

impl MultiplyAdds {
    pub fn per_patch() -> Self {
        let t = T as u64;
        let timbral = |width: usize| {
            let positions = (N_MELS - width + 1) as u64;
            t * positions * (TIMBRAL_FRAMES * width * TIMBRAL_FILTERS) as u64
        };
        let temporal_taps: usize = TEMPORAL_FRAMES.iter().sum();
        MultiplyAdds {
            timbral: TIMBRAL_WIDTHS.map(timbral),
            temporal: t * (N_MELS * temporal_taps * TEMPORAL_FILTERS) as u64,
            mid: t * (MID_FRAMES * (FRONT + 2 * MID) * MID) as u64,
            dense: (2 * FEATURES * EMBEDDING + EMBEDDING * TAGS) as u64,
        }
    }

    pub fn total(&self) -> u64 {
        self.timbral[0] + self.timbral[1] + self.temporal + self.mid + self.dense
    }
}

/// Everything the network computes for one 3-second patch.
#[derive(Debug, Clone)]
pub struct PatchOutput {
    pub logits: [f32; TAGS],
    /// sigmoid(logits): one row of the taggram.
    pub probs: [f32; TAGS],
    /// The 200-d output of the last batch norm, before the output layer.
    pub penultimate: [f32; EMBEDDING],
    pub max_pool: Vec<f32>,
    pub mean_pool: Vec<f32>,
}

impl Network {
    /// Loads the inference weights from a checkpoint directory.
    pub fn load(dir: &Path) -> Result<Self, NetError> {
        Self::from_checkpoint(&Checkpoint::open(dir)?)
    }

    pub fn from_checkpoint(ckpt: &Checkpoint) -> Result<Self, NetError> {
        // The graph's layers are numbered in this order: timbral, temporal, mid-end.
        let timbral = |i: usize| -> Result<(Linear, usize, BatchNorm), NetError> {
            let conv = if i == 0 {
                "conv2d".to_string()
            } else {
                format!("conv2d_{i}")
            };
            let width = TIMBRAL_WIDTHS[i];
            Ok((
                Linear::load_with_int8(ckpt, &conv, &[TIMBRAL_FRAMES, width, 1, TIMBRAL_FILTERS])?,
                width,
                BatchNorm::load(
                    ckpt,
                    &format!("batch_normalization_{}", i + 1),
                    TIMBRAL_FILTERS,
                )?,
            ))
        };
        let temporal = |j: usize| -> Result<(Linear, usize, BatchNorm), NetError> {
            let i = TIMBRAL_WIDTHS.len() + j;
            let frames = TEMPORAL_FRAMES[j];
            Ok((
                Linear::load_with_int8(
                    ckpt,
                    &format!("conv2d_{i}"),
                    &[frames, 1, 1, TEMPORAL_FILTERS],
                )?,
                frames,
                BatchNorm::load(
                    ckpt,
                    &format!("batch_normalization_{}", i + 1),
                    TEMPORAL_FILTERS,
                )?,
            ))
        };
        let mid = |j: usize, inputs: usize| -> Result<(Linear, BatchNorm), NetError> {
            let i = TIMBRAL_WIDTHS.len() + TEMPORAL_FRAMES.len() + j;
            Ok((
                Linear::load(ckpt, &format!("conv2d_{i}"), &[MID_FRAMES, inputs, 1, MID])?,
                BatchNorm::load(ckpt, &format!("batch_normalization_{}", i + 1), MID)?,
            ))
        };
        let scalar_bn = BatchNorm::load(ckpt, "batch_normalization", 1)?;
        Ok(Network {
            input_bn: scalar_bn,
            timbral: [timbral(0)?, timbral(1)?],
            temporal: [temporal(0)?, temporal(1)?, temporal(2)?],
            mid: [mid(0, FRONT)?, mid(1, MID)?, mid(2, MID)?],
            pooled_bn: BatchNorm::load(ckpt, "batch_normalization_9", 2 * FEATURES)?,
            dense: Linear::load(ckpt, "dense", &[2 * FEATURES, EMBEDDING])?,
            dense_bn: BatchNorm::load(ckpt, "batch_normalization_10", EMBEDDING)?,
            output: Linear::load(ckpt, "dense_1", &[EMBEDDING, TAGS])?,
        })
    }

    /// Runs one patch: 187 frames × 96 mel bands of log-mel, row-major.
    ///
    /// # Panics
    /// If `patch` is not 187 × 96 values (a caller bug, never data-dependent).
    pub fn forward(&self, patch: &[f32]) -> PatchOutput {
        self.forward_in(patch, Arithmetic::Exact)
    }

    /// [`Network::forward`] with the front end in the given arithmetic.
    pub fn forward_in(&self, patch: &[f32], arithmetic: Arithmetic) -> PatchOutput {
        assert_eq!(patch.len(), T * N_MELS, "a patch is 187 x 96 values");
        // Input batch norm (one channel), then 3 zero frames either side for the timbral convs:
        // the padding is zeros in the normalised domain, as in the graph.
        let mut xn = vec![0.0f32; (T + 6) * N_MELS];
        for (o, &x) in xn[3 * N_MELS..(3 + T) * N_MELS].iter_mut().zip(patch) {
            *o = self.input_bn.fused(0, x);
        }

        // Front end: (187, 561) = [timbral 38, timbral 67, temporal 128, 64, 32].
        let mut front = vec![0.0f32; (T + 6) * FRONT]; // padded by 3 frames for the mid-end
        let mut col = 0;
        match arithmetic {
            Arithmetic::Exact => {
                for (conv, width, bn) in &self.timbral {
                    timbral_conv(&xn, conv, *width, bn, &mut front, col);
                    col += conv.outputs;
                }
                for (conv, frames, bn) in &self.temporal {
                    temporal_conv(&xn, conv, *frames, bn, &mut front, col);
                    col += conv.outputs;
                }
            }
            Arithmetic::Int8 => {
                let quant = Quantiser::spanning(&xn);
                let bytes: Vec<u8> = xn.iter().map(|&x| quant.byte(x)).collect();
                for (conv, width, bn) in &self.timbral {
                    timbral_conv_int8(&bytes, quant, conv, *width, bn, &mut front, col);
                    col += conv.outputs;
                }
                let series = band_series(&bytes, quant.byte(0.0));
                for (conv, frames, bn) in &self.temporal {
                    temporal_conv_int8(&series, quant, conv, *frames, bn, &mut front, col);
                    col += conv.outputs;
                }
            }
        }
        debug_assert_eq!(col, FRONT);

        // Mid-end: three convs over time, each spanning all features of 7 frames.
        let mut mids = [
            vec![0.0f32; (T + 6) * MID],
            vec![0.0f32; (T + 6) * MID],
            vec![0.0f32; (T + 6) * MID],
        ];
        for layer in 0..3 {
            let (conv, bn) = &self.mid[layer];
            let (input, width): (&[f32], usize) = if layer == 0 {
                (&front, FRONT)
            } else {
                (&mids[layer - 1], MID)
            };
            let mut out = vec![0.0f32; T * MID];
            // Row t of the unfolded input is padded frames t..t+7, contiguous in memory.
            gemm(
                T,
                MID_FRAMES * width,
                MID,
                input,
                width as isize,
                1,
                &conv.kernel,
                &mut out,
                false,
            );
            let residual = if layer == 0 {
                None
            } else {
                Some(&mids[layer - 1])
            };
            let mut result = vec![0.0f32; (T + 6) * MID];
            for t in 0..T {
                for c in 0..MID {
                    let h = (out[t * MID + c] + conv.bias[c]).max(0.0);
                    let mut y = bn.fused(c, h);
                    if let Some(r) = residual {
                        y += r[(t + 3) * MID + c];
                    }
                    result[(t + 3) * MID + c] = y;
                }
            }
            mids[layer] = result;
        }

        // Back end: max and mean over time of [front, mid1, mid2, mid3], interleaved.
        let mut max_pool = vec![f32::NEG_INFINITY; FEATURES];
        let mut sum = vec![0.0f32; FEATURES];
        for t in 3..3 + T {
            let rows = [
                &front[t * FRONT..(t + 1) * FRONT],
                &mids[0][t * MID..(t + 1) * MID],
                &mids[1][t * MID..(t + 1) * MID],
                &mids[2][t * MID..(t + 1) * MID],
            ];
            let mut k = 0;
            for row in rows {
                for &v in row {
                    max_pool[k] = max_pool[k].max(v);
                    sum[k] += v;
                    k += 1;
                }
            }
        }
        let mean_pool: Vec<f32> = sum.iter().map(|s| s / T as f32).collect();
        let mut pooled = vec![0.0f32; 2 * FEATURES];
        for k in 0..FEATURES {
            pooled[2 * k] = self.pooled_bn.plain(2 * k, max_pool[k]);
            pooled[2 * k + 1] = self.pooled_bn.plain(2 * k + 1, mean_pool[k]);
        }

        let mut hidden = [0.0f32; EMBEDDING];
        gemm(
            1,
            2 * FEATURES,
            EMBEDDING,
            &pooled,
            0,
            1,
            &self.dense.kernel,
            &mut hidden,
            false,
        );
        let mut penultimate = [0.0f32; EMBEDDING];
        for (c, p) in penultimate.iter_mut().enumerate() {
            *p = self
                .dense_bn
                .plain(c, (hidden[c] + self.dense.bias[c]).max(0.0));
        }
        let mut logits = [0.0f32; TAGS];
        gemm(
            1,
            EMBEDDING,
            TAGS,
            &penultimate,
            0,
            1,
            &self.output.kernel,
            &mut logits,
            false,
        );
        let mut probs = [0.0f32; TAGS];
        for c in 0..TAGS {
            logits[c] += self.output.bias[c];
            probs[c] = 1.0 / (1.0 + (-logits[c]).exp());
        }
        PatchOutput {
            logits,
            probs,
            penultimate,
            max_pool,
            mean_pool,
        }
    }
}

/// A temporal front-end conv: `frames` taps over time in one mel band (SAME padding), 51
/// filters, ReLU, batch norm, max over the 96 bands.
fn temporal_conv(
    xn: &[f32],
    conv: &Linear,
    frames: usize,
    bn: &BatchNorm,
    front: &mut [f32],
    col: usize,
) {
    let before = (frames - 1) / 2;
    let after = frames - 1 - before;
    let filters = conv.outputs;
    // The input BN'd patch (without the timbral padding), zero-padded for this kernel.
    let mut padded = vec![0.0f32; (before + T + after) * N_MELS];
    padded[before * N_MELS..(before + T) * N_MELS]
        .copy_from_slice(&xn[3 * N_MELS..(3 + T) * N_MELS]);
    // Row r = t·96 + band reads padded[r + 96·i] for tap i: one strided view, no copy.
    let mut out = vec![0.0f32; T * N_MELS * filters];
    gemm(
        T * N_MELS,
        frames,
        filters,
        &padded,
        1,
        N_MELS as isize,
        &conv.kernel,
        &mut out,
        false,
    );
    for t in 0..T {
        let block = &out[t * N_MELS * filters..(t + 1) * N_MELS * filters];
        let dst = &mut front[(t + 3) * FRONT + col..][..filters];
        pool_over_frequency(block, N_MELS, &conv.bias, bn, dst);
    }
}

/// A timbral front-end conv: a (7 × width) window over the padded (193, 96) input, 204 filters,
/// ReLU, batch norm, then the max over every frequency position. Writes columns
/// `col..col + 204` of the padded front-end rows.
fn timbral_conv(
    xn: &[f32],
    conv: &Linear,
    width: usize,
    bn: &BatchNorm,
    front: &mut [f32],
    col: usize,
) {
    let positions = N_MELS - width + 1;
    let taps = TIMBRAL_FRAMES * width;
    let filters = conv.outputs;
    // Frames per block: the unfolded block stays within L2 (16 × 59 × 266 floats ≈ 1 MB).
    const BLOCK: usize = 16;
    let mut unfolded = vec![0.0f32; BLOCK * positions * taps];
    let mut out = vec![0.0f32; BLOCK * positions * filters];
    let mut t0 = 0;
    while t0 < T {
        let frames = BLOCK.min(T - t0);
        let rows = frames * positions;
        for dt in 0..frames {
            let t = t0 + dt;
            for f in 0..positions {
                let row = &mut unfolded[(dt * positions + f) * taps..][..taps];
                for i in 0..TIMBRAL_FRAMES {
                    let src = &xn[(t + i) * N_MELS + f..][..width];
                    row[i * width..(i + 1) * width].copy_from_slice(src);
                }
            }
        }
        gemm(
            rows,
            taps,
            filters,
            &unfolded,
            taps as isize,
            1,
            &conv.kernel,
            &mut out[..rows * filters],
            false,
        );
        for dt in 0..frames {
            let block = &out[dt * positions * filters..(dt + 1) * positions * filters];
            let dst = &mut front[(t0 + dt + 3) * FRONT + col..][..filters];
            pool_over_frequency(block, positions, &conv.bias, bn, dst);
        }
        t0 += frames;
    }
}

/// [`timbral_conv`] on the 8-bit input (the padded (193, 96) patch, quantised by `quant`).
/// Dequantising is increasing in the integer sum, so the extremes over frequency are taken on
/// the sums and only they are dequantised.
fn timbral_conv_int8(
    bytes: &[u8],
    quant: Quantiser,
    conv: &Linear,
    width: usize,
    bn: &BatchNorm,
    front: &mut [f32],
    col: usize,
) {
    let w = conv.int8();
    let positions = N_MELS - width + 1;
    let (row_bytes, ldc, filters) = (w.row_bytes(), w.padded_filters(), w.filters());
    const BLOCK: usize = 32;
    let mut unfolded = vec![0u8; BLOCK * positions * row_bytes];
    let mut out = vec![0i32; BLOCK * positions * ldc];
    let (mut hi, mut lo) = (vec![0.0f32; filters], vec![0.0f32; filters]);
    let (mut max, mut min) = (vec![0i32; ldc], vec![0i32; ldc]);
    let mut t0 = 0;
    while t0 < T {
        let frames = BLOCK.min(T - t0);
        let rows = frames * positions;
        for dt in 0..frames {
            for f in 0..positions {
                let row = &mut unfolded[(dt * positions + f) * row_bytes..][..row_bytes];
                for i in 0..TIMBRAL_FRAMES {
                    let src = &bytes[(t0 + dt + i) * N_MELS + f..][..width];
                    row[i * width..(i + 1) * width].copy_from_slice(src);
                }
            }
        }
        int8::product(rows, &unfolded, row_bytes, w, &mut out);
        for dt in 0..frames {
            let block = &out[dt * positions * ldc..(dt + 1) * positions * ldc];
            max.fill(i32::MIN);
            min.fill(i32::MAX);
            int8::fold_extremes(block, &mut max, &mut min);
            for c in 0..filters {
                hi[c] = w.dequantise(c, max[c], quant);
                lo[c] = w.dequantise(c, min[c], quant);
            }
            let dst = &mut front[(t0 + dt + 3) * FRONT + col..][..filters];
            pool_extremes(&hi, &lo, &conv.bias, bn, dst);
        }
        t0 += frames;
    }
}

/// The 8-bit patch (without the timbral padding) as one time series per band, each padded
/// with `zero` by the longest temporal kernel's reach either side: a temporal conv's window
/// at frame t of band b is then `frames` consecutive bytes.
fn band_series(bytes: &[u8], zero: u8) -> Vec<u8> {
    let len = SERIES_PAD + T + SERIES_PAD;
    let mut series = vec![zero; N_MELS * len];
    for t in 0..T {
        for band in 0..N_MELS {
            series[band * len + SERIES_PAD + t] = bytes[(t + 3) * N_MELS + band];
        }
    }
    series
}

/// The padding of [`band_series`]: the most any temporal kernel reaches past the patch.
const SERIES_PAD: usize = TEMPORAL_FRAMES[0];

/// [`temporal_conv`] on [`band_series`]: each band's windows are overlapping rows of its
/// series, so nothing is unfolded.
fn temporal_conv_int8(
    series: &[u8],
    quant: Quantiser,
    conv: &Linear,
    frames: usize,
    bn: &BatchNorm,
    front: &mut [f32],
    col: usize,
) {
    let w = conv.int8();
    let before = (frames - 1) / 2;
    let len = SERIES_PAD + T + SERIES_PAD;
    let (ldc, filters) = (w.padded_filters(), w.filters());
    let mut out = vec![0i32; T * ldc];
    let mut max = vec![i32::MIN; T * ldc];
    let mut min = vec![i32::MAX; T * ldc];
    for band in 0..N_MELS {
        let start = band * len + SERIES_PAD - before;
        int8::product(T, &series[start..], 1, w, &mut out);
        int8::fold_extremes(&out, &mut max, &mut min);
    }
    let (mut hi, mut lo) = (vec![0.0f32; filters], vec![0.0f32; filters]);
    for t in 0..T {
        for c in 0..filters {
            hi[c] = w.dequantise(c, max[t * ldc + c], quant);
            lo[c] = w.dequantise(c, min[t * ldc + c], quant);
        }
        let dst = &mut front[(t + 3) * FRONT + col..][..filters];
        pool_extremes(&hi, &lo, &conv.bias, bn, dst);
    }
}

/// max over positions of BN(ReLU(x + bias)), per filter. BN is affine per filter and ReLU is
/// monotonic, so the maximum comes from the largest pre-activation when the BN scale is
/// positive and from the smallest when it is negative: one BN per filter instead of one per
/// position, with the same arithmetic on the winning value.
fn pool_over_frequency(
    block: &[f32],
    positions: usize,
    bias: &[f32],
    bn: &BatchNorm,
    dst: &mut [f32],
) {
    let filters = dst.len();
    let mut hi = block[..filters].to_vec();
    let mut lo = hi.clone();
    for p in 1..positions {
        let row = &block[p * filters..(p + 1) * filters];
        for c in 0..filters {
            hi[c] = hi[c].max(row[c]);
            lo[c] = lo[c].min(row[c]);
        }
    }
    pool_extremes(&hi, &lo, bias, bn, dst);
}

/// BN(ReLU(extreme + bias)) per filter, the extreme that becomes the maximum after BN.
fn pool_extremes(hi: &[f32], lo: &[f32], bias: &[f32], bn: &BatchNorm, dst: &mut [f32]) {
    for c in 0..dst.len() {
        let pick = if bn.scale[c] >= 0.0 { hi[c] } else { lo[c] };
        dst[c] = bn.fused(c, (pick + bias[c]).max(0.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::musicnn::{model_dir, Model};

    fn network(model: Model) -> Network {
        let dir = model_dir(model);
        Network::load(&dir).unwrap_or_else(|e| {
            panic!(
                "cannot load {}: {e} (run scripts/fetch-models.sh)",
                dir.display()
            )
        })
    }

    /// A deterministic input in the range real log-mel patches have (0 to about 4).
    fn patch(seed: u64) -> Vec<f32> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..T * N_MELS)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 4000) as f32 / 1000.0
            })
            .collect()
    }

    #[test]
    fn multiply_adds_follow_the_loaded_kernels() {
        let net = network(Model::Msd);
        let m = MultiplyAdds::per_patch();
        for (i, (conv, width, _)) in net.timbral.iter().enumerate() {
            let positions = N_MELS - width + 1;
            assert_eq!(m.timbral[i], (T * positions * conv.kernel.len()) as u64);
        }
        let temporal: usize = net
            .temporal
            .iter()
            .map(|(conv, _, _)| T * N_MELS * conv.kernel.len())
            .sum();
        assert_eq!(m.temporal, temporal as u64);
        let mid: usize = net.mid.iter().map(|(conv, _)| T * conv.kernel.len()).sum();
        assert_eq!(m.mid, mid as u64);
        let dense = net.dense.kernel.len() + net.output.kernel.len();
        assert_eq!(m.dense, dense as u64);
    }

    #[test]
    fn outputs_are_probabilities_and_deterministic() {
        let net = network(Model::Msd);
        let a = net.forward(&patch(1));
        let b = net.forward(&patch(1));
        assert_eq!(a.probs, b.probs);
        assert!(a.probs.iter().all(|p| (0.0..=1.0).contains(p)));
        assert!(a.penultimate.iter().all(|v| v.is_finite()));
        assert_ne!(net.forward(&patch(2)).probs, a.probs);
    }

    /// The 8-bit front end stays close to f32 through the whole network, for both models: a
    /// wrong packing, offset or pooling would move tags by far more. (On 20 real recordings,
    /// `segue bench musicnn`: mean |Δp| 7e-4, embedding cosine ≥ 0.998.)
    #[test]
    fn the_8_bit_front_end_stays_close_to_f32() {
        for model in Model::ALL {
            let net = network(model);
            for seed in 1..4 {
                // Noise, and a patch with structure across time and frequency.
                let noise = patch(seed);
                let ridges: Vec<f32> = (0..T * N_MELS)
                    .map(|i| {
                        let (t, band) = ((i / N_MELS) as f32, (i % N_MELS) as f32);
                        2.0 + 1.5 * (t * 0.37 * seed as f32 + band * 0.21).sin() * (band / 96.0)
                    })
                    .collect();
                for input in [&noise, &ridges] {
                    let exact = net.forward(input);
                    let int8 = net.forward_in(input, Arithmetic::Int8);
                    let dp = exact
                        .probs
                        .iter()
                        .zip(&int8.probs)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0f32, f32::max);
                    let dot: f32 = exact
                        .penultimate
                        .iter()
                        .zip(&int8.penultimate)
                        .map(|(a, b)| a * b)
                        .sum();
                    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    let cos = dot / (norm(&exact.penultimate) * norm(&int8.penultimate));
                    assert!(dp < 0.03, "{model:?} seed {seed}: max |dp| {dp}");
                    assert!(cos > 0.995, "{model:?} seed {seed}: embedding cosine {cos}");
                    assert_ne!(exact.probs, int8.probs, "the 8-bit path ran");
                }
            }
        }
    }
}
