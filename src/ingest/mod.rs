//! Getting music into the library: the walk of a folder, reading one file, the scan that keeps
//! the database in step with the folders, the analysis run that follows it, and the file
//! watcher that asks for scans. The [`crate::Library`] façade and its background jobs drive
//! these; nothing here knows about them.

pub mod analyze;
pub mod cue;
pub mod probe;
pub mod scan;
pub mod walk;
pub mod watch;
