//! The limiter's blocking rules, each pinned on its own: when an answer blocks a family and for
//! how long, what a block does to the next call, and how long calls wait behind a silent probe.

use super::*;
use std::sync::Arc;

fn info(remaining: Option<u32>, to_wait: Option<u64>) -> RateLimitInfo {
    RateLimitInfo {
        remaining,
        to_wait_secs: to_wait,
        ..Default::default()
    }
}

/// How long the next call of `family` waits for its slot.
async fn next_wait(rl: &RateLimiter, family: &str) -> Duration {
    let start = Instant::now();
    rl.acquire(family).await.unsent();
    start.elapsed()
}

#[tokio::test(start_paused = true)]
async fn nothing_remaining_blocks_for_the_wait_the_server_asked() {
    let rl = RateLimiter::default();
    rl.acquire("images")
        .await
        .observe(Some(&info(Some(0), Some(30))), 200);
    let waited = next_wait(&rl, "images").await;
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_header_with_calls_remaining_does_not_block() {
    let rl = RateLimiter::default();
    rl.acquire("images")
        .await
        .observe(Some(&info(Some(5), Some(30))), 200);
    assert!(next_wait(&rl, "images").await < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_429_with_calls_remaining_blocks_for_its_wait() {
    let rl = RateLimiter::default();
    rl.acquire("images")
        .await
        .observe(Some(&info(Some(3), Some(20))), 429);
    let waited = next_wait(&rl, "images").await;
    assert!(
        waited >= Duration::from_secs(20) && waited < Duration::from_secs(21),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_without_a_wait_blocks_for_the_learned_window() {
    let rl = RateLimiter::default();
    let limited = RateLimitInfo {
        limit: Some(100),
        window_secs: Some(15),
        remaining: Some(50),
        ..Default::default()
    };
    rl.acquire("images").await.observe(Some(&limited), 200);
    // A 429 whose headers name no wait: the family rests for one window.
    let headerless = RateLimitInfo {
        limit: Some(100),
        window_secs: Some(15),
        ..Default::default()
    };
    rl.acquire("images").await.observe(Some(&headerless), 429);
    let waited = next_wait(&rl, "images").await;
    assert!(
        waited >= Duration::from_secs(15) && waited < Duration::from_secs(16),
        "{waited:?}"
    );
    // A 200 without a wait header blocks nothing.
    rl.acquire("images").await.observe(Some(&headerless), 200);
    assert!(next_wait(&rl, "images").await < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_429_before_any_window_is_known_blocks_a_second() {
    let rl = RateLimiter::default();
    rl.acquire("images").await.observe(None, 200);
    rl.acquire("images")
        .await
        .observe(Some(&info(Some(2), None)), 429);
    let waited = next_wait(&rl, "images").await;
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_block_holds_the_family_for_its_time_and_no_longer() {
    let rl = RateLimiter::new(Duration::from_secs(120));
    rl.acquire("images").await.observe(None, 200);
    rl.block("images", Duration::from_secs(40));
    // A shorter block later does not shorten it.
    rl.block("images", Duration::from_secs(5));
    let waited = next_wait(&rl, "images").await;
    assert!(
        waited >= Duration::from_secs(40) && waited < Duration::from_secs(41),
        "{waited:?}"
    );
    // Other families are not blocked.
    assert!(next_wait(&rl, "registry").await < Duration::from_secs(1));
    // Once over, the next call goes at once.
    assert!(next_wait(&rl, "images").await < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_block_is_at_most_the_longest_wait() {
    let rl = RateLimiter::new(Duration::from_secs(30));
    rl.acquire("images").await.observe(None, 200);
    rl.block("images", Duration::from_secs(300));
    let waited = next_wait(&rl, "images").await;
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_silent_probe_holds_the_others_for_the_probe_wait_only() {
    let rl = Arc::new(RateLimiter::default());
    let start = Instant::now();
    let _probe = rl.acquire("images").await; // sent, and no answer comes
    tokio::time::sleep(Duration::from_secs(4)).await;
    let waiter = {
        let rl = rl.clone();
        tokio::spawn(async move {
            rl.acquire("images").await.unsent();
            Instant::now()
        })
    };
    // It waits what is left of the probe's 10 s (6 s), not 10 s of its own.
    let went = waiter.await.unwrap().duration_since(start);
    assert!(
        went >= PROBE_WAIT && went < PROBE_WAIT + Duration::from_secs(1),
        "{went:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_late_unsent_probe_does_not_forget_what_another_answer_taught() {
    let rl = Arc::new(RateLimiter::default());
    let first = rl.acquire("images").await;
    // The first probe is silent past the probe wait: the next call probes in its place and is
    // answered (no rate-limit headers: unlimited).
    tokio::time::sleep(PROBE_WAIT + Duration::from_secs(1)).await;
    rl.acquire("images").await.observe(None, 200);
    // Then the first one turns out never sent: the family stays known, calls go at once.
    first.unsent();
    let held = rl.acquire("images").await;
    assert!(next_wait(&rl, "images").await < Duration::from_secs(1));
    drop(held);
}

#[tokio::test(start_paused = true)]
async fn answers_in_one_log_entry_count_as_the_newest_of_them() {
    let rl = RateLimiter::default();
    let limited = RateLimitInfo {
        limit: Some(1000),
        window_secs: Some(256),
        remaining: Some(1000),
        ..Default::default()
    };
    rl.acquire("images").await.observe(Some(&limited), 200);
    // The grain is a 256th of the window: 1 s. Answers within it share the entry.
    tokio::time::advance(Duration::from_millis(900)).await;
    rl.acquire("images").await.observe(Some(&limited), 200);
    tokio::time::advance(Duration::from_millis(1500)).await;
    rl.acquire("images").await.observe(Some(&limited), 200);
    rl.state("images", |st| {
        assert_eq!(st.done.len(), 2, "{:?}", st.done);
        assert_eq!(st.done.iter().map(|e| e.1).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(st.used(), 3);
    });
    // Once the first entry is a window old, its two calls leave the count together.
    tokio::time::advance(Duration::from_secs(256) - Duration::from_millis(1500)).await;
    rl.state("images", |st| {
        st.expire(Instant::now());
        assert_eq!((st.done.len(), st.done_calls, st.used()), (1, 1, 1));
    });
}
