//! The evidence pack as Markdown or as one self-contained HTML page (styles and the SVG chart
//! inline, nothing fetched), from minijinja templates over the same model as the JSON.

use minijinja::{AutoEscape, Environment, context};

use super::pack::Pack;

const MARKDOWN: &str = include_str!("templates/report.md.j2");
const HTML: &str = include_str!("templates/report.html.j2");

pub fn markdown(pack: &Pack) -> Result<String, minijinja::Error> {
    render("report.md.j2", MARKDOWN, pack)
}

pub fn html(pack: &Pack) -> Result<String, minijinja::Error> {
    render("report.html.j2", HTML, pack)
}

fn render(name: &str, source: &str, pack: &Pack) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") { AutoEscape::Html } else { AutoEscape::None }
    });
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    // Markdown: what people and tools wrote must not break a table row or slip in HTML.
    env.add_filter("cell", |s: String| {
        s.replace(['\r', '\n'], " ").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;")
    });
    env.add_filter("quote", |s: String| s.replace('<', "&lt;").replace('>', "&gt;").replace('\n', "\n  > "));
    env.add_template(name, source)?;
    let ctx = context! {
        ..minijinja::Value::from(minijinja::value::Serde(pack)),
        ..context! { timeline_svg => pack.timeline_svg.as_str(), timeline_text => pack.timeline_text.as_str() }
    };
    env.get_template(name)?.render(ctx)
}
