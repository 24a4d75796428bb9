//! `restorectl validate`: the broken-plan corpus, the bundled plans, human and JSON output.

use crate::support::*;

/// Every file in `tests/invalid/` ends with `# expect: …` lines naming each diagnostic exactly.
#[test]
fn every_broken_plan_reports_exactly_its_expected_diagnostics() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo("tests/invalid")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<String> =
            text.lines().filter_map(|l| l.strip_prefix("# expect: ")).map(str::to_owned).collect();
        if path.file_name().unwrap() == "empty.toml" {
            continue;
        }
        assert!(!expected.is_empty(), "{} has no `# expect:` lines", path.display());
        let out = restorectl().args(["validate", "--format", "json"]).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let report = json(&out.stdout);
        assert_eq!(report["valid"], false);
        assert_eq!(diagnostic_lines(&report), expected, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 24, "the corpus shrank to {checked} files");
}

#[test]
fn an_empty_file_is_rejected() {
    let out = restorectl()
        .args(["validate", "--format", "json"])
        .arg(repo("tests/invalid/empty.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(diagnostic_lines(&json(&out.stdout)), ["error -:- empty-plan: the plan is empty"]);
}

#[test]
fn a_file_that_is_not_utf8_is_rejected_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin2.toml");
    std::fs::write(&path, b"[plan]\nname = \"Przywr\xf3cenie\"\n").unwrap();
    let out = restorectl().args(["validate", "--format", "json"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        ["error 2:15 not-utf8: the plan is not valid UTF-8 (first bad byte at offset 21)"]
    );
}

#[test]
fn a_missing_file_is_an_input_error() {
    restorectl()
        .args(["validate", "no/such/plan.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read the plan"));
}

#[test]
fn every_bundled_plan_is_valid() {
    for entry in std::fs::read_dir(repo("plans")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = restorectl().args(["validate", "--format", "json"]).arg(&path).output().unwrap();
            let report = json(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{}: {:#}", path.display(), report);
            assert!(
                !report["diagnostics"].as_array().unwrap().iter().any(|d| d["severity"] == "error"),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn human_output_underlines_the_problem_and_suggests_the_fix() {
    let out = restorectl()
        .current_dir(repo(""))
        .args(["validate", "tests/invalid/unknown-dependency.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_valid_plan_says_so_on_stdout() {
    restorectl()
        .arg("validate")
        .arg(repo("plans/ista.toml"))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("plans/ista.toml is valid: 15 services in 4 phases"));
}

#[test]
fn warnings_do_not_fail_validation() {
    let p = plan_file("[plan]\nname = \"W\"\n[[service]]\nid = \"lonely\"\nname = \"Lonely\"\n");
    let out = restorectl()
        .current_dir(p.path())
        .args(["validate", "--format", "json", "plan.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        ["warning 4:6 unobserved-service: service `lonely` has no checks and nothing depends on it"]
    );
}

#[test]
fn a_cycle_through_a_phase_gate_is_reported_as_a_cycle() {
    let p = plan_file(
        r#"
[plan]
name = "Gate"
[[phase]]
id = "one"
[[phase]]
id = "two"
[[service]]
id = "a"
name = "A"
phase = "one"
depends_on = ["loose"]
[[service]]
id = "loose"
name = "Loose"
depends_on = ["b"]
[[service]]
id = "b"
name = "B"
phase = "two"
"#,
    );
    let out = restorectl().args(["validate", "--format", "json"]).arg(&p.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        ["error 12:15 dependency-cycle: dependency cycle: a → loose → b → (all of phase `one`) → a"]
    );
}

#[test]
fn unknown_flags_are_input_errors() {
    restorectl().args(["validate", "--fromat", "json", "x.toml"]).assert().code(2);
}

/// Beyond ten diagnostics of one kind, people get one line that sums up the rest; JSON keeps all.
#[test]
fn many_diagnostics_of_one_kind_are_summed_up_after_the_first_ten() {
    let mut toml = String::from("[plan]\nname = \"Unobserved\"\n");
    for i in 0..13 {
        toml += &format!("[[service]]\nid = \"s{i}\"\nname = \"service {i}\"\n");
    }
    let p = plan_file(&toml);
    let out = restorectl().arg("validate").arg(&p.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("has no checks and nothing depends on it").count(), 10, "{err}");
    assert!(
        err.contains("… and 3 more warnings of this kind (unobserved-service): s10, s11, s12; `--format json` lists them all\n"),
        "{err}"
    );
    let json =
        json(&restorectl().args(["validate", "--format", "json"]).arg(&p.plan).output().unwrap().stdout);
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 13);
}

/// A large plan is decoded in pieces on every core: its problems still come with the lines of the
/// whole file, in file order, whichever piece they are in.
#[test]
fn a_large_plan_decoded_in_pieces_reports_problems_at_their_lines() {
    let mut toml = String::from("[plan]\nname = \"Large\"\n");
    let mut expected = Vec::new();
    for i in 0..3000 {
        let line = toml.lines().count() + 1;
        toml += &format!("[[service]]\nid = \"s{i}\"\nname = \"service {i}\"\nduration = \"1m\"\n");
        if i % 1000 == 7 {
            toml += "colour = \"red\"\n";
            expected.push(format!("error {}:1 unknown-key: unknown key `colour` in `[[service]]`", line + 4));
        }
        toml += "[[service.check]]\ntcp = \"127.0.0.1:9\"\n";
    }
    let p = plan_file(&toml);
    let out = restorectl().args(["validate", "--format", "json"]).arg(&p.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(diagnostic_lines(&json(&out.stdout)), expected);
}
