//! `segue doctor`: the database, its backups, the similarity index and the playlists' M3U8
//! files checked (`--repair`: the damaged database restored from the newest good backup, a
//! damaged index removed for a rebuild, the M3U8 files rewritten). Exits non-zero while
//! something is wrong.

use std::path::Path;

use anyhow::{bail, Result};

use crate::print;

#[derive(clap::Args)]
pub struct Args {
    /// Restore the database from the newest good backup when it is damaged, remove a damaged
    /// index, rewrite out-of-date playlist files
    #[arg(long)]
    repair: bool,
    #[arg(long)]
    json: bool,
}

pub async fn run(data_dir: &Path, args: Args) -> Result<()> {
    let report = segue::library::recovery::doctor(data_dir, args.repair).await?;
    if args.json {
        print::json(&report)?;
    } else {
        for f in &report.findings {
            let mark = if f.ok { "ok " } else { "BAD" };
            println!("{mark}  {:<9}  {}  {}", f.what, f.detail, f.path.display());
        }
        for r in &report.repaired {
            println!("repaired: {r}");
        }
    }
    if !report.ok {
        bail!(if args.repair {
            "something is still wrong after the repair"
        } else {
            "something is wrong: `segue doctor --repair` restores what it can"
        });
    }
    Ok(())
}
