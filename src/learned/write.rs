//! `restorectl estimate --write`: the learned durations put into the plan's text — each
//! service's `duration` (the median of its real restores) and `duration_p90` — editing only those
//! two values, so comments, order and every hand-written field stay as they were.

use std::time::Duration;

use super::Estimates;
use crate::plan::Plan;

/// Why the plan could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the plan's TOML could not be edited: {0}")]
    Toml(#[from] toml_edit::TomlError),
    #[error("the plan has no `[[service]]` array of tables to edit (services written another way)")]
    NoServices,
}

/// The plan's text with every estimated service's durations set; and how many services changed.
pub fn rewrite(text: &str, plan: &Plan, estimates: &Estimates) -> Result<(String, usize), WriteError> {
    let mut doc: toml_edit::DocumentMut = text.parse()?;
    let tables =
        doc.get_mut("service").and_then(|s| s.as_array_of_tables_mut()).ok_or(WriteError::NoServices)?;
    let by_id: std::collections::HashMap<&str, &super::Estimate> =
        estimates.services.iter().map(|e| (plan.services[e.service].id.as_str(), e)).collect();
    let mut changed = 0;
    for table in tables.iter_mut() {
        let Some(e) = table.get("id").and_then(|v| v.as_str()).and_then(|id| by_id.get(id)) else { continue };
        let p50 = exact(e.restore.p50);
        let p90 = exact(e.restore.p90.max(e.restore.p50));
        let before = (
            table.get("duration").and_then(|v| v.as_str()),
            table.get("duration_p90").and_then(|v| v.as_str()),
        );
        if before == (Some(p50.as_str()), Some(p90.as_str())) {
            continue;
        }
        set(table, "duration", &p50);
        set(table, "duration_p90", &p90);
        changed += 1;
    }
    Ok((doc.to_string(), changed))
}

/// Replaces a value in place (its comments and the key's place kept), or adds it.
fn set(table: &mut toml_edit::Table, key: &str, text: &str) {
    match table.get_mut(key).and_then(|item| item.as_value_mut()) {
        Some(value) => {
            let decor = value.decor().clone();
            *value = toml_edit::Value::from(text);
            *value.decor_mut() = decor;
        }
        None => {
            table.insert(key, toml_edit::value(text));
        }
    }
}

/// A duration of `seconds` to the whole second (milliseconds under a second), as the plan
/// format writes it: `1h 2m 5s`.
pub fn exact(seconds: f64) -> String {
    let d = Duration::from_millis((seconds * 1000.0).round().max(0.0) as u64);
    if d.as_secs() == 0 {
        return format!("{}ms", d.as_millis());
    }
    let mut rest = (seconds.round().max(0.0)) as u64;
    let mut parts = Vec::new();
    for (size, unit) in [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::exact;

    #[test]
    fn exact_durations_read_back_the_same() {
        assert_eq!(exact(3725.4), "1h 2m 5s");
        assert_eq!(exact(0.25), "250ms");
        assert_eq!(exact(90_000.0), "1d 1h");
        for s in [1.0, 59.0, 61.0, 3600.0, 86_399.0, 200_000.0] {
            let back = crate::human::parse_duration(&exact(s)).unwrap();
            assert_eq!(back.as_secs_f64(), s);
        }
    }
}
