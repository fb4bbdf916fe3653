//! Services: the service integrations this host provides (Lambda as WebAssembly functions,
//! Step Functions, SQS, SNS, Batch, HTTP) and the AWS SDK integration that calls every other
//! AWS service where an AWS SDK would, registered in one place into the
//! [`TaskResources`] that run Task states and answer guests' calls, with the handles the API
//! serves SQS, SNS and Batch through.
//!
//! Must not: reach executions but through the [`ChildExecutions`] it is given.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::arn::Identity;
use crate::integrations::activity::ActivityQueues;
use crate::integrations::aws::apigateway::ApiGateway;
use crate::integrations::aws::optimized::Optimized;
use crate::integrations::aws::{AwsClient, AwsConfig};
use crate::integrations::http::HttpInvoke;
use crate::integrations::map_run::MapRunChildren;
use crate::integrations::s3::S3Items;
use crate::integrations::states::{ChildExecutions, StepFunctions};
use crate::integrations::{TaskResources, batch, sns, sqs};
use crate::runtime::Runtime;
use crate::store::Store;

/// The integrations, and the services' own state.
#[derive(Clone)]
pub struct Services {
    /// Runs Task states' resources and serves guests' calls.
    pub resources: Arc<TaskResources>,
    /// AWS Batch's jobs.
    pub batch: Arc<batch::Jobs>,
    /// The built-in SQS queues.
    pub sqs: sqs::Queues,
    /// The built-in SNS topics.
    pub sns: sns::Topics,
    /// The HTTP Task, which TestState also calls directly to trace what it sends.
    pub http: HttpInvoke,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("resources", &self.resources)
            .finish_non_exhaustive()
    }
}

/// What the services are built from.
pub struct ServiceParts<'a> {
    /// Durable state of queues, topics and jobs.
    pub store: Arc<dyn Store>,
    /// Region and account of the ARNs they mint.
    pub identity: &'a Identity,
    /// The WebAssembly functions.
    pub runtime: Arc<Runtime>,
    /// Where activity tasks wait for workers.
    pub activities: Arc<ActivityQueues>,
    /// Hosts HTTP Tasks may call.
    pub http_allowed_hosts: Vec<String>,
    /// Where and as whom AWS SDK integrations call AWS.
    pub aws: AwsConfig,
    /// Child executions, for `states:startExecution`.
    pub children: Arc<dyn ChildExecutions>,
    /// The services' stored objects.
    pub objects: &'a BTreeMap<String, BTreeMap<String, String>>,
}

impl Services {
    /// Every integration of the host, registered by its name in
    /// `arn:aws:states:::<name>:<action>`.
    pub fn new(parts: ServiceParts<'_>) -> Services {
        let ServiceParts {
            store,
            identity,
            runtime,
            activities,
            http_allowed_hosts,
            aws,
            children,
            objects,
        } = parts;
        let forward = aws.forward.clone();
        let aws = Arc::new(AwsClient::new(aws, &identity.region));
        let batch = batch::Jobs::load(store.clone(), objects, runtime.clone(), identity);
        let queues = sqs::Queues::new(store.clone(), identity, objects);
        let topics = sns::Topics::new(store, identity, queues.clone(), objects);
        let http = HttpInvoke::new(http_allowed_hosts);
        let mut resources = TaskResources::new(runtime)
            .with_activities(activities)
            .with_aws(aws.clone())
            .with_service("states", Arc::new(StepFunctions::new(children.clone())))
            // A Distributed Map's iterations: `mapRun:startExecution.sync`.
            .with_service("mapRun", Arc::new(MapRunChildren::new(children)))
            .with_service("batch", Arc::new(batch::Batch::new(batch.clone())))
            .with_service("http", Arc::new(http.clone()))
            .with_service("sqs", Arc::new(queues.clone()))
            .with_service("sns", Arc::new(topics.clone()));
        // After the built-in ones: a forwarded built-in replaces the local one.
        for (name, service) in Optimized::all(&aws, &forward) {
            resources = resources.with_service(name, service);
        }
        resources = resources.with_service("apigateway", Arc::new(ApiGateway::new(aws.clone())));
        // A Distributed Map's ItemReader: `arn:aws:states:::s3:getObject` / `listObjectsV2`.
        resources = resources.with_service("s3", Arc::new(S3Items::new(aws.clone())));
        Services {
            resources: Arc::new(resources),
            batch,
            sqs: queues,
            sns: topics,
            http,
        }
    }
}
