//! The bounds walk over Parameter Store: every constrained member of every served SSM
//! operation, from the committed model (`trent-wire/tests/models/ssm-constraints.json`,
//! written by `scripts/model_constraints.py ssm`), refused past its bounds in AWS's words.

use serde_json::{Value, json};
use trent_wire::ssm::SsmAction;

use super::{Wire, call, walk_operation};
use crate::common::TestServer;

/// The committed model.
const MODEL: &str = include_str!("../../../../trent-wire/tests/models/ssm-constraints.json");

const SSM_WIRE: Wire = Wire { target: "AmazonSSM.", signing: "ssm" };

/// Members the walk leaves to others, with the reason.
const SKIPPED: &[(&str, &str, &str)] = &[
    (
        "DescribeParameters",
        "ParameterFilters",
        "ParameterStringFilterKey's pattern is a list of alternatives no repeated character fills; AWS answers \
         InvalidFilterKey, InvalidFilterOption and InvalidFilterValue for its members, tested in \
         sdk::params::describe_filters_tags_and_deletion",
    ),
    (
        "GetParametersByPath",
        "ParameterFilters",
        "as for DescribeParameters; tested in sdk::params::get_parameters_by_path_pages_through_thousands_with_filters",
    ),
];

/// The default-tier setting, the one setting Parameter Store has.
const TIER_SETTING: &str = "/ssm/parameter-store/default-parameter-tier";

/// A valid request for `op`; `None` for an operation the table does not know (which fails
/// the walk). The parameters they name are made by [`prepare`].
fn baseline(op: &str) -> Option<Value> {
    let tagged = |extra: Value| {
        let mut body = json!({ "ResourceType": "Parameter", "ResourceId": "/bounds/a" });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    Some(match op {
        "AddTagsToResource" => tagged(json!({ "Tags": [{ "Key": "k", "Value": "v" }] })),
        "DeleteParameter" => json!({ "Name": "/bounds/deleted" }),
        "DeleteParameters" => json!({ "Names": ["/bounds/deleted-too"] }),
        "DescribeParameters" => json!({}),
        "GetParameter" => json!({ "Name": "/bounds/a" }),
        "GetParameterHistory" => json!({ "Name": "/bounds/a" }),
        "GetParameters" => json!({ "Names": ["/bounds/a"] }),
        "GetParametersByPath" => json!({ "Path": "/bounds" }),
        "GetServiceSetting" => json!({ "SettingId": TIER_SETTING }),
        "LabelParameterVersion" => json!({ "Name": "/bounds/a", "Labels": ["blue"] }),
        "ListTagsForResource" => tagged(json!({})),
        "PutParameter" => json!({ "Name": "/bounds/put", "Value": "v", "Type": "String", "Overwrite": true }),
        "RemoveTagsFromResource" => tagged(json!({ "TagKeys": ["k"] })),
        "ResetServiceSetting" => json!({ "SettingId": TIER_SETTING }),
        "UnlabelParameterVersion" => json!({ "Name": "/bounds/a", "ParameterVersion": 1, "Labels": ["blue"] }),
        "UpdateServiceSetting" => json!({ "SettingId": TIER_SETTING, "SettingValue": "Standard" }),
        _ => return None,
    })
}

/// The parameters the baselines name.
async fn prepare(server: &TestServer) {
    for name in ["/bounds/a", "/bounds/deleted", "/bounds/deleted-too"] {
        let body = json!({ "Name": name, "Value": "v", "Type": "String" }).to_string();
        let answer = call(server, &SSM_WIRE, "PutParameter", &body).await;
        assert_eq!(answer.status, 200, "{:?}", answer.json());
    }
}

/// Guards Parameter Store against unbounded inputs, as the KMS walk guards KMS.
#[tokio::test]
async fn every_constrained_member_of_every_ssm_operation_is_checked() {
    let server = TestServer::start().await;
    prepare(&server).await;
    let model: Value = serde_json::from_str(MODEL).expect("the committed model is JSON");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (op, member, _) in SKIPPED {
        if model["operations"][op]["members"].get(member).is_none() {
            failures.push(format!("{op}.{member}: skipped, but the model has no such member"));
        }
    }
    for action in SsmAction::ALL {
        let op = action.name();
        checked += walk_operation(&server, &SSM_WIRE, &model, op, baseline(op), SKIPPED, &mut failures).await;
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 60, "only {checked} cases: the model was not walked");
}
