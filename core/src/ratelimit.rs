//! Client-side rate limiting per endpoint family (API.md §5.3), fed by the `X-RateLimit-*` headers.
//!
//! Qualys limits each endpoint family per subscription (`images/list` 120 calls / 60 s, `images/**`
//! 5,000 / 60 s, ...). Rather than hard-coding those numbers, the limiter learns them from the headers of
//! the first response of each family and from then on keeps every window under the limit, so prefetch and
//! fan-out queue briefly instead of turning into 429 storms. A 429 or `Remaining: 0` blocks the family for
//! the time the server asks.

use reqwest::header::HeaderMap;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
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

fn header_num<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl RateLimitInfo {
    /// Read the rate-limit headers; `None` when the response carried none.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let info = RateLimitInfo {
            limit: header_num(headers, "x-ratelimit-limit"),
            remaining: header_num(headers, "x-ratelimit-remaining"),
            window_secs: header_num(headers, "x-ratelimit-window-sec"),
            to_wait_secs: header_num(headers, "x-ratelimit-towait-sec")
                .or_else(|| header_num(headers, "retry-after")),
            concurrency_limit: header_num(headers, "x-concurrency-limit-limit"),
            concurrency_running: header_num(headers, "x-concurrency-limit-running"),
        };
        (info != RateLimitInfo::default()).then_some(info)
    }

    /// How long the server asked us to wait, if it did.
    pub fn wait(&self) -> Option<Duration> {
        self.to_wait_secs.map(Duration::from_secs)
    }
}

/// The family a path is limited under: `images/list`, `images`, `registry`, ... (API.md §5.3:
/// `/csapi/vxx/<family>/**`, with the bulk `*/list` endpoints limited on their own).
pub fn family(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/csapi/")?;
    let mut segs = rest.split('/').skip(1).filter(|s| !s.is_empty());
    let first = segs.next()?;
    Some(match segs.next() {
        Some("list") => format!("{first}/list"),
        _ => first.to_owned(),
    })
}

#[derive(Default)]
struct FamilyState {
    limit: Option<u32>,
    window: Duration,
    sent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
    /// A response of this family was seen: the limit (or its absence) is known.
    known: bool,
    /// When the first call of the family (the probe) was sent, while its answer is awaited.
    probe_since: Option<Instant>,
}

/// How long other calls wait for a probe's answer before going ahead anyway.
const PROBE_WAIT: Duration = Duration::from_secs(10);

/// Per-family sliding-window limiter. Cheap when a family has no known limit.
#[derive(Default)]
pub(crate) struct RateLimiter {
    families: Mutex<HashMap<String, FamilyState>>,
}

impl RateLimiter {
    /// Wait until a call in `family` keeps every window under the known limit, then count it.
    ///
    /// The first call of a family goes alone (a probe): a burst of calls made before any answer
    /// (a fan-out) waits for the probe's rate-limit headers instead of running into 429s.
    pub(crate) async fn acquire(&self, family: &str) {
        loop {
            let wait = {
                let mut map = self.families.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let st = map.entry(family.to_owned()).or_default();
                if !st.known {
                    match st.probe_since {
                        // Wait for the probe's answer (polled: the lock is not held while sleeping).
                        Some(since) if now.duration_since(since) < PROBE_WAIT => {
                            Some(Duration::from_millis(5))
                        }
                        _ => {
                            st.probe_since = Some(now);
                            return;
                        }
                    }
                } else if let Some(until) = st.blocked_until {
                    if until > now {
                        Some(until - now)
                    } else {
                        st.blocked_until = None;
                        None
                    }
                } else {
                    None
                }
                .or_else(|| {
                    let limit = st.limit? as usize;
                    while st
                        .sent
                        .front()
                        .is_some_and(|t| now.duration_since(*t) >= st.window)
                    {
                        st.sent.pop_front();
                    }
                    if st.sent.len() >= limit.max(1) {
                        Some(st.window - now.duration_since(*st.sent.front()?))
                    } else {
                        None
                    }
                })
                .or_else(|| {
                    if st.limit.is_some() {
                        st.sent.push_back(now);
                    }
                    None
                })
            };
            match wait {
                Some(d) => {
                    tracing::debug!(
                        family,
                        wait_ms = d.as_millis() as u64,
                        "rate limit: waiting"
                    );
                    tokio::time::sleep(d).await
                }
                None => return,
            }
        }
    }

    /// Learn from a response: its rate-limit headers, or that the family sends none (unlimited).
    pub(crate) fn observe(&self, family: &str, info: Option<&RateLimitInfo>, status: u16) {
        let mut map = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let st = map.entry(family.to_owned()).or_default();
        st.known = true;
        st.probe_since = None;
        let Some(info) = info else { return };
        if let (Some(limit), Some(window)) = (info.limit, info.window_secs) {
            if st.limit.is_none() {
                // The first call of this family was not counted: count it now so the window is honest.
                st.sent.push_back(Instant::now());
            }
            st.limit = Some(limit);
            st.window = Duration::from_secs(window.max(1));
            // The server counts the whole subscription (other scripts too): never believe we have
            // more calls left than it says.
            if let Some(remaining) = info.remaining {
                let now = Instant::now();
                while st
                    .sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= st.window)
                {
                    st.sent.pop_front();
                }
                let used = limit.saturating_sub(remaining) as usize;
                while st.sent.len() < used {
                    st.sent.push_back(now);
                }
            }
        }
        let exhausted = info.remaining == Some(0) || status == 429;
        if exhausted {
            let wait = info
                .wait()
                .or_else(|| (status == 429).then_some(st.window.max(Duration::from_secs(1))));
            if let Some(wait) = wait {
                st.blocked_until = Some(Instant::now() + wait);
            }
        }
    }

    /// The probe got no answer (a transport error): let the next call probe again.
    pub(crate) fn release_probe(&self, family: &str) {
        let mut map = self.families.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(st) = map.get_mut(family).filter(|st| !st.known) {
            st.probe_since = None;
        }
    }

    /// Block a family for `wait` (a 429 whose headers did not say for how long).
    pub(crate) fn block(&self, family: &str, wait: Duration) {
        let mut map = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let st = map.entry(family.to_owned()).or_default();
        let until = Instant::now() + wait;
        st.blocked_until = Some(st.blocked_until.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_follow_the_published_table() {
        assert_eq!(
            family("/csapi/v1.3/images/list").as_deref(),
            Some("images/list")
        );
        assert_eq!(
            family("/csapi/v1.3/images/abc/vuln").as_deref(),
            Some("images")
        );
        assert_eq!(
            family("/csapi/v1.3/containers/list").as_deref(),
            Some("containers/list")
        );
        assert_eq!(
            family("/csapi/v1.3/registry/x/schedule").as_deref(),
            Some("registry")
        );
        assert_eq!(family("/csapi/v1.1/events").as_deref(), Some("events"));
        assert_eq!(family("/auth"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn keeps_under_a_learned_limit() {
        let rl = RateLimiter::default();
        let info = RateLimitInfo {
            limit: Some(3),
            window_secs: Some(10),
            remaining: Some(2),
            ..Default::default()
        };
        rl.acquire("images").await; // the probe
        rl.observe("images", Some(&info), 200);
        let start = tokio::time::Instant::now();
        rl.acquire("images").await;
        rl.acquire("images").await;
        assert!(start.elapsed() < Duration::from_secs(1));
        rl.acquire("images").await; // fourth call in the window: must wait for the first to age out
        assert!(
            start.elapsed() >= Duration::from_secs(9),
            "waited {:?}",
            start.elapsed()
        );
    }
}

#[cfg(test)]
mod probe_tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_burst_waits_for_the_probe() {
        let rl = Arc::new(RateLimiter::default());
        rl.acquire("images").await; // the probe goes at once
        let waiter = {
            let rl = rl.clone();
            tokio::spawn(async move { rl.acquire("images").await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !waiter.is_finished(),
            "the second call waits for the probe's answer"
        );
        rl.observe("images", None, 200); // no rate-limit headers: unlimited
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
        rl.acquire("images").await; // and later calls do not wait
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_lets_the_next_call_probe() {
        let rl = RateLimiter::default();
        rl.acquire("registry").await;
        rl.release_probe("registry");
        tokio::time::timeout(Duration::from_millis(50), rl.acquire("registry"))
            .await
            .unwrap();
    }
}
