//! `restorectl journal verify`: is the journal as the runs wrote it? Its hash chain shows an
//! edited, removed or reordered record at the line after it; the head a run printed shows a
//! journal cut short.

use std::path::Path;

use crate::error::Error;
use crate::exit::Exit;
use crate::state::StateDir;
use crate::state::chain::{self, Break};

pub fn verify(
    plan: &Path,
    state: Option<&Path>,
    head: Option<&str>,
    key: Option<&Path>,
) -> Result<Exit, Error> {
    if let Some(h) = head.filter(|h| h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit())) {
        return Err(Error::flag(
            format!("--head {h}"),
            "a head is 64 hexadecimal digits, as the run reported it",
        ));
    }
    let key = key.map(read_key).transpose()?;
    // The plan checks people's decisions; a shared journal is found by its name.
    let loaded = crate::loaded::load(plan).ok();
    let (dir, snapshot) = match (crate::shared::url(state), &loaded) {
        (Some(_), Some(loaded)) => super::reader_state(&loaded.plan, plan, state)?,
        // The plan's own diagnostics (it does not load, so `open` fails as `load` did).
        (Some(_), None) => return Err(super::open(plan).err().unwrap_or(Error::Reporter)),
        (None, _) => (StateDir::for_plan(plan, state), None),
    };
    let path = dir.journal();
    // What the messages call the journal: its file, or the shared state it was read from.
    let label = if snapshot.is_some() { dir.shown() } else { path.display().to_string() };
    if snapshot.is_some() && !path.exists() {
        let (dir, plan) = (dir.shown(), plan.display().to_string());
        return Err(crate::state::StateError::NoJournal { dir, plan }.into());
    }
    let bytes =
        std::fs::read(&path).map_err(|source| Error::JournalUnreadable { path: path.clone(), source })?;
    Ok(match chain::verify(&bytes, head) {
        Ok(intact) => {
            // The chain holds; so must the records' places (every event inside its run).
            match crate::state::first_break(&path) {
                Ok(Some(b)) => {
                    println!("journal {}: line {}: {}", label, b.line, b.why);
                    return Ok(Exit::Failures);
                }
                Ok(None) => {}
                Err(e) => return Err(e.into()),
            }
            let ended = match intact.head_at {
                Some(at) if at == intact.lines => ", ending at the head given".to_owned(),
                Some(at) => {
                    let later = intact.lines - at;
                    format!(
                        ", containing the head given at line {at} ({later} records appended by later runs)"
                    )
                }
                None => String::new(),
            };
            let signed = match key.as_ref().map(|k| chain::verify_signatures(&bytes, k)) {
                None => String::new(),
                Some(Ok(runs)) => seals(&runs),
                Some(Err(line)) => {
                    println!(
                        "journal {}: line {line} is not part of a run closed by an end signed with the key given",
                        label
                    );
                    return Ok(Exit::Failures);
                }
            };
            let people = match people(loaded.as_ref(), plan, &dir) {
                Ok(said) => said,
                Err(wrong) => {
                    for line in wrong {
                        println!("journal {}: {line}", label);
                    }
                    return Ok(Exit::Failures);
                }
            };
            println!("journal {}: intact, {} records{ended}{signed}{people}", label, intact.lines);
            Exit::Ok
        }
        Err(Break::Link { line: 1 }) => {
            println!(
                "journal {}: line 1 does not begin the chain: it was edited, or lines before it removed or moved",
                label
            );
            Exit::Failures
        }
        Err(Break::Link { line }) => {
            println!(
                "journal {}: line {line} does not follow line {}: line {} was edited, or lines were removed or moved between them",
                label,
                line - 1,
                line - 1
            );
            Exit::Failures
        }
        Err(Break::Head { lines, found }) => {
            println!(
                "journal {}: no record has the head given (its {lines} records end at hash {found}): it was cut short before the head, or a record up to it edited",
                label
            );
            Exit::Failures
        }
    })
}

/// Every person's decision in the journal judged again (their signatures against exactly what
/// they signed and the keys `allowed_signers` gives them): how many were signed and unsigned, or
/// each that does not hold.
fn people(
    loaded: Option<&crate::loaded::Loaded>,
    plan: &Path,
    dir: &StateDir,
) -> Result<String, Vec<String>> {
    use crate::people::Verdict;
    let decisions = crate::state::runlog::decisions(dir).map_err(|e| vec![e.to_string()])?;
    let Some(loaded) = loaded else {
        // Nothing to check people against is no proof: a removed or broken allowed_signers must
        // not pass a forged journal.
        return if decisions.is_empty() {
            Ok(String::new())
        } else {
            Err(vec![format!(
                "people's decisions cannot be checked: the plan {} does not load (`restorectl validate` says why)",
                plan.display()
            )])
        };
    };
    let (mut signed, mut unsigned, mut wrong) = (0, 0, Vec::new());
    // Roles are read from the plan given: where people sign, it must be the plan the run followed.
    if loaded.signers.is_some() {
        let other =
            decisions.iter().find(|d| d.plan_sha256.as_ref().is_some_and(|h| *h != loaded.plan.sha256));
        if let Some(d) = other {
            wrong.push(format!(
                "run {} followed another version of the plan (SHA-256 {}); give that plan to check its people's decisions",
                d.run,
                d.plan_sha256.as_deref().unwrap_or_default()
            ));
        }
    }
    // The reviews of customer updates, as the report judges them.
    let incident = crate::state::last_run(dir, &loaded.plan, plan).map(|l| l.incident).unwrap_or_default();
    let judge = crate::people::Judge::new(loaded.signers.clone(), &loaded.plan.sha256, &incident);
    for (number, decision, who, verdict) in
        crate::audit::review_decisions(&dir.announcements(), &judge, &loaded.plan)
    {
        match verdict {
            Verdict::Verified { .. } => signed += 1,
            Verdict::Unsigned => unsigned += 1,
            Verdict::Refused(why) => wrong.push(format!(
                "update {number:04} was {decision} by {} at {}, which does not hold: {why}",
                who.by, who.at
            )),
        }
    }
    for d in &decisions {
        match crate::people::reverify(d, &loaded.plan, loaded.signers.as_ref()) {
            Verdict::Verified { .. } => signed += 1,
            Verdict::Unsigned => unsigned += 1,
            Verdict::Refused(why) => wrong.push(format!(
                "run {}: the {} of `{}` by {} at {} does not hold: {why}",
                d.run,
                d.act.as_str(),
                d.subject,
                d.signer.by,
                d.signer.at
            )),
        }
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    // Told where people sign: the plan has their keys, or a decision was signed.
    Ok(if signed == 0 && loaded.signers.is_none() {
        String::new()
    } else {
        format!("; people's decisions: {signed} signed and verified, {unsigned} unsigned")
    })
}

/// How the runs were closed, once signatures were checked: every run signed, or which were not
/// (an unsigned run, a run killed before its end), which is not tampering but is not vouched for.
fn seals(runs: &[chain::RunSeal]) -> String {
    use chain::Seal;
    let signed = runs.iter().filter(|r| r.seal == Seal::Signed).count();
    if signed == runs.len() {
        return format!(", every run's end signed by the key given ({signed})");
    }
    let mut out = format!(", {signed} of {} runs signed by the key given", runs.len());
    for (i, r) in runs.iter().enumerate().filter(|(_, r)| r.seal != Seal::Signed) {
        // A later signed end vouches for what came before it in the chain.
        let covered = runs[i + 1..].iter().find(|l| l.seal == Seal::Signed);
        let how = match r.seal {
            Seal::Open if i + 1 == runs.len() => "has not ended (it is still going, or was killed)",
            Seal::Open => "ended without its end record (killed)",
            _ => "ended unsigned (run without --sign-key)",
        };
        let vouched = match covered {
            Some(l) => format!("; its records are covered by the signed end of run {}", l.run),
            None => "; nothing but the chain vouches for its records".to_owned(),
        };
        out += &format!("\n  run {} (line {}) {how}{vouched}", r.run, r.line);
    }
    out
}

/// An Ed25519 public key from a PEM file (`openssl pkey -pubout`).
pub(super) fn read_key(path: &Path) -> Result<ed25519_dalek::VerifyingKey, Error> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let pem = std::fs::read_to_string(path)
        .map_err(|source| Error::KeyUnreadable { path: path.to_owned(), source })?;
    ed25519_dalek::VerifyingKey::from_public_key_pem(&pem)
        .map_err(|e| Error::NotAKey { path: path.to_owned(), why: e.to_string() })
}
