//! Scores a loan application and decides: APPROVED, REVIEW or DECLINED.
use serde::{Deserialize, Serialize};
use stepwise_guest::{Context, Level, TaskError};

#[derive(Deserialize)]
struct Application {
    applicant: String,
    amount: f64,
    income: f64,
    #[serde(default)]
    missed_payments: u32,
}

#[derive(Serialize)]
struct Decision {
    applicant: String,
    score: u32,
    decision: &'static str,
}

fn handler(app: Application, ctx: &Context) -> Result<Decision, TaskError> {
    if !(app.amount > 0.0 && app.income >= 0.0) {
        return Err(TaskError::new(
            "InvalidApplication",
            "the amount must be positive and the income not negative",
        ));
    }
    // A toy score from 300 to 800: income against the amount asked, less for each missed
    // payment.
    let ratio = (app.income / app.amount).min(1.0);
    let score = ((ratio * 500.0) as u32 + 300).saturating_sub(app.missed_payments * 60);
    let decision = match score {
        650.. => "APPROVED",
        500..650 => "REVIEW",
        _ => "DECLINED",
    };
    ctx.log(
        Level::Info,
        &format!("{} scored {score}: {decision}", app.applicant),
    );
    Ok(Decision {
        applicant: app.applicant,
        score,
        decision,
    })
}

stepwise_guest::export_task!(handler);
