//! The library: folders, the scan that keeps the database in step with them, the analysis run
//! that follows it, and the file watcher that triggers scans while the app runs.

pub mod analyze;
pub mod jobs;
pub mod probe;
pub mod scan;
pub mod walk;
pub mod watch;
