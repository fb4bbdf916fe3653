//! `.sync` for AWS services: how each optimized integration that starts a job learns that the
//! job ended. These services offer nothing to wait on, so the job is polled with its describe
//! action, at 1 s and then at a doubling interval up to 30 s, until it reaches a final state.
//! A job that ends well gives the state its description; one that fails, stops or times out
//! fails the state with `States.TaskFailed` and the description as the cause, as AWS recorded
//! for ECS. An aborted task cancels its job with the service's stop action.

use serde_json::{Value, json};

/// Where a job is.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    /// Still going.
    Running,
    /// Ended well: the state's result.
    Succeeded(Value),
    /// Failed, stopped or timed out: the cause.
    Failed(Value),
}

/// Parameters of a follow-up call, from the start action's parameters and response; None
/// when they do not name the job.
pub type FollowUp = fn(&Value, &Value) -> Option<Value>;

/// How one action's job is waited for and cancelled.
pub struct Job {
    /// The action that starts the job (`runTask`).
    pub action: &'static str,
    /// The action that describes it (`describeTasks`).
    pub poll: &'static str,
    /// The describe action's parameters, from the start action's parameters and response.
    pub poll_parameters: FollowUp,
    /// Where the job is, from the describe action's response.
    pub state: fn(&Value) -> JobState,
    /// The action that stops it, and its parameters.
    pub cancel: Option<(&'static str, FollowUp)>,
}

fn text(v: &Value) -> Option<Value> {
    v.as_str().map(|s| Value::String(s.to_owned()))
}

/// Maps a job's status `at` to a [`JobState`]: `done` ends well, `failed` does not, anything
/// else is still running. The result is `result` of the description.
fn by_status(
    description: &Value,
    at: &[&str],
    done: &[&str],
    failed: &[&str],
    result: Value,
) -> JobState {
    let mut status = description;
    for key in at {
        status = &status[*key];
    }
    match status.as_str() {
        Some(s) if done.contains(&s) => JobState::Succeeded(result),
        Some(s) if failed.contains(&s) => JobState::Failed(result),
        _ => JobState::Running,
    }
}

/// ECS `runTask.sync`: the task, once STOPPED; failed if it did not start or an essential
/// container exited non-zero.
pub const ECS: &[Job] = &[Job {
    action: "runTask",
    poll: "describeTasks",
    poll_parameters: |params, submitted| {
        let task = text(&submitted["Tasks"][0]["TaskArn"])?;
        let mut p = json!({"Tasks": [task]});
        if let Some(cluster) = text(&params["Cluster"]) {
            p["Cluster"] = cluster;
        }
        Some(p)
    },
    state: |described| {
        let task = &described["Tasks"][0];
        if task["LastStatus"] != "STOPPED" {
            return JobState::Running;
        }
        let failed_to_start = task["StopCode"] == "TaskFailedToStart";
        let exited_badly = task["Containers"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["ExitCode"].as_i64().is_some_and(|code| code != 0))
        });
        if failed_to_start || exited_badly {
            JobState::Failed(task.clone())
        } else {
            JobState::Succeeded(task.clone())
        }
    },
    cancel: Some(("stopTask", |params, submitted| {
        let mut p = json!({"Task": text(&submitted["Tasks"][0]["TaskArn"])?, "Reason": "Task stopped by Step Functions"});
        if let Some(cluster) = text(&params["Cluster"]) {
            p["Cluster"] = cluster;
        }
        Some(p)
    })),
}];

/// Athena `startQueryExecution.sync`: GetQueryExecution's answer once the query ends.
pub const ATHENA: &[Job] = &[Job {
    action: "startQueryExecution",
    poll: "getQueryExecution",
    poll_parameters: |_, submitted| {
        Some(json!({"QueryExecutionId": text(&submitted["QueryExecutionId"])?}))
    },
    state: |d| {
        by_status(
            d,
            &["QueryExecution", "Status", "State"],
            &["SUCCEEDED"],
            &["FAILED", "CANCELLED"],
            d.clone(),
        )
    },
    cancel: Some(("stopQueryExecution", |_, submitted| {
        Some(json!({"QueryExecutionId": text(&submitted["QueryExecutionId"])?}))
    })),
}];

/// Glue `startJobRun.sync`: the job run once it ends.
pub const GLUE: &[Job] = &[Job {
    action: "startJobRun",
    poll: "getJobRun",
    poll_parameters: |params, submitted| {
        Some(json!({"JobName": text(&params["JobName"])?, "RunId": text(&submitted["JobRunId"])?}))
    },
    state: |d| {
        by_status(
            d,
            &["JobRun", "JobRunState"],
            &["SUCCEEDED"],
            &["FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"],
            d["JobRun"].clone(),
        )
    },
    cancel: Some(("batchStopJobRun", |params, submitted| {
        Some(
            json!({"JobName": text(&params["JobName"])?, "JobRunIds": [text(&submitted["JobRunId"])?]}),
        )
    })),
}];

/// CodeBuild `startBuild.sync`: the build once it ends.
pub const CODEBUILD: &[Job] = &[Job {
    action: "startBuild",
    poll: "batchGetBuilds",
    poll_parameters: |_, submitted| Some(json!({"Ids": [text(&submitted["Build"]["Id"])?]})),
    state: |d| {
        by_status(
            &d["Builds"][0],
            &["BuildStatus"],
            &["SUCCEEDED"],
            &["FAILED", "FAULT", "TIMED_OUT", "STOPPED"],
            json!({"Build": d["Builds"][0]}),
        )
    },
    cancel: Some(("stopBuild", |_, submitted| {
        Some(json!({"Id": text(&submitted["Build"]["Id"])?}))
    })),
}];

/// EMR, on the shapes Step Functions gives its actions (`ClusterId`, `StepId`): a cluster
/// that is up (`createCluster.sync`), a step that ran (`addStep.sync`), a cluster that is gone
/// (`terminateCluster.sync`).
pub const EMR: &[Job] = &[
    Job {
        action: "createCluster",
        poll: "describeCluster",
        poll_parameters: |_, submitted| Some(json!({"ClusterId": text(&submitted["ClusterId"])?})),
        state: |d| {
            by_status(
                d,
                &["Cluster", "Status", "State"],
                &["WAITING", "RUNNING"],
                &["TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS"],
                d["Cluster"].clone(),
            )
        },
        cancel: Some(("terminateJobFlows", |_, submitted| {
            Some(json!({"JobFlowIds": [text(&submitted["ClusterId"])?]}))
        })),
    },
    Job {
        action: "addStep",
        poll: "describeStep",
        poll_parameters: |params, submitted| {
            Some(
                json!({"ClusterId": text(&params["ClusterId"])?, "StepId": text(&submitted["StepId"])?}),
            )
        },
        state: |d| {
            by_status(
                d,
                &["Step", "Status", "State"],
                &["COMPLETED"],
                &["CANCELLED", "FAILED", "INTERRUPTED"],
                d["Step"].clone(),
            )
        },
        cancel: Some(("cancelSteps", |params, submitted| {
            Some(
                json!({"ClusterId": text(&params["ClusterId"])?, "StepIds": [text(&submitted["StepId"])?]}),
            )
        })),
    },
    Job {
        action: "terminateCluster",
        poll: "describeCluster",
        poll_parameters: |params, _| Some(json!({"ClusterId": text(&params["ClusterId"])?})),
        state: |d| {
            by_status(
                d,
                &["Cluster", "Status", "State"],
                &["TERMINATED", "TERMINATED_WITH_ERRORS"],
                &[],
                d["Cluster"].clone(),
            )
        },
        cancel: None,
    },
];

/// Step Functions `startExecution.sync` (and `.sync:2`) on a forwarded Step Functions:
/// DescribeExecution's answer once the execution ends.
pub const STATES: &[Job] = &[Job {
    action: "startExecution",
    poll: "describeExecution",
    poll_parameters: |_, submitted| {
        Some(json!({"ExecutionArn": text(&submitted["ExecutionArn"])?}))
    },
    state: |d| {
        by_status(
            d,
            &["Status"],
            &["SUCCEEDED"],
            &["FAILED", "TIMED_OUT", "ABORTED"],
            d.clone(),
        )
    },
    cancel: Some(("stopExecution", |_, submitted| {
        Some(json!({"ExecutionArn": text(&submitted["ExecutionArn"])?}))
    })),
}];

/// Batch `submitJob.sync` on a forwarded Batch: the job once it ends.
pub const BATCH: &[Job] = &[Job {
    action: "submitJob",
    poll: "describeJobs",
    poll_parameters: |_, submitted| Some(json!({"Jobs": [text(&submitted["JobId"])?]})),
    state: |d| {
        by_status(
            &d["Jobs"][0],
            &["Status"],
            &["SUCCEEDED"],
            &["FAILED"],
            d["Jobs"][0].clone(),
        )
    },
    cancel: Some(("terminateJob", |_, submitted| {
        Some(
            json!({"JobId": text(&submitted["JobId"])?, "Reason": "Task stopped by Step Functions"}),
        )
    })),
}];

/// MediaConvert `createJob.sync`: the job once it ends.
pub const MEDIACONVERT: &[Job] = &[Job {
    action: "createJob",
    poll: "getJob",
    poll_parameters: |_, submitted| Some(json!({"Id": text(&submitted["Job"]["Id"])?})),
    state: |d| {
        by_status(
            d,
            &["Job", "Status"],
            &["COMPLETE"],
            &["ERROR", "CANCELED"],
            d.clone(),
        )
    },
    cancel: Some(("cancelJob", |_, submitted| {
        Some(json!({"Id": text(&submitted["Job"]["Id"])?}))
    })),
}];

/// SageMaker training and transform jobs: their description once they end.
pub const SAGEMAKER: &[Job] = &[
    Job {
        action: "createTrainingJob",
        poll: "describeTrainingJob",
        poll_parameters: |params, _| {
            Some(json!({"TrainingJobName": text(&params["TrainingJobName"])?}))
        },
        state: |d| {
            by_status(
                d,
                &["TrainingJobStatus"],
                &["Completed"],
                &["Failed", "Stopped"],
                d.clone(),
            )
        },
        cancel: Some(("stopTrainingJob", |params, _| {
            Some(json!({"TrainingJobName": text(&params["TrainingJobName"])?}))
        })),
    },
    Job {
        action: "createTransformJob",
        poll: "describeTransformJob",
        poll_parameters: |params, _| {
            Some(json!({"TransformJobName": text(&params["TransformJobName"])?}))
        },
        state: |d| {
            by_status(
                d,
                &["TransformJobStatus"],
                &["Completed"],
                &["Failed", "Stopped"],
                d.clone(),
            )
        },
        cancel: Some(("stopTransformJob", |params, _| {
            Some(json!({"TransformJobName": text(&params["TransformJobName"])?}))
        })),
    },
];

#[cfg(test)]
mod tests;
