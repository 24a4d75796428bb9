//! `restorectl schema`: the plan format's JSON Schema.

use crate::error::Error;
use crate::exit::Exit;

pub fn run() -> Result<Exit, Error> {
    let schema = serde_json::to_string_pretty(&crate::schema::plan_schema()).unwrap_or_default();
    crate::term::print_report(&format!("{schema}\n")).map_err(Error::Print)?;
    Ok(Exit::Ok)
}
