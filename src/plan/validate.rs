//! Rules that span several tables of a decoded plan: unique ids, complete translations, contact
//! channels that name real services (customer-facing text itself: `customer_text`).

use std::collections::HashMap;

use super::diagnostic::Diagnostic;
use super::model::*;
use super::source::{Source, Span};
use crate::suggest::did_you_mean;

pub fn validate(plan: &Plan, source: &Source) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicate_ids(plan.phases.iter().map(|p| (&p.id, &p.span)), "phase", &mut out);
    duplicate_ids(plan.services.iter().map(|s| (&s.id, &s.span)), "service", &mut out);
    for p in &plan.phases {
        translations(&p.name, "name", &format!("phase `{}`", p.id), &plan.locales, &mut out);
    }
    for s in &plan.services {
        let ctx = format!("service `{}`", s.id);
        if s.watch.is_some() && s.checks.is_empty() {
            out.push(
                Diagnostic::warning("watch-without-checks", s.span.clone(), format!("{ctx} is watched but has no checks"))
                    .help("without a `[[service.check]]` nothing tells that it fell back: add one, or remove `watch`"),
            );
        }
        if s.customer_facing {
            if s.name.all.is_none() && s.name.by_locale.is_empty() {
                out.push(
                    Diagnostic::warning(
                        "no-name",
                        s.span.clone(),
                        format!("customer-facing {ctx} has no `name`"),
                    )
                    .help(format!(
                        "announcements will call it `{}`; add `name = {{ {} }}`",
                        s.id,
                        example_locales(&plan.locales)
                    )),
                );
            }
            translations(&s.name, "name", &ctx, &plan.locales, &mut out);
        }
        if let Some(summary) = &s.summary {
            translations(summary, "summary", &ctx, &plan.locales, &mut out);
        }
        for (key, text) in [("workaround", &s.workaround), ("after_restore", &s.after_restore)] {
            if let Some(text) = text {
                translations(text, key, &ctx, &plan.locales, &mut out);
            }
        }
    }
    for (key, text) in &plan.announce.outage {
        translations(text, key, "`[announce.outage]`", &plan.locales, &mut out);
    }
    missing_forms(plan, &mut out);
    super::webhooks::check(plan, &mut out);
    super::notify::check_approvals(plan, &mut out);
    channels(plan, &mut out);
    super::regulation::check_clocks(plan, &mut out);
    super::customer_text::check(plan, source, &mut out);
    out
}

/// Polish sentences name services in the genitive ("przywróciliśmy działanie poczty e-mail"); a
/// name without one is quoted after "usługi" instead ("działanie usługi „poczta e-mail”"), which
/// is correct but stiff. One warning names the services that lack it.
fn missing_forms(plan: &Plan, out: &mut Vec<Diagnostic>) {
    for locale in plan.locales.iter().filter(|l| l.split(['-', '_']).next() == Some("pl")) {
        let lacking: Vec<&Service> = plan
            .services
            .iter()
            .filter(|s| s.customer_facing && s.name.forms(locale).is_none_or(|f| f.genitive.is_none()))
            .collect();
        let Some(first) = lacking.first() else { continue };
        let span = first
            .name
            .by_locale
            .iter()
            .find(|(l, _)| l.get_ref() == locale)
            .map(|(_, t)| t.span())
            .or_else(|| first.name.all.as_ref().map(|t| t.span()))
            .unwrap_or_else(|| first.span.clone());
        let ids: Vec<String> = lacking.iter().take(5).map(|s| format!("`{}`", s.id)).collect();
        let more = if lacking.len() > ids.len() {
            format!(" and {} more", lacking.len() - ids.len())
        } else {
            String::new()
        };
        let base = first.name.get(locale).unwrap_or(&first.id);
        out.push(
            Diagnostic::warning(
                "missing-form",
                span,
                match lacking.len() {
                    1 => format!(
                        "the `{locale}` name of service {} has no genitive (`gen`), which `{locale}` updates use in sentences",
                        ids[0]
                    ),
                    _ => format!(
                        "the `{locale}` names of services {}{more} have no genitive (`gen`), which `{locale}` updates use in sentences",
                        ids.join(", ")
                    ),
                },
            )
            .label("no genitive here")
            .help(format!(
                "without it the name is quoted after \"usługi\"; give it as `name.{locale} = {{ nom = \"{base}\", gen = \"…\" }}`"
            )),
        );
    }
}

/// A contact channel has an address, and its `service` is one of the plan's services.
fn channels(plan: &Plan, out: &mut Vec<Diagnostic>) {
    for (key, channel) in plan.contact.channels() {
        if channel.address.get_ref().trim().is_empty() {
            out.push(
                Diagnostic::error(
                    "empty-contact-address",
                    channel.address.span(),
                    format!("contact channel `{key}` has an empty address"),
                )
                .label("customers could not use this")
                .help("give the number, address or URL customers should use, or leave the channel out"),
            );
        }
        let Some(service) = &channel.service else { continue };
        if plan.services.iter().any(|s| s.id == *service.get_ref()) {
            continue;
        }
        let ids = plan.services.iter().map(|s| s.id.as_str());
        out.push(
            Diagnostic::error(
                "unknown-channel-service",
                service.span(),
                format!("contact channel `{key}` needs unknown service `{}`", service.get_ref()),
            )
            .label("no service has this id")
            .help_opt(did_you_mean(service.get_ref(), ids).map(|m| format!("did you mean `{m}`?"))),
        );
    }
}

fn duplicate_ids<'a>(
    items: impl Iterator<Item = (&'a String, &'a Span)>,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut first: HashMap<&str, &Span> = HashMap::new();
    for (id, span) in items {
        match first.get(id.as_str()) {
            Some(earlier) => out.push(
                Diagnostic::error("duplicate-id", span.clone(), format!("duplicate {what} id `{id}`"))
                    .label("defined again here")
                    .related((*earlier).clone(), "first defined here")
                    .help(format!("every {what} needs its own id; rename one of them")),
            ),
            None => {
                first.insert(id, span);
            }
        }
    }
}

fn example_locales(locales: &[String]) -> String {
    locales.iter().map(|l| format!("{l} = \"…\"")).collect::<Vec<_>>().join(", ")
}

/// A per-locale table must cover every locale of the plan.
fn translations(text: &Localized, key: &str, ctx: &str, locales: &[String], out: &mut Vec<Diagnostic>) {
    if text.all.is_some() || text.by_locale.is_empty() {
        return;
    }
    for (locale, _) in &text.by_locale {
        if !locales.contains(locale.get_ref()) {
            out.push(
                Diagnostic::warning(
                    "unused-locale",
                    locale.span(),
                    format!(
                        "`{key}` of {ctx} has text for `{}`, which is not in `plan.locales`",
                        locale.get_ref()
                    ),
                )
                .help(format!("plan.locales is [{}]", quoted(locales))),
            );
        }
    }
    let table_span = text.by_locale.first().map(|(l, _)| l.span()).unwrap_or_default();
    for locale in locales {
        if !text.by_locale.iter().any(|(l, _)| l.get_ref() == locale) {
            out.push(
                Diagnostic::error(
                    "missing-locale",
                    table_span.clone(),
                    format!("`{key}` of {ctx} has no `{locale}` text"),
                )
                .label(format!("no `{locale}` in this table"))
                .help(format!(
                    "add `{locale} = \"…\"`: every language in plan.locales [{}] needs one",
                    quoted(locales)
                )),
            );
        }
    }
}

fn quoted(items: &[String]) -> String {
    items.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(", ")
}
