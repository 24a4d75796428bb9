//! `restorectl schema`: the plan format's JSON Schema.

use crate::exit::Exit;

pub fn run() -> Exit {
    println!("{}", serde_json::to_string_pretty(&crate::schema::plan_schema()).unwrap_or_default());
    Exit::Ok
}
