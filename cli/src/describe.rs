//! `segue describe "WORDS"`: tracks ranked by how well their genre and mood tags fit a
//! description ("calm piano", "no vocals"), optionally among a seed's neighbours.

use anyhow::Result;
use segue::Library;

use crate::print;
use crate::resolve;

#[derive(clap::Args)]
pub struct Args {
    /// What to look for, in words: "calm piano", "fast electronic drums", "no vocals", "sad"
    words: String,
    /// Only among the neighbours of this track (id or path): "like this, but calmer"
    #[arg(long, value_name = "SEED")]
    like: Option<String>,
    /// How many tracks to list
    #[arg(short = 'n', long, default_value_t = 20)]
    count: usize,
    #[arg(long)]
    json: bool,
}

pub async fn run(library: &Library, args: Args) -> Result<()> {
    let like = match &args.like {
        Some(seed) => {
            library.index_ready().await?;
            Some(resolve::library_track(library, seed).await?)
        }
        None => None,
    };
    let answer = library.describe(&args.words, like, args.count).await?;
    if args.json {
        return print::json(&answer);
    }
    for u in &answer.description.understood {
        eprintln!("understood “{}”: {}", u.words, u.tags.join(", "));
    }
    if !answer.description.ignored.is_empty() {
        eprintln!("not understood: {}", answer.description.ignored.join(" "));
    }
    if answer.description.understood.is_empty() {
        eprintln!("no word matched a tag Segue knows (try a genre, a mood or an instrument)");
    }
    print::entries(&answer.tracks, false)
}
