//! The `tracing` events of a call, as a subscriber sees them: one DEBUG event per attempt with
//! the path template, INFO for a retry, WARN when the client gives up; all inside the `csapi`
//! span of the client; never a query value or the password.

mod common;

use common::{args, first_sha, sim, sim_client};
use qualys_cs_sim::{Fault, SimConfig};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone)]
struct Record {
    level: tracing::Level,
    target: String,
    message: String,
    fields: BTreeMap<String, String>,
    /// The `client` field of the enclosing `csapi` span.
    client: Option<String>,
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<Record>>>);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Collect {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut f = Fields::default();
        attrs.record(&mut f);
        ctx.span(id).unwrap().extensions_mut().insert(f);
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let client = ctx.event_scope(event).and_then(|scope| {
            scope
                .filter(|s| s.name() == "csapi")
                .find_map(|s| s.extensions().get::<Fields>()?.0.get("client").cloned())
        });
        let message = f.0.remove("message").unwrap_or_default();
        self.0.lock().unwrap().push(Record {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            message,
            fields: f.0,
            client,
        });
    }
}

impl Collect {
    fn ours(&self) -> Vec<Record> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.target == "qualys_cs")
            .cloned()
            .collect()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_attempt_is_a_debug_event_retries_info_give_up_warn() {
    let collect = Collect::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(collect.clone()));
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).max_retries(1).build().unwrap();

    // One 503, then the answer: two attempts, one retry.
    sim.inject(
        Fault::status(503)
            .path_contains("/csapi/v1.3/images")
            .method("GET"),
    );
    client
        .call(
            "S17",
            args(json!({"filter": "repo.repository:secret-filter-value", "pageSize": 2})),
        )
        .await
        .unwrap();
    let recs = collect.ours();
    let requests: Vec<_> = recs.iter().filter(|r| r.message == "request").collect();
    assert_eq!(requests.len(), 2, "{recs:#?}");
    for (n, r) in requests.iter().enumerate() {
        assert_eq!(r.level, tracing::Level::DEBUG);
        assert_eq!(r.fields["method"], "GET");
        assert_eq!(r.fields["path"], "/csapi/v1.3/images");
        assert_eq!(r.fields["attempt"], (n + 1).to_string());
        assert!(r.fields["elapsed_ms"].parse::<u64>().is_ok());
        assert_eq!(
            r.client.as_deref(),
            Some(client.log_id().to_string().as_str())
        );
    }
    assert_eq!(requests[0].fields["status"], "503");
    assert_eq!(requests[1].fields["status"], "200");
    let retries: Vec<_> = recs.iter().filter(|r| r.message == "retrying").collect();
    assert_eq!(retries.len(), 1, "{recs:#?}");
    assert_eq!(retries[0].level, tracing::Level::INFO);
    assert_eq!(retries[0].fields["status"], "503");

    // A path parameter is logged as the template; a 503 on every attempt gives up at WARN.
    sim.inject(
        Fault::status(503)
            .path_contains("/csapi/v1.3/images/")
            .method("GET")
            .times(5),
    );
    let err = client
        .call("S19", args(json!({"sha": "a".repeat(64)})))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    let recs = collect.ours();
    let gave_up: Vec<_> = recs.iter().filter(|r| r.message == "giving up").collect();
    assert_eq!(gave_up.len(), 1, "{recs:#?}");
    assert_eq!(gave_up[0].level, tracing::Level::WARN);
    assert_eq!(gave_up[0].fields["path"], "/csapi/v1.3/images/{imageSha}");
    assert_eq!(gave_up[0].fields["attempts"], "2");

    // Neither the query value, the filled-in path nor the password is in any event.
    for r in &recs {
        let text = format!("{} {:?}", r.message, r.fields);
        assert!(!text.contains("secret-filter-value"), "{text}");
        assert!(!text.contains(&"a".repeat(64)), "{text}");
        assert!(!text.contains("password"), "{text}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_rate_limit_wait_is_an_info_event() {
    let collect = Collect::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(collect.clone()));
    let limits = qualys_cs_sim::RateLimits::uniform(2, Duration::from_secs(1));
    let sim = sim(SimConfig::default().rate_limits(limits)).await;
    let client = sim_client(&sim).build().unwrap();
    let sha = first_sha(&client).await;
    // Two calls a second on the images family: the later ones wait for the window.
    for _ in 0..3 {
        client.images().vulnerability_count(&sha).await.unwrap();
    }
    let waits: Vec<_> = collect
        .ours()
        .into_iter()
        .filter(|r| r.message == "rate limit: waiting")
        .collect();
    assert!(!waits.is_empty(), "{:#?}", collect.ours());
    assert!(waits.iter().all(|r| r.level == tracing::Level::INFO
        && r.fields["family"] == "images"
        && r.client.is_some()));
}
