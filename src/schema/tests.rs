//! The schema documents exactly the keys the decoder accepts.

use crate::plan::keys;

#[test]
fn schema_documents_exactly_the_keys_the_decoder_accepts() {
    let schema = super::plan_schema();
    let props = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v["properties"].as_object().expect("properties").keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |k: &[&str]| -> Vec<String> {
        let mut k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    };
    assert_eq!(props(&schema), sorted(keys::TOP));
    let defs = &schema["$defs"];
    for (def, keys) in [
        ("PlanTable", keys::PLAN),
        ("Contact", keys::CONTACT),
        ("ChannelTable", keys::CHANNEL),
        ("Defaults", keys::DEFAULTS),
        ("CheckDefaults", keys::CHECK_DEFAULTS),
        ("RestoreDefaults", keys::RESTORE_DEFAULTS),
        ("Phase", keys::PHASE),
        ("NameForms", keys::NAME_FORMS),
        ("Service", keys::SERVICE),
        ("Check", keys::CHECK),
        ("Restore", keys::RESTORE),
        ("HttpAction", keys::HTTP_ACTION),
        ("Announce", keys::ANNOUNCE),
        ("Outage", keys::OUTAGE),
        ("WebhookTable", keys::WEBHOOK),
        ("NotifyTable", keys::NOTIFY),
        ("ApprovalTable", keys::APPROVAL),
        ("VerifyTable", keys::VERIFY),
    ] {
        assert_eq!(props(&defs[def]), sorted(keys), "schema of {def}");
    }
}
