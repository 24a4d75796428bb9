//! `[plan.contact]`: the ways customers reach the organisation, and what each needs.

use toml::Spanned;

#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub phone: Option<Channel>,
    pub email: Option<Channel>,
    pub form: Option<Channel>,
    /// A postal address: letters reach us whatever is down (unless it names a service).
    pub post: Option<Channel>,
}

impl Contact {
    /// Each channel given, with its key (`phone`, `email`, `form`, `post`).
    pub fn channels(&self) -> impl Iterator<Item = (&'static str, &Channel)> {
        [("phone", &self.phone), ("email", &self.email), ("form", &self.form), ("post", &self.post)]
            .into_iter()
            .filter_map(|(key, c)| Some((key, c.as_ref()?)))
    }
}

/// A way customers reach the organisation, and the service it needs: while that service is not
/// online, updates do not offer the channel and ask people not to use it.
#[derive(Debug, Clone)]
pub struct Channel {
    /// The phone number, e-mail address or URL.
    pub address: Spanned<String>,
    pub service: Option<Spanned<String>>,
}
