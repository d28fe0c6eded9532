//! Client-side rate limiting per endpoint family (API.md §5.3), fed by the `X-RateLimit-*` headers.
//!
//! Qualys limits each endpoint family per subscription (`images/list` 120 calls / 60 s, `images/**`
//! 5,000 / 60 s, ...). Rather than hard-coding those numbers, the limiter learns them from the headers of
//! the first response of each family and from then on keeps every window under the limit, so prefetch and
//! fan-out queue briefly instead of turning into 429 storms. A 429 or `Remaining: 0` blocks the family for
//! the time the server asks (held at most `max_retry_wait`); a call that finds its family blocked for
//! longer than it may wait (what is left of its deadline or of its `max_retry_wait`) fails at once,
//! whichever of the two answers said so, instead of sleeping.

use reqwest::header::HeaderMap;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Rate-limit state the server reported with a response.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RateLimitInfo {
    /// `X-RateLimit-Limit`: calls allowed in the window.
    pub limit: Option<u32>,
    /// `X-RateLimit-Remaining`: calls left in the window.
    pub remaining: Option<u32>,
    /// `X-RateLimit-Window-Sec`: window length in seconds.
    pub window_secs: Option<u64>,
    /// `X-RateLimit-ToWait-Sec`, else `Retry-After`: seconds to wait before the next call.
    pub to_wait_secs: Option<u64>,
    /// `X-Concurrency-Limit-Limit`.
    pub concurrency_limit: Option<u32>,
    /// `X-Concurrency-Limit-Running`.
    pub concurrency_running: Option<u32>,
}

/// The largest call limit believed (Qualys' largest family limit is 5,000 a minute): a server
/// saying more is read as this much, so the limiter's bookkeeping stays small.
pub const MAX_LIMIT: u32 = 1_000_000;
/// The longest wait believed from a header, in seconds (a day): longer is read as a day, and the
/// client's `max_retry_wait` bounds what it actually sleeps.
pub const MAX_WAIT_SECS: u64 = 86_400;
/// The longest rate-limit window believed, in seconds: an hour, the longest Qualys documents
/// (csapi families count per minute).
pub const MAX_WINDOW_SECS: u64 = 3_600;

/// A header number clamped into `lo..=hi`; an unparsable or negative value is absent.
fn header_clamped(headers: &HeaderMap, name: &str, lo: u64, hi: u64) -> Option<u64> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    // Digits only: a value past u64 is still "very large", not absent.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse::<u64>().unwrap_or(u64::MAX).clamp(lo, hi))
}

fn header_count(headers: &HeaderMap, name: &str) -> Option<u32> {
    header_clamped(headers, name, 0, u64::from(MAX_LIMIT)).map(|n| n as u32)
}

impl RateLimitInfo {
    /// Read the rate-limit headers; `None` when the response carried none.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let info = RateLimitInfo {
            limit: header_count(headers, "x-ratelimit-limit"),
            remaining: header_count(headers, "x-ratelimit-remaining"),
            window_secs: header_clamped(headers, "x-ratelimit-window-sec", 0, MAX_WINDOW_SECS),
            to_wait_secs: header_clamped(headers, "x-ratelimit-towait-sec", 0, MAX_WAIT_SECS)
                .or_else(|| header_clamped(headers, "retry-after", 0, MAX_WAIT_SECS)),
            concurrency_limit: header_count(headers, "x-concurrency-limit-limit"),
            concurrency_running: header_count(headers, "x-concurrency-limit-running"),
        };
        (info != RateLimitInfo::default()).then_some(info)
    }

    /// How long the server asked us to wait, if it did (at most [`MAX_WAIT_SECS`]).
    pub fn wait(&self) -> Option<Duration> {
        self.to_wait_secs
            .map(|s| Duration::from_secs(s.min(MAX_WAIT_SECS)))
    }
}

#[derive(Default)]
struct FamilyState {
    limit: Option<u32>,
    window: Duration,
    /// When recent calls of this family were answered, oldest first, as `(when, how many)`:
    /// calls answered close together share one entry (see [`FamilyState::push_done`]), so the
    /// log stays a few hundred entries per window whatever the limit or the call rate.
    done: VecDeque<(Instant, usize)>,
    /// The calls in `done`.
    done_calls: usize,
    /// Calls sent (or about to be) and not answered yet.
    in_flight: usize,
    blocked_until: Option<Instant>,
    /// Until when the server asked this family to wait, as it said it (at most
    /// [`MAX_WAIT_SECS`]); `blocked_until` holds at most `max_wait` of it.
    asked_until: Option<Instant>,
    /// A response of this family was seen: the limit (or its absence) is known.
    known: bool,
    /// When the first call of the family (the probe) was sent, while its answer is awaited.
    probe_since: Option<Instant>,
    /// Wakes the family's waiters when a place may have been freed (an answer, a call that ended
    /// unanswered or unsent), so they re-check at once instead of polling.
    wake: Arc<Notify>,
}

/// Answers this close together (a window's 1/256th) share one entry of the log.
const BUCKETS_PER_WINDOW: u32 = 256;

impl FamilyState {
    fn expire(&mut self, now: Instant) {
        while let Some(&(t, n)) = self.done.front() {
            if now.duration_since(t) < self.window {
                break;
            }
            self.done.pop_front();
            self.done_calls -= n;
        }
    }

    /// Log `n` calls answered at `now`. Joining the newest entry moves it to `now`: its calls
    /// then count a little longer (at most 1/256th of a window), never shorter, so the limit holds.
    fn push_done(&mut self, now: Instant, n: usize) {
        if n == 0 {
            return;
        }
        self.done_calls += n;
        let grain = self.window / BUCKETS_PER_WINDOW;
        if let Some(back) = self.done.back_mut()
            && now.duration_since(back.0) <= grain
        {
            back.0 = now;
            back.1 += n;
            return;
        }
        self.done.push_back((now, n));
    }

    /// Calls that may still count in the server's current window.
    fn used(&self) -> usize {
        self.done_calls + self.in_flight
    }

    /// Learn from an answer (see [`Slot::observe`]); a wait it asks for is held at most `max_wait`.
    fn observe(&mut self, info: Option<&RateLimitInfo>, status: u16, max_wait: Duration) {
        let st = self;
        let now = Instant::now();
        st.known = true;
        st.probe_since = None;
        st.in_flight = st.in_flight.saturating_sub(1);
        let Some(info) = info else {
            // Unlimited (so far): keep no log.
            if st.limit.is_some() {
                st.push_done(now, 1);
            }
            return;
        };
        if let (Some(limit), Some(window)) = (info.limit, info.window_secs) {
            st.limit = Some(limit);
            st.window = Duration::from_secs(window.max(1));
        }
        if let Some(limit) = st.limit {
            st.push_done(now, 1);
            // The server counts the whole subscription (other scripts too): never believe we
            // have more calls left than it says.
            if let Some(remaining) = info.remaining {
                st.expire(now);
                let used = limit.saturating_sub(remaining) as usize;
                let missing = used.saturating_sub(st.used());
                st.push_done(now, missing);
            }
        }
        let exhausted = info.remaining == Some(0) || status == 429;
        if exhausted {
            let wait = info
                .wait()
                .or_else(|| (status == 429).then_some(st.window.max(Duration::from_secs(1))));
            if let Some(wait) = wait {
                // Checked: a header may ask for any wait, and `Instant + Duration` panics on overflow.
                st.blocked_until = now.checked_add(wait.min(max_wait));
                st.asked_until = now.checked_add(wait).or(st.blocked_until);
            }
        }
    }
}

/// What a call asking for a slot does next.
enum Step {
    /// Take the slot (`probe`: as the family's first call).
    Go { probe: bool },
    /// Wait this long, or until woken (`None`: until a call ends).
    Wait(Option<Duration>),
    /// The server asked the family to wait this long, more than the call may: fail now.
    Refused(Duration),
}

/// How long other calls wait for a probe's answer before going ahead anyway.
const PROBE_WAIT: Duration = Duration::from_secs(10);

/// Per-family limiter. Cheap when a family has no known limit.
///
/// Qualys counts calls in fixed windows that start at the first call after the previous one ended,
/// and we never learn where a window starts. So a call is counted from the moment it is sent until
/// one window after its *answer*: the server's window that counted it began no later than the
/// answer, so it is over by then, whatever the network did on the way. A limiter that timestamps
/// calls when they are sent instead lets a call sent exactly one window later arrive a little early,
/// inside the old window, and draw a 429 (measured: one in two rate-limit runs of a 16-thread
/// client). The price is one round trip of each window's budget, about 1% at 50 ms and 5 s.
pub(crate) struct RateLimiter {
    families: Mutex<HashMap<String, FamilyState>>,
    /// The longest a header can block a family: the client's `max_retry_wait` (a call asked to
    /// wait longer gives up rather than sleep through it).
    max_wait: Duration,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(Duration::from_secs(120))
    }
}

/// One call's place in its family's window: release it with [`Slot::observe`] once the answer's
/// headers are in. A slot dropped unanswered (a transport error, a cancelled call) counts as answered
/// then, since the request may have reached the server.
pub(crate) struct Slot<'a> {
    limiter: &'a RateLimiter,
    family: &'a str,
    open: bool,
    /// This call is the family's probe (the first, sent while its limit is unknown).
    probe: bool,
}

impl Slot<'_> {
    /// Learn from the answer: its rate-limit headers, or that the family sends none (unlimited).
    pub(crate) fn observe(mut self, info: Option<&RateLimitInfo>, status: u16) {
        self.open = false;
        self.limiter.observe(self.family, info, status);
    }

    /// Nothing was sent (the token could not be had, a header was invalid): give the place back.
    pub(crate) fn unsent(mut self) {
        self.open = false;
        self.limiter.release(self.family, self.probe, false);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if self.open {
            // Unanswered (a transport error, a cancelled call): it may have reached the server.
            self.limiter.release(self.family, self.probe, true);
        }
    }
}

impl RateLimiter {
    pub(crate) fn new(max_wait: Duration) -> Self {
        RateLimiter {
            families: Mutex::new(HashMap::new()),
            max_wait,
        }
    }

    fn state<R>(&self, family: &str, f: impl FnOnce(&mut FamilyState) -> R) -> R {
        let mut map = self.families.lock().unwrap_or_else(|e| e.into_inner());
        // Look up before inserting: every call and every woken waiter checks, and the key is only
        // allocated once.
        if !map.contains_key(family) {
            map.insert(family.to_owned(), FamilyState::default());
        }
        f(map.get_mut(family).expect("inserted above"))
    }

    /// [`acquire_within`](Self::acquire_within) with no bound on the wait.
    #[cfg(test)]
    pub(crate) async fn acquire<'a>(&'a self, family: &'a str) -> Slot<'a> {
        match self.acquire_within(family, Duration::MAX).await {
            Ok(slot) => slot,
            Err(wait) => unreachable!("an unbounded wait was refused ({wait:?})"),
        }
    }

    /// Wait until a call in `family` keeps every window under the known limit, then take a slot.
    ///
    /// The first call of a family goes alone (a probe): a burst of calls made before any answer
    /// (a fan-out) waits for the probe's rate-limit headers instead of running into 429s.
    ///
    /// While the server has the family waiting (a 429, or `X-RateLimit-Remaining: 0` with a wait),
    /// a call that may wait at most `budget` and was asked to wait longer is refused at once with
    /// the wait left (`Err`): sleeping through part of it would only end in the same refusal.
    pub(crate) async fn acquire_within<'a>(
        &'a self,
        family: &'a str,
        budget: Duration,
    ) -> Result<Slot<'a>, Duration> {
        let wake = self.state(family, |st| st.wake.clone());
        loop {
            // Registered before the check: a place freed between the check and the wait still
            // wakes this waiter.
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let step = self.state(family, |st| {
                let now = Instant::now();
                if !st.known {
                    return match st.probe_since {
                        // Wait for the probe's answer (woken by it), at most PROBE_WAIT.
                        Some(since) if now.duration_since(since) < PROBE_WAIT => {
                            Step::Wait(Some(PROBE_WAIT - now.duration_since(since)))
                        }
                        _ => {
                            st.probe_since = Some(now);
                            st.in_flight += 1;
                            Step::Go { probe: true }
                        }
                    };
                }
                if let Some(until) = st.blocked_until {
                    if until > now {
                        let asked = st
                            .asked_until
                            .map_or(until, |a| a.max(until))
                            .duration_since(now);
                        if asked > budget {
                            return Step::Refused(asked);
                        }
                        return Step::Wait(Some(until - now));
                    }
                    st.blocked_until = None;
                    st.asked_until = None;
                }
                if let Some(limit) = st.limit {
                    st.expire(now);
                    if st.used() >= (limit as usize).max(1) {
                        // Full: wait for the oldest answered call to age out, or, while only
                        // unanswered calls fill the window, for one of them to end (it wakes us).
                        return Step::Wait(
                            st.done
                                .front()
                                .map(|(t, _)| st.window.saturating_sub(now.duration_since(*t))),
                        );
                    }
                }
                st.in_flight += 1;
                Step::Go { probe: false }
            });
            match step {
                Step::Go { probe } => {
                    return Ok(Slot {
                        limiter: self,
                        family,
                        open: true,
                        probe,
                    });
                }
                Step::Refused(asked) => return Err(asked),
                Step::Wait(Some(d)) => {
                    tracing::info!(
                        target: "qualys_cs",
                        family,
                        wait_ms = d.as_millis() as u64,
                        "rate limit: waiting"
                    );
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = notified => {}
                    }
                }
                Step::Wait(None) => {
                    tracing::debug!(
                        target: "qualys_cs",
                        family,
                        "rate limit: waiting for a call to end"
                    );
                    notified.await
                }
            }
        }
    }

    fn observe(&self, family: &str, info: Option<&RateLimitInfo>, status: u16) {
        let wake = self.state(family, |st| {
            st.observe(info, status, self.max_wait);
            st.wake.clone()
        });
        wake.notify_waiters();
    }

    /// A call ended without an answer. If it was `sent`, it may have reached the server, so it
    /// counts from now. If it was the probe and nothing was sent, the next call probes instead;
    /// if it was sent and got no answer (a dead or silent server), the calls waiting behind it go
    /// ahead together: probing again one call at a time would make a fan-out of N calls take N
    /// times the timeout. The first answer with rate-limit headers still sets the limit.
    fn release(&self, family: &str, probe: bool, sent: bool) {
        let wake = self.state(family, |st| {
            st.in_flight = st.in_flight.saturating_sub(1);
            if probe && !st.known {
                st.probe_since = None;
                st.known = sent;
            }
            if sent && st.limit.is_some() {
                st.push_done(Instant::now(), 1);
            }
            st.wake.clone()
        });
        wake.notify_waiters();
    }

    /// Block a family for `wait` (a 429 whose headers did not say for how long).
    pub(crate) fn block(&self, family: &str, wait: Duration) {
        let wait = wait.min(self.max_wait);
        self.state(family, |st| {
            let Some(until) = Instant::now().checked_add(wait) else {
                return;
            };
            st.blocked_until = Some(st.blocked_until.map_or(until, |u| u.max(until)));
            st.asked_until = Some(st.asked_until.map_or(until, |u| u.max(until)));
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(limit: u32, window: u64, remaining: u32) -> RateLimitInfo {
        RateLimitInfo {
            limit: Some(limit),
            window_secs: Some(window),
            remaining: Some(remaining),
            ..Default::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn keeps_under_a_learned_limit() {
        let rl = RateLimiter::default();
        rl.acquire("images")
            .await
            .observe(Some(&limited(3, 10, 2)), 200); // the probe
        let start = Instant::now();
        rl.acquire("images")
            .await
            .observe(Some(&limited(3, 10, 1)), 200);
        rl.acquire("images")
            .await
            .observe(Some(&limited(3, 10, 0)), 200);
        assert!(start.elapsed() < Duration::from_secs(1));
        // Fourth call in the window: waits for the first answer to age out.
        let _slot = rl.acquire("images").await;
        assert!(
            start.elapsed() >= Duration::from_secs(10),
            "waited {:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_counts_until_one_window_after_its_answer() {
        let rl = RateLimiter::default();
        rl.acquire("images")
            .await
            .observe(Some(&limited(2, 5, 1)), 200);
        let start = Instant::now();
        // The second call is slow: sent now, answered 2 s later.
        let slow = rl.acquire("images").await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        slow.observe(Some(&limited(2, 5, 0)), 200);
        // The probe frees its place 5 s after its answer; the slow call only 5 s after its own
        // answer (7 s from the start), not 5 s after it was sent.
        let _third = rl.acquire("images").await;
        assert!(start.elapsed() >= Duration::from_secs(5));
        assert!(start.elapsed() < Duration::from_secs(6));
        let _fourth = rl.acquire("images").await;
        assert!(
            start.elapsed() >= Duration::from_secs(7),
            "waited {:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn unanswered_calls_fill_the_window() {
        let rl = std::sync::Arc::new(RateLimiter::default());
        rl.acquire("images")
            .await
            .observe(Some(&limited(2, 60, 2)), 200);
        let held = rl.acquire("images").await;
        let held2 = rl.acquire("images").await;
        let waiter = {
            let rl = rl.clone();
            tokio::spawn(async move {
                let _slot = rl.acquire("images").await;
            })
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            !waiter.is_finished(),
            "two calls in flight fill a limit of 2"
        );
        drop(held); // cancelled: counts as answered now, so the window is still full
        drop(held2);
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(!waiter.is_finished());
        tokio::time::sleep(Duration::from_secs(31)).await;
        assert!(waiter.is_finished());
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_never_sent_gives_its_place_back() {
        let rl = RateLimiter::default();
        rl.acquire("images")
            .await
            .observe(Some(&limited(2, 60, 1)), 200);
        let start = Instant::now();
        rl.acquire("images").await.unsent(); // one place was left, and it is still there
        let _next = rl.acquire("images").await;
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_servers_remaining_count_is_believed() {
        let rl = RateLimiter::default();
        // Other scripts used 9 of 10 calls: after our probe, one place is left.
        rl.acquire("images")
            .await
            .observe(Some(&limited(10, 60, 1)), 200);
        let start = Instant::now();
        rl.acquire("images")
            .await
            .observe(Some(&limited(10, 60, 0)), 200);
        let _next = rl.acquire("images").await;
        assert!(start.elapsed() >= Duration::from_secs(59));
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_woken_when_a_place_is_freed() {
        // Paused time stands still while tasks can run: a waiter polling on a timer is not through
        // before the 1 ms timeouts below fire; a woken one is.
        let rl = std::sync::Arc::new(RateLimiter::default());
        let probe = rl.acquire("images").await;
        let burst = {
            let rl = rl.clone();
            tokio::spawn(async move { rl.acquire("images").await.unsent() })
        };
        tokio::task::yield_now().await;
        assert!(!burst.is_finished(), "the burst waits for the probe");
        probe.observe(Some(&limited(2, 60, 2)), 200);
        tokio::time::timeout(Duration::from_millis(1), burst)
            .await
            .expect("the probe's answer wakes the burst")
            .unwrap();

        tokio::time::sleep(Duration::from_secs(61)).await; // the probe's answer ages out
        let held = rl.acquire("images").await;
        let _held2 = rl.acquire("images").await;
        let waiter = {
            let rl = rl.clone();
            tokio::spawn(async move {
                let _slot = rl.acquire("images").await;
            })
        };
        tokio::task::yield_now().await;
        assert!(
            !waiter.is_finished(),
            "two calls in flight fill a limit of 2"
        );
        held.unsent(); // never sent: its place is free again
        tokio::time::timeout(Duration::from_millis(1), waiter)
            .await
            .expect("a freed place wakes the waiter")
            .unwrap();
    }
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn header_numbers_are_clamped() {
        let info = RateLimitInfo::from_headers(&headers(&[
            ("x-ratelimit-limit", "40000000000"),
            ("x-ratelimit-remaining", "99999999999999999999999"),
            ("x-ratelimit-window-sec", "18446744073709551615"),
            ("x-ratelimit-towait-sec", "18446744073709551615"),
        ]))
        .unwrap();
        assert_eq!(info.limit, Some(MAX_LIMIT));
        assert_eq!(info.remaining, Some(MAX_LIMIT));
        assert_eq!(info.window_secs, Some(MAX_WINDOW_SECS));
        assert_eq!(info.wait(), Some(Duration::from_secs(MAX_WAIT_SECS)));
        let neg = RateLimitInfo::from_headers(&headers(&[("retry-after", "-5")]));
        assert_eq!(neg, None, "a negative wait is no wait");
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_limit_with_nothing_remaining_allocates_one_entry() {
        let rl = RateLimiter::default();
        let info = RateLimitInfo::from_headers(&headers(&[
            ("x-ratelimit-limit", "40000000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-window-sec", "60"),
        ]));
        rl.acquire("images").await.observe(info.as_ref(), 200);
        rl.state("images", |st| {
            assert_eq!(st.used(), MAX_LIMIT as usize);
            assert_eq!(st.done.len(), 1, "one entry, not one per call");
        });
    }

    #[tokio::test(start_paused = true)]
    async fn the_log_stays_small_at_any_call_rate() {
        let rl = RateLimiter::default();
        let info = limited_info(100_000, 60, 100_000);
        for _ in 0..20_000 {
            rl.acquire("images").await.observe(Some(&info), 200);
            tokio::time::advance(Duration::from_micros(500)).await;
        }
        rl.state("images", |st| {
            assert_eq!(st.used(), 20_000);
            assert!(
                st.done.len() <= 2 * BUCKETS_PER_WINDOW as usize,
                "{}",
                st.done.len()
            );
        });
    }

    fn limited_info(limit: u32, window: u64, remaining: u32) -> RateLimitInfo {
        RateLimitInfo {
            limit: Some(limit),
            window_secs: Some(window),
            remaining: Some(remaining),
            ..Default::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_endless_wait_does_not_panic_and_is_bounded() {
        let rl = RateLimiter::new(Duration::from_secs(30));
        let info = RateLimitInfo {
            remaining: Some(0),
            to_wait_secs: Some(u64::MAX),
            ..Default::default()
        };
        rl.acquire("images").await.observe(Some(&info), 429);
        rl.block("images", Duration::MAX);
        let start = Instant::now();
        let _slot = rl.acquire("images").await;
        assert!(
            start.elapsed() <= Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_call_that_cannot_wait_the_asked_wait_is_refused_at_once() {
        // The same on both paths: a 429, and a 200 that says nothing remains.
        for status in [200, 429] {
            let rl = RateLimiter::new(Duration::from_secs(120));
            let info = RateLimitInfo {
                limit: Some(10),
                window_secs: Some(60),
                remaining: Some(0),
                to_wait_secs: Some(MAX_WAIT_SECS),
                ..Default::default()
            };
            rl.acquire("images").await.observe(Some(&info), status);
            let start = Instant::now();
            let refused = rl.acquire_within("images", Duration::from_secs(120)).await;
            assert_eq!(
                refused.err(),
                Some(Duration::from_secs(MAX_WAIT_SECS)),
                "{status}"
            );
            assert_eq!(start.elapsed(), Duration::ZERO, "at once");
            // The family is held at most max_wait for a call that may wait without end.
            let _slot = rl.acquire_within("images", Duration::MAX).await.unwrap();
            assert!(start.elapsed() <= Duration::from_secs(120));
            // Once the hold is over, calls go to the server again.
            assert!(rl.acquire_within("images", Duration::ZERO).await.is_ok());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_that_fits_the_budget_is_waited() {
        let rl = RateLimiter::new(Duration::from_secs(120));
        let info = RateLimitInfo {
            remaining: Some(0),
            to_wait_secs: Some(5),
            ..Default::default()
        };
        rl.acquire("images").await.observe(Some(&info), 200);
        let start = Instant::now();
        assert!(
            rl.acquire_within("images", Duration::from_secs(4))
                .await
                .is_err()
        );
        rl.acquire_within("images", Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }
}

#[cfg(test)]
mod probe_tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_burst_waits_for_the_probe() {
        let rl = Arc::new(RateLimiter::default());
        let probe = rl.acquire("images").await; // the probe goes at once
        let waiter = {
            let rl = rl.clone();
            tokio::spawn(async move {
                let _slot = rl.acquire("images").await;
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !waiter.is_finished(),
            "the second call waits for the probe's answer"
        );
        probe.observe(None, 200); // no rate-limit headers: unlimited
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
        let _later = rl.acquire("images").await; // and later calls do not wait
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_lets_the_next_call_probe() {
        let rl = RateLimiter::default();
        drop(rl.acquire("registry").await); // no answer: a transport error
        tokio::time::timeout(Duration::from_millis(50), rl.acquire("registry"))
            .await
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_probe_lets_the_burst_go_together() {
        let rl = Arc::new(RateLimiter::default());
        let probe = rl.acquire("images").await;
        // Calls waiting behind the probe, each holding its place until all of them have one.
        let all = Arc::new(tokio::sync::Barrier::new(3));
        let burst: Vec<_> = (0..3)
            .map(|_| {
                let (rl, all) = (rl.clone(), all.clone());
                tokio::spawn(async move {
                    let _slot = rl.acquire("images").await;
                    all.wait().await;
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(probe); // sent, never answered (a timeout)
        for call in burst {
            // One probe at a time would never fill the barrier.
            tokio::time::timeout(Duration::from_secs(1), call)
                .await
                .expect("the burst goes at once")
                .unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_unsent_probe_lets_the_next_call_probe_alone() {
        let rl = Arc::new(RateLimiter::default());
        let probe = rl.acquire("images").await;
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let rl = rl.clone();
                tokio::spawn(async move {
                    let _slot = rl.acquire("images").await;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        probe.unsent(); // nothing reached the server: still nothing known
        tokio::time::sleep(Duration::from_millis(100)).await;
        let running = waiters.iter().filter(|w| !w.is_finished()).count();
        assert_eq!(running, 2);
        // One of them is the new probe; the other still waits for its answer.
        assert_eq!(rl.state("images", |st| st.in_flight), 1);
    }
}

#[cfg(test)]
#[path = "ratelimit_tests.rs"]
mod blocking_tests;
