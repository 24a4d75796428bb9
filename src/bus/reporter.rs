//! What every consumer of a run's events implements: the journal, the progress display, the
//! announcements, JUnit, the timeline. Adding one never touches the scheduler.

/// Consumes the events of a run. Adding a reporter never touches the scheduler.
pub trait Reporter {
    fn event(&mut self, e: &crate::event::Event);
    /// Called after each group of events: writes out what they recorded, and with `durable`
    /// (something waits for them to be on disk) makes it durable first (the journal fsyncs).
    /// `false` when what was recorded may be lost.
    fn sync(&mut self, _durable: bool) -> bool {
        true
    }
    /// The run's clock reads `at` and no event came for a while (live runs, about every second).
    fn tick(&mut self, _at: crate::event::Secs) {}
    /// Called once after the last event.
    fn finish(&mut self, _tally: &crate::tally::Tally) -> Result<(), WriteError> {
        Ok(())
    }
}

/// A reporter could not write what it keeps (the journal, a report file).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: std::path::PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl WriteError {
    pub fn at(path: impl Into<std::path::PathBuf>) -> impl FnOnce(std::io::Error) -> WriteError {
        let path = path.into();
        move |source| WriteError { path, source }
    }
}
