//! `segue generate`: files derived from the command line's own definition, for packaging — shell
//! completions and man pages — so they never drift from what the binary accepts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::CommandFactory;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Print the completion script for a shell
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (segue.1 and one per subcommand, segue-scan.1 …) into DIR
    Man { dir: PathBuf },
}

pub fn run(args: &Args) -> Result<()> {
    let mut cli = crate::Cli::command();
    match &args.what {
        What::Completions { shell } => {
            clap_complete::generate(*shell, &mut cli, "segue", &mut std::io::stdout());
            Ok(())
        }
        What::Man { dir } => write_man_pages(cli, dir),
    }
}

/// The top page and one per visible subcommand (nested ones too: `segue-playlists-show.1`).
fn write_man_pages(cli: clap::Command, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(cli, dir).with_context(|| format!("writing into {}", dir.display()))
}
