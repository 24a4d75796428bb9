//! Shell completions and the manual page, generated from the command line itself.

use crate::support::*;

#[test]
fn bash_completion_loads_and_completes_the_commands() {
    let out = restorectl().args(["completions", "bash"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("restorectl.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    // Load it in a real bash and ask it to complete `restorectl conf`.
    let check = format!(
        "source {}; COMP_WORDS=(restorectl conf); COMP_CWORD=1; _restorectl restorectl conf restorectl; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let done = std::process::Command::new("bash").args(["-c", &check]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&done.stdout).trim(),
        "confirm",
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        restorectl().args(["completions", shell]).assert().code(0);
    }
    restorectl().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn the_manual_page_documents_every_command() {
    let out = restorectl().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH restorectl 1"), "{page}");
    for command in ["validate", "graph", "status", "run", "confirm", "announce", "schema", "completions"] {
        assert!(page.contains(&format!("restorectl\\-{command}")), "the manual page lacks `{command}`");
    }
}
