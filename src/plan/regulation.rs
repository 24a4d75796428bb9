//! `[plan.regulation]`: the reporting clocks a regulation starts with an incident (NIS2: an early
//! warning within 24 hours, a notification within 72, a final report within a month), each met
//! by a step of the plan (a manual step `notify-csirt` that someone confirms). The evidence report
//! gives each clock's due date and whether the incident record shows it met.

use super::decode::{Decoder, Value, array_of_tables};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::{Clock, Plan};

/// `[plan.regulation]` with its `[[plan.regulation.clock]]` tables.
pub(super) fn parse_regulation(v: &Value<'_>, dec: &mut Decoder) -> Vec<Clock> {
    let Some(f) = dec.table(v, "regulation", "`[plan.regulation]`", keys::REGULATION) else {
        return Vec::new();
    };
    let Some(clocks) = f.get("clock") else { return Vec::new() };
    array_of_tables(clocks, "clock", dec).into_iter().filter_map(|c| parse_clock(c, dec)).collect()
}

fn parse_clock(v: &Value<'_>, dec: &mut Decoder) -> Option<Clock> {
    let f = dec.table(v, "clock", "a `[[plan.regulation.clock]]`", keys::CLOCK)?;
    let name = dec.required(&f, "name", "\"NIS2 early warning\"").and_then(|v| dec.string(v, "name"));
    let within = dec.required(&f, "within", "\"24h\"").and_then(|v| dec.string(v, "within"));
    let met_by = dec.required(&f, "met_by", "\"notify-csirt\"").and_then(|v| dec.string(v, "met_by"));
    let (name, within, met_by) = (name?, within?, met_by?);
    let span = match within.get_ref().trim().parse::<jiff::Span>() {
        Ok(s) if s.is_positive() => s,
        _ => {
            dec.push(
                Diagnostic::error(
                    "bad-value",
                    within.span(),
                    format!(
                        "`within` of `{}` is not a length of time after the incident's start",
                        within.get_ref()
                    ),
                )
                .label("not a positive duration")
                .help("e.g. \"24h\", \"72h\", \"1 month\" (a calendar month: from 20 December, 20 January)"),
            );
            return None;
        }
    };
    Some(Clock { name: name.into_inner(), within: within.into_inner(), span, met_by })
}

/// Every clock is met by a service of the plan.
pub(super) fn check_clocks(plan: &Plan, out: &mut Vec<Diagnostic>) {
    for clock in &plan.regulation {
        let id = clock.met_by.get_ref();
        if plan.services.iter().any(|s| s.id == *id) {
            continue;
        }
        let ids = plan.services.iter().map(|s| s.id.as_str());
        out.push(
            Diagnostic::error(
                "unknown-clock-service",
                clock.met_by.span(),
                format!("regulatory clock `{}` is met by unknown service `{id}`", clock.name),
            )
            .label("no service has this id")
            .help_opt(
                crate::suggest::did_you_mean(id, ids).map(|m| format!("did you mean `{m}`?")).or_else(|| {
                    Some(
                        "name the step that meets it, e.g. a manual step `notify-csirt` someone confirms"
                            .into(),
                    )
                }),
            ),
        );
    }
}
