"""Scores a loan application and decides: APPROVED, REVIEW or DECLINED (the Rust credit-check
example, in Python)."""

import logging

from stepwise_task import TaskError, task

log = logging.getLogger("credit-check")


@task
def handler(app, ctx):
    amount = float(app.get("amount", 0))
    income = float(app.get("income", -1))
    if not (amount > 0 and income >= 0):
        raise TaskError(
            "InvalidApplication", "the amount must be positive and the income not negative"
        )
    # A toy score from 300 to 800: income against the amount asked, less for each missed
    # payment.
    ratio = min(income / amount, 1.0)
    score = max(int(ratio * 500) + 300 - int(app.get("missed_payments", 0)) * 60, 0)
    decision = "APPROVED" if score >= 650 else "REVIEW" if score >= 500 else "DECLINED"
    log.info("%s scored %d: %s", app["applicant"], score, decision)
    return {"applicant": app["applicant"], "score": score, "decision": decision}
