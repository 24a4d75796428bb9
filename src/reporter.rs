//! What every consumer of a run's events implements: the journal, the progress display, the
//! announcements, JUnit, the timeline. Adding one never touches the scheduler.

/// Consumes the events of a run. Adding a reporter never touches the scheduler.
pub trait Reporter {
    fn event(&mut self, e: &crate::event::Event);
    /// Makes what the events so far recorded durable; called after each group of events, before
    /// they are acknowledged (the journal fsyncs here).
    fn sync(&mut self) {}
    /// Called once after the last event.
    fn finish(&mut self, _tally: &crate::tally::Tally) -> Result<(), String> {
        Ok(())
    }
}
