//! `[plan.contact]` in the schema: the channels customers are offered, and what each needs.

use schemars::JsonSchema;

/// `[plan.contact]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Contact {
    pub phone: Option<Channel>,
    pub email: Option<Channel>,
    /// Public URL of a contact form.
    pub form: Option<Channel>,
    /// A postal address: a channel that works whatever is down (unless it names a service).
    pub post: Option<Channel>,
}

/// A contact channel: its address, or the address and the service it needs (not offered while
/// that service is down).
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum Channel {
    Address(String),
    WithService(ChannelTable),
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ChannelTable {
    /// The phone number, e-mail address, URL or postal address.
    pub address: String,
    /// The id of the service the channel needs.
    pub service: Option<String>,
}
