// Scores a loan application and decides: APPROVED, REVIEW or DECLINED (the Rust credit-check
// example, in JavaScript).
import { TaskError, task } from 'stepwise-task';

export const handler = task(async (app) => {
  const amount = Number(app.amount ?? 0);
  const income = Number(app.income ?? -1);
  if (!(amount > 0 && income >= 0)) {
    throw new TaskError('InvalidApplication', 'the amount must be positive and the income not negative');
  }
  // A toy score from 300 to 800: income against the amount asked, less for each missed
  // payment.
  const ratio = Math.min(income / amount, 1);
  const score = Math.max(Math.trunc(ratio * 500) + 300 - (app.missed_payments ?? 0) * 60, 0);
  const decision = score >= 650 ? 'APPROVED' : score >= 500 ? 'REVIEW' : 'DECLINED';
  console.log(`${app.applicant} scored ${score}: ${decision}`);
  return { applicant: app.applicant, score, decision };
});
