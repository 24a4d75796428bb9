//! The README's commands, as a newcomer pastes them: every command of its `sh` and `console`
//! blocks, in README order, in a fresh copy of the bundled plans, exits as the README says —
//! 0 unless a `# … exit N …` comment (sh) or a `$ echo $?` line (console) says otherwise.

use std::path::Path;

use crate::support::*;

/// One command of the README and the exit code it documents.
#[derive(Debug)]
struct Pasted {
    line: usize,
    command: String,
    exit: i32,
}

/// The commands of the README's `sh` and `console` blocks, in order (the test suite itself and
/// installing aside).
fn pasted(readme: &str) -> Vec<Pasted> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut block: Option<&str> = None;
    for (n, line) in lines.iter().enumerate() {
        if let Some(fence) = line.strip_prefix("```") {
            block = if block.is_some() { None } else { Some(fence.trim()) };
            continue;
        }
        let (command, exit) = match block {
            Some("sh") if !line.trim().is_empty() && !line.starts_with('#') => {
                let (command, comment) = line.split_once(" #").unwrap_or((line, ""));
                (command.trim().to_owned(), documented_exit(comment))
            }
            Some("console") if line.starts_with("$ ") && *line != "$ echo $?" => {
                // The exit code, when not 0, is shown by the `$ echo $?` that closes the output.
                let rest = &lines[n + 1..];
                let end = rest
                    .iter()
                    .position(|l| l.starts_with("$ ") || l.starts_with("```"))
                    .unwrap_or(rest.len());
                let exit = (rest.get(end) == Some(&"$ echo $?"))
                    .then(|| rest.get(end + 1).and_then(|c| c.trim().parse().ok()))
                    .flatten()
                    .unwrap_or(0);
                (line[2..].trim().to_owned(), exit)
            }
            _ => continue,
        };
        if command.starts_with("scripts/test") || command.starts_with("cargo install") {
            continue;
        }
        let command = command.replace("cargo run --release -- ", "restorectl ");
        out.push(Pasted { line: n + 1, command, exit });
    }
    out
}

/// `exit N` in a command's comment; 0 without one.
fn documented_exit(comment: &str) -> i32 {
    comment
        .split("exit ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn every_readme_command_exits_as_the_readme_says_in_a_fresh_checkout() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let commands = pasted(&readme);
    assert!(commands.len() >= 8, "{commands:#?}");
    assert!(commands[0].command.starts_with("restorectl run --dry-run plans/ista.toml"), "{commands:#?}");
    let dir = tempfile::tempdir().unwrap();
    for folder in ["plans", "tests/invalid"] {
        copy_dir(&repo(folder), &dir.path().join(folder));
    }
    let bin = assert_cmd::cargo::cargo_bin("restorectl");
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let mut failures = Vec::new();
    for p in &commands {
        let out = std::process::Command::new("sh")
            .args(["-c", &p.command])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("CI")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        if out.status.code() != Some(p.exit) {
            failures.push(format!(
                "README line {}: `{}` exited {:?}, the README says {}\n{}",
                p.line,
                p.command,
                out.status.code(),
                p.exit,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    // Whatever the demo left running.
    restorectl().args(["demo", "stop"]).assert().code(0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_readme_lists_every_command() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let help = restorectl().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 15, "{commands:?}");
    for c in commands {
        assert!(
            readme.contains(&format!("| `restorectl {c}")),
            "the README's command table has no `restorectl {c}`"
        );
    }
}

/// The README's architecture and layout are drawn from the code as it is: every source file or
/// folder they name exists, and every top-level module of `src/` is named in the layout.
#[test]
fn the_readme_names_the_source_as_it_is() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let named = regex::Regex::new(r"src/[a-z_/]+(?:\.rs)?").unwrap();
    let missing: Vec<&str> =
        named.find_iter(&readme).map(|m| m.as_str()).filter(|p| !repo(p).exists()).collect();
    assert!(missing.is_empty(), "the README names source that does not exist: {missing:?}");
    let layout = &readme[readme.find("## Layout").unwrap()..];
    let unnamed: Vec<String> = std::fs::read_dir(repo("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "lib.rs" && name != "main.rs")
        .map(|name| if name.ends_with(".rs") { format!("src/{name}") } else { format!("src/{name}/") })
        .filter(|path| !layout.contains(path.as_str()))
        .collect();
    assert!(unnamed.is_empty(), "the README's layout does not name {unnamed:?}");
}
