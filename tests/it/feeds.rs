//! The Atom feeds subscribers follow (`feed.pl.xml`, `feed.en.xml`): valid Atom, as a feed
//! reader parses it, one entry per update, newest first, and ids that stay the same when the feed
//! is written again, so readers never show an update twice.

use std::path::Path;

use crate::support::*;

fn parse(path: &Path) -> feed_rs::model::Feed {
    let xml = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    feed_rs::parser::parse(&xml[..]).unwrap_or_else(|e| panic!("{} is not a valid feed: {e}", path.display()))
}

fn ista_dry_run(state: &Path, extra: &[&str]) -> std::path::PathBuf {
    restorectl()
        .args(["run", "--dry-run", "--start", "2022-07-25T08:00", "--format", "json", "--state"])
        .arg(state)
        .arg(repo("plans/ista.toml"))
        .args(extra)
        .assert()
        .code(if extra.contains(&"--fail") { 1 } else { 0 });
    state.join("dry-run/announcements")
}

/// On a plain run, with billing failing and with the backup restore nine times slower.
#[test]
fn each_locale_has_an_atom_feed_with_one_entry_per_update_newest_first() {
    for extra in [&[][..], &["--fail", "billing"], &["--slow", "backup-restore:9"]] {
        let state = tempfile::tempdir().unwrap();
        feeds_of(&ista_dry_run(state.path(), extra));
    }
}

fn feeds_of(dir: &Path) {
    for (locale, title, first) in [
        ("pl", "ista Polska: stan naszych usług i komunikaty", "Komunikat z dnia 25.07.2022, godz. 08:00"),
        ("en", "ista Polska: the latest on our services", "Update, 25 July 2022, 08:00"),
    ] {
        let feed = parse(&dir.join(format!("feed.{locale}.xml")));
        assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
        assert_eq!(feed.title.as_ref().unwrap().content, title);
        assert_eq!(feed.language.as_deref(), Some(locale));
        let updates = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with(char::is_numeric) && name.ends_with(&format!(".{locale}.md"))
            })
            .count();
        assert_eq!(feed.entries.len(), updates, "{locale}: one entry per update");
        assert_eq!(feed.entries.last().unwrap().title.as_ref().unwrap().content, first);
        // Newest first, and never two updates at one instant.
        let times: Vec<_> = feed.entries.iter().map(|e| e.updated.unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] > w[1]), "{locale}: {times:?}");
        let body = feed.entries[0].content.as_ref().unwrap().body.as_deref().unwrap();
        assert!(body.contains("<p>"), "entries carry the update as HTML: {body}");
    }
}

#[test]
fn entry_ids_are_unique_and_stay_the_same_when_the_feed_is_written_again() {
    let state = tempfile::tempdir().unwrap();
    let dir = ista_dry_run(state.path(), &[]);
    let ids = |locale: &str| -> Vec<String> {
        parse(&dir.join(format!("feed.{locale}.xml"))).entries.into_iter().map(|e| e.id).collect()
    };
    let (pl, en) = (ids("pl"), ids("en"));
    let mut all: Vec<&String> = pl.iter().chain(&en).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), pl.len() + en.len(), "ids are unique across both feeds");
    ista_dry_run(state.path(), &[]);
    assert_eq!((ids("pl"), ids("en")), (pl, en), "the same ids on a rewrite");
}
