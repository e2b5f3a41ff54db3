//! MusiCNN (Pons & Serra 2019) genre/mood tagging, a pure-Rust port of `musicnn` 0.1.0 with
//! numerical parity: the authors' TensorFlow checkpoints read directly ([`ckpt`]), the original
//! front end ([`frontend`]: resampy 0.2.2, librosa 0.7.2 STFT/mel, the float16 log step) and the
//! network op by op ([`net`]). See `../shared/musicnn/ARCHITECTURE.md` for the reference.

pub mod ckpt;
pub mod frontend;
pub mod int8;
pub mod labels;
pub mod net;
pub mod sgemm;
pub mod tagger;

use std::path::{Path, PathBuf};

/// The two published models: 50 Million-Song-Dataset tags, 50 MagnaTagATune tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    Msd,
    Mtt,
}

impl Model {
    pub const ALL: [Model; 2] = [Model::Msd, Model::Mtt];

    /// The checkpoint directory's name inside the `musicnn` package.
    pub fn dir_name(self) -> &'static str {
        match self {
            Model::Msd => "MSD_musicnn",
            Model::Mtt => "MTT_musicnn",
        }
    }

    /// Output labels, in the network's output order.
    pub fn labels(self) -> &'static [&'static str; 50] {
        match self {
            Model::Msd => &labels::MSD,
            Model::Mtt => &labels::MTT,
        }
    }
}

/// Where the checkpoints live: `SEGUE_MODEL_DIR`; else `<user data dir>/models` if the weights
/// are there (what `scripts/fetch-models.sh` fills); else the first `<dir>/segue/models` of
/// `XDG_DATA_DIRS` that holds them (the installed package puts them in `/usr/share`); else the
/// user's dir, so messages name where to put them. Independent of `--data-dir`, so every library
/// (and every test's scratch library) shares one copy.
/// The model directories are `<models>/musicnn/MSD_musicnn/` and `<models>/musicnn/MTT_musicnn/`.
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SEGUE_MODEL_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let user = directories::ProjectDirs::from("org", "Segue", "segue")
        .map(|p| p.data_dir().join("models"))
        .unwrap_or_else(|| PathBuf::from(".segue/models"));
    if holds_weights(&user) {
        return user;
    }
    system_data_dirs()
        .into_iter()
        .map(|dir| dir.join("segue").join("models"))
        .find(|dir| holds_weights(dir))
        .unwrap_or(user)
}

/// Whether both models' checkpoints are under `models`.
fn holds_weights(models: &Path) -> bool {
    [Model::Msd, Model::Mtt].iter().all(|m| {
        models
            .join("musicnn")
            .join(m.dir_name())
            .join(".index")
            .is_file()
    })
}

/// `XDG_DATA_DIRS`, or the spec's default when it is unset or empty.
fn system_data_dirs() -> Vec<PathBuf> {
    let dirs = std::env::var_os("XDG_DATA_DIRS")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    std::env::split_paths(&dirs)
        .filter(|d| d.is_absolute())
        .collect()
}

/// The checkpoint directory of `model` under [`models_dir`].
pub fn model_dir(model: Model) -> PathBuf {
    models_dir().join("musicnn").join(model.dir_name())
}

/// How to get the weights, for messages shown when they are missing.
pub const HOW_TO_ENABLE: &str =
    "genre and mood tags need the MusiCNN weights: run scripts/fetch-models.sh (downloads the musicnn 0.1.0 wheel from PyPI, 20 MB)";
