//! `segue folder add|rm|ls`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use segue::Library;

use crate::{print, resolve};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Add a folder (does not scan; run `segue scan`)
    Add { path: PathBuf },
    /// Remove a folder (by id or path) and its tracks; files are not touched
    Rm { folder: String },
    /// List folders
    Ls {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(library: &Library, args: Args) -> Result<()> {
    match args.action {
        Action::Add { path } => {
            let folder = library.add_folder(&path).await?;
            println!("added folder {} ({})", folder.id, folder.path.display());
            eprintln!("run `segue scan` to read its files");
        }
        Action::Rm { folder } => {
            let id = resolve::folder_id(library, &folder).await?;
            let removed = library.remove_folder(id).await?;
            println!("removed folder {} ({})", removed.id, removed.path.display());
        }
        Action::Ls { json } => {
            let folders = library.folders().await?;
            if json {
                return print::json(&folders);
            }
            for f in &folders {
                let missing = if f.exists { "" } else { "  (missing)" };
                println!(
                    "{:>4}  {:>7} tracks  {}{missing}",
                    f.id,
                    f.track_count,
                    f.path.display()
                );
            }
        }
    }
    Ok(())
}
