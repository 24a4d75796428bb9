//! "Did you mean …?": the closest known name to a misspelt one.

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|&(distance, c)| distance <= (c.chars().count().max(input.chars().count()) / 3).max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let known = ["email", "billing", "identity"];
        assert_eq!(did_you_mean("emial", known), Some("email"));
        assert_eq!(did_you_mean("biling", known), Some("billing"));
        assert_eq!(did_you_mean("portal", known), None);
        assert_eq!(did_you_mean("dependson", ["depends_on", "duration"]), Some("depends_on"));
    }
}
