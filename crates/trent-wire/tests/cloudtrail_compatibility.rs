//! `docs/COMPATIBILITY.md` must tell the truth about CloudTrail too: every operation this
//! server dispatches is marked done or partial there, and nothing else is.

use trent_wire::cloudtrail::CloudTrailAction;

fn cloudtrail_table() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/COMPATIBILITY.md");
    let text = std::fs::read_to_string(path).expect("docs/COMPATIBILITY.md");
    let section = text.split("\n## AWS CloudTrail").nth(1).expect("an AWS CloudTrail section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells.len() >= 2
                && cells[0].chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && cells[0] != "operation")
                .then(|| (cells[0].to_owned(), cells[1].to_owned()))
        })
        .collect()
}

#[test]
fn every_dispatched_cloudtrail_operation_is_listed_as_implemented_and_only_those() {
    let table = cloudtrail_table();
    assert!(table.len() >= 50, "the table lists every operation of the model, found {}", table.len());
    for action in CloudTrailAction::ALL {
        let state = table.iter().find(|(op, _)| op == action.name()).map(|(_, s)| s.as_str());
        assert!(matches!(state, Some("done" | "partial")), "{} is dispatched but marked {state:?}", action.name());
    }
    for (op, state) in &table {
        if state != "not yet" {
            assert!(CloudTrailAction::parse(op).is_some(), "{op} is marked {state} but is not dispatched");
        }
    }
}

#[test]
fn both_target_prefixes_name_the_operation() {
    let operation = |t| trent_wire::cloudtrail::SERVICE.operation(t);
    assert_eq!(operation("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"), Some("LookupEvents"));
    assert_eq!(operation("CloudTrail_20131101.LookupEvents"), Some("LookupEvents"));
    assert_eq!(operation("TrentService.Encrypt"), None);
}
