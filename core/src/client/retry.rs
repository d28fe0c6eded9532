//! Retry classification and backoff, as pure functions: what an attempt's outcome means (done,
//! retry, fail) and how long to wait before the next one. The execute loop applies them; the
//! tests here pin the rules without a server.

use std::time::Duration;

/// What to do with an attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Done,
    Retry,
    Fail,
}

/// An answer with `status`.
pub(crate) fn classify_status(status: u16, idempotent: bool) -> Verdict {
    match status {
        200..=299 => Verdict::Done,
        // The server refused before doing anything: retrying is safe for every method.
        429 => Verdict::Retry,
        500 | 502 | 503 | 504 if idempotent => Verdict::Retry,
        _ => Verdict::Fail,
    }
}

/// No (complete) answer. `connect`: the connection never opened, so nothing reached the server
/// and any method may be sent again; otherwise only an idempotent one.
pub(crate) fn classify_transport(connect: bool, idempotent: bool) -> Verdict {
    if connect || idempotent {
        Verdict::Retry
    } else {
        Verdict::Fail
    }
}

/// A request sent on a connection the server had closed without answering (a pooled keep-alive
/// connection it dropped while idle, or while the process was frozen, as on AWS Lambda) is sent
/// again at once on a new connection, without using up a retry, when it is idempotent, once per
/// call. A write is not: the connection closed after it was written, and nothing proves the server
/// did not act on it (the rule of Go's net/http and of browsers). A write that never left (hyper
/// found the pooled connection closed before writing) is resent by the HTTP client itself, so
/// that case succeeds for every method.
pub(crate) fn resend_on_closed(idempotent: bool, resent: u32) -> bool {
    idempotent && resent == 0
}

/// A token request (`POST /auth...`) has rules of its own: a 5xx or a transport failure is
/// retried (it only asks for a token, sending it twice does no harm), a 429 is waited out as any
/// call's is, any other refusal is final.
pub(crate) fn classify_auth_status(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Done,
        429 | 500.. => Verdict::Retry,
        _ => Verdict::Fail,
    }
}

/// Exponential backoff with "equal jitter".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The delay after failed attempt number `attempt` (1-based), for `jitter` in `[0, 1)`:
    /// `base * 2^(attempt-1)` capped at `max`, then between half of it and all of it, so
    /// retries never collapse to zero.
    pub(crate) fn delay_with(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max);
        cap / 2 + cap.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
    }

    /// [`delay_with`](Self::delay_with) with a random jitter.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, fastrand::f64())
    }
}

/// How long to wait before sending again after attempt number `attempt` asked for a retry, or
/// `None` to give up: the retries are spent (`attempt > max_retries`), or the server asked for a
/// longer wait than the client sleeps through (`max_retry_wait`).
pub(crate) fn next_wait(
    attempt: u32,
    max_retries: u32,
    server_wait: Option<Duration>,
    max_retry_wait: Duration,
    backoff: &Backoff,
) -> Option<Duration> {
    if attempt > max_retries {
        return None;
    }
    match server_wait {
        Some(w) if w > max_retry_wait => None,
        Some(w) => Some(w),
        None => Some(backoff.delay(attempt)),
    }
}

/// The most 429s one call waits out before giving up (with `max_retry_wait`, whichever comes first).
pub(crate) const MAX_THROTTLED: u32 = 100;

/// The 429s of one call so far: how many, and how long they made it wait.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Throttled {
    pub count: u32,
    pub waited: Duration,
}

/// How long to wait after a 429, or `None` to give up. A 429 means the subscription's budget is
/// spent, by this process or by others sharing it (several workers, other scripts): the server did
/// nothing and said when to come back. So it does not use up `max_retries` (which would fail calls
/// merely because others were busy); the call gives up once the waits would add up to more than
/// `max_retry_wait`, or at once when retries are off (`max_retries` 0).
///
/// A server wait shorter than the backoff for this many 429s is raised to it, and a call sees at
/// most [`MAX_THROTTLED`] 429s: a storm of `X-RateLimit-ToWait-Sec: 0` answers would otherwise
/// never add up to `max_retry_wait` and resend without end.
pub(crate) fn throttled_wait(
    max_retries: u32,
    server_wait: Option<Duration>,
    so_far: &mut Throttled,
    max_retry_wait: Duration,
    backoff: &Backoff,
) -> Option<Duration> {
    if max_retries == 0 {
        return None;
    }
    if so_far.count >= MAX_THROTTLED {
        return None;
    }
    let floor = backoff.delay(so_far.count + 1);
    let wait = server_wait.map_or(floor, |w| w.max(floor));
    let waited = so_far.waited.saturating_add(wait);
    if waited > max_retry_wait {
        return None;
    }
    so_far.count += 1;
    so_far.waited = waited;
    Some(wait)
}

/// A 401 is answered by fetching a new token and sending once more, without counting a retry,
/// when the credentials can make a new token and this call has not refreshed already.
pub(crate) fn refresh_on_401(status: Option<u16>, refreshed: bool, can_refresh: bool) -> bool {
    status == Some(401) && !refreshed && can_refresh
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        base: Duration::from_millis(500),
        max: Duration::from_secs(8),
    };

    #[test]
    fn a_storm_of_zero_second_waits_ends() {
        let mut so_far = Throttled::default();
        let zero = Some(Duration::ZERO);
        let mut n = 0;
        while let Some(w) = throttled_wait(1, zero, &mut so_far, Duration::from_secs(120), &B) {
            // Backed off like an unsaid wait, never a hot loop.
            assert!(
                w >= B.delay_with(n + 1, 0.0),
                "429 number {}: waited {w:?}",
                n + 1
            );
            n += 1;
            assert!(n <= MAX_THROTTLED);
        }
        assert!(
            n > 1 && so_far.waited <= Duration::from_secs(120),
            "{n} waits, {so_far:?}"
        );
        let free = Backoff {
            base: Duration::ZERO,
            max: Duration::ZERO,
        };
        let mut so_far = Throttled::default();
        let mut n = 0;
        while throttled_wait(1, zero, &mut so_far, Duration::from_secs(120), &free).is_some() {
            n += 1;
        }
        assert_eq!(n, MAX_THROTTLED, "no backoff at all: the count bounds it");
    }

    #[test]
    fn statuses() {
        for idempotent in [true, false] {
            assert_eq!(classify_status(200, idempotent), Verdict::Done);
            assert_eq!(classify_status(204, idempotent), Verdict::Done);
            assert_eq!(classify_status(429, idempotent), Verdict::Retry);
            for s in [400, 401, 403, 404, 409, 501, 505] {
                assert_eq!(classify_status(s, idempotent), Verdict::Fail, "{s}");
            }
        }
        for s in [500, 502, 503, 504] {
            assert_eq!(classify_status(s, true), Verdict::Retry);
            assert_eq!(
                classify_status(s, false),
                Verdict::Fail,
                "a write is not sent twice"
            );
        }
    }

    #[test]
    fn transport_failures() {
        assert_eq!(classify_transport(true, false), Verdict::Retry);
        assert_eq!(classify_transport(true, true), Verdict::Retry);
        assert_eq!(classify_transport(false, true), Verdict::Retry);
        assert_eq!(classify_transport(false, false), Verdict::Fail);
    }

    #[test]
    fn a_closed_connection_is_resent_once_when_idempotent() {
        assert!(resend_on_closed(true, 0));
        assert!(!resend_on_closed(true, 1));
        assert!(!resend_on_closed(false, 0));
    }

    #[test]
    fn auth_statuses() {
        assert_eq!(classify_auth_status(201), Verdict::Done);
        assert_eq!(classify_auth_status(503), Verdict::Retry);
        assert_eq!(classify_auth_status(401), Verdict::Fail);
        assert_eq!(classify_auth_status(429), Verdict::Retry);
        assert_eq!(classify_auth_status(403), Verdict::Fail);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_equal_jitter() {
        assert_eq!(B.delay_with(1, 0.0), Duration::from_millis(250));
        assert_eq!(B.delay_with(1, 1.0), Duration::from_millis(500));
        assert_eq!(B.delay_with(2, 0.0), Duration::from_millis(500));
        assert_eq!(B.delay_with(3, 1.0), Duration::from_secs(2));
        assert_eq!(B.delay_with(5, 1.0), Duration::from_secs(8));
        assert_eq!(B.delay_with(40, 0.0), Duration::from_secs(4));
        for _ in 0..100 {
            let d = B.delay(2);
            assert!(d >= Duration::from_millis(500) && d <= Duration::from_secs(1));
        }
    }

    #[test]
    fn waits_and_giving_up() {
        let max_wait = Duration::from_secs(120);
        assert_eq!(next_wait(4, 3, None, max_wait, &B), None);
        assert!(next_wait(3, 3, None, max_wait, &B).is_some());
        assert_eq!(
            next_wait(1, 0, None, max_wait, &B),
            None,
            "0 disables retrying"
        );
        let asked = Duration::from_secs(30);
        assert_eq!(next_wait(1, 3, Some(asked), max_wait, &B), Some(asked));
        assert_eq!(
            next_wait(1, 3, Some(Duration::from_secs(121)), max_wait, &B),
            None
        );
        assert_eq!(
            next_wait(1, 3, Some(max_wait), max_wait, &B),
            Some(max_wait),
            "a wait of exactly max_retry_wait is waited out"
        );
    }

    #[test]
    fn a_429_wait_may_use_up_max_retry_wait_exactly() {
        let max_wait = Duration::from_secs(9);
        let mut so_far = Throttled::default();
        let asked = Some(Duration::from_secs(3));
        for n in 1..=3 {
            assert_eq!(
                throttled_wait(1, asked, &mut so_far, max_wait, &B),
                Some(Duration::from_secs(3)),
                "429 number {n}"
            );
        }
        assert_eq!(so_far.waited, max_wait);
        assert_eq!(
            throttled_wait(1, Some(Duration::ZERO), &mut so_far, max_wait, &B),
            None,
            "nothing is left of max_retry_wait for the backoff"
        );
    }

    #[test]
    fn a_429_waits_without_using_up_the_retries() {
        let max_wait = Duration::from_secs(10);
        let mut so_far = Throttled::default();
        let asked = Some(Duration::from_secs(3));
        for _ in 0..3 {
            assert_eq!(
                throttled_wait(1, asked, &mut so_far, max_wait, &B),
                Some(Duration::from_secs(3))
            );
        }
        assert_eq!(so_far.count, 3, "more 429s than max_retries");
        assert_eq!(
            throttled_wait(1, asked, &mut so_far, max_wait, &B),
            None,
            "12 s in all would pass max_retry_wait"
        );
        assert_eq!(
            throttled_wait(0, asked, &mut Throttled::default(), max_wait, &B),
            None,
            "0 disables retrying"
        );
        let unsaid = throttled_wait(3, None, &mut Throttled::default(), max_wait, &B).unwrap();
        assert!(unsaid >= Duration::from_millis(250) && unsaid <= Duration::from_millis(500));
    }

    #[test]
    fn refresh_once_on_401() {
        assert!(refresh_on_401(Some(401), false, true));
        assert!(!refresh_on_401(Some(401), true, true));
        assert!(!refresh_on_401(Some(401), false, false));
        assert!(!refresh_on_401(Some(403), false, true));
        assert!(!refresh_on_401(None, false, true));
    }
}
