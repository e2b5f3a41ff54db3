//! `segue musicnn FILE`: MusiCNN's taggram, mean tags and embedding of any file; needs no
//! library, only the weights.

use std::path::PathBuf;

use anyhow::{Context, Result};
use segue::ingest::probe::human_duration;
use segue::musicnn::{model_dir, net::Network, tagger::file_taggram, Model, HOW_TO_ENABLE};

#[derive(clap::Args)]
pub struct Args {
    file: PathBuf,
    /// Which model: msd (50 Million-Song-Dataset tags) or mtt (50 MagnaTagATune tags)
    #[arg(long, value_enum, default_value_t = ModelArg::Msd)]
    model: ModelArg,
    /// Analyse at most N patches spread over the file [default: every patch]
    #[arg(long, value_name = "N")]
    patches: Option<usize>,
    /// Print JSON: {labels, taggram, tags, embedding}
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModelArg {
    Msd,
    Mtt,
}

impl From<ModelArg> for Model {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::Msd => Model::Msd,
            ModelArg::Mtt => Model::Mtt,
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let (file, model) = (&args.file, Model::from(args.model));
    let network =
        Network::load(&model_dir(model)).map_err(|e| anyhow::anyhow!("{e}\n{HOW_TO_ENABLE}"))?;
    let result = file_taggram(&network, model, file, args.patches)
        .with_context(|| format!("{}", file.display()))?;
    if args.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            labels: &'a [&'static str],
            taggram: &'a [Vec<f32>],
            tags: &'a serde_json::Map<String, serde_json::Value>,
            embedding: &'a [f32],
        }
        println!(
            "{}",
            serde_json::to_string(&Out {
                labels: &result.labels,
                taggram: &result.taggram,
                tags: &result.tags,
                embedding: &result.embedding,
            })?
        );
        return Ok(());
    }
    let mut ranked: Vec<(&str, f64)> = result
        .tags
        .iter()
        .map(|(l, p)| (l.as_str(), p.as_f64().unwrap_or(0.0)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!(
        "{} — {} patches of 3 s, model {}",
        file.display(),
        result.taggram.len(),
        model.dir_name()
    );
    println!("\ntop tags (mean over patches):");
    for (label, p) in ranked.iter().take(10) {
        let bar = "█".repeat((p * 40.0).round() as usize);
        println!("  {label:<18} {p:>6.3}  {bar}");
    }
    println!("\ntaggram (patch start, then its 3 likeliest tags):");
    for (row, start) in result.taggram.iter().zip(&result.patch_starts_s) {
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
        let top: Vec<String> = order
            .iter()
            .take(3)
            .map(|&i| format!("{} {:.2}", result.labels[i], row[i]))
            .collect();
        println!("  {:>7}  {}", human_duration(*start), top.join(", "));
    }
    let norm = result.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    println!(
        "\nembedding: {} values, norm {norm:.2} (--json prints them)",
        result.embedding.len()
    );
    Ok(())
}
