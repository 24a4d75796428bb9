//! The schema of `[announce.outage]`: the texts customers read beside what is down.

use schemars::JsonSchema;

use super::Localized;

/// `[announce.outage]`: each text per locale, in the outage notice in this order.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Outage {
    /// What happened, in a few words: the status page's headline ("Cyberattack on our IT systems").
    pub headline: Option<Localized>,
    /// What happened (replaces "a serious failure of our IT systems"); it follows the salutation.
    pub cause: Option<Localized>,
    /// What customers can still use.
    pub still_working: Option<Localized>,
    /// Whether their data (readings, consumption) is safe.
    pub data_safety: Option<Localized>,
    /// Whether personal data was affected.
    pub personal_data: Option<Localized>,
    /// Which authorities were notified (the data-protection office, the police); repeated in
    /// every progress update.
    pub authorities: Option<Localized>,
    /// A warning against messages pretending to come from the organisation; repeated when the
    /// contact e-mail's service is back (phishing follows a returning mailbox).
    pub phishing: Option<Localized>,
    /// Password advice (change a password used elsewhere too); repeated when a service with an
    /// `after_restore` text is back (a portal that asks for a new password).
    pub passwords: Option<Localized>,
}
