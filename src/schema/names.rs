//! A service's name in the schema: one text, or per language a text or its grammatical forms.

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// A service's name: like any text, but per language it may give the grammatical forms sentences
/// need.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum Name {
    All(String),
    PerLocale(BTreeMap<String, NameInLocale>),
}

/// A name in one language: the plain text, or its forms.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum NameInLocale {
    Text(String),
    Forms(NameForms),
}

/// `name.LOCALE = { nom = "…", gen = "…", plural = … }`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NameForms {
    /// The base (nominative) form, as in lists and on the status page.
    pub nom: String,
    /// Polish genitive, for sentences such as "przywróciliśmy działanie poczty e-mail".
    pub r#gen: Option<String>,
    /// The name is plural ("contact forms are available again").
    pub plural: Option<bool>,
    /// What the status page shows beside the state (default: the name with a capital first
    /// letter), e.g. "Phone hotline" for "our phone hotline".
    pub label: Option<String>,
}
