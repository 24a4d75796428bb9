//! How durations and counts read for people: `4h 30m`, `1 service`. A leaf: every layer uses it.

use std::time::Duration;

/// A compact human duration: `0s`, `45s`, `5m`, `4h 30m`, `3d 2h`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return if d.is_zero() { "0s".into() } else { format!("{}ms", d.as_millis()) };
    }
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let parts: Vec<String> = units
        .iter()
        .scan(secs, |rest, &(size, unit)| {
            let n = *rest / size;
            *rest %= size;
            Some((n, unit))
        })
        .filter(|(n, _)| *n > 0)
        .take(2)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    parts.join(" ")
}

/// Parses a duration as people write it: `90s`, `5m`, `4h`, `1h 30m`, `3d`, `2 weeks`, `500ms`
/// (jiff's friendly format; a day is 24 hours). Months and years are refused: their length
/// depends on the date.
pub fn parse_duration(text: &str) -> Result<Duration, BadInput> {
    let span: jiff::Span = text.trim().parse().map_err(|_| {
        BadInput::new("expected numbers with units: s, m, h, d, w (or ms, minutes, hours, days, weeks)")
    })?;
    let signed = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|_| BadInput::new("months and years have no fixed length; write days or weeks instead"))?;
    Duration::try_from(signed).map_err(|_| BadInput::new("a duration cannot be negative"))
}

/// Why a value people wrote (a duration, a fraction) cannot be read: what it should look like.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

impl BadInput {
    pub fn new(why: impl Into<String>) -> Self {
        Self(why.into())
    }
}

/// An English count with its noun: `1 service`, `3 services`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `2,285`: a count with thousands separated, for English text.
pub fn thousands(n: usize) -> String {
    grouped(n as u64, ",")
}

/// The digits of `n` in groups of three, joined by `sep`.
pub fn grouped(n: u64, sep: &str) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out += sep;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::human_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(Duration::ZERO), "0s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(human_duration(Duration::from_secs(90)), "1m 30s");
        assert_eq!(human_duration(Duration::from_secs(4 * 3600)), "4h");
        assert_eq!(human_duration(Duration::from_secs(3 * 86_400 + 2 * 3600 + 59)), "3d 2h");
        assert_eq!(super::thousands(2_285), "2,285");
        assert_eq!(super::thousands(999), "999");
        let parsed: Vec<_> = ["90s", "5m", "1h 30m", "3d", "2 weeks", "500ms"]
            .iter()
            .map(|t| super::parse_duration(t))
            .collect();
        let secs: Vec<f64> = parsed.into_iter().map(|d| d.unwrap().as_secs_f64()).collect();
        assert_eq!(secs, [90.0, 300.0, 5400.0, 259_200.0, 1_209_600.0, 0.5]);
        assert!(super::parse_duration("1 month").unwrap_err().0.starts_with("months and years"));
        assert!(super::parse_duration("-5m").is_err() && super::parse_duration("4 hourz").is_err());
    }
}
