//! The report's headings in every locale of the plan (`Zakres · Scope`): Polish and English are
//! built in; another locale shows the English heading.

use serde::Serialize;

/// One heading per section, each in the plan's locales, the primary one first.
#[derive(Debug, Serialize)]
pub struct Headings {
    pub title: String,
    pub simulated: String,
    /// The word after every heading of a drill's report.
    pub tag: String,
    pub scope: String,
    pub objectives: String,
    pub clocks: String,
    pub timeline: String,
    pub people: String,
    pub retries: String,
    pub evidence: String,
    pub deviations: String,
    pub steps: String,
    pub notices: String,
    pub journal: String,
}

/// (English, Polish) of each heading.
const TEXTS: [(&str, &str); 14] = [
    ("Restoration report", "Raport z przywracania usług"),
    ("SIMULATED: a drill, nothing was executed", "SYMULACJA: ćwiczenie, nie wykonano żadnych działań"),
    ("SIMULATED", "SYMULACJA"),
    ("Scope", "Zakres"),
    ("Objectives and actuals", "Cele i ich realizacja"),
    ("Timeline", "Chronologia"),
    ("Confirmations, sign-offs and skipped services", "Potwierdzenia, zatwierdzenia i pominięte usługi"),
    ("Retries", "Ponowne próby"),
    ("Verification evidence", "Dowody weryfikacji"),
    ("Failures and deviations", "Niepowodzenia i odstępstwa"),
    ("Steps executed and not executed", "Kroki wykonane i niewykonane"),
    ("Customer updates and operators' alerts", "Komunikaty dla klientów i alerty dla operatorów"),
    ("Journal integrity", "Integralność dziennika"),
    ("Regulatory reporting deadlines", "Terminy zgłoszeń wymaganych przepisami"),
];

impl Headings {
    pub fn for_locales(locales: &[String]) -> Self {
        let in_all = |(en, pl): (&str, &str)| {
            let mut seen: Vec<&str> = Vec::new();
            for l in locales {
                let text = if l.split(['-', '_']).next() == Some("pl") { pl } else { en };
                if !seen.contains(&text) {
                    seen.push(text);
                }
            }
            if seen.is_empty() { en.to_owned() } else { seen.join(" · ") }
        };
        let h = |k: usize| in_all(TEXTS[k]);
        Self {
            title: h(0),
            simulated: h(1),
            tag: h(2),
            scope: h(3),
            objectives: h(4),
            timeline: h(5),
            people: h(6),
            retries: h(7),
            evidence: h(8),
            deviations: h(9),
            steps: h(10),
            notices: h(11),
            journal: h(12),
            clocks: h(13),
        }
    }
}
