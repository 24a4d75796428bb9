//! The announcement templates (minijinja): built-in Polish and English ones, overridable per file
//! from `[announce] templates = "DIR"`. Every template the plan's locales need is compiled and
//! test-rendered when the plan loads, so a mistake shows up in `validate`, not mid-incident.

use std::path::{Path, PathBuf};

use minijinja::value::Rest;
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior, Value};

use super::context::RenderError;
use super::locale;
use crate::plan::{Diagnostic, LeakGuard, Plan};

/// The updates restorectl writes, by template name.
pub const EVENTS: [&str; 9] =
    ["start", "online", "phase", "restored", "late", "failed", "unavailable", "progress", "status"];
/// The update told when a watched service falls back: a plan in other languages than the
/// built-in ones needs it only if it watches services (`watch`, `run --watch`).
pub const UNAVAILABLE: &str = "unavailable";
/// Templates shared by the event templates of a locale.
pub const PARTS: [&str; 4] = ["contact", "feed", "names", STANDING];
/// What is true of every service not back, said in the built-in updates.
const STANDING: &str = "standing";
pub const PAGE: &str = "status.html.j2";

const BUILT_IN: &[(&str, &str)] = &[
    ("start.pl.md.j2", include_str!("templates/start.pl.md.j2")),
    ("start.en.md.j2", include_str!("templates/start.en.md.j2")),
    ("online.pl.md.j2", include_str!("templates/online.pl.md.j2")),
    ("online.en.md.j2", include_str!("templates/online.en.md.j2")),
    ("phase.pl.md.j2", include_str!("templates/phase.pl.md.j2")),
    ("phase.en.md.j2", include_str!("templates/phase.en.md.j2")),
    ("restored.pl.md.j2", include_str!("templates/restored.pl.md.j2")),
    ("restored.en.md.j2", include_str!("templates/restored.en.md.j2")),
    ("late.pl.md.j2", include_str!("templates/late.pl.md.j2")),
    ("late.en.md.j2", include_str!("templates/late.en.md.j2")),
    ("failed.pl.md.j2", include_str!("templates/failed.pl.md.j2")),
    ("failed.en.md.j2", include_str!("templates/failed.en.md.j2")),
    ("unavailable.pl.md.j2", include_str!("templates/unavailable.pl.md.j2")),
    ("unavailable.en.md.j2", include_str!("templates/unavailable.en.md.j2")),
    ("progress.pl.md.j2", include_str!("templates/progress.pl.md.j2")),
    ("progress.en.md.j2", include_str!("templates/progress.en.md.j2")),
    ("status.pl.md.j2", include_str!("templates/status.pl.md.j2")),
    ("status.en.md.j2", include_str!("templates/status.en.md.j2")),
    ("contact.pl.md.j2", include_str!("templates/contact.pl.md.j2")),
    ("contact.en.md.j2", include_str!("templates/contact.en.md.j2")),
    ("feed.pl.md.j2", include_str!("templates/feed.pl.md.j2")),
    ("feed.en.md.j2", include_str!("templates/feed.en.md.j2")),
    ("names.pl.md.j2", include_str!("templates/names.pl.md.j2")),
    ("standing.pl.md.j2", include_str!("templates/standing.pl.md.j2")),
    ("standing.en.md.j2", include_str!("templates/standing.en.md.j2")),
    ("names.en.md.j2", include_str!("templates/names.en.md.j2")),
    (PAGE, include_str!("templates/status.html.j2")),
];

pub fn name(event: &str, locale: &str) -> String {
    format!("{event}.{locale}.md.j2")
}

/// The compiled templates of one plan.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Built-ins, then the plan's overrides; checks that every locale has every template and that
    /// each renders. Errors name the template file and line.
    pub fn load(plan: &Plan, plan_dir: &Path) -> Result<Self, Vec<Diagnostic>> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().keep_trailing_newline(true).build() {
            env.set_syntax(syntax);
        }
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") { AutoEscape::Html } else { AutoEscape::None }
        });
        env.add_filter("join_list", join_list);
        env.add_filter("plural", plural);
        env.add_filter("number", number);
        env.add_filter("names", names);
        env.add_filter("forms", forms);
        env.add_filter("quoted", quoted);
        env.add_filter("capfirst", capfirst);
        let mut errors = Vec::new();
        for (name, source) in BUILT_IN {
            if let Err(e) = env.add_template(name, source) {
                errors.push(Diagnostic::error("template", None, format!("built-in template {name}: {e}")));
            }
        }
        let span = plan.announce.templates.as_ref().map(|t| t.span());
        if let Some(dir) = &plan.announce.templates {
            let dir = plan_dir.join(dir.get_ref());
            match overrides(&dir) {
                Ok(files) => {
                    for (name, path, source) in files {
                        if let Err(e) = env.add_template_owned(name, source) {
                            errors.push(template_error(&path, &e, span.clone()));
                        }
                    }
                }
                Err(message) => errors.push(Diagnostic::error("template", span.clone(), message)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let templates = Self { env };
        for locale in &plan.locales {
            for event in EVENTS.iter().chain(PARTS.iter()) {
                let name = name(event, locale);
                if templates.env.get_template(&name).is_err() && templates.needs(plan, event) {
                    errors.push(
                        Diagnostic::error("missing-template", span.clone(), format!("no template `{name}` for locale `{locale}`"))
                            .help("restorectl has built-in templates for `pl` and `en`; for other languages add `[announce] templates = \"DIR\"` with one file per event"),
                    );
                }
            }
        }
        if errors.is_empty() {
            errors.extend(templates.rehearse(plan, span));
        }
        if errors.is_empty() { Ok(templates) } else { Err(errors) }
    }

    /// Whether the plan needs the template of `event` in each of its locales.
    fn needs(&self, plan: &Plan, event: &str) -> bool {
        match event {
            UNAVAILABLE => plan.services.iter().any(|s| s.watch.is_some()),
            // Included by the built-in templates; a language of the plan's own needs it only if
            // its templates include it.
            STANDING => false,
            _ => true,
        }
    }

    /// The templates of `event` missing for some locale of the plan (`run --watch` needs those of
    /// `UNAVAILABLE`).
    pub fn missing(&self, plan: &Plan, event: &str) -> Vec<String> {
        plan.locales.iter().map(|l| name(event, l)).filter(|n| self.env.get_template(n).is_err()).collect()
    }

    /// Renders an update and refuses text that would reveal the plan's internal infrastructure.
    pub fn render_checked(
        &self,
        guard: Option<&LeakGuard>,
        name: &str,
        ctx: &serde_json::Value,
    ) -> Result<String, RenderError> {
        let text = self.render(name, &super::context::value(ctx))?;
        match guard.and_then(|g| g.find(&text)) {
            Some((o, l)) => Err(RenderError(format!(
                "it would reveal `{}`, which the plan's checks or actions use",
                &text[o..o + l]
            ))),
            None => Ok(text),
        }
    }

    /// Renders template `name`; Markdown comes out tidy (see `tidy`), whatever the template's
    /// conditional parts left behind.
    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, RenderError> {
        let t = self.env.get_template(name).map_err(|e| RenderError(e.to_string()))?;
        let text = t.render(ctx).map_err(|e| RenderError(describe(&e)))?;
        Ok(if name.ends_with(".md.j2") { tidy(&text) } else { text })
    }

    /// Renders every template once with a sample context, so undefined variables and bad filter
    /// calls surface now.
    fn rehearse(&self, plan: &Plan, span: Option<crate::plan::Span>) -> Vec<Diagnostic> {
        let mut errors = Vec::new();
        for locale in &plan.locales {
            let ctx = super::context::sample(plan, locale);
            for event in EVENTS.iter().chain(PARTS.iter()) {
                if self.env.get_template(&name(event, locale)).is_err() && !self.needs(plan, event) {
                    continue;
                }
                if let Err(e) = self.render(&name(event, locale), &ctx) {
                    errors.push(Diagnostic::error(
                        "template",
                        span.clone(),
                        format!("template {}: {e}", name(event, locale)),
                    ));
                }
            }
        }
        if let Err(e) = self.render(PAGE, &super::page::sample(plan, &super::board::Board::sample(plan))) {
            errors.push(Diagnostic::error("template", span, format!("template {PAGE}: {e}")));
        }
        errors.extend(plan_texts(plan));
        errors
    }
}

/// The plan's customer texts that name something other than `{{ started }}` or cannot be filled in.
fn plan_texts(plan: &Plan) -> Vec<Diagnostic> {
    let outage = plan.announce.outage.iter().map(|(key, text)| (format!("[announce.outage] {key}"), text));
    let services = plan.services.iter().flat_map(|s| {
        [("summary", &s.summary), ("workaround", &s.workaround), ("after_restore", &s.after_restore)]
            .into_iter()
            .filter_map(move |(key, text)| text.as_ref().map(|t| (format!("service `{}` {key}", s.id), t)))
    });
    let mut errors = Vec::new();
    for (what, text) in outage.chain(services) {
        for locale in &plan.locales {
            if let Some(Err(e)) = text.get(locale).map(super::context::check_plan_text) {
                errors.push(Diagnostic::error("plan-text", None, format!("{what} ({locale}): {e}")).help(
                    "a customer text may name the incident's start as `{{ started }}`, and nothing else",
                ));
            }
        }
    }
    errors
}

/// `EVENT.LOCALE.md.j2` files (and `status.html.j2`) of an override directory.
fn overrides(dir: &Path) -> Result<Vec<(String, PathBuf, String)>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the templates directory {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        if !name.ends_with(".j2") {
            continue;
        }
        let known = name == PAGE
            || name.split('.').next().is_some_and(|event| EVENTS.contains(&event) || PARTS.contains(&event))
                && name.ends_with(".md.j2")
                && name.split('.').count() == 4;
        if !known {
            return Err(format!(
                "{}: not a template restorectl uses; name templates EVENT.LOCALE.md.j2 with EVENT one of {}, or {PAGE}",
                path.display(),
                EVENTS.iter().chain(PARTS.iter()).copied().collect::<Vec<_>>().join(", ")
            ));
        }
        let source =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        out.push((name, path, source));
    }
    out.sort();
    Ok(out)
}

fn template_error(path: &Path, e: &minijinja::Error, span: Option<crate::plan::Span>) -> Diagnostic {
    let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
    let what = e.detail().map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    Diagnostic::error("template", span, format!("{}{line}: {what}", path.display()))
        .help("templates use minijinja (Jinja2) syntax; see the built-in ones in src/announce/templates/")
}

/// The error and its line, without minijinja's multi-line debug dump.
fn describe(e: &minijinja::Error) -> String {
    let mut text = e.detail().map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    if let (Some(name), Some(line)) = (e.name(), e.line()) {
        text = format!("{text} ({name} line {line})");
    }
    text
}

fn locale_of(state: &State) -> String {
    state.lookup("locale").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "en".into())
}

/// `{{ names|join_list }}`: `a, b i c` / `a, b and c`.
/// `{{ names|join_list("or") }}`: the same, joined by another word.
fn join_list(state: &State, items: Vec<String>, word: Option<String>) -> String {
    locale::join_list(&locale_of(state), &items, word.as_deref())
}

/// `{{ n|plural("usługa", "usługi", "usług") }}`: the CLDR form for n in the template's locale.
fn plural(state: &State, n: u64, forms: Rest<String>) -> String {
    locale::plural(&locale_of(state), n, &forms).to_owned()
}

/// `{{ n|number }}`: `12,500` (en), `12 500` (pl).
fn number(state: &State, n: u64) -> String {
    locale::number(&locale_of(state), n)
}

/// `{{ services|names }}`: the base form of each name.
fn names(items: Vec<Value>) -> Vec<Value> {
    items.iter().map(|s| s.get_attr("name").unwrap_or_default()).collect()
}

/// `{{ services|forms("gen") }}`: that form of each name, or none when the plan does not give it
/// for one of them (a template then words the sentence so that it needs no such form).
fn forms(items: Vec<Value>, form: String) -> Value {
    let found: Option<Vec<Value>> =
        items.iter().map(|s| s.get_attr(&form).ok().filter(|v| !v.is_undefined() && !v.is_none())).collect();
    found.map(Value::from).unwrap_or(Value::from(()))
}

/// `{{ name|quoted }}`: in the quotation marks of the template's locale („…” in Polish).
fn quoted(state: &State, text: String) -> String {
    match locale_of(state).as_str() {
        "pl" => format!("„{text}”"),
        _ => format!("“{text}”"),
    }
}

/// `{{ text|capfirst }}`: the first letter in upper case, the rest as it is ("ista24" stays).
fn capfirst(text: String) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Markdown as people read it: no trailing spaces, never more than one blank line between
/// paragraphs, none at the start, one newline at the end.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
        blank = false;
    }
    // No blank line at the end.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
