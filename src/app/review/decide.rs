//! A review decision on a drafted update, and deciding it: judged (a signature that does not hold,
//! a self-approval under separated duties: refused), then approved — published, sent to every
//! webhook — or rejected. Decided where the announcements are: on this machine, or, where a run
//! holds a shared incident, by that run (the decision travels to it as it is written here).

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::announce::review;
use crate::announce::templates::Templates;
use crate::announce::webhook::log::{Log, Record};
use crate::error::Error;
use crate::event::Act;
use crate::exit::Exit;
use crate::people::{Judge, Refusal, Verdict};
use crate::plan::Plan;
use crate::state::Confirmation;

/// One person's decision on update `number`.
#[derive(Serialize, Deserialize)]
pub struct Decision {
    pub number: u32,
    pub approve: bool,
    pub who: Confirmation,
    /// Corrected texts, by locale (an approval's).
    #[serde(default)]
    pub edits: Vec<(String, String)>,
    /// Why (a rejection's).
    #[serde(default)]
    pub reason: Option<String>,
    /// The incident it was given for: a decision is never taken in another.
    pub incident: String,
}

impl Decision {
    pub fn act(&self) -> Act {
        if self.approve { Act::ApproveUpdate } else { Act::RejectUpdate }
    }

    pub fn subject(&self) -> String {
        crate::announce::screen::subject(self.number, &self.edits)
    }
}

/// What came of a decision: the line told, and how the command ends (`0` decided, `1` approved
/// but not every webhook took it, `2` refused: `said` is the error).
#[derive(Serialize, Deserialize)]
pub struct Outcome {
    pub said: String,
    pub code: u8,
}

impl Outcome {
    fn of(result: Result<Outcome, Error>) -> Outcome {
        result.unwrap_or_else(|e| Outcome { said: e.to_string(), code: 2 })
    }

    /// Told as the command's own: the line on standard output, or the error.
    pub fn told(self) -> Result<Exit, Error> {
        match self.code {
            0 | 1 => {
                println!("{}", self.said);
                Ok(if self.code == 0 { Exit::Ok } else { Exit::Failures })
            }
            _ => Err(Error::ReviewRefused(self.said)),
        }
    }
}

/// Decides reviews where the announcements are.
pub struct Reviewing {
    pub plan: Arc<Plan>,
    pub templates: Arc<Templates>,
    pub judge: Judge,
    /// The incident its decisions belong to.
    pub incident: String,
    /// How the approvals already made are judged.
    pub screen: crate::announce::screen::Screen,
    /// The announcements folder.
    pub dir: PathBuf,
}

impl Reviewing {
    pub fn decide(&self, d: Decision) -> Result<Outcome, Error> {
        let (act, subject, by) = (d.act(), d.subject(), d.who.who.by.clone());
        // Judged as every review is (`screen::judged`), and for this incident only.
        let verdict =
            crate::announce::screen::judged(&self.plan, &self.judge, (act, d.number, &d.edits), &d.who.who);
        let refused = match verdict {
            _ if d.incident != self.incident => {
                let reason =
                    format!("it was given for incident {}; this is incident {}", d.incident, self.incident);
                Some(Error::Refused { act: act.as_str(), subject, by: by.clone(), reason })
            }
            Verdict::Refused(Refusal::NotAReviewer { by, role }) => {
                let members = self.plan.reviewers().map(|r| r.people.clone()).unwrap_or_default();
                Some(Error::NotAReviewer { by, role, members })
            }
            Verdict::Refused(why) => {
                Some(Error::Refused { act: act.as_str(), subject, by: by.clone(), reason: why.to_string() })
            }
            _ => None,
        };
        if let Some(refused) = refused {
            // Who tried, and why not: kept with the update's review, wherever it is read.
            let record = Record::declined(d.number, d.approve, d.who, refused.to_string());
            Log::new(&self.dir).append(&record);
            return Err(refused);
        }
        // This decision, taken already — given again after a run took it and stopped before it
        // answered, or by the same person once more: told as it stands.
        let drafts = review::drafts(&self.dir, &[], &self.screen);
        let taken = drafts.iter().find(|x| {
            x.number == d.number
                && x.by.as_deref() == Some(by.as_str())
                && (x.state == "approved") == d.approve
        });
        if let Some(taken) = taken {
            return Ok(self.as_taken(d.number, taken.state, &by));
        }
        if !d.approve {
            review::reject(&self.dir, d.number, (d.who, d.reason), &self.screen)?;
            return Ok(self.as_taken(d.number, "rejected", &by));
        }
        // Every webhook's secrets, before anything is decided: an approval reaches every one of them.
        crate::secrets::Secrets::from_env(&self.plan).map_err(Error::MissingVars)?;
        review::approve(&self.plan, &self.templates, &self.dir, d.number, d.who, d.edits, &self.screen)?;
        Ok(self.as_taken(d.number, "approved", &by))
    }

    /// What is told of a decision taken: rejected, or approved and sent to so many webhooks (the
    /// rest stay queued).
    fn as_taken(&self, number: u32, state: &str, by: &str) -> Outcome {
        let hooks = self.plan.announce.webhooks.len();
        let accepted = review::delivered(&self.dir, number);
        match state {
            "rejected" => {
                Outcome { said: format!("update {number:04} rejected by {by}: it will not be sent"), code: 0 }
            }
            _ if accepted >= hooks => Outcome {
                said: format!("update {number:04} approved by {by} and sent to {hooks} webhook(s)"),
                code: 0,
            },
            _ => Outcome {
                said: format!(
                    "update {number:04} approved by {by}; {accepted} of {hooks} webhook(s) accepted it, the rest stay queued for the next run"
                ),
                code: 1,
            },
        }
    }

    /// The run's reviewer of reviews given from other machines: each decided here, and what came
    /// of it written back for whoever gave it.
    pub fn into_reviewer(self) -> crate::shared::Reviewer {
        Box::new(move |number, body| {
            let decided = serde_json::from_str::<Decision>(body)
                .map_err(|e| Error::ReviewRefused(format!("not a review decision: {e}")))
                .and_then(|d| match d.number == number {
                    true => self.decide(d),
                    false => Err(Error::ReviewRefused(format!(
                        "a review given for update {number:04} decides update {:04}: not taken",
                        d.number
                    ))),
                });
            let outcome = Outcome::of(decided);
            // The operators see it too: a review given elsewhere, decided by this run.
            let level =
                if outcome.code < 2 { crate::event::Level::Info } else { crate::event::Level::Warning };
            crate::bus::notices::say(level, format!("a review given from another machine: {}", outcome.said));
            serde_json::to_string(&outcome).unwrap_or_default()
        })
    }
}
