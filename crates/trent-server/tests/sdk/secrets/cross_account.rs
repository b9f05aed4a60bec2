//! A secret of another account: shared by its resource policy and a customer managed key
//! whose policy admits the partner, it is read by full ARN; under the AWS managed key it is
//! refused, as AWS refuses it.

use super::err_code;
use crate::common::TestServer;
use crate::iam::{Creds, allow};
use crate::key_policies::second_account;

#[tokio::test]
async fn secrets_shared_across_accounts_need_both_policies_and_a_customer_key() {
    let server = TestServer::start().await;
    let owner_account = server.account().await;
    let (partner_account, partner_admin) = second_account(&server).await;
    let carol = {
        let iam = server.iam(&partner_admin);
        iam.create_user().user_name("carol").send().await.unwrap();
        let policy = allow(r#"["secretsmanager:*", "kms:Decrypt"]"#, "*");
        iam.put_user_policy().user_name("carol").policy_name("read").policy_document(policy).send().await.unwrap();
        let k = iam.create_access_key().user_name("carol").send().await.unwrap();
        let k = k.access_key().unwrap();
        Creds { id: k.access_key_id().to_owned(), secret: k.secret_access_key().to_owned(), token: None }
    };
    let partner = server.secrets_with(&carol.id, &carol.secret);

    let kms = server.client();
    let key = server.new_key().await;
    let key_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{owner_account}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner_account}:root"}},"Action":"kms:Decrypt","Resource":"*"}}]}}"#
    );
    kms.put_key_policy().key_id(&key).policy_name("default").policy(&key_policy).send().await.unwrap();
    let sm = server.secrets();
    let shared = sm.create_secret().name("shared").kms_key_id(&key).secret_string("for the partner");
    let shared = shared.send().await.unwrap().arn().unwrap().to_owned();
    let managed = sm.create_secret().name("managed").secret_string("owner only").send().await.unwrap();
    let managed = managed.arn().unwrap().to_owned();

    // No resource policy yet: refused, as a secret that does not exist would be.
    assert_eq!(err_code(partner.get_secret_value().secret_id(&shared).send().await), "AccessDeniedException");
    let ghost = shared.replace("shared-", "ghost-");
    assert_eq!(err_code(partner.get_secret_value().secret_id(&ghost).send().await), "AccessDeniedException");

    let resource_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner_account}:root"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#
    );
    for arn in [&shared, &managed] {
        sm.put_resource_policy().secret_id(arn).resource_policy(&resource_policy).send().await.unwrap();
    }
    let got = partner.get_secret_value().secret_id(&shared).send().await.unwrap();
    assert_eq!(got.secret_string(), Some("for the partner"));
    // By name, the partner asks for a secret of its own account.
    assert_eq!(err_code(partner.get_secret_value().secret_id("shared").send().await), "ResourceNotFoundException");
    // The policy shares reading only.
    let describe = partner.describe_secret().secret_id(&shared).send().await;
    assert_eq!(err_code(describe), "AccessDeniedException");
    let put = partner.put_secret_value().secret_id(&shared).secret_string("taken").send().await;
    assert_eq!(err_code(put), "AccessDeniedException");
    // Under the AWS managed key the secret stays in its account, whatever its policy says.
    assert_eq!(err_code(partner.get_secret_value().secret_id(&managed).send().await), "InvalidRequestException");

    // The key's policy must admit the partner too.
    let owner_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{owner_account}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    kms.put_key_policy().key_id(&key).policy_name("default").policy(&owner_only).send().await.unwrap();
    assert_eq!(err_code(partner.get_secret_value().secret_id(&shared).send().await), "AccessDeniedException");
    assert_eq!(
        sm.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(),
        Some("for the partner")
    );
}
