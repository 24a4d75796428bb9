//! Markdown as Slack's mrkdwn shows it: headings and `**bold**` as `*bold*`, `[text](url)` as
//! `<url|text>`, autolinks `<https://…>` kept, list items as bullets, and `&`, `<`, `>` escaped
//! everywhere else (Slack reads them as markup).

pub fn mrkdwn(markdown: &str) -> String {
    markdown
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if let Some(heading) = trimmed.strip_prefix('#') {
                let text = heading.trim_start_matches('#').trim();
                return if text.is_empty() { String::new() } else { format!("*{}*", inline(text)) };
            }
            if let Some(item) = trimmed.strip_prefix("- ").or_else(|| trimmed.strip_prefix("* ")) {
                return format!("• {}", inline(item));
            }
            inline(line)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line: links, bold, escapes.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        // An autolink `<https://…>`: kept as Slack's link.
        if let Some(link) = rest.strip_prefix('<')
            && let Some(end) = link.find('>')
            && is_url(&link[..end])
        {
            out.push('<');
            out.push_str(&escape(&link[..end]));
            out.push('>');
            rest = &link[end + 1..];
            continue;
        }
        // `[text](url)`
        if let Some(label) = rest.strip_prefix('[')
            && let Some(close) = label.find("](")
            && let Some(end) = label[close + 2..].find(')')
            && is_url(&label[close + 2..close + 2 + end])
        {
            let url = &label[close + 2..close + 2 + end];
            out.push_str(&format!("<{}|{}>", escape(url), escape(&label[..close])));
            rest = &label[close + 2 + end + 1..];
            continue;
        }
        if let Some(bold) = rest.strip_prefix("**") {
            out.push('*');
            rest = bold;
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push_str(&escape(&c.to_string()));
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn is_url(s: &str) -> bool {
    (s.starts_with("https://")
        || s.starts_with("http://")
        || s.starts_with("mailto:")
        || s.starts_with("tel:"))
        && !s.contains(char::is_whitespace)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::mrkdwn;

    #[test]
    fn markdown_becomes_mrkdwn() {
        let md = "### Update, 3 August 2022\n\nDear customers,\n\n- Please do not call **+48 22** for now.\nMail <https://www.example.com/kontakt> or [the form](https://x.example/f?a=1&b=2) & more <3.";
        assert_eq!(
            mrkdwn(md),
            "*Update, 3 August 2022*\n\nDear customers,\n\n• Please do not call *+48 22* for now.\nMail <https://www.example.com/kontakt> or <https://x.example/f?a=1&amp;b=2|the form> &amp; more &lt;3."
        );
    }
}
