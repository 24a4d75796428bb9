//! The untrue updates a communications team found in realistic drills of the ista plan (issue
//! #20), each as the drill that produced it, with the corrected text in Polish and English:
//! paused told as paused, a fall-back told at once and no channel offered while it is down, a
//! missed date owned, bad news at its instant, dates from the incident's own start, and
//! `announce --dry-run` on the drill's clock.

use std::path::{Path, PathBuf};

use crate::support::{repo, restorectl};

fn drill(start: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let state = tempfile::tempdir().unwrap();
    restorectl()
        .args(["run", "--dry-run", "--progress", "none", "--start", start, "--state"])
        .arg(state.path())
        .args(extra)
        .arg(repo("plans/ista.toml"))
        .output()
        .unwrap();
    let dir = state.path().join("dry-run/announcements");
    (state, dir)
}

/// The update numbered `number` in `locale`.
fn update(dir: &Path, number: u32, locale: &str) -> String {
    let prefix = format!("{number:04}-");
    let file = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&prefix) && n.ends_with(&format!(".{locale}.md")))
        .unwrap_or_else(|| panic!("no update {prefix} in {}", dir.display()));
    std::fs::read_to_string(dir.join(file)).unwrap()
}

fn snapshot(name: &str, dir: &Path, number: u32) {
    for locale in ["pl", "en"] {
        insta::assert_snapshot!(format!("{name}_{locale}"), update(dir, number, locale));
    }
}

/// "Nadal pracujemy nad przywróceniem … systemu rozliczeń" beside "musieliśmy wstrzymać również
/// przywracanie systemu rozliczeń": billing waits for the ERP, whose restore failed. It is told
/// paused at the instant the ERP failed, and every later list says paused, never "still working".
#[test]
fn paused_is_told_as_paused_never_as_still_being_worked_on() {
    let (_state, dir) = drill("2022-07-25T08:00", &["--fail", "erp"]);
    let failed = update(&dir, 5, "pl");
    assert!(failed.contains("musieliśmy wstrzymać przywracanie systemu rozliczeń"), "{failed}");
    assert!(!failed.contains("Nadal pracujemy nad przywróceniem systemu rozliczeń"), "{failed}");
    snapshot("example_paused", &dir, 5);
}

/// The hotline fell back two days after it came back, after customers were told it works: they hear it at that
/// instant, and no update offers the hotline while it is down ("infolinia jest chwilowo nieczynna").
#[test]
fn a_fall_back_is_told_at_once_and_the_channel_is_not_offered_meanwhile() {
    let (_state, dir) = drill("2022-07-25T08:00", &["--watch", "10d", "--fall-back", "phone-hotline:2d"]);
    let back = update(&dir, 3, "pl");
    assert!(back.contains("telefonicznie pod numerem"), "{back}");
    let down = update(&dir, 4, "pl");
    assert!(down.contains("ponownie wystąpiła przerwa w działaniu infolinii"), "{down}");
    assert!(!down.contains("telefonicznie pod numerem"), "{down}");
    assert!(
        down.contains("Infolinia (+48 22 000 00 00) jest chwilowo nieczynna – prosimy na razie nie dzwonić."),
        "{down}"
    );
    snapshot("example_fell_back", &dir, 4);
}

/// "prace zakończymy do 20.09.2022", then silence: the date passes with billing still not back,
/// and at the end of that day customers are told so, with an apology.
#[test]
fn a_promised_date_that_passes_is_owned_at_the_end_of_that_day() {
    let (_state, dir) = drill("2022-07-25T08:00", &["--slow", "backup-restore:9", "--slow", "billing:3"]);
    assert!(update(&dir, 11, "pl").contains("Według obecnych szacunków prace zakończymy do 20.09.2022."));
    let missed = update(&dir, 13, "pl");
    assert!(missed.starts_with("### Komunikat z dnia 21.09.2022, godz. 00:00"), "{missed}");
    assert!(
        missed
            .contains("nie zakończyło się w zapowiadanym terminie (20.09.2022). Bardzo za to przepraszamy.")
    );
    snapshot("example_missed_date", &dir, 13);
}

/// An e-mail outage told a day late by the batch window: a failure goes out at its instant
/// (whatever the window), its title carrying the time.
#[test]
fn bad_news_is_not_held_by_the_batch_window() {
    let (state, dir) = drill("2022-07-25T08:00", &["--fail", "email"]);
    let journal = std::fs::read_to_string(state.path().join("dry-run/journal.jsonl")).unwrap();
    let failed_at = journal
        .lines()
        .find(|l| l.contains("\"event\":\"failed\"") && l.contains("\"service\":\"email\""))
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["at"].as_f64())
        .unwrap();
    let start: jiff::ZonedDateTime = "2022-07-25T08:00[Europe/Warsaw]".parse().unwrap();
    let when = start.checked_add(jiff::SignedDuration::from_secs_f64(failed_at)).unwrap();
    let failed = update(&dir, 4, "pl");
    let title = format!("### Komunikat z dnia {}", when.strftime("%d.%m.%Y, godz. %H:%M"));
    assert!(failed.starts_with(&title), "{title}\n{failed}");
    snapshot("example_failed_at_once", &dir, 4);
}

/// "Wiadomości wysłane do nas od 25 lipca" in a run that began on 20 December: the date is the
/// incident's own start.
#[test]
fn dates_in_the_texts_are_the_incidents_own() {
    let (_state, dir) = drill("2022-12-20T09:00", &[]);
    let pl = update(&dir, 3, "pl");
    assert!(
        pl.contains("Wiadomości wysłane do nas od 20 grudnia 2022 r. prosimy przesłać ponownie."),
        "{pl}"
    );
    assert!(!pl.contains("lipca"), "{pl}");
    let en = update(&dir, 3, "en");
    assert!(en.contains("If you have written to us since 20 December 2022"), "{en}");
    snapshot("example_incident_start", &dir, 3);
}

/// `restorectl announce --dry-run` after a drill in which billing failed: billing failed and what
/// needs it paused (never "still working on billing"), dated on the drill's clock.
#[test]
fn announce_after_a_drill_tells_its_state_on_its_clock() {
    let (state, _dir) = drill("2022-07-25T08:00", &["--fail", "billing"]);
    for (locale, failed, never) in [
        (
            "pl",
            "Nie udało nam się jeszcze przywrócić systemu rozliczeń",
            "Nadal pracujemy nad przywróceniem systemu rozliczeń",
        ),
        ("en", "We have not yet been able to bring back billing", "We are still working on billing"),
    ] {
        let out = restorectl()
            .args(["announce", "--dry-run", "--locale", locale, "--state"])
            .arg(state.path())
            .arg(repo("plans/ista.toml"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains(failed) && !text.contains(never), "{text}");
        assert!(text.contains("2022"), "dated on the drill's clock: {text}");
        insta::assert_snapshot!(format!("example_announce_after_drill_{locale}"), text);
    }
}

/// Installations go on at a smaller scale while the systems are down (`limited = true`): the
/// status page shows them as limited, not as an outage, until they are back; the postal address
/// is a channel that works from the first update, whatever is down.
#[test]
fn limited_services_and_a_channel_that_always_works() {
    let (_state, dir) = drill("2022-07-25T08:00", &["--fail", "erp"]);
    let shown = crate::announce::probe_page(&dir.join("status.html"));
    let row = |name: &str| {
        shown["en"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0].as_str().unwrap().contains(name))
            .cloned()
            .unwrap()
    };
    assert_eq!(row("nstallation")[1], "limited", "{shown:#}");
    assert_eq!(row("nstallation")[2], "limited service", "{shown:#}");
    assert_eq!(row("illing")[1], "unavailable", "{shown:#}");
    // The page's headline says what happened, and how much is back.
    let html = std::fs::read_to_string(dir.join("status.html")).unwrap();
    let back = shown["pl"].as_array().unwrap().iter().filter(|r| r[1] == "available").count();
    let headline = format!(
        "<strong>Cyberatak na nasze systemy informatyczne</strong> Przywracamy nasze usługi po awarii. Działa już {back} z 9 usług."
    );
    assert!(html.contains(&headline), "{headline}\n{html}");
    assert!(html.contains("<strong>Cyberattack on our IT systems</strong> We are restoring our services after an outage. Available now:"));
    let first = update(&dir, 1, "pl");
    assert!(
        first.contains("listownie na adres: ista Polska sp. z o.o., ul. Przykładowa 1, 00-001 Warszawa"),
        "{first}"
    );
    assert!(!first.contains("O przywróceniu poszczególnych kanałów kontaktu"), "a channel works: {first}");
}
