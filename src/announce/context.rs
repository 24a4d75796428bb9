//! What the templates see. Every list in it is bounded: an update names the services it is about
//! (up to `SUBJECTS`) and a handful of the others (up to `NAMED`), with their counts, so its
//! size does not grow with the plan.

use jiff::ZonedDateTime;
use serde_json::json;

use super::board::Board;
use super::locale;
use super::policy::{Kind, Update};
use crate::event::Secs;
use crate::plan::Plan;
use crate::stamp::Stamp;

/// Up to this many services, an update names them all...
pub const ALL_UP_TO: usize = 12;
/// ...beyond it, this many, and how many there are.
pub const NAMED: usize = 5;
/// How many of the services it is about an update names.
pub const SUBJECTS: usize = ALL_UP_TO;

/// When a text is about: the instant it describes, and the incident's start (which plan texts
/// name as `{{ started }}`: "messages sent to us since {{ started }}").
#[derive(Debug, Clone)]
pub struct When {
    pub now: ZonedDateTime,
    pub started: ZonedDateTime,
}

/// The part of the context every update and every locale share. Every list in it is what is
/// true at `when.now`: back, being worked on, failed, paused (never one for another).
pub fn common(plan: &Plan, board: &Board, locale: &str, when: &When) -> serde_json::Value {
    // All of them when they are few, a handful when they are many.
    let names = |(count, ids): (usize, Vec<usize>)| -> (usize, Vec<serde_json::Value>) {
        let shown = if count <= ALL_UP_TO { count } else { NAMED };
        (count, ids.iter().take(shown).map(|&i| name(plan, i, locale)).collect())
    };
    let (pending_count, pending) = names(board.pending(ALL_UP_TO));
    let (back_count, back) = names(board.back(ALL_UP_TO));
    let (failing_count, failing) = names(board.failed(ALL_UP_TO));
    let (paused_count, paused) = names(board.paused(ALL_UP_TO));
    let (affected_count, affected) = names(board.customers(ALL_UP_TO));
    json!({
        "org": plan.organization(),
        "locale": locale,
        "date": locale::date(locale, &when.now),
        "time": locale::time(&when.now),
        "started": locale::day(locale, &when.started),
        "contact": contact(plan, board),
        "outage": outage(plan, locale, when),
        "affected": affected,
        "affected_count": affected_count,
        "back": back,
        "back_count": back_count,
        "pending": pending,
        "pending_count": pending_count,
        "failing": failing,
        "failing_count": failing_count,
        "paused": paused,
        "paused_count": paused_count,
        "services": [],
        "services_count": 0,
        "phase": "",
        "eta": "",
        "missed": "",
        "failed": [],
        "failed_count": 0,
        "blocked": [],
        "blocked_count": 0,
        "next": "",
        "since": "",
        "can_do": can_do(plan, board, locale, when),
        "email_back": false,
        "new_passwords": false,
        "updates": [],
    })
}

/// What customers can do now while services are not back: the `workaround` of each (of the first
/// few being worked on, failed or paused), each text once; nothing while every contact channel
/// is down.
fn can_do(plan: &Plan, board: &Board, locale: &str, when: &When) -> Vec<String> {
    // Workarounds send people to the contact channels: none while no channel works.
    let channels: Vec<bool> = board.channels().map(|(_, usable)| usable).collect();
    if !channels.is_empty() && !channels.contains(&true) {
        return Vec::new();
    }
    let not_back = [board.pending(ALL_UP_TO).1, board.failed(ALL_UP_TO).1, board.paused(ALL_UP_TO).1];
    let mut texts: Vec<String> = Vec::new();
    for i in not_back.into_iter().flatten() {
        let Some(text) = plan.services[i].workaround.as_ref().and_then(|t| t.get(locale)) else { continue };
        let text = plan_text(text, locale, when);
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts
}

/// A service's name as templates see it: `name` (the base form), `gen` (the genitive, where the
/// plan gives it; absent otherwise) and `plural`.
fn name(plan: &Plan, i: usize, locale: &str) -> serde_json::Value {
    let s = &plan.services[i];
    let forms = s.name.forms(locale);
    let mut v = json!({ "name": s.display_name(locale), "plural": forms.is_some_and(|f| f.plural) });
    if let Some(genitive) = forms.and_then(|f| f.genitive.as_ref()) {
        v["gen"] = json!(genitive.get_ref());
    }
    v
}

/// The outage notice's texts in `locale` (`outage.cause`, …), each `null` when the plan has none.
fn outage(plan: &Plan, locale: &str, when: &When) -> serde_json::Value {
    let mut texts: serde_json::Value =
        crate::plan::keys::OUTAGE.iter().map(|&k| (k.to_owned(), serde_json::Value::Null)).collect();
    for (key, text) in &plan.announce.outage {
        texts[*key] = json!(text.get(locale).map(|t| plan_text(t, locale, when)));
    }
    texts
}

/// A text the plan gives, with the dates it may name filled in: `{{ started }}`, the incident's
/// start ("wysłane od {{ started }}"), never a date written into the plan. Checked when the plan
/// loads (`check_plan_text`); a text without `{{` is taken as it is.
pub fn plan_text(text: &str, locale: &str, when: &When) -> String {
    if !text.contains("{{") {
        return text.to_owned();
    }
    render_plan_text(text, &locale::day(locale, &when.started)).unwrap_or_else(|_| text.to_owned())
}

/// Why a plan text cannot be filled in (a variable other than `started`, bad syntax), if so.
pub fn check_plan_text(text: &str) -> Result<(), RenderError> {
    if text.contains("{{") || text.contains("{%") {
        render_plan_text(text, "1.01.2000").map(drop)
    } else {
        Ok(())
    }
}

/// Why a text cannot be rendered: a template's error, or text that would reveal internal hosts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

fn render_plan_text(text: &str, started: &str) -> Result<String, RenderError> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.render_str(text, minijinja::context! { started })
        .map_err(|e| RenderError(e.detail().unwrap_or("cannot be filled in").to_owned()))
}

/// The contact channels customers can use now (`contact.phone`, `.email`, `.form`), and under
/// `contact.down` those they should not use yet: their service is not back.
fn contact(plan: &Plan, board: &Board) -> serde_json::Value {
    let mut open = json!({ "phone": null, "email": null, "form": null, "post": null });
    let mut down = open.clone();
    for ((key, usable), (_, channel)) in board.channels().zip(plan.contact.channels()) {
        let to = if usable { &mut open } else { &mut down };
        to[key] = json!(channel.address.get_ref());
    }
    open["down"] = down;
    open
}

/// The services an update is about: id, name and texts (summary, workaround, after_restore) of
/// the first `SUBJECTS`. A text several of them share (two portals that both ask for a new
/// password) is told once, with the last of them: customers never read one sentence twice.
fn subjects(plan: &Plan, locale: &str, services: &[usize], when: &When) -> serde_json::Value {
    let mut subjects: Vec<serde_json::Value> = services
        .iter()
        .take(SUBJECTS)
        .map(|&i| {
            let s = &plan.services[i];
            let text = |t: &Option<crate::plan::Localized>| {
                json!(t.as_ref().and_then(|t| t.get(locale)).map(|t| plan_text(t, locale, when)))
            };
            let mut v = name(plan, i, locale);
            v["id"] = json!(s.id);
            v["summary"] = text(&s.summary);
            v["workaround"] = text(&s.workaround);
            v["after_restore"] = text(&s.after_restore);
            v
        })
        .collect();
    let mut told = std::collections::HashSet::new();
    for v in subjects.iter_mut().rev() {
        for key in ["after_restore", "workaround", "summary"] {
            if let Some(text) = v[key].as_str().map(str::to_owned)
                && !told.insert(text)
            {
                v[key] = serde_json::Value::Null;
            }
        }
    }
    json!(subjects)
}

/// The whole context of one update in one locale.
/// `eta`: for a delay notice, when its services are expected back, if the schedule can tell.
pub fn update(
    plan: &Plan,
    board: &Board,
    (stamp, started): (&Stamp, &ZonedDateTime),
    locale: &str,
    u: &Update,
    eta: Option<Secs>,
) -> serde_json::Value {
    let when = When { now: stamp.zoned(u.at), started: started.clone() };
    let mut ctx = common(plan, board, locale, &when);
    ctx["services"] = subjects(plan, locale, &u.services, &when);
    ctx["services_count"] = json!(u.services.len());
    if let Some(&p) = u.phases.last() {
        let phase = &plan.phases[p];
        ctx["phase"] = json!(phase.name.get(locale).unwrap_or(&phase.id));
    }
    if u.kind == Kind::Failed {
        // Those whose restore failed, and those that wait for one of them.
        let (blocked, failed): (Vec<usize>, Vec<usize>) =
            u.services.iter().partition(|i| u.paused.contains(i));
        for (key, ids) in [("failed", failed), ("blocked", blocked)] {
            ctx[key] = ids.iter().take(SUBJECTS).map(|&i| name(plan, i, locale)).collect();
            ctx[format!("{key}_count")] = json!(ids.len());
        }
    }
    // Back now: the contact e-mail's service (phishing follows a returning mailbox), or a service
    // that asks for something after its return (a new password).
    let email = plan.contact.email.as_ref().and_then(|c| c.service.as_ref()).map(|s| s.get_ref().as_str());
    let back = matches!(u.kind, Kind::Online | Kind::Restored);
    ctx["email_back"] =
        json!(back && u.services.iter().any(|&i| Some(plan.services[i].id.as_str()) == email));
    ctx["new_passwords"] =
        json!(back && u.services.iter().any(|&i| plan.services[i].after_restore.is_some()));
    if let (Kind::Progress, Some(since)) = (u.kind, u.since) {
        ctx["since"] = json!(locale::date(locale, &stamp.zoned(since)));
    }
    if let Some(eta) = eta {
        ctx["eta"] = json!(locale::date(locale, &stamp.zoned(eta)));
    }
    if let Some(missed) = u.missed {
        // A promise holds to the end of the day it named: the day shown is the one before.
        ctx["missed"] = json!(locale::date(locale, &stamp.zoned(Secs(missed.0 - 1.0))));
    }
    // With a cadence, an update after which customers wait for more says when it comes at the
    // latest: the policy owes a progress update by then.
    if let Some(next) = u.next {
        ctx["next"] = json!(locale::date(locale, &stamp.zoned(next)));
    }
    ctx
}

/// A context with every field filled, for test-rendering templates when the plan loads.
pub fn sample(plan: &Plan, locale: &str) -> minijinja::Value {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let mut board = Board::new(plan);
    let first = plan.services.iter().position(|s| s.customer_facing).unwrap_or(0);
    if let Some(i) = plan.services.iter().position(|s| s.customer_facing) {
        board.observe(
            &crate::event::Event::Online {
                service: crate::event::Svc::new(i, ""),
                at: crate::event::Secs(0.0),
                attempts: 1,
            },
            i,
        );
    }
    let when = When { now: now.clone(), started: now.clone() };
    let mut ctx = common(plan, &board, locale, &when);
    ctx["services"] = subjects(plan, locale, &[first], &when);
    ctx["services_count"] = json!(1);
    for key in ["failed", "blocked", "failing", "paused", "pending"] {
        ctx[key] = ctx["services"].clone();
        ctx[format!("{key}_count")] = json!(1);
    }
    ctx["phase"] = json!("phase");
    ctx["eta"] = json!(locale::date(locale, &now));
    ctx["missed"] = json!(locale::date(locale, &now));
    ctx["next"] = json!(locale::date(locale, &now));
    ctx["since"] = json!(locale::date(locale, &now));
    ctx["email_back"] = json!(true);
    ctx["new_passwords"] = json!(true);
    ctx["can_do"] = json!(["workaround"]);
    ctx["updates"] = json!(["update"]);
    value(&ctx)
}

/// A value for templates from a JSON context.
pub fn value(v: &serde_json::Value) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}
