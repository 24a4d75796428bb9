//! TOML text → `Plan`: every table and value of the format, decoded with its span, and every
//! problem of shape or type recorded (cross-references are checked later, in `validate`).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::announce::parse_announce;
use super::checks::{parse_check, parse_restore};
use super::decode::{Decoder, Fields, Value, array_of_tables};
use super::defaults::{self, Defaults, MAX_SPAN, nonzero, opt, parse_defaults, wait_timeout};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::*;
use super::values::{parse_localized, parse_name};

/// Decodes a whole document. Returns `None` only when the file is not a plan at all.
///
/// Takes the tree by value: each `[[service]]` subtree is freed as soon as it is decoded.
pub fn parse(mut root: Spanned<DeTable<'_>>, dec: &mut Decoder) -> Option<Plan> {
    let services = root.get_mut().remove("service");
    let (mut plan, defaults) = prelude(root, services.is_some(), dec)?;
    match services {
        Some(v) => {
            let span = v.span();
            match v.into_inner() {
                DeValue::Array(items) => {
                    plan.services.reserve(items.len());
                    let phases = PhaseIndex::new(&plan.phases);
                    for item in items {
                        if let Some(s) = parse_service(&item, dec, &defaults, &phases) {
                            plan.services.push(s);
                        }
                    }
                }
                other => {
                    array_of_tables(&Spanned::new(span, other), "service", dec);
                }
            }
        }
        None => dec.push(
            Diagnostic::error("no-services", 0..0, "the plan has no services")
                .help("add at least one `[[service]]` table with an `id`"),
        ),
    }
    Some(plan)
}

/// Everything but the services: `[plan]`, `[defaults]`, `[announce]`, `[[phase]]`.
pub(super) fn prelude(
    root: Spanned<DeTable<'_>>,
    has_services: bool,
    dec: &mut Decoder,
) -> Option<(Plan, Defaults)> {
    if !root.get_ref().contains_key("plan") && !has_services {
        dec.push(
            Diagnostic::error("not-a-plan", None, "this file is not a restore plan: it has no `[plan]` and no `[[service]]`")
                .help("a plan starts with `[plan]` and `name = \"…\"`, followed by `[[service]]` tables; see `restorectl schema`"),
        );
        return None;
    }
    let top = dec.fields(root.get_ref(), root.span(), "the top level of the plan", keys::TOP);
    let mut plan = Plan {
        name: String::new(),
        sha256: String::new(),
        organization: None,
        locales: vec![defaults::LOCALE.into()],
        timezone: defaults::TIMEZONE.into(),
        phase_gates: defaults::PHASE_GATES,
        on_failure: OnFailure::default(),
        contact: Contact::default(),
        phases: Vec::new(),
        services: Vec::new(),
        announce: Announce::default(),
        notify: Vec::new(),
        approvers: Vec::new(),
        allowed_signers: None,
        separate_duties: false,
        rto_risk_at: defaults::RTO_RISK_AT,
        regulation: Vec::new(),
    };
    match top.get("plan") {
        Some(v) => parse_plan_table(v, dec, &mut plan),
        None => dec.push(
            Diagnostic::error("missing-key", 0..0, "missing `[plan]` table")
                .help("start the file with `[plan]` and `name = \"…\"`"),
        ),
    }
    let defaults = top.get("defaults").map(|v| parse_defaults(v, dec)).unwrap_or_default();
    if let Some(v) = top.get("announce") {
        plan.announce = parse_announce(v, dec);
    }
    if let Some(v) = top.get("approvers") {
        plan.approvers = super::notify::parse_approvers(v, dec)?;
    }
    if let Some(v) = top.get("notify") {
        for item in array_of_tables(v, "notify", dec) {
            plan.notify.extend(super::notify::parse_notify(item, dec));
        }
    }
    if let Some(v) = top.get("phase") {
        for item in array_of_tables(v, "phase", dec) {
            if let Some(p) = parse_phase(item, dec) {
                plan.phases.push(p);
            }
        }
    }
    Some((plan, defaults))
}

fn parse_plan_table(v: &Value<'_>, dec: &mut Decoder, plan: &mut Plan) {
    let Some(f) = dec.table(v, "plan", "`[plan]`", keys::PLAN) else {
        return;
    };
    if let Some(name) = dec.required(&f, "name", "\"Example Co. IT restoration\"")
        && let Some(n) = dec.string(name, "name")
    {
        if n.get_ref().trim().is_empty() {
            dec.push(Diagnostic::error("empty-value", n.span(), "`name` must not be empty"));
        }
        plan.name = n.into_inner();
    }
    plan.organization =
        f.get("organization").and_then(|v| dec.string(v, "organization")).map(Spanned::into_inner);
    if let Some(v) = f.get("locales")
        && let Some(list) = dec.string_list(v, "locales")
    {
        if list.is_empty() {
            dec.push(
                Diagnostic::error("empty-value", v.span(), "`locales` must list at least one language")
                    .help("e.g. `locales = [\"pl\", \"en\"]`"),
            );
        }
        for l in &list {
            if !is_locale(l.get_ref()) {
                dec.push(
                    Diagnostic::error(
                        "bad-locale",
                        l.span(),
                        format!("`{}` is not a language tag", l.get_ref()),
                    )
                    .help("use a lowercase language code such as `pl`, `en` or `de`"),
                );
            }
            if list.iter().filter(|o| o.get_ref() == l.get_ref()).count() > 1 {
                dec.push(Diagnostic::warning(
                    "duplicate-locale",
                    l.span(),
                    format!("locale `{}` is listed twice", l.get_ref()),
                ));
            }
        }
        if !list.is_empty() {
            let mut seen = std::collections::HashSet::new();
            plan.locales =
                list.into_iter().map(Spanned::into_inner).filter(|l| seen.insert(l.clone())).collect();
        }
    }
    if let Some(v) = f.get("timezone")
        && let Some(tz) = dec.string(v, "timezone")
    {
        check_timezone(&tz, dec);
        plan.timezone = tz.into_inner();
    }
    if let Some(v) = f.get("phase_gates") {
        plan.phase_gates = dec.boolean(v, "phase_gates").unwrap_or(defaults::PHASE_GATES);
    }
    super::notify::parse_people(&f, dec, plan);
    if let Some(v) = f.get("rto_risk_at") {
        plan.rto_risk_at = super::notify::rto_risk_at(v, dec).unwrap_or(plan.rto_risk_at);
    }
    if let Some(v) = f.get("on_failure") {
        plan.on_failure = super::notify::on_failure(v, dec).unwrap_or(plan.on_failure);
    }
    if let Some(v) = f.get("regulation") {
        plan.regulation = super::regulation::parse_regulation(v, dec);
    }
    if let Some(v) = f.get("contact")
        && let Some(c) = dec.table(v, "contact", "`[plan.contact]`", keys::CONTACT)
    {
        let mut field = |key: &str| c.get(key).and_then(|v| channel(v, key, dec));
        plan.contact = Contact {
            phone: field("phone"),
            email: field("email"),
            form: field("form"),
            post: field("post"),
        };
    }
}

/// A contact channel: its address alone, or `{ address = "…", service = "email" }`.
fn channel(v: &Value<'_>, key: &str, dec: &mut Decoder) -> Option<Channel> {
    if v.get_ref().as_str().is_some() {
        return dec.string(v, key).map(|address| Channel { address, service: None });
    }
    let context = format!("`[plan.contact]` `{key}`");
    let f = dec.table(v, key, context, keys::CHANNEL)?;
    let address = dec.required(&f, "address", "\"…\"").and_then(|v| dec.string(v, "address"))?;
    let service = f.get("service").and_then(|v| dec.string(v, "service"));
    Some(Channel { address, service })
}

fn is_locale(s: &str) -> bool {
    let mut parts = s.split(['-', '_']);
    let lang = parts.next().unwrap_or_default();
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
    lang_ok && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn check_timezone(tz: &Spanned<String>, dec: &mut Decoder) {
    if jiff::tz::TimeZone::get(tz.get_ref()).is_ok() {
        return;
    }
    let names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    let suggestion = crate::suggest::did_you_mean(tz.get_ref(), names.iter().map(String::as_str));
    dec.push(
        Diagnostic::error("unknown-timezone", tz.span(), format!("unknown time zone `{}`", tz.get_ref()))
            .label("not an IANA time zone")
            .help(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use an IANA name such as `Europe/Warsaw` or `UTC`".into(),
            }),
    );
}

fn parse_id(f: &Fields<'_, '_>, dec: &mut Decoder, example: &str) -> Option<Spanned<String>> {
    let value = dec.required(f, "id", example)?;
    let id = dec.string(value, "id")?;
    let valid = !id.get_ref().is_empty()
        && id.get_ref().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        let fixed: String = id
            .get_ref()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .collect();
        dec.push(
            Diagnostic::error(
                "bad-id",
                id.span(),
                format!("id `{}` may only contain a-z, 0-9, `_` and `-`", id.get_ref()),
            )
            .label("invalid id")
            .help_opt((!fixed.is_empty()).then(|| format!("try `{fixed}`"))),
        );
    } else if id.get_ref().len() > MAX_ID {
        // Ids name files (`logs/RUN/ID.N.log`): they must fit in a file name.
        dec.push(
            Diagnostic::error(
                "bad-id",
                id.span(),
                format!("id `{}…` is longer than {MAX_ID} characters", &id.get_ref()[..20]),
            )
            .label("too long")
            .help(
                "ids name the service's log and evidence files: keep them short, and put the words in `name`",
            ),
        );
    }
    Some(id)
}

/// The longest id: its files (`ID.approvals`, `ID.100.json`) stay within a file name's 255 bytes.
const MAX_ID: usize = 200;

fn parse_phase(v: &Value<'_>, dec: &mut Decoder) -> Option<Phase> {
    let f = dec.table(v, "phase", "`[[phase]]`", keys::PHASE)?;
    let id = parse_id(&f, dec, "\"internal\"");
    let name = f.get("name").and_then(|v| parse_localized(v, "name", dec)).unwrap_or_default();
    let id = id?;
    Some(Phase { span: id.span(), id: id.into_inner(), name })
}

/// The phases by id, for services to find theirs at once (a plan may have thousands).
pub(super) struct PhaseIndex {
    ids: Vec<String>,
    by_id: std::collections::HashMap<String, usize>,
}

impl PhaseIndex {
    pub(super) fn new(phases: &[Phase]) -> Self {
        let ids: Vec<String> = phases.iter().map(|p| p.id.clone()).collect();
        let by_id = ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
        Self { ids, by_id }
    }
}

pub(super) fn parse_service(
    v: &Value<'_>,
    dec: &mut Decoder,
    d: &Defaults,
    phases: &PhaseIndex,
) -> Option<Service> {
    let f = dec.table(v, "service", "`[[service]]`", keys::SERVICE)?;
    let id = parse_id(&f, dec, "\"email\"");
    let ctx = match &id {
        Some(id) => format!("service `{}`", id.get_ref()),
        None => "`[[service]]`".into(),
    };
    let name = match f.get("name") {
        Some(v) => parse_name(v, dec).unwrap_or_default(),
        None => Localized::default(),
    };
    let phase = f.get("phase").and_then(|v| dec.string(v, "phase")).and_then(|p| {
        let found = phases.by_id.get(p.get_ref()).copied();
        if found.is_none() {
            let ids = phases.ids.iter().map(String::as_str);
            let help = match crate::suggest::did_you_mean(p.get_ref(), ids) {
                Some(s) => format!("did you mean `{s}`?"),
                None if phases.ids.is_empty() => {
                    "the plan has no `[[phase]]` tables; add one with this id".into()
                }
                None => format!(
                    "known phases: {}",
                    phases.ids.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            dec.push(
                Diagnostic::error(
                    "unknown-phase",
                    p.span(),
                    format!("{ctx} is in unknown phase `{}`", p.get_ref()),
                )
                .label("no `[[phase]]` has this id")
                .help(help),
            );
        }
        found
    });
    let depends_on = f.get("depends_on").and_then(|v| dec.string_list(v, "depends_on")).unwrap_or_default();
    let list = |dec: &mut Decoder, key| f.get(key).and_then(|v| dec.string_list(v, key)).unwrap_or_default();
    let optional_depends_on = list(dec, "optional_depends_on");
    let mut critical = defaults::CRITICAL;
    opt(&f, "critical", |v| dec.boolean(v, "critical"), &mut critical);
    let mut limited = false;
    opt(&f, "limited", |v| dec.boolean(v, "limited"), &mut limited);
    let approval = f.get("approval").and_then(|v| super::notify::parse_approval(v, dec, &ctx));
    let mut duration = d.duration;
    opt(&f, "duration", |v| dec.duration(v, "duration", MAX_SPAN), &mut duration);
    let duration_p90 = f.get("duration_p90").and_then(|v| defaults::duration_p90(v, dec, &ctx, duration));
    let rto = match f.get("rto") {
        Some(v) => dec.duration(v, "rto", MAX_SPAN).filter(|t| nonzero(dec, v, "rto", *t)),
        None => d.rto,
    };
    let watch = match f.get("watch") {
        Some(v) => dec.duration(v, "watch", MAX_SPAN).filter(|t| nonzero(dec, v, "watch", *t)),
        None => None,
    };
    let mut customer_facing = d.customer_facing;
    opt(&f, "customer_facing", |v| dec.boolean(v, "customer_facing"), &mut customer_facing);
    let mut wait_timeout = d.wait_timeout;
    opt(&f, "wait_timeout", |v| self::wait_timeout(dec, v), &mut wait_timeout);
    let people_timeout = if f.get("wait_timeout").is_some() { Some(wait_timeout) } else { d.people_timeout };
    let summary = f.get("summary").and_then(|v| parse_localized(v, "summary", dec));
    let workaround = f.get("workaround").and_then(|v| parse_localized(v, "workaround", dec));
    let after_restore = f.get("after_restore").and_then(|v| parse_localized(v, "after_restore", dec));
    let checks = match f.get("check") {
        Some(v) => {
            let mut checks: Vec<Check> = array_of_tables(v, "check", dec)
                .into_iter()
                .filter_map(|c| parse_check(c, dec, d, &ctx))
                .collect();
            // A check is large and a service has one or two: no room for four per service.
            checks.shrink_to_fit();
            checks
        }
        None => Vec::new(),
    };
    let restore = f.get("restore").and_then(|v| parse_restore(v, dec, d, &ctx));
    let gates: Vec<Gate> = f.get("verify").map_or_else(Vec::new, |v| {
        let steps = array_of_tables(v, "verify", dec);
        steps.into_iter().enumerate().filter_map(|(n, g)| super::gates::parse_gate(g, n, dec, &ctx)).collect()
    });
    let id = id?;
    Some(Service {
        span: id.span(),
        id: id.into_inner(),
        name,
        phase,
        depends_on,
        optional_depends_on,
        critical,
        limited,
        approval,
        gates,
        duration,
        duration_p90,
        rto,
        watch,
        customer_facing,
        wait_timeout,
        people_timeout,
        summary,
        workaround,
        after_restore,
        checks,
        restore,
    })
}
