//! The library: folders, the scan that keeps the database in step with them, and the file
//! watcher that triggers scans while the app runs.

pub mod jobs;
pub mod probe;
pub mod scan;
pub mod walk;
pub mod watch;
