//! The feeds of every locale: `updates.<locale>.md` (every update, newest first, rendered by the
//! `feed` template) and `feed.<locale>.xml`, an Atom feed of the latest fifty subscribers can
//! follow. Each Atom entry's id
//! names the incident, the update's number and the locale, so it never changes when the feed is
//! rewritten and readers never show an update twice.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use jiff::Timestamp;

use pulldown_cmark::{Event as Md, Parser, html};

/// Markdown → HTML; raw HTML in the text is shown as text, never interpreted.
pub fn markdown(text: &str) -> String {
    let events = Parser::new(text).map(|e| match e {
        Md::Html(raw) | Md::InlineHtml(raw) => Md::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// One update in one locale.
#[derive(Debug, Clone)]
pub struct Item {
    pub number: u32,
    pub at: Timestamp,
    pub text: String,
}

/// Per locale, every update so far, oldest first.
#[derive(Debug, Default)]
pub struct Feeds {
    pub by_locale: BTreeMap<String, Vec<Item>>,
}

impl Feeds {
    pub fn new(locales: &[String]) -> Self {
        Self { by_locale: locales.iter().map(|l| (l.clone(), Vec::new())).collect() }
    }

    /// The updates already in `dir` (a resumed live run), with the times `times` recorded for
    /// them (the file's time where none was).
    pub fn existing(dir: &Path, locales: &[String], times: &HashMap<u32, Timestamp>) -> Self {
        let mut files: Vec<(u32, String, std::path::PathBuf)> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let number: u32 = name.get(..4)?.parse().ok()?;
                let locale = name.strip_suffix(".md")?.rsplit('.').next()?.to_owned();
                Some((number, locale, e.path()))
            })
            .collect();
        files.sort();
        let mut feeds = Self::new(locales);
        for (number, locale, path) in files {
            let (Some(feed), Ok(text)) = (feeds.by_locale.get_mut(&locale), std::fs::read_to_string(&path))
            else {
                continue;
            };
            let modified = || {
                let t = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
                Timestamp::try_from(t).ok()
            };
            let at = times.get(&number).copied().or_else(modified).unwrap_or(Timestamp::UNIX_EPOCH);
            feed.push(Item { number, at, text });
        }
        feeds
    }

    pub fn push(&mut self, locale: &str, item: Item) {
        self.by_locale.entry(locale.to_owned()).or_default().push(item);
    }

    /// The texts of one locale, oldest first.
    pub fn texts(&self, locale: &str) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.by_locale.get(locale).map_or(&[][..], Vec::as_slice).iter().map(|i| &i.text)
    }
}

/// How many of the latest updates an Atom feed carries: readers keep what they have seen (by
/// id), and the Markdown feed has every update.
pub const ATOM_ENTRIES: usize = 50;

/// The Atom feed of one locale, with its latest `ATOM_ENTRIES` updates. `title`: the feed's title (its Markdown feed's heading);
/// `incident`: what every id is scoped to; `org`: the author.
pub fn atom(items: &[Item], locale: &str, title: &str, incident: &str, org: &str) -> String {
    let time = |t: Timestamp| -> FixedDateTime {
        FixedDateTime::parse_from_rfc3339(&t.to_string()).unwrap_or_default()
    };
    let mut feed = Feed::default();
    feed.set_id(format!("tag:restorectl,2024:{incident}/{locale}"));
    feed.set_title(Text::plain(title));
    feed.set_lang(Some(locale.to_owned()));
    feed.set_authors(vec![Person { name: org.to_owned(), ..Person::default() }]);
    feed.set_updated(time(items.last().map_or(Timestamp::UNIX_EPOCH, |i| i.at)));
    feed.set_links(vec![
        link(format!("feed.{locale}.xml"), "self", "application/atom+xml"),
        link(format!("status.html#{locale}"), "alternate", "text/html"),
    ]);
    let entries = items
        .iter()
        .rev()
        .take(ATOM_ENTRIES)
        .map(|item| {
            let mut entry = Entry::default();
            entry.set_id(format!("tag:restorectl,2024:{incident}/{locale}/{:04}", item.number));
            let heading = item.text.lines().next().unwrap_or_default().trim_start_matches('#').trim();
            entry.set_title(Text::plain(heading));
            entry.set_updated(time(item.at));
            entry.set_published(Some(time(item.at)));
            let mut content = Content::default();
            content.set_content_type(Some("html".to_owned()));
            content.set_value(Some(markdown(&item.text)));
            entry.set_content(Some(content));
            entry
        })
        .collect::<Vec<_>>();
    feed.set_entries(entries);
    feed.to_string()
}

fn link(href: String, rel: &str, mime: &str) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(Some(mime.to_owned()));
    l
}
