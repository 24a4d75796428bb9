//! `restorectl confirm`: tells a waiting run that an operator finished a manual step.

use std::path::Path;

use crate::exit::Exit;
use crate::journal;
use crate::plan::Action;

pub fn run(plan_path: &Path, id: &str, by: Option<String>, state: Option<&Path>) -> Exit {
    let loaded = match super::open(plan_path) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let Some(service) = loaded.plan.service(id) else {
        let hint = crate::suggest::did_you_mean(id, loaded.plan.services.iter().map(|s| s.id.as_str()))
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_default();
        eprintln!("error: the plan has no service `{id}`{hint}");
        return Exit::Invalid;
    };
    if !matches!(service.restore.as_ref().map(|r| &r.action), Some(Action::Manual(_)))
        || !service.checks.is_empty()
    {
        eprintln!("error: `{id}` is not a manual step without checks; restorectl confirms it by its checks");
        return Exit::Invalid;
    }
    let by = by.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "an operator".into());
    let state = super::run::state_dir(plan_path, state);
    let path = journal::confirmation_path(&state, id);
    let record = serde_json::json!({ "by": by, "at": jiff::Timestamp::now().to_string() });
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, record.to_string()));
    match written {
        Ok(()) => {
            println!("confirmed `{id}` as done by {by}; the run picks it up within a second");
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            Exit::Invalid
        }
    }
}
