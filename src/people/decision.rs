//! What a person's signature covers: one decision, written out as the text they sign, so that a
//! signature is worth nothing for any other plan, incident, run, service, decision, name or time.

use crate::event::Act;

/// The SSHSIG namespace of every restorectl signature (`ssh-keygen -Y verify -n restorectl`).
pub const NAMESPACE: &str = "restorectl";

/// One decision, as signed.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub act: Act,
    /// The SHA-256 of the plan file (hex).
    pub plan: &'a str,
    /// The incident (the id of its first run).
    pub incident: &'a str,
    /// The run it was given to (none for a customer update, which belongs to the incident).
    pub run: Option<&'a str>,
    /// A service's id, or `update 0007`.
    pub subject: &'a str,
    pub by: &'a str,
    /// When (RFC 3339, UTC), as recorded beside the signature.
    pub at: &'a str,
}

impl Decision<'_> {
    /// The exact bytes signed: one `key: value` line each, in this order, ending in a newline.
    ///
    /// ```text
    /// restorectl decision v1
    /// act: sign-off
    /// plan: sha256:5f1c…
    /// incident: 7f3a
    /// run: 9c01
    /// subject: billing-db
    /// by: secops-lead
    /// at: 2026-12-07T19:04:24.722801151Z
    /// ```
    pub fn message(&self) -> String {
        let mut m = format!(
            "restorectl decision v1\nact: {}\nplan: sha256:{}\nincident: {}\n",
            self.act.as_str(),
            self.plan,
            self.incident
        );
        if let Some(run) = self.run {
            m += &format!("run: {run}\n");
        }
        m += &format!("subject: {}\nby: {}\nat: {}\n", self.subject, self.by, self.at);
        m
    }
}
