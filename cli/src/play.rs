//! `segue play`: tracks or files through the sound device, one after the other.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use segue::audio::preview::{Player, PlayerState, PlayerStatus, QueueItem};
use segue::Library;

use crate::{print, resolve};

#[derive(clap::Args)]
pub struct Args {
    /// Track ids, library tracks' paths, or any audio files
    tracks: Vec<String>,
    /// Start this many seconds in
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    from: f64,
    /// Play this many seconds [default: to the end]
    #[arg(long, value_name = "N")]
    seconds: Option<f64>,
    /// Output device (as --list-devices names it) [default: the system's default]
    #[arg(long)]
    device: Option<String>,
    /// Volume, 0 to 1
    #[arg(long, default_value_t = 1.0)]
    volume: f32,
    /// List the output devices and exit
    #[arg(long)]
    list_devices: bool,
    /// Print the player's state at the end as JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(library: &Library, args: Args) -> Result<()> {
    if args.list_devices {
        for name in segue::audio::preview::output_devices() {
            println!("{name}");
        }
        return Ok(());
    }
    if args.tracks.is_empty() {
        bail!("give a track id or path (or --list-devices)");
    }
    let mut items = Vec::with_capacity(args.tracks.len());
    for arg in &args.tracks {
        items.push(resolve::playable_item(library, arg, args.from, args.seconds).await?);
    }
    // The device asked for, else the one chosen in the app (remembered in the library).
    let device = args.device.clone().or_else(|| library.output_device());
    let volume = args.volume;
    let state = tokio::task::spawn_blocking(move || play(items, device.as_deref(), volume))
        .await
        .context("player thread")??;
    if args.json {
        print::json(&state)?;
    }
    if state.status == PlayerStatus::Error {
        bail!("{}", state.error.unwrap_or_default());
    }
    Ok(())
}

/// Plays the items one after the other, showing the position on a terminal.
pub fn play(queue: Vec<QueueItem>, device: Option<&str>, volume: f32) -> Result<PlayerState> {
    let player = Player::new(device)?;
    player.set_volume(volume);
    let before = player.state().preview;
    player.play_queue(queue, 0)?;
    player.state_after(before, Duration::from_secs(2));
    let tty = std::io::stderr().is_terminal();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let state = player.state();
        if tty {
            eprint!(
                "\r{} {}/{} {:>7.1} s  ",
                state.status,
                state.queue_index + 1,
                state.queue_len,
                state.position_s
            );
        }
        if matches!(
            state.status,
            PlayerStatus::Finished | PlayerStatus::Error | PlayerStatus::Idle
        ) {
            if tty {
                eprintln!();
            }
            return Ok(state);
        }
    }
}
