//! User settings kept in `settings.json` in the data dir. Every field has a default, so the file
//! is optional and may name only what differs.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::similarity::SimilaritySettings;

pub const SETTINGS_FILE: &str = "settings.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Block weights of the similarity vector and the index policy.
    pub similarity: SimilaritySettings,
    pub preview: PreviewSettings,
    pub tags: TagSettings,
}

/// MusiCNN genre/mood tagging during analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TagSettings {
    /// Tag tracks when the weights are installed.
    pub enabled: bool,
    /// 3-second patches analysed per track at most, spread over it.
    pub patches: usize,
}

impl Default for TagSettings {
    fn default() -> Self {
        TagSettings {
            enabled: true,
            patches: crate::musicnn::tagger::DEFAULT_MAX_PATCHES,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreviewSettings {
    /// Output device by name; `None`: the system default.
    pub device: Option<String>,
}

impl Settings {
    /// Reads `settings.json` from `data_dir`; a missing file gives the defaults, an unreadable
    /// one the defaults and a warning (a typo must not stop the app).
    pub fn load(data_dir: &Path) -> Settings {
        let path = data_dir.join(SETTINGS_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!("{}: {e}; using the default settings", path.display());
                Settings::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => {
                tracing::warn!("{}: {e}; using the default settings", path.display());
                Settings::default()
            }
        }
    }
}

impl Settings {
    /// Writes `settings.json` (temp file, then rename: a crash never leaves half a file).
    pub fn save(&self, data_dir: &Path) -> crate::Result<()> {
        let path = data_dir.join(SETTINGS_FILE);
        let tmp = data_dir.join(format!(".{SETTINGS_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self).map_err(crate::Error::json("settings"))?;
        std::fs::write(&tmp, json).map_err(|e| crate::Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| crate::Error::io(&path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_broken_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Settings::load(dir.path()), Settings::default());
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            r#"{"similarity": {"weights": {"rhythm": 2.0}, "policy": {"flat_max": 10}}}"#,
        )
        .expect("write");
        let s = Settings::load(dir.path());
        assert_eq!(s.similarity.weights.rhythm, 2.0);
        assert_eq!(
            s.similarity.weights.timbre,
            crate::vector::BlockWeights::default().timbre
        );
        assert_eq!(s.similarity.policy.flat_max, 10);
        assert_eq!(s.similarity.policy.ivf_flat_max, 50_000);
        std::fs::write(dir.path().join(SETTINGS_FILE), "{not json").expect("write");
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let mut changed = Settings::default();
        changed.preview.device = Some("USB DAC".into());
        changed.save(dir.path()).expect("save");
        assert_eq!(Settings::load(dir.path()), changed);
    }
}
