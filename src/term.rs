//! What the terminal we write to can do: colours (respecting `NO_COLOR`) and whether we are in CI.

use std::io::IsTerminal;

/// Whether to colour output written to stderr (`stderr = true`) or stdout.
pub fn color(stderr: bool) -> bool {
    let tty = if stderr { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
    should_color(tty, std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()))
}

/// Pure decision, so it can be tested without a terminal.
pub fn should_color(is_terminal: bool, no_color: bool) -> bool {
    is_terminal && !no_color
}

/// Whether we run in CI (`CI` set to anything but empty or `false`).
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `restorectl graph BIG | head -1`: when the reader goes away, end at once and quietly, the way
/// `git log | head` does (killed by SIGPIPE, exit 141 in a shell), instead of failing every write.
/// Not for a live run: a restoration must never die because a log reader closed its pipe; it
/// ignores write errors on stderr and stops writing its report on stdout (see [`print_report`]).
pub fn die_quietly_on_closed_stdout() {
    // SAFETY: restores the default action of one signal before any thread starts; no memory.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `text` with its control characters shown as escapes (`\u{1b}`): text from a plan or from a
/// command's output cannot move the cursor, recolour or clear the terminal, or (`one_line`) fake
/// a line of its own.
pub fn printable(text: &str, one_line: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && (one_line || (c != '\n' && c != '\t'));
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect()
}

/// Writes a final report to stdout, its control characters shown as escapes; a closed pipe is not
/// an error worth a word.
pub fn print_report(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let text = printable(text, false);
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(super::should_color(true, false));
        assert!(!super::should_color(true, true));
        assert!(!super::should_color(false, false));
    }
}
