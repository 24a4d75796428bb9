//! Large plans parsed in pieces: finding where each `[[service]]` table starts, decoding the
//! pieces one service at a time on every core, and making a service's spans absolute again.
//! Conservative: any file this cannot split with certainty is parsed whole instead.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::decode::Decoder;
use super::defaults::Defaults;
use super::diagnostic::Diagnostic;
use super::model::{Approval, Forms, Localized, Plan, Service};
use super::parse::{PhaseIndex, parse_service, prelude};

/// `(end of the part before the first service, [(start, end)] of each service)`, or `None` when
/// the file must be parsed whole: no services, multi-line strings (a header-like line could be
/// text), quoted table names, or a table after the services that is not one of theirs.
pub fn services(text: &str) -> Option<(usize, Vec<(usize, usize)>)> {
    if text.contains("'''") || text.contains("\"\"\"") {
        return None;
    }
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(header) = header(line) {
            if header == "[[service]]" {
                starts.push(offset);
            } else if !starts.is_empty()
                && !header.starts_with("[service.")
                && !header.starts_with("[[service.")
            {
                return None;
            }
        } else if line.trim_start().starts_with('[') && !starts.is_empty() && looks_like_header(line) {
            return None;
        }
        offset += line.len();
    }
    let first = *starts.first()?;
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(text.len()));
    Some((first, starts.iter().copied().zip(ends).collect()))
}

/// A table header line with its spaces removed (`[ [service] ]` → `[[service]]`), comment dropped.
fn header(line: &str) -> Option<String> {
    let code = line.split('#').next().unwrap_or_default().trim();
    let ok = code.starts_with('[')
        && code.ends_with(']')
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '[' | ']' | '.' | '_' | '-' | ' ' | '\t'));
    ok.then(|| code.chars().filter(|c| !c.is_whitespace()).collect())
}

/// A line that starts like a header but is not one we can read (quotes, odd characters): give up.
fn looks_like_header(line: &str) -> bool {
    let code = line.split('#').next().unwrap_or_default().trim();
    code.ends_with(']') && !code.contains(',') && !code.contains('=')
}

/// A service decoded from a piece of the file starting at byte `base`: its spans made absolute.
pub(super) fn shift_service(mut s: Service, base: usize) -> Service {
    let shift = |r: std::ops::Range<usize>| r.start + base..r.end + base;
    let shift_text = |t: Spanned<String>| {
        let span = shift(t.span());
        Spanned::new(span, t.into_inner())
    };
    let shift_localized = |l: Localized| Localized {
        all: l.all.map(shift_text),
        by_locale: l.by_locale.into_iter().map(|(k, v)| (shift_text(k), shift_text(v))).collect(),
        forms: l
            .forms
            .into_iter()
            .map(|(k, f)| {
                let (genitive, label) = (f.genitive.map(shift_text), f.label.map(shift_text));
                (k, Forms { genitive, plural: f.plural, label })
            })
            .collect(),
    };
    s.span = shift(s.span);
    s.name = shift_localized(s.name);
    s.summary = s.summary.map(shift_localized);
    s.workaround = s.workaround.map(shift_localized);
    s.after_restore = s.after_restore.map(shift_localized);
    s.depends_on = s.depends_on.into_iter().map(shift_text).collect();
    s.optional_depends_on = s.optional_depends_on.into_iter().map(shift_text).collect();
    s.approval = s.approval.map(|a| Approval { role: shift_text(a.role), count: a.count });
    for c in &mut s.checks {
        c.span = shift(c.span.clone());
    }
    if let Some(r) = &mut s.restore {
        r.span = shift(r.span.clone());
    }
    s
}

/// Decodes a plan whose `[[service]]` tables were split apart (see `split::services`): the part
/// before the first service, then each service parsed and decoded on its own, so a plan of
/// 100,000 services never holds the TOML tree of more than one. `Err` when a piece is not valid
/// TOML on its own: the caller then parses the whole document, for exact syntax errors.
pub fn parse_split(
    text: &str,
    prelude_end: usize,
    chunks: &[(usize, usize)],
    dec: &mut Decoder,
) -> Result<Option<Plan>, ()> {
    let root = DeTable::parse(&text[..prelude_end]).map_err(|_| ())?;
    if root.get_ref().contains_key("service") {
        return Err(());
    }
    let Some((mut plan, defaults)) = prelude(root, true, dec) else { return Ok(None) };
    let phases = PhaseIndex::new(&plan.phases);
    // The pieces are independent: they are decoded on every core, then joined in file order.
    let threads =
        std::thread::available_parallelism().map_or(1, |t| t.get()).min(chunks.len().div_ceil(512)).max(1);
    let parts: Vec<Result<Decoded, ()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .chunks(chunks.len().div_ceil(threads).max(1))
            .enumerate()
            // The first part's vector becomes the plan's: room for all, and no copy of it.
            .map(|(n, part)| {
                let room = if n == 0 { chunks.len() } else { part.len() };
                let (defaults, phases) = (&defaults, &phases);
                scope.spawn(move || parse_services(text, part, room, defaults, phases))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a decoding thread ends")).collect()
    });
    for part in parts {
        let (services, diagnostics) = part?;
        if plan.services.is_empty() {
            plan.services = services;
        } else {
            plan.services.extend(services);
        }
        dec.diagnostics.extend(diagnostics);
    }
    Ok(Some(plan))
}

/// Some services, decoded, and what was wrong with them.
type Decoded = (Vec<Service>, Vec<Diagnostic>);

/// Decodes some of the pieces `split::services` cut the file into, with spans of the whole file.
fn parse_services(
    text: &str,
    chunks: &[(usize, usize)],
    room: usize,
    defaults: &Defaults,
    phases: &PhaseIndex,
) -> Result<Decoded, ()> {
    let mut dec = Decoder::default();
    let mut services = Vec::with_capacity(room);
    for &(start, end) in chunks {
        let mut root = DeTable::parse(&text[start..end]).map_err(|_| ())?;
        let items = match root.get_mut().remove("service").map(Spanned::into_inner) {
            Some(DeValue::Array(items)) if root.get_ref().is_empty() => items,
            _ => return Err(()),
        };
        dec.base = start;
        for item in items {
            if let Some(s) = parse_service(&item, &mut dec, defaults, phases) {
                services.push(shift_service(s, start));
            }
        }
    }
    Ok((services, dec.diagnostics))
}

#[cfg(test)]
mod tests {
    use super::services;

    #[test]
    fn splits_at_service_headers_only() {
        let text = "[plan]\nname = \"x\"\n[[service]]\nid = \"a\"\n[[service.check]]\ntcp = \"h:1\"\n[ [ service ] ] # b\nid = \"b\"\n[service.restore]\nmanual = \"m\"\n";
        let (prelude, chunks) = services(text).unwrap();
        assert_eq!(&text[..prelude], "[plan]\nname = \"x\"\n");
        assert_eq!(chunks.len(), 2);
        assert!(text[chunks[0].0..chunks[0].1].starts_with("[[service]]\nid = \"a\""));
        assert!(text[chunks[1].0..chunks[1].1].starts_with("[ [ service ] ] # b\nid = \"b\""));
        assert_eq!(chunks[1].1, text.len());
    }

    #[test]
    fn gives_up_when_unsure() {
        assert_eq!(services("[plan]\nname = \"x\"\n"), None);
        assert_eq!(services("[[service]]\nid = \"a\"\n[announce]\nbatch_window = \"1h\"\n"), None);
        assert_eq!(services("[[service]]\nid = \"a\"\nsummary = '''\n[[service]]\n'''\n"), None);
        assert_eq!(services("[[service]]\nid = \"a\"\n[\"service\".restore]\nmanual = \"m\"\n"), None);
        // Arrays spread over lines are not headers.
        assert!(
            services("[[service]]\nid = \"a\"\ndepends_on = [\n  \"b\",\n]\n[[service]]\nid = \"b\"\n")
                .is_some()
        );
    }
}
