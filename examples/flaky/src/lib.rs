//! Fails on purpose, to show Retry and Catch: a transient error on the first attempts, and a
//! permanent one for a card that is declined.
use serde::{Deserialize, Serialize};
use stepwise_guest::{Context, TaskError};

#[derive(Deserialize)]
struct Payment {
    card: String,
    amount: f64,
    /// How many attempts fail with a transient error before one succeeds.
    #[serde(default = "default_flakiness")]
    failures_before_success: u32,
}

fn default_flakiness() -> u32 {
    2
}

#[derive(Serialize)]
struct Charge {
    card: String,
    amount: f64,
    attempts: u32,
}

fn handler(payment: Payment, ctx: &Context) -> Result<Charge, TaskError> {
    if payment.card.starts_with("0000") {
        return Err(TaskError::new(
            "PaymentDeclined",
            format!("card {} was declined", payment.card),
        ));
    }
    if ctx.retry_count() < payment.failures_before_success {
        return Err(TaskError::new(
            "GatewayUnavailable",
            format!(
                "attempt {} could not reach the gateway",
                ctx.retry_count() + 1
            ),
        ));
    }
    Ok(Charge {
        card: payment.card,
        amount: payment.amount,
        attempts: ctx.retry_count() + 1,
    })
}

stepwise_guest::export_task!(handler);
