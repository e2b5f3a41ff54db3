//! `segue radio SEED…`: the next picks of a radio on the seeds (as if each were heard whole),
//! or `--play`: a radio through the sound device that plays until stopped.

use anyhow::{Context, Result};
use segue::Library;

use crate::{play, print, resolve};

#[derive(clap::Args)]
pub struct Args {
    /// Seed tracks: ids or paths of library tracks
    #[arg(required = true)]
    seeds: Vec<String>,
    /// How many picks to print
    #[arg(short = 'n', long = "count", default_value_t = 20)]
    count: usize,
    /// Play the radio through the sound device, whole tracks, until stopped (Ctrl-C)
    #[arg(long, conflicts_with = "json")]
    play: bool,
    /// Output device (as `segue play --list-devices` names it) [default: the app's, else the
    /// system's]
    #[arg(long, requires = "play")]
    device: Option<String>,
    #[arg(long)]
    json: bool,
}

impl Args {
    /// Playing opens the player on the library (its remembered device): not a guest's.
    pub fn plays(&self) -> bool {
        self.play
    }
}

pub async fn run(library: &Library, args: Args) -> Result<()> {
    library.index_ready().await?;
    let mut seeds = Vec::new();
    for seed in &args.seeds {
        seeds.push(resolve::library_track(library, seed).await?);
    }
    let mut radio = library.start_radio(&seeds, &[]).await?;
    if args.play {
        let device = args.device.clone().or_else(|| library.output_device());
        while let Some(pick) = library.radio_next(&mut radio).await? {
            eprintln!(
                "▶ {} — {}  ({})",
                print::shown_title(&pick.track.title, &pick.track.path),
                print::or_dash(pick.track.artist.as_deref()),
                pick.reasons.join(" · ")
            );
            let item = segue::library::preview_item(&pick.track.path, pick.track.span, 0.0, None);
            let device = device.clone();
            let state =
                tokio::task::spawn_blocking(move || play::play(vec![item], device.as_deref(), 1.0))
                    .await
                    .context("player thread")??;
            if state.status == segue::audio::preview::PlayerStatus::Error {
                anyhow::bail!("{}", state.error.unwrap_or_default());
            }
        }
        eprintln!("every track near this radio was played");
        return Ok(());
    }
    let mut picks = Vec::with_capacity(args.count);
    while picks.len() < args.count {
        match library.radio_next(&mut radio).await? {
            Some(pick) => picks.push(pick),
            None => break,
        }
    }
    print::entries(&picks, args.json)
}
