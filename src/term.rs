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

#[cfg(test)]
mod tests {
    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(super::should_color(true, false));
        assert!(!super::should_color(true, true));
        assert!(!super::should_color(false, false));
    }
}
