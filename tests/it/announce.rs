//! Customer announcements: texts per event and locale, content rules, batching, templates, the
//! status page in a real browser, webhooks, and the `announce` command.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::server::TestServer;
use crate::support::*;

fn announcements(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A dry run of the ista plan from 25 July 2022 into `state`; returns its announcements folder.
fn ista_dry_run_in(state: &Path, extra: &[&str]) -> PathBuf {
    restorectl()
        .args(["run", "--dry-run", "--start", "2022-07-25T08:00", "--format", "json", "--state"])
        .arg(state)
        .args(extra)
        .arg(repo("plans/ista.toml"))
        .output()
        .unwrap();
    state.join("dry-run/announcements")
}

fn ista_dry_run(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let state = tempfile::tempdir().unwrap();
    let dir = ista_dry_run_in(state.path(), extra);
    (state, dir)
}

/// As `ista_dry_run`, with one update per service as it comes back (`batch_window = "0s"`, at
/// any hour), so that each update's file names the one service it is about.
fn ista_unbatched_dry_run(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let state = tempfile::tempdir().unwrap();
    let plan = std::fs::read_to_string(repo("plans/ista.toml")).unwrap();
    assert!(plan.contains("batch_window = \"1d\""));
    let plan_path = state.path().join("ista.toml");
    let plan = plan.replace("batch_window = \"1d\"", "batch_window = \"0s\"");
    std::fs::write(&plan_path, plan.replace("publish_hours = \"08:00-20:00\"", "")).unwrap();
    restorectl()
        .args(["run", "--dry-run", "--start", "2022-07-25T08:00", "--format", "json", "--state"])
        .arg(state.path())
        .args(extra)
        .arg(&plan_path)
        .output()
        .unwrap();
    let dir = state.path().join("dry-run/announcements");
    (state, dir)
}

#[test]
fn every_event_in_every_locale_of_the_ista_plan() {
    // ista-connect four times slower misses its 60-day RTO: a delay notice comes first.
    let (_state, dir) = ista_dry_run(&["--slow", "ista-connect:4"]);
    let names = announcements(&dir);
    insta::assert_snapshot!("ista_announcement_files", names.join("\n"));
    // A stage completed comes with the services that completed it, in their update (the last
    // stage with the closing update, which needs no word on stages).
    for (locale, line) in [("pl", "Tym samym zakończyliśmy etap prac „"), ("en", "This completes the “")]
    {
        let with = names.iter().filter(|n| n.ends_with(&format!(".{locale}.md")) && n.contains("-online-"));
        let texts: Vec<String> = with.map(|n| std::fs::read_to_string(dir.join(n)).unwrap()).collect();
        assert_eq!(texts.iter().filter(|t| t.contains(line)).count(), 2, "{locale}: one per phase");
    }
    // (The failure update's snapshots are `a_failed_restore_is_announced_with_the_workarounds`'s.)
    let (_phase_state, alone) = stage_alone();
    for (dir, events) in
        [(&dir, &["start", "progress", "online", "late", "restored"][..]), (&alone, &["phase"][..])]
    {
        let names = announcements(dir);
        for event in events {
            for locale in ["pl", "en"] {
                let first = names
                    .iter()
                    .find(|n| n.contains(&format!("-{event}-")) && n.ends_with(&format!(".{locale}.md")))
                    .unwrap_or_else(|| panic!("no {event} update in {names:?}"));
                let text = std::fs::read_to_string(dir.join(first)).unwrap();
                insta::assert_snapshot!(format!("ista_{event}_{locale}"), text);
            }
        }
    }
}

/// A dry run in which a stage completes with no service customers see coming back at that
/// moment (its last restore is internal): the stage's own update.
fn stage_alone() -> (tempfile::TempDir, PathBuf) {
    let state = tempfile::tempdir().unwrap();
    let plan = state.path().join("stage.toml");
    std::fs::write(
        &plan,
        r#"[plan]
name = "Stage"
organization = "Przykład"
locales = ["pl", "en"]
[[phase]]
id = "contact"
name = { pl = "Kontakt z klientami", en = "Customer contact" }
[[phase]]
id = "portal"
name = { pl = "Portal", en = "Portal" }
[[service]]
id = "hotline"
phase = "contact"
duration = "1h"
name.pl = { nom = "infolinia", gen = "infolinii" }
name.en = "our phone hotline"
[[service]]
id = "crm-sync"
phase = "contact"
customer_facing = false
duration = "1d"
[[service]]
id = "portal"
phase = "portal"
duration = "1d"
name.pl = { nom = "portal klienta", gen = "portalu klienta" }
name.en = "the customer portal"
"#,
    )
    .unwrap();
    restorectl()
        .args(["run", "--dry-run", "--start", "2022-07-25T08:00", "--format", "json", "--state"])
        .arg(state.path())
        .arg(&plan)
        .assert()
        .code(0);
    let dir = state.path().join("dry-run/announcements");
    (state, dir)
}

/// Contact channels follow their services: an update offers a channel only once the service it
/// needs is back, and until then asks customers not to use it — in both languages, on a plain run,
/// with the e-mail restore failing for good, and with the restores running slow.
#[test]
fn no_update_offers_a_channel_whose_service_is_down() {
    // (channel address, the file name part of its service's "back online" update)
    let channels = [
        ("+48 22 000 00 00", "phone-hotline"),
        ("kontakt@example.com", "email"),
        ("https://www.example.com/kontakt", "contact-forms"),
    ];
    let offers = |text: &str, address: &str| {
        text.lines().any(|l| {
            (l.starts_with("Mogą Państwo skontaktować się z nami") || l.starts_with("You can reach us"))
                && l.contains(address)
        })
    };
    for extra in [&[][..], &["--fail", "email"], &["--fail", "billing"], &["--slow", "backup-restore:9"]] {
        let (_state, dir) = ista_unbatched_dry_run(extra);
        let mut back = std::collections::HashSet::new();
        let mut warned = 0;
        for name in announcements(&dir).iter().filter(|n| n.starts_with(char::is_numeric)) {
            for (_, service) in channels {
                if name.contains(&format!("-online-{service}.")) {
                    back.insert(service);
                }
            }
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            for (address, service) in channels {
                assert_eq!(
                    offers(&text, address),
                    back.contains(service),
                    "{extra:?} {name}: {address} offered while {service} is {}:\n{text}",
                    if back.contains(service) { "back" } else { "down" }
                );
            }
            if !back.contains("email") {
                let dont = if name.ends_with(".pl.md") {
                    "- Prosimy tymczasowo nie pisać na adres kontakt@example.com – wiadomości mogą do nas nie dotrzeć."
                } else {
                    "- Please do not write to kontakt@example.com for now, as messages may not reach us."
                };
                assert!(text.contains(dont), "{extra:?} {name}:\n{text}");
                warned += 1;
            }
        }
        assert!(warned >= 2, "{extra:?}: the outage notice asks, in both languages, not to write");
        if extra == ["--fail", "email"] {
            assert!(!back.contains("email"), "the e-mail restore was made to fail");
        }
    }
}

/// The status page's contact box links the channels customers can use (`tel:`, `mailto:`, the
/// form) and marks the one whose service failed as not to be used, in both languages.
#[test]
fn the_status_page_links_only_the_channels_that_work() {
    let (_state, dir) = ista_dry_run(&["--fail", "email"]);
    let page = std::fs::read_to_string(dir.join("status.html")).unwrap();
    assert!(
        page.contains(
            r#"<dt>Infolinia</dt>
      <dd><a href="tel:+48220000000">+48 22 000 00 00</a></dd>"#
        ),
        "{page}"
    );
    assert!(
        page.contains(
            r#"<dt>E-mail</dt>
      <dd><span class="unavailable">chwilowo nie działa – prosimy tymczasowo nie korzystać z tego kanału</span></dd>"#
        ),
        "{page}"
    );
    assert!(
        page.contains(
            r#"<dt>E-mail</dt>
      <dd><span class="unavailable">temporarily unavailable – please do not use it for now</span></dd>"#
        ),
        "{page}"
    );
    assert!(page.contains(r#"<dt>Contact form</dt>"#), "{page}");
    assert!(!page.contains("mailto:"), "the e-mail restore failed: no link to write to it");

    let (_state, dir) = ista_dry_run(&[]);
    let page = std::fs::read_to_string(dir.join("status.html")).unwrap();
    assert_eq!(page.matches(r#"<a href="mailto:kontakt@example.com">kontakt@example.com</a>"#).count(), 2);
}

/// A failed restore is told to customers, once, in both languages: what is still unavailable
/// (the failed service and those waiting for it), that no new date can be given yet, and what
/// they can do meanwhile; no "back" or "everything restored" update pretends otherwise.
#[test]
fn a_failed_restore_is_announced_with_the_workarounds() {
    let (_state, dir) = ista_dry_run(&["--fail", "billing"]);
    let names = announcements(&dir);
    let failed: Vec<&String> = names.iter().filter(|n| n.contains("-failed-")).collect();
    assert_eq!(failed.len(), 2, "one failure update per language: {names:?}");
    assert!(!names.iter().any(|n| n.contains("-online-billing") || n.contains("-restored-")), "{names:?}");
    for (name, locale) in [(failed[1], "pl"), (failed[0], "en")] {
        assert!(name.ends_with(&format!(".{locale}.md")), "{name}");
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        insta::assert_snapshot!(format!("ista_failed_{locale}"), text);
    }
}

/// With `cadence = "7d"` customers never wait more than a week for news, even while a slow restore
/// keeps everything else quiet for weeks; every update but the last says when the next comes.
#[test]
fn customers_hear_from_us_at_least_every_cadence_and_are_told_when_next() {
    let (_state, dir) = ista_dry_run(&["--slow", "backup-restore:9"]);
    let updates: Vec<String> = announcements(&dir)
        .into_iter()
        .filter(|n| n.ends_with(".pl.md") && n.starts_with(char::is_numeric))
        .collect();
    assert!(updates.iter().any(|n| n.contains("-progress-work-continues.")), "{updates:?}");
    let date = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let heading = text.lines().next().unwrap().trim_start_matches("### Komunikat z dnia ");
        // "26.08.2022, godz. 20:00": every title carries the time, two updates of a day differ.
        let heading = heading.split(',').next().unwrap().to_owned();
        let [d, m, y]: [i16; 3] =
            heading.split('.').map(|p| p.parse().unwrap()).collect::<Vec<_>>().try_into().unwrap();
        (jiff::civil::date(y, m as i8, d as i8), text)
    };
    let mut previous: Option<jiff::civil::Date> = None;
    for name in &updates {
        let (day, text) = date(name);
        if let Some(before) = previous {
            assert!(
                (day - before).get_days() <= 7,
                "{name}: {} days after the update before it",
                (day - before).get_days()
            );
        }
        previous = Some(day);
        let promise = format!(
            "Kolejny komunikat opublikujemy najpóźniej {}.",
            (day + jiff::ToSpan::days(7)).strftime("%d.%m.%Y")
        );
        assert_eq!(text.contains(&promise), !name.contains("-restored-"), "{name}:\n{text}");
        let en = std::fs::read_to_string(dir.join(name.replace(".pl.md", ".en.md"))).unwrap();
        assert_eq!(en.contains("We will publish our next update by "), !name.contains("-restored-"), "{en}");
    }
}

/// A service's `after_restore` text (the portals: set a new password) is in the update that
/// tells customers it is back, in both languages, and in no other.
#[test]
fn the_update_of_a_returning_portal_says_what_to_do_after_it() {
    let (_state, dir) = ista_dry_run(&[]);
    for (locale, text) in [
        (
            "pl",
            "Ze względów bezpieczeństwa przy pierwszym logowaniu portal poprosi Państwa o ustawienie nowego hasła.",
        ),
        ("en", "For your security, the portal will ask you to set a new password when you first log in."),
    ] {
        let with: Vec<String> = announcements(&dir)
            .into_iter()
            .filter(|n| n.starts_with(char::is_numeric) && n.ends_with(&format!(".{locale}.md")))
            .filter(|n| std::fs::read_to_string(dir.join(n)).unwrap().contains(text))
            .collect();
        assert_eq!(
            with,
            [format!("0007-online-ista24.{locale}.md"), format!("0009-restored-all.{locale}.md")],
            "{locale}"
        );
    }
    // Both portals back in one update: the note they share is read once.
    let (_state, dir) = ista_dry_run(&["--slow", "ista-connect:0.05"]);
    for (locale, text) in [("pl", "poprosi Państwa o ustawienie nowego hasła"), ("en", "set a new password")]
    {
        let last = std::fs::read_to_string(dir.join(format!("0007-restored-all.{locale}.md"))).unwrap();
        assert!(last.contains("ista24") && last.contains("ista connect"), "{last}");
        assert_eq!(last.matches(text).count(), 1, "{last}");
    }
}

#[test]
fn names_take_the_form_their_sentence_needs_and_internal_services_stay_unnamed() {
    let (_state, dir) = ista_unbatched_dry_run(&[]);
    let pl = std::fs::read_to_string(dir.join("updates.pl.md")).unwrap();
    for form in [
        // The genitives the plan gives, joined by "oraz".
        "Utrudnienia dotyczą firmowej poczty e-mail, infolinii, formularzy kontaktowych na stronie,",
        "przywróciliśmy działanie systemu rozliczeń.",
        "Nadal pracujemy nad przywróceniem portalu ista24 oraz portalu ista connect.",
        "Tym samym zakończyliśmy etap prac „Kontakt z klientami”.",
        "Mogą Państwo skontaktować się z nami",
    ] {
        assert!(pl.contains(form), "missing `{form}`");
    }
    // What a native reader objected to, in none of the scenarios.
    for extra in [&[][..], &["--fail", "billing"], &["--slow", "backup-restore:9"]] {
        let (_state, dir) = ista_dry_run(extra);
        let pl = std::fs::read_to_string(dir.join("updates.pl.md")).unwrap();
        for wrong in [
            "W przygotowaniu",
            "usługi: ",
            "usług: ",
            "dotyczą: ",
            "Możecie",
            "kolejny etap",
            "Infrastruktura podstawowa",
            "usług „",
            "Planowaliśmy",
            "nowego terminu",
        ] {
            assert!(!pl.contains(wrong), "{extra:?}: `{wrong}` in the Polish updates");
        }
        let en = std::fs::read_to_string(dir.join("updates.en.md")).unwrap();
        for wrong in
            ["forms on our website is available", "Dear customers,\n\na", "we had planned", "new date"]
        {
            assert!(!en.contains(wrong), "{extra:?}: `{wrong}` in the English updates");
        }
    }
    let en = std::fs::read_to_string(dir.join("updates.en.md")).unwrap();
    for form in [
        // A plural name agrees with "are"; a singular one with "is".
        "the contact forms on our website are available again.",
        "our phone hotline is available again.",
        "We are still working on the ista24 portal and the ista connect portal.",
    ] {
        assert!(en.contains(form), "missing `{form}`");
    }
    assert!(!en.contains("forms on our website is"));
    let all = format!("{pl}{en}");
    for internal in [
        "network core",
        "directory and identity",
        "backup restore",
        "device-monitoring system",
        "metering-data ingestion",
        "ERP",
        "ista.internal",
    ] {
        assert!(!all.contains(internal), "an update names `{internal}`");
    }
    // The feed is newest first, with dated headings.
    let headings: Vec<&str> = pl.lines().filter(|l| l.starts_with("### Komunikat z dnia")).collect();
    assert_eq!(headings.first(), Some(&"### Komunikat z dnia 26.08.2022, godz. 20:00"));
    assert_eq!(headings.last(), Some(&"### Komunikat z dnia 25.07.2022, godz. 08:00"));
}

#[test]
fn a_plan_whose_text_reveals_an_internal_host_is_refused_and_nothing_is_written() {
    let state = tempfile::tempdir().unwrap();
    restorectl()
        .args(["run", "--dry-run", "--state"])
        .arg(state.path())
        .arg(repo("tests/invalid/leak.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "customer-facing text of service `billing` reveals `billing.example.internal`",
        ));
    assert!(!state.path().join("dry-run").exists(), "something was written");
}

fn plan_with_templates(templates: &[(&str, &str)], extra: &str) -> PlanDir {
    let p = plan_file(&format!(
        r#"
[plan]
name = "Templated"
organization = "Example"
[announce]
templates = "templates"
{extra}
[[service]]
id = "billing"
name = "billing"
duration = "1h"
[[service.check]]
http = "https://billing.example.internal/health"
[[service]]
id = "shop"
name = "web shop"
duration = "90m"
[[service.check]]
http = "https://shop.example.internal/health"
"#
    ));
    let dir = p.path().join("templates");
    std::fs::create_dir(&dir).unwrap();
    for (name, text) in templates {
        std::fs::write(dir.join(name), text).unwrap();
    }
    p
}

#[test]
fn template_errors_are_reported_by_validate_with_file_and_line() {
    let p = plan_with_templates(&[("online.en.md.j2", "Hello\n{% if services %}\nno end\n")], "");
    let out = restorectl().args(["validate", "--format", "json"]).arg(&p.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines = diagnostic_lines(&json(&out.stdout));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("error 6:13 template: "), "{lines:?}");
    assert!(
        lines[0].ends_with(
            "templates/online.en.md.j2:2: syntax error: unexpected end of input, expected end of block"
        ),
        "{lines:?}"
    );

    let p = plan_with_templates(&[("online.en.md.j2", "{{ servces }}\n")], "");
    let lines = diagnostic_lines(&json(
        &restorectl().args(["validate", "--format", "json"]).arg(&p.plan).output().unwrap().stdout,
    ));
    assert!(lines[0].contains("template online.en.md.j2: undefined value"), "{lines:?}");

    let p = plan_with_templates(&[("onlien.en.md.j2", "x")], "");
    let lines = diagnostic_lines(&json(
        &restorectl().args(["validate", "--format", "json"]).arg(&p.plan).output().unwrap().stdout,
    ));
    assert!(lines[0].contains("onlien.en.md.j2: not a template restorectl uses"), "{lines:?}");
}

#[test]
fn an_update_that_would_leak_is_not_written() {
    let p = plan_with_templates(
        &[(
            "online.en.md.j2",
            "{{ services[0].name }} is back, see https://billing.example.internal/health\n",
        )],
        "",
    );
    let out = restorectl().args(["run", "--dry-run", "--state"]).arg(p.path()).arg(&p.plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "the restoration itself goes on");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "error: update 0002 (online, en) not written: it would reveal `billing.example.internal`"
        ),
        "{err}"
    );
    let names = announcements(&p.path().join("dry-run/announcements"));
    assert!(!names.iter().any(|n| n.contains("-online-")), "{names:?}");
}

#[test]
fn services_online_within_the_batch_window_share_one_update() {
    let p = plan_with_templates(&[], "batch_window = \"1h\"");
    std::fs::remove_dir(p.path().join("templates")).unwrap();
    std::fs::write(
        &p.plan,
        std::fs::read_to_string(&p.plan).unwrap().replace("templates = \"templates\"\n", ""),
    )
    .unwrap();
    restorectl().args(["run", "--dry-run", "--state"]).arg(p.path()).arg(&p.plan).assert().code(0);
    let dir = p.path().join("dry-run/announcements");
    let names = announcements(&dir);
    // Both back within the hour, and the last ones: one update, the closing one.
    let online: Vec<&String> =
        names.iter().filter(|n| n.contains("-online-") || n.contains("-restored-")).collect();
    assert_eq!(online, ["0002-restored-all.en.md"]);
    let text = std::fs::read_to_string(dir.join(online[0])).unwrap();
    assert!(text.contains("billing and web shop are available again."), "{text}");
}

/// The page, with a probe script: records errors, reads what is shown, switches language.
pub fn probe_page(page: &Path) -> serde_json::Value {
    probe_page_with(page, &[])
}

/// Opens the page in headless Chromium (with `flags`) and reports what a visitor meets: errors,
/// the language switch, the rows, and the lowest contrast of any text against the page.
fn probe_page_with(page: &Path, flags: &[&str]) -> serde_json::Value {
    probe_page_at(page, "", flags)
}

/// As `probe_page_with`, the page opened with `suffix` (`#en`, `?lang=en`) after its address.
fn probe_page_at(page: &Path, suffix: &str, flags: &[&str]) -> serde_json::Value {
    let probe = r#"<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message)));
// WCAG 2 contrast of each text's colour against the page's background; the lowest, and where.
const lowestContrast = () => {
  const rgb = c => c.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = c => rgb(c).map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const bg = lum(getComputedStyle(document.body).backgroundColor);
  let low = { ratio: 99, what: "" };
  for (const lang of ["pl", "en"]) {
    for (const m of document.querySelectorAll("main")) m.hidden = m.lang !== lang;
    for (const e of document.querySelectorAll("main:not([hidden]) :is(h1, h2, h3, p, li span, dt, dd, a, span), nav button")) {
      const fg = lum(getComputedStyle(e).color);
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < low.ratio) low = { ratio, what: `${e.tagName.toLowerCase()}.${e.className} ${getComputedStyle(e).color} "${e.textContent.slice(0, 30)}"` };
    }
  }
  for (const m of document.querySelectorAll("main")) m.hidden = m.lang !== "pl";
  return low;
};
window.addEventListener("load", () => {
  const visible = () => [...document.querySelectorAll("main")].filter(m => !m.hidden && m.offsetParent !== null).map(m => m.lang);
  const services = lang => [...document.querySelectorAll(`main[lang=${lang}] ul.services li`)].map(li => {
    const state = li.querySelector(".state");
    return [li.querySelector(".name").textContent, state.className.replace("state ", ""), state.textContent, li.querySelector(".date")?.textContent ?? ""];
  });
  // Laid out 400px wide (a phone; headless windows are at least 500px): how far anything
  // reaches past that, and the smallest text.
  const html = document.documentElement;
  html.style.width = "400px";
  const overflow = Math.max(...[...document.querySelectorAll("main:not([hidden]) *")].map(e => e.getBoundingClientRect().right)) - 400;
  // How many lines each contact address takes at that width (an address broken mid-word: 2).
  const addressLines = [...document.querySelectorAll("main:not([hidden]) dl.contact dd a")].map(a => [a.textContent, a.getClientRects().length]);
  html.style.width = "";
  const smallest = Math.min(...[...document.querySelectorAll("main:not([hidden]) *")].filter(e => e.textContent.trim()).map(e => parseFloat(getComputedStyle(e).fontSize)));
  const before = visible();
  const buttons = [...document.querySelectorAll("nav button")];
  buttons[1].click();
  const after = visible();
  const pressed = buttons.map(b => b.getAttribute("aria-pressed"));
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({ errors: window.__errors, before, after, pressed, htmlLang: document.documentElement.lang,
    pl: services("pl"), en: services("en"), articles: document.querySelectorAll("main[lang=en] article").length,
    external: [...document.querySelectorAll("[src], link[href]:not([rel=alternate])")].length, dark: matchMedia("(prefers-color-scheme: dark)").matches,
    overflow, smallest, addressLines,
    feeds: [...document.querySelectorAll("link[rel=alternate][type='application/atom+xml']")].map(l => l.getAttribute("href")),
    contrast: lowestContrast() });
  document.body.appendChild(out);
});
</script>"#;
    probe_in_browser(page, probe, suffix, flags)
}

#[test]
fn the_status_page_works_in_a_real_browser() {
    let (_state, dir) = ista_dry_run(&["--fail", "ista24"]);
    let r = probe_page(&dir.join("status.html"));
    assert_eq!(r["errors"], serde_json::json!([]), "{r:#}");
    assert_eq!(r["before"], serde_json::json!(["pl"]));
    assert_eq!(r["after"], serde_json::json!(["en"]), "the language switch works");
    assert_eq!(r["pressed"], serde_json::json!(["false", "true"]));
    assert_eq!(r["htmlLang"], "en");
    assert_eq!(r["external"], 0, "no external assets");
    let en = r["en"].as_array().unwrap();
    assert_eq!(en.len(), 9, "every customer-facing service, nothing internal");
    let state =
        |name: &str| en.iter().find(|s| s[0] == name).unwrap_or_else(|| panic!("{name} missing"))[1].clone();
    // Each name as a label: the plan's (English) or capitalised (Polish); states that need no
    // agreement with the name.
    assert_eq!(state("Company e-mail"), "available");
    assert_eq!(state("ista24 portal"), "unavailable");
    assert_eq!(state("ista connect portal"), "unavailable");
    assert_eq!(
        r["pl"][0],
        serde_json::json!(["Firmowa poczta e-mail", "available", "bez zakłóceń", "od 03.08.2022"])
    );
    assert_eq!(r["en"][0][3], "since 3 August 2022");
    let updates = announcements(&dir)
        .iter()
        .filter(|n| n.starts_with(char::is_numeric) && n.ends_with(".en.md"))
        .count();
    assert_eq!(r["articles"].as_u64().unwrap() as usize, updates.min(10), "the latest ten updates");
    assert_eq!(r["feeds"], serde_json::json!(["feed.pl.xml", "feed.en.xml"]));
}

/// On a 400-pixel-wide phone the page needs no sideways scrolling, no text is smaller than 14px
/// and no contact address is broken mid-word.
#[test]
fn the_status_page_reads_on_a_narrow_phone() {
    let (_state, dir) = ista_dry_run(&["--fail", "billing"]);
    let r = probe_page(&dir.join("status.html"));
    // Within the page's padding of the edge: laid out to the width, and not past it.
    let overflow = r["overflow"].as_f64().unwrap();
    assert!((-40.0..=0.0).contains(&overflow), "{r:#}");
    assert!(r["smallest"].as_f64().unwrap() >= 14.0, "{r:#}");
    // No address is broken mid-word: each linked one (phone, e-mail, form) on one line.
    let lines = r["addressLines"].as_array().unwrap();
    assert!(!lines.is_empty() && lines.iter().all(|l| l[1] == 1), "{r:#}");
}

/// Every text on the page, the failed services' red and the contact box included, reads at WCAG
/// AA contrast (4.5:1) in light and in dark mode, as Chromium computes the colours.
#[test]
fn the_status_page_is_readable_in_light_and_dark_mode() {
    let (_state, dir) = ista_dry_run(&["--fail", "email"]);
    for (flags, dark) in [(&[][..], false), (&["--force-dark-mode"][..], true)] {
        let r = probe_page_with(&dir.join("status.html"), flags);
        assert_eq!(r["dark"], dark, "{r:#}");
        let low = &r["contrast"];
        assert!(low["ratio"].as_f64().unwrap() >= 4.5, "dark = {dark}: {low}");
    }
}

/// `status.html#en` and `status.html?lang=en` open the English page; without either, the first
/// language; an unknown one changes nothing.
#[test]
fn the_status_page_opens_in_the_language_its_address_asks_for() {
    let (_state, dir) = ista_dry_run(&[]);
    let page = dir.join("status.html");
    for (suffix, shown) in [("#en", "en"), ("?lang=en", "en"), ("", "pl"), ("#de", "pl")] {
        let r = probe_page_at(&page, suffix, &[]);
        assert_eq!(r["before"], serde_json::json!([shown]), "{suffix}: {r:#}");
        assert_eq!(r["errors"], serde_json::json!([]), "{suffix}");
    }
}

/// A live plan whose services restore in `sleep` seconds, posting to `hooks` as soon as written
/// (`publish = "auto"`) unless `hooks` says how to publish.
fn live_plan(dir: &Path, hooks: &str, services: &[(&str, f64)]) -> PathBuf {
    let d = dir.display();
    let publish = if hooks.contains("publish =") { "" } else { "publish = \"auto\"\n" };
    let mut plan =
        format!("[plan]\nname = \"Hooks\"\norganization = \"Example\"\n[announce]\n{publish}{hooks}\n");
    for (id, sleep) in services {
        plan += &format!(
            "[[service]]\nid = \"{id}\"\nname = \"{id} service\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\ninterval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"echo {id} >> {d}/runs; sleep {sleep}; touch {d}/{id}.up\"]\n"
        );
    }
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    path
}

#[test]
fn webhooks_get_one_payload_per_update_in_their_format() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    // One update per service as it comes back: the mail's, then the closing one with the web's.
    let hooks = format!(
        "batch_window = \"0s\"\n[[announce.webhook]]\nurl = \"{}\"\n[[announce.webhook]]\nurl = \"{}\"\nformat = \"slack\"\n[[announce.webhook]]\nurl = \"{}\"\nformat = \"statuspage\"\ncomponents = {{ mail = \"cmp123\" }}\n[[announce.webhook]]\nurl = \"{}\"\n",
        srv.url("/hook/json"),
        srv.url("/hook/slack"),
        srv.url("/hook/statuspage"),
        srv.url("/hook/flaky")
    );
    let plan = live_plan(dir.path(), &hooks, &[("mail", 0.1), ("web", 1.0)]);
    restorectl().args(["run", "--format", "json"]).arg(&plan).assert().code(0);
    let json_posts = srv.posts("json");
    // Keys carry the incident's id, so that a receiver never drops the next incident's updates.
    let keys: Vec<&str> = json_posts.iter().map(|p| p["key"].as_str().unwrap()).collect();
    let incident = keys[0].strip_prefix("start-0001-").expect("an incident id").to_owned();
    assert_eq!(
        keys,
        [
            format!("start-0001-{incident}"),
            format!("online-0002-{incident}"),
            format!("restored-0003-{incident}")
        ]
    );
    assert_eq!(json_posts[1]["event"], "online");
    assert_eq!(json_posts[1]["__idempotency_key"], format!("online-0002-{incident}"));
    assert_eq!(json_posts[1]["services"], serde_json::json!(["mail"]));
    assert!(json_posts[1]["texts"]["en"].as_str().unwrap().contains("that mail service is available again."));
    let slack = srv.posts("slack");
    assert_eq!(slack.len(), 3);
    assert!(slack[1]["text"].as_str().unwrap().starts_with("*Update, "), "Slack gets mrkdwn");
    let sp = srv.posts("statuspage");
    assert_eq!(sp[0]["incident"]["status"], "identified");
    assert_eq!(sp[1]["incident"]["status"], "monitoring");
    assert_eq!(sp[1]["incident"]["components"], serde_json::json!({ "cmp123": "operational" }));
    assert_eq!(sp[2]["incident"]["status"], "resolved");
    // Two 500s, then accepted: retried, delivered once each.
    let flaky: Vec<String> =
        srv.posts("flaky").iter().map(|p| p["key"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        flaky,
        [
            format!("start-0001-{incident}"),
            format!("online-0002-{incident}"),
            format!("restored-0003-{incident}")
        ]
    );
    assert_eq!(srv.hits("/hook/flaky"), 5);
}

#[test]
fn a_hanging_webhook_does_not_delay_the_run() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let hooks = format!("[[announce.webhook]]\nurl = \"http://{}/hook\"\n", srv.hang_addr);
    let plan = live_plan(dir.path(), &hooks, &[("a", 0.1), ("b", 0.1)]);
    let out = restorectl().args(["run", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out.stdout);
    // The restoration itself was not held up (its own clock); the end gave up on the endpoint.
    assert!(report["makespan_seconds"].as_f64().unwrap() < 2.0, "{report:#}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("update(s) not delivered to webhook 1 (json, 127.0.0.1) yet"), "{stderr}");
    // Undelivered updates stay queued for the next run.
    let log =
        std::fs::read_to_string(dir.path().join(".restorectl/plan/announcements/webhooks.jsonl")).unwrap();
    assert!(log.contains(r#""state":"queued""#) && !log.contains(r#""state":"delivered""#));
}

/// Ctrl-C while a run's end waits for the webhooks stops the wait; what is left stays queued.
#[test]
fn ctrl_c_stops_the_wait_for_the_webhooks() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let hooks = format!("[[announce.webhook]]\nurl = \"http://{}/hook\"\n", srv.hang_addr);
    let plan = live_plan(dir.path(), &hooks, &[("a", 0.0)]);
    let errors = dir.path().join("stderr");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["run", "--progress", "none"])
        .arg(&plan)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    wait_until("the wait for the webhooks", || {
        std::fs::read_to_string(&errors).unwrap_or_default().contains("still queued for the webhooks")
    });
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = std::fs::read_to_string(&errors).unwrap();
    assert!(stderr.contains("interrupted: no longer waiting for the webhooks"), "{stderr}");
    assert!(stderr.contains("not delivered to webhook 1"), "{stderr}");
}

#[test]
fn no_update_is_posted_twice_after_a_sigkill_and_resume() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    // One update per service, as soon as it is back.
    let hooks =
        format!("batch_window = \"0s\"\n[[announce.webhook]]\nurl = \"{}\"\n", srv.url("/hook/resume"));
    let plan = live_plan(dir.path(), &hooks, &[("fast", 0.0), ("slow", 2.0)]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["run", "--progress", "none"])
        .arg(&plan)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    // Killed once the first two deliveries are journaled. (Killed between a 2xx and its journal
    // line, an update is re-sent once; its `Idempotency-Key` header lets the receiver drop it.)
    let log = dir.path().join(".restorectl/plan/announcements/webhooks.jsonl");
    let delivered =
        || std::fs::read_to_string(&log).unwrap_or_default().matches(r#""state":"delivered""#).count();
    while delivered() < 2 {
        assert!(Instant::now() < deadline, "the first updates never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: killing our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    restorectl().args(["run", "--format", "json"]).arg(&plan).assert().code(0);
    let keys: Vec<String> =
        srv.posts("resume").iter().map(|p| p["key"].as_str().unwrap().to_owned()).collect();
    // One incident across the killed run and its resumption: the same id in every key.
    let incident = keys[0].strip_prefix("start-0001-").expect("an incident id").to_owned();
    // The slow service, back last, is told in the closing update.
    let expected: Vec<String> =
        ["start-0001", "online-0002", "restored-0003"].iter().map(|k| format!("{k}-{incident}")).collect();
    assert_eq!(keys, expected);
    let files = announcements(&dir.path().join(".restorectl/plan/announcements"));
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".en.md") && !f.starts_with("updates")).count(),
        3,
        "{files:?}"
    );
    // The feed, written again by the resumed run, keeps one entry per update under the incident's ids.
    let xml = std::fs::read(dir.path().join(".restorectl/plan/announcements/feed.en.xml")).unwrap();
    let ids: Vec<String> =
        feed_rs::parser::parse(&xml[..]).unwrap().entries.into_iter().map(|e| e.id).collect();
    let expected: Vec<String> =
        ["0003", "0002", "0001"].iter().map(|n| format!("tag:restorectl,2024:{incident}/en/{n}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn announce_renders_the_current_state_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let plan = live_plan(dir.path(), "", &[("mail", 0.0)]);
    // Nothing has run: there is nothing to announce, and nothing is invented.
    let state = dir.path().join(".restorectl/plan");
    restorectl().args(["announce", "--locale", "en"]).arg(&plan).assert().code(2).stdout("").stderr(format!(
        "error: no journal in {}: nothing has been run yet (run `restorectl run {}` first)\n",
        state.display(),
        plan.display()
    ));
    restorectl().args(["announce", "--state", "/nonexistent"]).arg(&plan).assert().code(2).stderr(format!(
        "error: no journal in /nonexistent: nothing has been run yet (run `restorectl run {}` first)\n",
        plan.display()
    ));
    restorectl().args(["run", "--format", "json"]).arg(&plan).assert().code(0);
    let out = restorectl().args(["announce", "--locale", "en"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = restorectl().args(["announce", "--format", "json"]).arg(&plan).output().unwrap();
    let v = json(&out.stdout);
    let text = v["texts"]["en"].as_str().unwrap();
    // The status update, its heading (today's date and time) aside.
    let (heading, body) = text.split_once('\n').unwrap();
    assert!(heading.starts_with("### Example services — "), "{heading}");
    insta::assert_snapshot!("status_en", body);
    assert_eq!(v["services"][0]["state"], "available");
    restorectl()
        .args(["announce", "--locale", "de"])
        .arg(&plan)
        .assert()
        .code(2)
        .stderr("error: `--locale de`: the plan's locales are en\n");
}

#[test]
fn a_second_dry_run_leaves_exactly_its_own_announcements() {
    let state = tempfile::tempdir().unwrap();
    let dry = |extra: &[&str]| announcements(&ista_dry_run_in(state.path(), extra));
    let full = dry(&[]);
    // Fewer updates this time: ista24 fails, so its portal, the last phase and "all restored" never come.
    let failed = dry(&["--fail", "ista24"]);
    assert!(failed.len() < full.len());
    assert!(
        !failed.iter().any(|f| f.contains("restored-all") || f.contains("online-ista-connect")),
        "{failed:?}"
    );
    let text = std::fs::read_to_string(state.path().join("dry-run/announcements/updates.en.md")).unwrap();
    assert!(!text.contains("all of ista Polska's services are available again"));
    assert_eq!(dry(&[]), full);
}

/// A plan of `n` services, every one customer-facing, in two languages, each depending on up to
/// two earlier ones.
fn all_customer_facing(n: usize) -> String {
    let mut plan = String::from("[plan]\nname = \"Everyone's\"\nlocales = [\"pl\", \"en\"]\n");
    for i in 0..n {
        let deps: Vec<String> =
            [i / 2, i / 3].iter().filter(|&&d| d < i).map(|d| format!("\"s{d}\"")).collect();
        plan += &format!(
            "[[service]]\nid = \"s{i}\"\nname = {{ pl = \"usługa {i}\", en = \"service {i}\" }}\nduration = \"{}m\"\ndepends_on = [{}]\n",
            5 + (i * 37) % 240,
            deps.join(", ")
        );
    }
    plan
}

fn bytes_in(dir: &Path) -> u64 {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum()
}

/// Without the genitives the Polish sentences need, names are quoted after "usługi"/"usług",
/// which carries the case; beyond twelve, an update names five and says how many there are.
#[test]
fn names_without_their_forms_are_quoted_and_long_lists_counted() {
    let state = tempfile::tempdir().unwrap();
    let plan = state.path().join("plan.toml");
    // One update per service as it comes back.
    let batched =
        all_customer_facing(20).replacen("[[service]]", "[announce]\nbatch_window = \"0s\"\n[[service]]", 1);
    std::fs::write(&plan, batched).unwrap();
    let out = restorectl().arg("validate").arg(&plan).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "the `pl` names of services `s0`, `s1`, `s2`, `s3`, `s4` and 15 more have no genitive (`gen`)"
        ),
        "{stderr}"
    );
    restorectl()
        .args(["run", "--dry-run", "--progress", "none", "--state"])
        .arg(state.path())
        .arg(&plan)
        .assert()
        .code(0);
    let dir = state.path().join("dry-run/announcements");
    let pl = std::fs::read_to_string(dir.join("updates.pl.md")).unwrap();
    for form in [
        "Utrudnienia dotyczą 20 usług, w tym „usługa 0”, „usługa 1”, „usługa 2”, „usługa 3” oraz „usługa 4”.",
        "przywróciliśmy działanie usługi „usługa 0”.",
        "Nadal pracujemy nad przywróceniem 19 usług, w tym „usługa 1”,",
    ] {
        assert!(pl.contains(form), "missing `{form}`");
    }
    let en = std::fs::read_to_string(dir.join("updates.en.md")).unwrap();
    assert!(en.contains("This affects 20 of our services, including service 0, service 1,"), "{en}");
}

/// What a rehearsal writes for customers grows with the plan, not with its square.
#[test]
fn announcement_bytes_grow_linearly_with_the_plan() {
    let written = |n: usize| {
        let state = tempfile::tempdir().unwrap();
        let plan = state.path().join("plan.toml");
        std::fs::write(&plan, all_customer_facing(n)).unwrap();
        restorectl()
            .args(["run", "--dry-run", "--jobs", "16", "--progress", "none", "--state"])
            .arg(state.path())
            .arg(&plan)
            .assert()
            .code(0);
        bytes_in(&state.path().join("dry-run/announcements"))
    };
    let (small, large) = (written(1000), written(4000));
    assert!(large <= 5 * small, "1,000 services: {small} bytes; 4,000: {large} bytes");
}

/// In a live run, what was gathered goes out when its window closes, not at the next event.
#[test]
fn a_live_update_goes_out_when_its_window_closes_even_while_nothing_happens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dd = d.display();
    let plan = format!(
        "[plan]\nname = \"Quiet\"\n[announce]\nbatch_window = \"1s\"\n\
         [[service]]\nid = \"fast\"\nname = \"fast service\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{dd}/fast.up\"]\ninterval = \"50ms\"\n[service.restore]\ncommand = [\"touch\", \"{dd}/fast.up\"]\n\
         [[service]]\nid = \"quiet\"\nname = \"quiet service\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{dd}/quiet.up\"]\ninterval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"while [ ! -f {dd}/go ]; do sleep 0.05; done; touch {dd}/quiet.up\"]\ntimeout = \"30s\"\n"
    );
    let path = d.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["run", "--progress", "none"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // `quiet` restores until the test says so, and nothing else happens meanwhile.
    let update = d.join(".restorectl/plan/announcements/drafts/0002-online-fast.en.md");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !update.exists() {
        assert!(Instant::now() < deadline, "the update for `fast` waited for the next event");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::write(d.join("go"), "").unwrap();
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
}

/// A plan of many small phases: their completions are gathered like services back, so the
/// updates stay about a thousand whatever the number of phases.
#[test]
fn phases_completing_together_share_the_update_of_their_window() {
    let state = tempfile::tempdir().unwrap();
    let mut plan = String::from("[plan]\nname = \"Many phases\"\n");
    for i in 0..2000 {
        plan += &format!("[[phase]]\nid = \"p{i}\"\n");
    }
    for i in 0..2000 {
        plan += &format!(
            "[[service]]\nid = \"s{i}\"\nname = \"service {i}\"\nphase = \"p{i}\"\nduration = \"{}m\"\n",
            5 + i % 50
        );
    }
    let path = state.path().join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    restorectl()
        .args(["run", "--dry-run", "--jobs", "16", "--progress", "none", "--state"])
        .arg(state.path())
        .arg(&path)
        .assert()
        .code(0);
    let updates = announcements(&state.path().join("dry-run/announcements"));
    // Each phase completes with its service: the stages are told in the updates of what is back.
    let told = updates.iter().filter(|f| f.contains("-phase-") || f.contains("-online-")).count();
    assert!(told > 0 && told <= 1_000, "{told} updates for 2,000 phases");
}
