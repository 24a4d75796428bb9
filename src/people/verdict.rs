//! The judgement of one person's decision: verified (by a key `allowed_signers` gives them, over
//! exactly this decision), unsigned (allowed where no role asks for a signature), or refused, and
//! why. The run judges each decision as it arrives; the report and `journal verify` judge every
//! journaled one again.

use std::sync::Arc;

use ssh_key::{HashAlg, PublicKey, SshSig};

use super::allowed::AllowedSigners;
use super::decision::{Decision, NAMESPACE};
use super::sign::{SignError, Signed};
use crate::event::{Act, Signer};

/// What a decision is worth.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Signed by `key` (`SHA256:…`), one of the signer's keys in `allowed_signers`.
    Verified {
        key: String,
    },
    Unsigned,
    Refused(Refusal),
}

impl Verdict {
    /// As the report and `journal verify` say it.
    pub fn said(&self) -> String {
        match self {
            Verdict::Verified { key } => format!("verified: {key}"),
            Verdict::Unsigned => "unsigned".to_owned(),
            Verdict::Refused(why) => format!("DOES NOT HOLD: {why}"),
        }
    }

    /// The key it verified, if it did.
    pub fn key(self) -> Option<String> {
        match self {
            Verdict::Verified { key } => Some(key),
            _ => None,
        }
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("unsigned: role `{role}` requires a signature by one of {by}'s keys in allowed_signers")]
    Unsigned { role: String, by: String },
    #[error("the signature cannot be read: {0}")]
    Unreadable(String),
    #[error(
        "the signature is not over this decision: it was made for another plan, incident, run, service, name or time, or the decision was edited"
    )]
    NotThisDecision,
    #[error("the key {key} is not one of {by}'s in {allowed}")]
    NotTheirs { key: String, by: String, allowed: String },
    #[error("{by}'s key {key} is not valid at {when} (its valid-after or valid-before in {allowed})")]
    NotValid { key: String, by: String, when: String, allowed: String },
    #[error("the decision is dated {at}, later than now: a decision is signed as it is given")]
    Future { at: String },
    #[error("the key {key} already signed this off as {first}: one key is one person")]
    SameKey { key: String, first: String },
    #[error("separate duties: this run was started {how}; {by} cannot decide on it")]
    SelfApproval { by: String, how: String },
    #[error("{by} is not among the reviewers of updates, role `{role}`")]
    NotAReviewer { by: String, role: String },
}

/// How far a decision's time may run ahead of the run's clock (the machines' clocks differ).
const SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// Judges the decisions of one run (or, for customer updates, of one incident).
#[derive(Debug, Clone)]
pub struct Judge {
    pub allowed: Option<Arc<AllowedSigners>>,
    /// The plan file's SHA-256 (hex).
    plan: String,
    incident: String,
    run: Option<String>,
    /// Who started the run, when the plan says `separate_duties = true`.
    starter: Option<Signer>,
    /// Judging decisions as they arrive (a run, `confirm`, a review): a key must be valid now and
    /// a decision is not dated later than now. Otherwise (the report, `journal verify`) at the
    /// time it was taken.
    live: bool,
}

impl Judge {
    /// Judges decisions on `incident` under the plan file whose SHA-256 is `plan`, after the fact
    /// (`live`, `in_run` and `separating` say more).
    pub fn new(allowed: Option<Arc<AllowedSigners>>, plan: &str, incident: &str) -> Self {
        Self {
            allowed,
            plan: plan.to_owned(),
            incident: incident.to_owned(),
            run: None,
            starter: None,
            live: false,
        }
    }

    /// Decisions given to run `run` (a customer update's belong to the incident).
    pub fn in_run(mut self, run: &str) -> Self {
        self.run = Some(run.to_owned());
        self
    }

    /// Decisions as they arrive: a key valid now, nothing dated later than now.
    pub fn live(mut self) -> Self {
        self.live = true;
        self
    }

    /// Where the plan separates duties, whoever started the run decides nothing on it.
    pub fn separating(mut self, plan: &crate::plan::Plan, starter: Option<Signer>) -> Self {
        self.starter = starter.filter(|_| plan.separate_duties);
        self
    }

    fn decision<'a>(&'a self, act: Act, subject: &'a str, who: &'a Signer) -> Decision<'a> {
        let run =
            if matches!(act, Act::ApproveUpdate | Act::RejectUpdate) { None } else { self.run.as_deref() };
        Decision { act, plan: &self.plan, incident: &self.incident, run, subject, by: &who.by, at: &who.at }
    }

    /// Signs `who`'s decision with `key_file` or their key in ssh-agent: fills in the key and
    /// the signature.
    pub fn sign(
        &self,
        act: Act,
        subject: &str,
        who: &mut Signer,
        key_file: Option<&std::path::Path>,
    ) -> Result<(), SignError> {
        let at = who.at.parse().unwrap_or_else(|_| jiff::Timestamp::now());
        let theirs: Vec<PublicKey> =
            self.allowed.iter().flat_map(|a| a.keys_of(&who.by, at)).cloned().collect();
        let Signed { key, signature } =
            super::sign::sign(&self.decision(act, subject, who), key_file, &theirs)?;
        who.key = Some(key);
        who.signature = Some(signature);
        Ok(())
    }

    /// Signs `who`'s decision when they can: `allowed_signers` lists them, a key file is given, or
    /// they `must`. Fails only where a signature was asked for (`must`, or a key given); otherwise
    /// the decision stays unsigned and a warning says why.
    pub fn sign_if_able(
        &self,
        (act, subject): (Act, &str),
        who: &mut Signer,
        key_file: Option<&std::path::Path>,
        must: bool,
    ) -> Result<(), SignError> {
        let listed = self.allowed.as_ref().is_some_and(|a| a.names(&who.by));
        if !(listed || key_file.is_some() || must) {
            return Ok(());
        }
        match self.sign(act, subject, who, key_file) {
            Err(e) if must || key_file.is_some() => Err(e),
            Err(e) => {
                let said = format!("the {} of `{subject}` by {} is not signed: {e}", act.as_str(), who.by);
                crate::bus::notices::say(crate::event::Level::Warning, said);
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    /// Whether `who` may make this decision as they recorded it; `role`: the role that asks for
    /// a signature, if one does.
    pub fn judge(&self, act: Act, subject: &str, who: &Signer, role: Option<&str>) -> Verdict {
        if let Some(how) = self.starter.as_ref().and_then(|s| same_person(s, who))
            && matches!(act, Act::SignOff | Act::ApproveUpdate | Act::RejectUpdate)
        {
            return Verdict::Refused(Refusal::SelfApproval { by: who.by.clone(), how });
        }
        let Some(armored) = &who.signature else {
            return match role {
                Some(role) => {
                    Verdict::Refused(Refusal::Unsigned { role: role.to_owned(), by: who.by.clone() })
                }
                None => Verdict::Unsigned,
            };
        };
        match self.verify(act, subject, who, armored) {
            Ok(key) => Verdict::Verified { key },
            Err(refusal) => Verdict::Refused(refusal),
        }
    }

    fn verify(&self, act: Act, subject: &str, who: &Signer, armored: &str) -> Result<String, Refusal> {
        let sig = SshSig::from_pem(armored).map_err(|e| Refusal::Unreadable(e.to_string()))?;
        if sig.namespace() != NAMESPACE {
            let ns = sig.namespace().to_owned();
            return Err(Refusal::Unreadable(format!("it is for namespace `{ns}`, not `{NAMESPACE}`")));
        }
        let key = PublicKey::from(sig.public_key().clone());
        let message = self.decision(act, subject, who).message();
        key.verify(NAMESPACE, message.as_bytes(), &sig).map_err(|_| Refusal::NotThisDecision)?;
        let at: jiff::Timestamp = who.at.parse().map_err(|_| Refusal::NotThisDecision)?;
        let now = jiff::Timestamp::now();
        if self.live && at > now + SKEW {
            return Err(Refusal::Future { at: who.at.clone() });
        }
        let when = if self.live { now } else { at };
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let allowed = self.allowed.as_ref().map_or_else(
            || "allowed_signers (the plan has none)".to_owned(),
            |a| a.path.display().to_string(),
        );
        let (key, by) = (fingerprint, who.by.clone());
        let Some(a) = self.allowed.as_ref() else {
            return Err(Refusal::NotTheirs { key, by, allowed });
        };
        if !a.keys_of(&who.by, when).any(|k| k.key_data() == sig.public_key()) {
            if a.ever_holds(&who.by, sig.public_key()) {
                return Err(Refusal::NotValid { key, by, when: when.to_string(), allowed });
            }
            return Err(Refusal::NotTheirs { key, by, allowed });
        }
        Ok(key)
    }
}

/// How `b` is the person who started the run, `a`, if they are: the same name, the same key, or
/// the same account on the same host.
fn same_person(a: &Signer, b: &Signer) -> Option<String> {
    if a.by == b.by {
        return Some(format!("by {}", a.by));
    }
    if let (Some(x), Some(y)) = (&a.key, &b.key)
        && x == y
    {
        return Some(format!("by {} with the same key, {x}", a.by));
    }
    match (&a.user, &a.host, &b.user, &b.host) {
        (Some(u), Some(h), Some(v), Some(g)) if u == v && h == g => {
            Some(format!("by {} from the same account, {u} on {h}", a.by))
        }
        _ => None,
    }
}
