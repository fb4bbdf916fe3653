//! Retry and Catch: which retrier or catcher applies to a failure, and how long to back off.
//! Pure: the caller passes the attempt counts and a random draw for jitter, so the same inputs
//! always give the same delay.

use super::errors::Failure;
use crate::asl::model::{Catcher, JitterStrategy, Retrier};

/// What to do about a failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Run the state again after this many milliseconds; the retrier at `index` used one attempt.
    Retry {
        /// The retrier that applied.
        index: usize,
        /// The delay before the next attempt.
        delay_ms: u64,
    },
    /// The catcher at this index applies.
    Catch(usize),
    /// Nothing applies: the state fails.
    Fail,
}

/// Decides what to do about `failure`. `attempts[i]` is how many times retrier `i` has already
/// retried this state entry; `random` is a uniform draw in [0, 1) used by FULL jitter.
pub fn decide(
    failure: &Failure,
    retriers: &[Retrier],
    catchers: &[Catcher],
    attempts: &[u32],
    random: f64,
) -> Decision {
    if failure.is_fatal() {
        return Decision::Fail;
    }
    // The first retrier whose ErrorEquals matches decides, even when it has no attempts left:
    // AWS does not fall through to later retriers.
    if let Some(index) = retriers
        .iter()
        .position(|r| failure.matches_any(&r.error_equals))
    {
        let r = &retriers[index];
        let done = attempts.get(index).copied().unwrap_or(0);
        if u64::from(done) < r.max_attempts {
            return Decision::Retry {
                index,
                delay_ms: delay_ms(r, done, random),
            };
        }
    }
    match catchers
        .iter()
        .position(|c| failure.matches_any(&c.error_equals))
    {
        Some(i) => Decision::Catch(i),
        None => Decision::Fail,
    }
}

/// The delay before retry number `done + 1`: IntervalSeconds × BackoffRate^done, capped by
/// MaxDelaySeconds, then scaled by the random draw under FULL jitter.
pub fn delay_ms(r: &Retrier, done: u32, random: f64) -> u64 {
    let base = r.interval_seconds as f64 * r.backoff_rate.powi(done.min(1024) as i32);
    let capped = match r.max_delay_seconds {
        Some(max) => base.min(max as f64),
        None => base,
    };
    let seconds = match r.jitter_strategy {
        JitterStrategy::Full => capped * random,
        JitterStrategy::None => capped,
    };
    // Clamp to a year: a backoff rate can make the product overflow any integer.
    (seconds * 1000.0).clamp(0.0, 31_536_000_000.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrier(errors: &[&str], max_attempts: u64) -> Retrier {
        Retrier {
            error_equals: errors.iter().map(|s| s.to_string()).collect(),
            interval_seconds: 1,
            max_attempts,
            backoff_rate: 2.0,
            max_delay_seconds: None,
            jitter_strategy: JitterStrategy::None,
            comment: None,
        }
    }

    fn catcher(errors: &[&str]) -> Catcher {
        Catcher {
            error_equals: errors.iter().map(|s| s.to_string()).collect(),
            next: "X".into(),
            result_path: None,
            assign: None,
            output: None,
            comment: None,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut r = retrier(&["E"], 5);
        assert_eq!(delay_ms(&r, 0, 0.5), 1000);
        assert_eq!(delay_ms(&r, 2, 0.5), 4000);
        r.max_delay_seconds = Some(3);
        assert_eq!(delay_ms(&r, 2, 0.5), 3000);
        r.jitter_strategy = JitterStrategy::Full;
        assert_eq!(delay_ms(&r, 2, 0.5), 1500);
        r.backoff_rate = 1e300;
        r.max_delay_seconds = None;
        r.jitter_strategy = JitterStrategy::None;
        assert_eq!(delay_ms(&r, 100, 0.5), 31_536_000_000);
    }

    #[test]
    fn first_matching_retrier_decides_and_counts_are_per_retrier() {
        let retriers = [retrier(&["A"], 1), retrier(&["States.ALL"], 2)];
        let f = Failure::new("A", "");
        assert_eq!(
            decide(&f, &retriers, &[], &[0, 0], 0.0),
            Decision::Retry {
                index: 0,
                delay_ms: 1000
            }
        );
        // Retrier 0 is spent: no fall-through to States.ALL.
        assert_eq!(decide(&f, &retriers, &[], &[1, 0], 0.0), Decision::Fail);
        let g = Failure::new("B", "");
        assert_eq!(
            decide(&g, &retriers, &[], &[1, 1], 0.0),
            Decision::Retry {
                index: 1,
                delay_ms: 2000
            }
        );
    }

    #[test]
    fn catch_after_retries_and_runtime_is_never_handled() {
        let retriers = [retrier(&["A"], 0)];
        let catchers = [catcher(&["B"]), catcher(&["States.ALL"])];
        assert_eq!(
            decide(&Failure::new("A", ""), &retriers, &catchers, &[0], 0.0),
            Decision::Catch(1)
        );
        assert_eq!(
            decide(
                &Failure::new("States.Runtime", ""),
                &[retrier(&["States.Runtime"], 3)],
                &catchers,
                &[0],
                0.0
            ),
            Decision::Fail
        );
    }
}
