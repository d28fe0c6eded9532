//! One call's retry state, shared by every request the call makes: its requests to the API and the
//! token requests (`POST /auth...`) made on its behalf. They draw on one count of retries, one
//! budget of 429 waits (`max_retry_wait`) and one deadline, so a token fetch that keeps failing
//! cannot take a call past the limits its caller set.

use super::retry::Throttled;
use crate::error::{DeadlineError, Error};
use std::time::{Duration, Instant};

pub(crate) struct Call {
    started: Instant,
    /// The call's total time, when it has one.
    pub deadline: Option<Duration>,
    /// The limit of each attempt (for messages).
    pub timeout: Duration,
    pub max_retries: u32,
    pub max_retry_wait: Duration,
    /// The API attempt under way, 1-based: what a response's `attempts` says (a resend after a
    /// refreshed token takes the refused attempt's number).
    pub attempt: u32,
    /// Requests sent to the API.
    pub sent: u32,
    /// Token requests sent.
    pub token_requests: u32,
    /// Failures retried after a backoff (connection errors, 5xx, timeouts), against `max_retries`.
    pub failures: u32,
    /// The 429s waited out, against `max_retry_wait`.
    pub throttled: Throttled,
    /// Resends after a closed connection (free, once).
    pub resent: u32,
    /// The token was refreshed after a 401 (once a call).
    pub refreshed: bool,
    /// A 429 wait already counted in `throttled` that the rate limiter is to hold the family for:
    /// the next slot may wait that long on top of what is left of `max_retry_wait`.
    pub granted: Duration,
    /// The last failure's message, for a deadline error.
    pub last: Option<String>,
}

impl Call {
    pub(crate) fn new(
        deadline: Option<Duration>,
        timeout: Duration,
        max_retries: u32,
        max_retry_wait: Duration,
    ) -> Call {
        Call {
            started: Instant::now(),
            deadline,
            timeout,
            max_retries,
            max_retry_wait,
            attempt: 0,
            sent: 0,
            token_requests: 0,
            failures: 0,
            throttled: Throttled::default(),
            resent: 0,
            refreshed: false,
            granted: Duration::ZERO,
            last: None,
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// What is left of the deadline; `None` without one.
    pub(crate) fn left(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_sub(self.elapsed()))
    }

    /// The longest the next request may wait for a server-asked rate-limit wait: what is left of
    /// `max_retry_wait` (with the wait just granted), and of the deadline.
    pub(crate) fn wait_budget(&self) -> Duration {
        let left = self
            .max_retry_wait
            .saturating_sub(self.throttled.waited)
            .saturating_add(self.granted);
        self.left().map_or(left, |d| d.min(left))
    }

    /// Remember a failure the call goes on after.
    pub(crate) fn note(&mut self, err: &Error) {
        self.last = Some(err.to_string());
    }

    /// The call's final error: a timeout learns how many attempts the request had, over how long
    /// (once: a token request's timeout keeps its own count on its way out of the API request).
    pub(crate) fn finish(&self, mut err: Error, token: bool) -> Error {
        if let Error::Timeout {
            attempts, elapsed, ..
        } = &mut err
            && elapsed.is_zero()
        {
            *attempts = if token {
                self.token_requests
            } else {
                self.sent
            };
            *elapsed = self.elapsed();
        }
        err
    }

    /// The error of a call whose deadline passed, or would pass before its next attempt could
    /// start (`last`: the failure it would have retried).
    pub(crate) fn deadline_exceeded(
        &self,
        method: &str,
        path: &str,
        last: Option<&Error>,
    ) -> Error {
        Error::DeadlineExceeded(Box::new(DeadlineError {
            method: method.to_owned(),
            path: path.to_owned(),
            deadline: self.deadline.unwrap_or_default(),
            timeout: self.timeout,
            attempts: self.sent,
            token_requests: self.token_requests,
            elapsed: self.elapsed(),
            last: last.map(Error::to_string).or_else(|| self.last.clone()),
        }))
    }
}
