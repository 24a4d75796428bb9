//! People who are who they say: sign-offs and confirmations signed with real `ssh-keygen` keys
//! (by key file and through a real `ssh-agent`), checked against the plan's `allowed_signers`;
//! a key outside the role, a signature over another run, an edited or unsigned decision and a
//! self-approval under `separate_duties` refused with exit 2 and journaled; `ssh-keygen -Y
//! verify` accepts what the journal keeps, and the report and `journal verify` judge it again.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// An Ed25519 key pair made by `ssh-keygen` in `dir`: the private key's path and the public line.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen (openssh-client) is installed");
    assert!(ok.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_owned())
}

/// `ssh-keygen -lf KEY.pub`: the key's SHA256 fingerprint as OpenSSH prints it.
fn fingerprint(key: &Path) -> String {
    let out = Command::new("ssh-keygen").arg("-lf").arg(key.with_extension("pub")).output().unwrap();
    String::from_utf8(out.stdout).unwrap().split_whitespace().nth(1).unwrap().to_owned()
}

struct Team {
    dir: tempfile::TempDir,
    plan: PathBuf,
    lead: PathBuf,
    deputy: PathBuf,
    outsider: PathBuf,
}

/// A plan whose `db` needs one signed sign-off of `secops` (lead and deputy, each with a key in
/// `allowed_signers`; an outsider has a key too, listed nowhere); `plan_extra` goes in `[plan]`.
fn team(plan_extra: &str) -> Team {
    let dir = tempfile::tempdir().unwrap();
    let (lead, lead_pub) = keygen(dir.path(), "lead");
    let (deputy, deputy_pub) = keygen(dir.path(), "deputy");
    let (outsider, _) = keygen(dir.path(), "outsider");
    std::fs::write(
        dir.path().join("allowed_signers"),
        format!(
            "# secops\nsecops-lead {lead_pub}\nsecops-deputy namespaces=\"git,restorectl\" {deputy_pub}\n"
        ),
    )
    .unwrap();
    let service = file_service(dir.path(), "db", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"secops\" }\n[[service.check]]",
        1,
    );
    let plan = plan_in(
        dir.path(),
        &format!(
            "{plan_extra}[approvers]\nsecops = {{ people = [\"secops-lead\", \"secops-deputy\"], require_signature = true }}\n{service}"
        ),
    );
    Team { dir, plan, lead, deputy, outsider }
}

impl Team {
    fn journal(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(".restorectl/plan/journal.jsonl")).unwrap_or_default()
    }

    fn records(&self) -> Vec<serde_json::Value> {
        self.journal().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// `confirm PLAN db --by BY [--key KEY]` as user `user`, without an agent.
    fn confirm(&self, by: &str, key: Option<&Path>, user: &str) -> (Option<i32>, String) {
        let mut cmd = restorectl();
        cmd.args(["confirm"]).arg(&self.plan).args(["db", "--by", by]).env("USER", user);
        cmd.env_remove("SSH_AUTH_SOCK").env_remove("RESTORECTL_SSH_KEY");
        if let Some(k) = key {
            cmd.arg("--key").arg(k);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn wait_for_sign_off(&self) {
        wait_until("the wait for a sign-off", || self.journal().contains("waiting_for_approval"));
    }

    /// The header of the last run: (id, incident, plan SHA-256).
    fn run(&self) -> (String, String, String) {
        let r =
            self.records().into_iter().rev().find(|r| r.get("run").is_some_and(|r| r.is_object())).unwrap();
        let s = |k: &str| r["run"][k].as_str().unwrap().to_owned();
        (s("id"), s("incident"), s("plan_sha256"))
    }
}

/// The text restorectl signs (README: "What a signature covers").
fn message(
    act: &str,
    (run, incident, plan): (&str, &str, &str),
    subject: &str,
    by: &str,
    at: &str,
) -> String {
    format!(
        "restorectl decision v1\nact: {act}\nplan: sha256:{plan}\nincident: {incident}\nrun: {run}\nsubject: {subject}\nby: {by}\nat: {at}\n"
    )
}

/// `ssh-keygen -Y sign -n restorectl` of `text` with `key`: the armored signature.
fn ssh_sign(key: &Path, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m");
    std::fs::write(&file, text).unwrap();
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "restorectl", "-f"])
        .arg(key)
        .arg(&file)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::read_to_string(file.with_extension("sig")).unwrap()
}

#[test]
fn a_key_of_the_role_signs_off_and_ssh_keygen_verifies_what_the_journal_keeps() {
    let t = team("");
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    // Not signed (no agent, no key) where the role requires it: nothing is given.
    let (code, err) = t.confirm("secops-lead", None, "anna");
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: cannot sign as secops-lead: no ssh-agent ($SSH_AUTH_SOCK is not set) and no --key given\n"
    );
    // A key that is not the lead's: refused by the run, journaled.
    let (code, err) = t.confirm("secops-lead", Some(&t.outsider), "anna");
    assert_eq!(code, Some(2));
    let allowed = t.dir.path().join("allowed_signers");
    assert_eq!(
        err,
        format!(
            "error: the sign-off of `db` by secops-lead is refused: the key {} is not one of secops-lead's in {}\n",
            fingerprint(&t.outsider),
            allowed.display()
        )
    );
    // The lead's own key: taken.
    let (code, err) = t.confirm("secops-lead", Some(&t.lead), "anna");
    assert_eq!(code, Some(0), "{err}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let records = t.records();
    let refused: Vec<&serde_json::Value> = records.iter().filter(|r| r["event"] == "refused").collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["act"], "sign-off");
    let approved = records.iter().find(|r| r["event"] == "approved").unwrap();
    let signer = &approved["signers"][0];
    assert_eq!(signer["by"], "secops-lead");
    assert_eq!(signer["key"], fingerprint(&t.lead));
    assert_eq!(signer["user"], "anna");

    // OpenSSH agrees: the stored signature is the lead's over exactly the documented text.
    let (run, incident, plan) = t.run();
    let text =
        message("sign-off", (&run, &incident, &plan), "db", "secops-lead", signer["at"].as_str().unwrap());
    let sig = t.dir.path().join("approval.sig");
    std::fs::write(&sig, signer["signature"].as_str().unwrap()).unwrap();
    let verify = |principal: &str, text: &str| {
        use std::io::Write;
        let mut child = Command::new("ssh-keygen")
            .args(["-Y", "verify", "-n", "restorectl", "-I", principal, "-f"])
            .arg(&allowed)
            .arg("-s")
            .arg(&sig)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (ok, said) = verify("secops-lead", &text);
    assert!(ok, "{said}");
    assert!(said.starts_with("Good \"restorectl\" signature for secops-lead with ED25519 key"), "{said}");
    assert!(!verify("secops-deputy", &text).0, "not the deputy's");
    assert!(!verify("secops-lead", &text.replace("subject: db", "subject: web")).0, "not another service");

    // `journal verify` and the report judge it again.
    let out = restorectl().args(["journal", "verify"]).arg(&t.plan).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.trim_end().ends_with("; people's decisions: 1 signed and verified, 1 unsigned"), "{said}");
    let out = restorectl().args(["report", "--format", "json"]).arg(&t.plan).output().unwrap();
    let report = json(&out.stdout);
    let people = report["people"].as_array().unwrap();
    let sign_off = people.iter().find(|p| p["kind"] == "approved").unwrap();
    assert_eq!(sign_off["signature"], format!("verified: {}", fingerprint(&t.lead)));
    let refusal = people.iter().find(|p| p["kind"] == "refused").unwrap();
    assert_eq!(refusal["signature"], "refused");
    let start = people.iter().find(|p| p["kind"] == "started").unwrap();
    assert_eq!(start["signature"], "unsigned");
}

#[test]
fn unsigned_forged_and_edited_sign_offs_are_refused_and_a_signature_of_ssh_keygen_is_taken() {
    let t = team("");
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    let (run, incident, plan) = t.run();
    let file = |by: &str| {
        use sha2::Digest;
        let name: String = sha2::Sha256::digest(by.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        t.dir.path().join(format!(".restorectl/plan/confirm/{run}/db.approvals/{name}.json"))
    };
    let drop = |by: &str, at: &str, signature: Option<String>| {
        let mut c = serde_json::json!({ "v": 1, "by": by, "at": at, "user": "mallory", "host": "h" });
        if let Some(s) = signature {
            c["signature"] = s.into();
        }
        std::fs::create_dir_all(file(by).parent().unwrap()).unwrap();
        std::fs::write(file(by), c.to_string()).unwrap();
    };
    let refusals = || t.records().into_iter().filter(|r| r["event"] == "refused").collect::<Vec<_>>();
    let wait_refusals = |n: usize| wait_until("the refusal journaled", || refusals().len() >= n);
    let now = || jiff::Timestamp::now().to_string();

    // Unsigned, written by hand.
    drop("secops-lead", &now(), None);
    wait_refusals(1);
    // Signed by the lead's key, but for another run.
    let at = now();
    let other = message("sign-off", ("zzzz", &incident, &plan), "db", "secops-lead", &at);
    drop("secops-lead", &at, Some(ssh_sign(&t.lead, &other)));
    wait_refusals(2);
    // Signed for this run, then edited: the deputy's name put on the lead's signature.
    let at = now();
    let mine = message("sign-off", (&run, &incident, &plan), "db", "secops-lead", &at);
    drop("secops-deputy", &at, Some(ssh_sign(&t.lead, &mine)));
    wait_refusals(3);
    let reasons: Vec<String> = refusals().iter().map(|r| r["reason"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        reasons,
        [
            "unsigned: role `secops` requires a signature by one of secops-lead's keys in allowed_signers",
            "the signature is not over this decision: it was made for another plan, incident, run, service, name or time, or the decision was edited",
            "the signature is not over this decision: it was made for another plan, incident, run, service, name or time, or the decision was edited",
        ]
    );
    assert!(!t.journal().contains(r#""event":"online""#), "nothing refused counts");
    // The deputy's signature made by OpenSSH itself over the documented text: taken.
    let at = now();
    let theirs = message("sign-off", (&run, &incident, &plan), "db", "secops-deputy", &at);
    drop("secops-deputy", &at, Some(ssh_sign(&t.deputy, &theirs)));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let approved = t.records().into_iter().find(|r| r["event"] == "approved").unwrap();
    assert_eq!(approved["signers"][0]["key"], fingerprint(&t.deputy));
}

#[test]
fn under_separate_duties_who_started_the_run_cannot_sign_it_off() {
    let t = team("separate_duties = true\n");
    // Unsigned, the operator is nobody the plan can tell apart: refused before anything runs.
    let out = restorectl()
        .args(["run", "--progress", "none", "--by", "secops-lead"])
        .arg(&t.plan)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("RESTORECTL_SSH_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: the start of `run` by secops-lead is refused: cannot sign as secops-lead: no ssh-agent ($SSH_AUTH_SOCK is not set) and no --key given\n"
    );
    assert!(t.journal().contains(r#""event":"refused""#), "journaled");
    assert!(!t.dir.path().join("db.up").exists());

    // Started by the lead, signed: the lead cannot sign it off, from any account.
    let lead = t.lead.display().to_string();
    let child = spawn_run(&t.plan, &["--by", "secops-lead", "--key", &lead]);
    t.wait_for_sign_off();
    let (code, err) = t.confirm("secops-lead", Some(&t.lead), "someone-else");
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: the sign-off of `db` by secops-lead is refused: separate duties: this run was started by secops-lead; secops-lead cannot decide on it\n"
    );
    // The deputy can.
    let (code, err) = t.confirm("secops-deputy", Some(&t.deputy), "bob");
    assert_eq!(code, Some(0), "{err}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = restorectl().args(["journal", "verify"]).arg(&t.plan).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.trim_end().ends_with("; people's decisions: 2 signed and verified, 0 unsigned"), "{said}");
}

#[test]
fn ssh_agent_signs_with_the_persons_key_it_holds() {
    let t = team("");
    let socket = t.dir.path().join("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&socket, "the agent's socket");
    let added =
        Command::new("ssh-add").arg("-q").arg(&t.deputy).env("SSH_AUTH_SOCK", &socket).status().unwrap();
    assert!(added.success());
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    // The agent holds the deputy's key, not the lead's.
    let confirm = |by: &str| {
        restorectl()
            .args(["confirm"])
            .arg(&t.plan)
            .args(["db", "--by", by])
            .env("SSH_AUTH_SOCK", &socket)
            .env_remove("RESTORECTL_SSH_KEY")
            .output()
            .unwrap()
    };
    let out = confirm("secops-lead");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: cannot sign as secops-lead: ssh-agent holds none of secops-lead's keys in {}\n",
            "allowed_signers"
        )
    );
    let out = confirm("secops-deputy");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let approved = t.records().into_iter().find(|r| r["event"] == "approved").unwrap();
    assert_eq!(approved["signers"][0]["key"], fingerprint(&t.deputy));
    let _ = agent.kill();
    let _ = agent.wait();
}

#[test]
fn a_journal_whose_signature_was_forged_and_chain_recomputed_fails_verify() {
    let t = team("");
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    assert_eq!(t.confirm("secops-lead", Some(&t.lead), "anna").0, Some(0));
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
    // Someone with write access puts the deputy's name on the sign-off and recomputes the chain.
    let lines: Vec<String> = t
        .journal()
        .lines()
        .map(|l| {
            let mut r: serde_json::Value = serde_json::from_str(l).unwrap();
            r.as_object_mut().unwrap().remove("prev");
            if r["event"] == "approved" {
                r["by"] = serde_json::json!(["secops-deputy"]);
                r["signers"][0]["by"] = "secops-deputy".into();
            }
            r.to_string()
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    std::fs::write(t.dir.path().join(".restorectl/plan/journal.jsonl"), chained(&refs)).unwrap();
    let out = restorectl().args(["journal", "verify"]).arg(&t.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(": the sign-off of `db` by secops-deputy at ")
            && said.contains(" does not hold: the signature is not over this decision"),
        "{said}"
    );
}

#[test]
fn allowed_signers_is_checked_when_the_plan_is() {
    let t = team("");
    // A person of a signing role without a key.
    std::fs::write(t.dir.path().join("allowed_signers"), "").unwrap();
    let out = restorectl().args(["validate", "--format", "json"]).arg(&t.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let allowed = t.dir.path().join("allowed_signers");
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        [
            format!(
                "error -:- no-signing-key: `secops-lead` of role `secops` must sign, but has no key in {}",
                allowed.display()
            ),
            format!(
                "error -:- no-signing-key: `secops-deputy` of role `secops` must sign, but has no key in {}",
                allowed.display()
            ),
            "warning 6:6 no-name: customer-facing service `db` has no `name`".to_owned(),
        ]
    );
    // A line that is not a key.
    std::fs::write(&allowed, "secops-lead ssh-ed25519 AAAAnot-a-key\n").unwrap();
    let out = restorectl().args(["validate", "--format", "json"]).arg(&t.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines = diagnostic_lines(&json(&out.stdout));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "error -:- bad-allowed-signers: {}:1: not an SSH public key",
            allowed.display()
        )),
        "{lines:?}"
    );
}

#[test]
fn one_key_is_one_person_and_a_decision_dated_later_than_now_is_refused() {
    let t = team("");
    // Two sign-offs needed; allowed_signers gives the lead's key to the deputy's name too.
    let lead_pub = std::fs::read_to_string(t.lead.with_extension("pub")).unwrap();
    std::fs::write(t.dir.path().join("allowed_signers"), format!("secops-lead,secops-deputy {lead_pub}"))
        .unwrap();
    let plan = std::fs::read_to_string(&t.plan).unwrap();
    std::fs::write(
        &t.plan,
        plan.replace("approval = { role = \"secops\" }", "approval = { role = \"secops\", count = 2 }"),
    )
    .unwrap();
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    let (run, incident, plan_sha) = t.run();
    // A sign-off dated next year, signed by the lead's key over exactly that text.
    let at = "2099-01-01T00:00:00Z";
    let text = message("sign-off", (&run, &incident, &plan_sha), "db", "secops-lead", at);
    let file = {
        use sha2::Digest;
        let name: String = sha2::Sha256::digest(b"secops-lead").iter().map(|b| format!("{b:02x}")).collect();
        t.dir.path().join(format!(".restorectl/plan/confirm/{run}/db.approvals/{name}.json"))
    };
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let c =
        serde_json::json!({ "v": 1, "by": "secops-lead", "at": at, "signature": ssh_sign(&t.lead, &text) });
    std::fs::write(&file, c.to_string()).unwrap();
    wait_until("the refusal", || t.journal().contains(r#""event":"refused""#));
    assert!(
        t.journal().contains("the decision is dated 2099-01-01T00:00:00Z, later than now"),
        "{}",
        t.journal()
    );
    // The lead signs, then the deputy's name with the same key: one person, refused.
    assert_eq!(t.confirm("secops-lead", Some(&t.lead), "anna").0, Some(0));
    let (code, err) = t.confirm("secops-deputy", Some(&t.lead), "bob");
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        format!(
            "error: the sign-off of `db` by secops-deputy is refused: the key {} already signed this off as secops-lead: one key is one person\n",
            fingerprint(&t.lead)
        )
    );
    assert!(!t.journal().contains(r#""event":"online""#));
    signal(&child, libc::SIGINT);
    let _ = child.wait_with_output();
}

#[test]
fn journal_verify_needs_the_plan_and_keys_the_run_followed() {
    let t = team("");
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    assert_eq!(t.confirm("secops-lead", Some(&t.lead), "anna").0, Some(0));
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
    let verify = || {
        let out = restorectl().args(["journal", "verify"]).arg(&t.plan).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    assert_eq!(verify().0, Some(0));
    // The role no longer asks for signatures: not the plan the run followed.
    let plan = std::fs::read_to_string(&t.plan).unwrap();
    std::fs::write(&t.plan, plan.replace(", require_signature = true", "")).unwrap();
    let (code, said) = verify();
    assert_eq!(code, Some(1));
    assert!(said.contains("followed another version of the plan (SHA-256 "), "{said}");
    // The keys gone: the plan does not load, and nothing is vouched for.
    std::fs::write(&t.plan, plan).unwrap();
    std::fs::remove_file(t.dir.path().join("allowed_signers")).unwrap();
    let (code, said) = verify();
    assert_eq!(code, Some(1));
    assert!(said.contains("people's decisions cannot be checked: the plan "), "{said}");
}

#[test]
fn a_key_that_cannot_sign_here_says_what_to_do() {
    let t = team("");
    let rsa = t.dir.path().join("rsa");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"])
        .arg(&rsa)
        .status()
        .unwrap();
    assert!(ok.success());
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    let (code, err) = t.confirm("secops-lead", Some(&rsa), "anna");
    assert_eq!(code, Some(2));
    let r = rsa.display();
    assert_eq!(
        err,
        format!(
            "error: cannot sign as secops-lead: {r} is an RSA key, which restorectl cannot sign with from a file: add it to ssh-agent (`ssh-add {r}`), or use an Ed25519 or ECDSA key\n"
        )
    );
    let public = t.lead.with_extension("pub");
    let (code, err) = t.confirm("secops-lead", Some(&public), "anna");
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        format!(
            "error: cannot sign as secops-lead: {} is a public key and no ssh-agent ($SSH_AUTH_SOCK is not set) holds its private half: add it (`ssh-add`), or give the private key\n",
            public.display()
        )
    );
    signal(&child, libc::SIGINT);
    let _ = child.wait_with_output();
}

#[test]
fn an_update_approved_with_a_key_is_verified_in_the_report() {
    let t = team("");
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    assert_eq!(t.confirm("secops-lead", Some(&t.lead), "anna").0, Some(0));
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
    let approve = |number: &str, key: &Path| {
        restorectl()
            .args(["announce", "approve"])
            .arg(&t.plan)
            .args([number, "--by", "secops-lead", "--key"])
            .arg(key)
            .output()
            .unwrap()
    };
    // Another person's key under the lead's name: refused, nothing sent.
    let out = approve("0001", &t.outsider);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: the approve-update of `update 0001` by secops-lead is refused: the key ")
    );
    let out = approve("0001", &t.lead);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = restorectl().args(["report", "--format", "json"]).arg(&t.plan).output().unwrap();
    let report = json(&out.stdout);
    let first = &report["customer_updates"][0];
    assert_eq!(first["number"], 1);
    assert_eq!(first["decision"], "approved");
    assert_eq!(first["decided_by"], "secops-lead");
    assert_eq!(first["signature"], format!("verified: {}", fingerprint(&t.lead)));
}

#[test]
fn only_the_reviewers_decide_on_updates_signed_and_journal_verify_judges_them_again() {
    let t = team("[announce]\nreviewers = \"secops\"\n");
    let child = spawn_run(&t.plan, &[]);
    t.wait_for_sign_off();
    assert_eq!(t.confirm("secops-lead", Some(&t.lead), "anna").0, Some(0));
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
    // The approval corrects the first language's text: the signature covers the corrected text.
    let log = t.dir.path().join(".restorectl/plan/announcements/webhooks.jsonl");
    let drafted: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().lines().next().unwrap()).unwrap();
    let locale = drafted["update"]["texts"][0][0].as_str().unwrap().to_owned();
    let corrected = t.dir.path().join("corrected.md");
    std::fs::write(&corrected, "### Update\n\nWe are restoring our systems.\n").unwrap();
    let text = format!("{locale}={}", corrected.display());
    let approve = |by: &str, key: Option<&Path>| {
        let mut cmd = restorectl();
        cmd.args(["announce", "approve"]).arg(&t.plan).args(["0001", "--by", by, "--text", &text]);
        cmd.env_remove("SSH_AUTH_SOCK").env_remove("RESTORECTL_SSH_KEY");
        if let Some(key) = key {
            cmd.arg("--key").arg(key);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    // Someone outside the role, even with a key: refused.
    assert_eq!(
        approve("Ewa", Some(&t.outsider)),
        (
            Some(2),
            "error: `Ewa` is not among the reviewers of updates, role `secops` (secops-lead, secops-deputy); nothing decided\n"
                .to_owned()
        )
    );
    // A reviewer of a role that signs, without a key: refused before anything is decided.
    let (code, said) = approve("secops-deputy", None);
    assert_eq!(code, Some(2));
    assert!(said.starts_with("error: cannot sign as secops-deputy: "), "{said}");
    let (code, said) = approve("secops-deputy", Some(&t.deputy));
    assert_eq!(code, Some(0), "{said}");
    // Who tried and was refused is kept with the update's review, and shown with it.
    let out = restorectl().args(["announce", "drafts"]).arg(&t.plan).output().unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("      refused: the approval by Ewa at ")
            && listed.contains(": `Ewa` is not among the reviewers of updates, role `secops`"),
        "{listed}"
    );
    let out = restorectl().args(["report", "--format", "json"]).arg(&t.plan).output().unwrap();
    let refused = json(&out.stdout)["customer_updates"][0]["refused"].clone();
    assert_eq!(
        refused.as_array().map(Vec::len),
        Some(1),
        "Ewa's (one that could not sign gave nothing): {refused}"
    );
    let verify = || {
        let out = restorectl().args(["journal", "verify"]).arg(&t.plan).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, said) = verify();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("people's decisions: 2 signed and verified, 1 unsigned"), "{said}");
    // The approved text edited in the delivery journal (what the webhooks of a later run would
    // send): the approval no longer holds.
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replace("We are restoring our systems.", "Re-enter your card details."))
        .unwrap();
    let (code, said) = verify();
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("update 0001 was approved by secops-deputy at "), "{said}");
    // The approval's name edited: it no longer holds, anywhere it is read.
    std::fs::write(&log, text.replace(r#""by":"secops-deputy""#, r#""by":"secops-lead""#)).unwrap();
    let (code, said) = verify();
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("update 0001 was approved by secops-lead at ")
            && said.contains(", which does not hold: "),
        "{said}"
    );
    let out = restorectl().args(["report", "--format", "json"]).arg(&t.plan).output().unwrap();
    let signature = json(&out.stdout)["customer_updates"][0]["signature"].as_str().unwrap().to_owned();
    assert!(signature.starts_with("DOES NOT HOLD: "), "{signature}");
}
