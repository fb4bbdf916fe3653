//! Versions and aliases through the AWS SDK for Rust, as AWS answered them
//! (`aws-recordings/v2/test_sfn_api_versioning*`, `test_sfn_api_aliasing*`): publishing on
//! create and update and by PublishStateMachineVersion, listing and deleting versions,
//! starting a version, aliases with one or two routes (a 10/90 canary counted over 200
//! starts), and the rules on what may be deleted; all of it still there after a restart.

use std::sync::Arc;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::create_state_machine_alias::CreateStateMachineAliasError;
use aws_sdk_sfn::types::RoutingConfigurationListItem;
use serde_json::json;
use stepwise::store::sqlite::SqliteStore;

use crate::common::{Host, ended, start_execution};

const ROLE: &str = "arn:aws:iam::123456789012:role/test";

fn pass(result: &str) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}})
        .to_string()
}

fn route(version: &str, weight: i32) -> RoutingConfigurationListItem {
    RoutingConfigurationListItem::builder()
        .state_machine_version_arn(version)
        .weight(weight)
        .build()
        .unwrap()
}

/// UpdateStateMachine of `machine` to a Pass of `result`, published.
async fn publish_update(
    sfn: &aws_sdk_sfn::Client,
    machine: &str,
    result: &str,
) -> aws_sdk_sfn::operation::update_state_machine::UpdateStateMachineOutput {
    sfn.update_state_machine()
        .state_machine_arn(machine)
        .definition(pass(result))
        .publish(true)
        .send()
        .await
        .unwrap()
}

/// CreateStateMachineAlias `name` routing to `routes` (version, weight): the alias's ARN, or
/// the service's error.
async fn create_alias(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    description: Option<&str>,
    routes: &[(&str, i32)],
) -> Result<String, CreateStateMachineAliasError> {
    let mut call = sfn
        .create_state_machine_alias()
        .name(name)
        .set_description(description.map(Into::into));
    for (version, weight) in routes {
        call = call.routing_configuration(route(version, *weight));
    }
    call.send()
        .await
        .map(|out| out.state_machine_alias_arn)
        .map_err(|e| e.into_service_error())
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_and_aliases_as_aws_answers() {
    let dir = std::env::temp_dir().join(format!("stepwise-versions-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let open = || Arc::new(SqliteStore::open(&dir.join("db")).unwrap());
    let host = Host::start(open(), None).await;
    let sfn = &host.sfn;

    // A version description needs publish.
    let e = sfn
        .create_state_machine()
        .name("m")
        .role_arn(ROLE)
        .definition(pass("one"))
        .version_description("v1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ValidationException"));
    assert_eq!(
        e.message(),
        Some("Version description can only be set when publish is true")
    );

    // Create with publish: version 1.
    let created = sfn
        .create_state_machine()
        .name("m")
        .role_arn(ROLE)
        .definition(pass("one"))
        .publish(true)
        .version_description("first")
        .send()
        .await
        .unwrap();
    let machine = created.state_machine_arn.clone();
    let v1 = created.state_machine_version_arn.unwrap();
    assert_eq!(v1, format!("{machine}:1"));
    let d = sfn
        .describe_state_machine()
        .state_machine_arn(&v1)
        .send()
        .await
        .unwrap();
    assert_eq!(d.state_machine_arn, v1);
    assert_eq!(d.description.as_deref(), Some("first"));
    assert_eq!(d.revision_id, None);

    // Update, then publish by revision; a stale revision conflicts; the same revision again
    // gives the same version.
    let updated = sfn
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(pass("two"))
        .send()
        .await
        .unwrap();
    let revision = updated.revision_id.unwrap();
    let v2 = sfn
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .revision_id(&revision)
        .description("second")
        .send()
        .await
        .unwrap()
        .state_machine_version_arn;
    assert_eq!(v2, format!("{machine}:2"));
    let again = sfn
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap()
        .state_machine_version_arn;
    assert_eq!(again, v2);
    sfn.update_state_machine()
        .state_machine_arn(&machine)
        .definition(pass("three"))
        .send()
        .await
        .unwrap();
    let e = sfn
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .revision_id(&revision)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ConflictException"));
    assert!(
        e.message()
            .unwrap()
            .contains(&format!("revision {revision}"))
    );
    let d = sfn
        .describe_state_machine()
        .state_machine_arn(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(d.revision_id.as_deref(), Some(revision.as_str()));
    assert!(d.definition.contains("two"));

    // Update with publish: version 3; the list is newest first, and pages.
    let v3 = publish_update(sfn, &machine, "four")
        .await
        .state_machine_version_arn
        .unwrap();
    assert_eq!(v3, format!("{machine}:3"));
    let page = sfn
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .max_results(2)
        .send()
        .await
        .unwrap();
    let arns: Vec<_> = page
        .state_machine_versions
        .iter()
        .map(|v| v.state_machine_version_arn.clone())
        .collect();
    assert_eq!(arns, [v3.clone(), v2.clone()]);
    let rest = sfn
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .next_token(page.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.state_machine_versions[0].state_machine_version_arn, v1);
    assert!(rest.next_token.is_none());
    // Versions are not machines of their own.
    let listed = sfn.list_state_machines().send().await.unwrap();
    assert_eq!(listed.state_machines.len(), 1);

    // A version runs its own definition; its execution says which version it ran.
    let started = start_execution(sfn, &v2, &json!({})).await;
    let d = ended(sfn, &started).await;
    assert_eq!(d.output.as_deref(), Some(r#""two""#));
    assert_eq!(d.state_machine_arn, machine);
    assert_eq!(d.state_machine_version_arn.as_deref(), Some(v2.as_str()));
    let described = sfn
        .describe_state_machine_for_execution()
        .execution_arn(&started)
        .send()
        .await
        .unwrap();
    assert_eq!(described.state_machine_arn, machine);
    let by_version = sfn
        .list_executions()
        .state_machine_arn(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(by_version.executions.len(), 1);
    assert_eq!(
        by_version.executions[0]
            .state_machine_version_arn
            .as_deref(),
        Some(v2.as_str())
    );

    // Aliases: a version ARN is required, weights sum to 100, names are not numbers.
    let e = create_alias(sfn, "prod", None, &[(&machine, 100)])
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some(
            format!(
                "Routing configuration must contain state machine version ARNs. Received: [{machine}]"
            )
            .as_str()
        )
    );
    let e = create_alias(sfn, "123", None, &[(&v1, 100)])
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    let e = create_alias(sfn, "prod", None, &[(&v1, 70), (&v2, 29)])
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("Sum of routing configuration weights must equal 100. Received: [70, 29]")
    );
    let e = create_alias(sfn, "prod", None, &[(&v1, 50), (&v1, 50)])
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some(
            format!(
                "Routing configuration must contain distinct state machine version ARNs. Received: [{v1}, {v1}]"
            )
            .as_str()
        )
    );
    let e = create_alias(sfn, "prod", None, &[(&v1, 101)])
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some(
            "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"
        )
    );

    // A canary: 10% to version 3, 90% to version 2.
    let canary = [(v3.as_str(), 10), (v2.as_str(), 90)];
    let alias = create_alias(sfn, "prod", Some("canary"), &canary)
        .await
        .unwrap();
    assert_eq!(alias, format!("{machine}:prod"));
    // The same again is idempotent; different routes under the same name conflict.
    let same = create_alias(sfn, "prod", Some("canary"), &canary)
        .await
        .unwrap();
    assert_eq!(same, alias);
    let e = create_alias(sfn, "prod", None, &[(&v1, 100)])
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ConflictException"));
    let mut to_v3 = 0;
    for i in 0..200 {
        let started = sfn
            .start_execution()
            .state_machine_arn(&alias)
            .name(format!("canary-{i}"))
            .send()
            .await
            .unwrap();
        let d = ended(sfn, &started.execution_arn).await;
        assert_eq!(d.state_machine_alias_arn.as_deref(), Some(alias.as_str()));
        match d.state_machine_version_arn.as_deref() {
            Some(v) if v == v3 => {
                to_v3 += 1;
                assert_eq!(d.output.as_deref(), Some(r#""four""#));
            }
            Some(v) if v == v2 => assert_eq!(d.output.as_deref(), Some(r#""two""#)),
            other => panic!("routed to {other:?}"),
        }
    }
    // 10% of 200 is 20; a binomial spread of 4.2, so 5 to 40 fails one run in ten thousand.
    assert!(
        (5..=40).contains(&to_v3),
        "{to_v3} of 200 went to version 3"
    );

    // A version an alias routes to cannot go; another can, and its number is not reused.
    let e = sfn
        .delete_state_machine_version()
        .state_machine_version_arn(&v2)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ConflictException"));
    assert_eq!(
        e.message(),
        Some(
            "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [prod]"
        )
    );
    sfn.delete_state_machine_version()
        .state_machine_version_arn(&v1)
        .send()
        .await
        .unwrap();

    // Shift everything to version 3; describe says so; and it all survives a restart.
    sfn.update_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .routing_configuration(route(&v3, 100))
        .send()
        .await
        .unwrap();
    host.stop().await;
    let host = Host::start(open(), None).await;
    let sfn = &host.sfn;
    let d = sfn
        .describe_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .send()
        .await
        .unwrap();
    assert_eq!(d.name.as_deref(), Some("prod"));
    assert_eq!(d.description.as_deref(), Some("canary"));
    let routes = d.routing_configuration.unwrap();
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].state_machine_version_arn, v3);
    assert_eq!(routes[0].weight, 100);
    let v4 = publish_update(sfn, &machine, "five")
        .await
        .state_machine_version_arn
        .unwrap();
    assert_eq!(v4, format!("{machine}:4"));
    // An update that changes nothing makes no revision, and publishing it gives the version
    // it already is.
    let same = publish_update(sfn, &machine, "five").await;
    assert_eq!(same.revision_id, None);
    assert_eq!(same.state_machine_version_arn.as_deref(), Some(v4.as_str()));
    // A version cannot be updated.
    let e = sfn
        .update_state_machine()
        .state_machine_arn(&v4)
        .definition(pass("six"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("StateMachineDoesNotExist"));
    let aliases = sfn
        .list_state_machine_aliases()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap()
        .state_machine_aliases;
    assert_eq!(aliases.len(), 1);
    let e = sfn
        .update_state_machine_alias()
        .state_machine_alias_arn(format!("{machine}:nope"))
        .description("x")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ResourceNotFound"));

    // Deleting the machine takes its versions and aliases with it.
    sfn.delete_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .send()
        .await
        .unwrap();
    sfn.delete_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    let e = sfn
        .describe_state_machine()
        .state_machine_arn(&v3)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("StateMachineDoesNotExist"));
    host.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
