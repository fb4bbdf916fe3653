use super::*;

fn job(jobs: &'static [Job], action: &str) -> &'static Job {
    jobs.iter().find(|j| j.action == action).unwrap()
}

#[test]
fn an_ecs_task_ends_well_only_when_stopped_with_every_container_at_zero() {
    let ecs = job(ECS, "runTask");
    let submitted = json!({"Tasks": [{"TaskArn": "arn:task/1"}]});
    assert_eq!(
        (ecs.poll_parameters)(&json!({"Cluster": "c"}), &submitted),
        Some(json!({"Tasks": ["arn:task/1"], "Cluster": "c"}))
    );
    let running = json!({"Tasks": [{"LastStatus": "RUNNING"}]});
    assert_eq!((ecs.state)(&running), JobState::Running);
    let ok = json!({"Tasks": [{"LastStatus": "STOPPED", "Containers": [{"ExitCode": 0}]}]});
    assert_eq!(
        (ecs.state)(&ok),
        JobState::Succeeded(ok["Tasks"][0].clone())
    );
    let bad = json!({"Tasks": [{"LastStatus": "STOPPED", "Containers": [{"ExitCode": 0}, {"ExitCode": 2}]}]});
    assert_eq!((ecs.state)(&bad), JobState::Failed(bad["Tasks"][0].clone()));
    let unstarted = json!({"Tasks": [{"LastStatus": "STOPPED", "StopCode": "TaskFailedToStart", "Containers": [{}]}]});
    assert!(matches!((ecs.state)(&unstarted), JobState::Failed(_)));
    let (stop, params) = ecs.cancel.unwrap();
    assert_eq!(stop, "stopTask");
    assert_eq!(
        params(&json!({"Cluster": "c"}), &submitted).unwrap()["Task"],
        "arn:task/1"
    );
}

#[test]
fn athena_glue_and_codebuild_jobs_end_on_their_final_states() {
    let athena = job(ATHENA, "startQueryExecution");
    let submitted = json!({"QueryExecutionId": "q1"});
    assert_eq!(
        (athena.poll_parameters)(&json!({}), &submitted),
        Some(json!({"QueryExecutionId": "q1"}))
    );
    let state = |s: &str| json!({"QueryExecution": {"Status": {"State": s}}});
    assert_eq!((athena.state)(&state("RUNNING")), JobState::Running);
    assert_eq!(
        (athena.state)(&state("SUCCEEDED")),
        JobState::Succeeded(state("SUCCEEDED"))
    );
    assert!(matches!(
        (athena.state)(&state("FAILED")),
        JobState::Failed(_)
    ));

    let glue = job(GLUE, "startJobRun");
    // The run id alone does not name a Glue job run: the job's name comes from the parameters.
    assert_eq!(
        (glue.poll_parameters)(&json!({}), &json!({"JobRunId": "jr"})),
        None
    );
    assert_eq!(
        (glue.poll_parameters)(&json!({"JobName": "etl"}), &json!({"JobRunId": "jr"})),
        Some(json!({"JobName": "etl", "RunId": "jr"}))
    );
    let run = json!({"JobRun": {"Id": "jr", "JobRunState": "SUCCEEDED"}});
    assert_eq!(
        (glue.state)(&run),
        JobState::Succeeded(run["JobRun"].clone())
    );

    let build = job(CODEBUILD, "startBuild");
    let described = json!({"Builds": [{"Id": "b", "BuildStatus": "IN_PROGRESS"}]});
    assert_eq!((build.state)(&described), JobState::Running);
    let done = json!({"Builds": [{"Id": "b", "BuildStatus": "SUCCEEDED"}]});
    assert_eq!(
        (build.state)(&done),
        JobState::Succeeded(json!({"Build": done["Builds"][0]}))
    );
}

#[test]
fn sagemaker_and_mediaconvert_jobs_are_named_by_their_parameters_or_answers() {
    let training = job(SAGEMAKER, "createTrainingJob");
    assert_eq!(
        (training.poll_parameters)(&json!({"TrainingJobName": "t"}), &json!({})),
        Some(json!({"TrainingJobName": "t"}))
    );
    let d = json!({"TrainingJobStatus": "Stopped"});
    assert_eq!((training.state)(&d), JobState::Failed(d.clone()));
    let convert = job(MEDIACONVERT, "createJob");
    assert_eq!(
        (convert.poll_parameters)(&json!({}), &json!({"Job": {"Id": "m"}})),
        Some(json!({"Id": "m"}))
    );
}
