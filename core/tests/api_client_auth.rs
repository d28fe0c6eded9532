//! API-client auth against the simulator: `POST {gateway}/auth/oidc` (a user-level client) and
//! `/auth/oauth` (a subscription-level client) with the client's id and secret as headers, an
//! empty form body, the JWT as text; then `Bearer` on every call, refreshed as a password JWT is.

mod common;

use common::sim;
use qualys_cs::api::ImagesListParams;
use qualys_cs::{AuthMode, Client, ErrorKind};
use qualys_cs_sim::{DEFAULT_API_CLIENT, SimConfig, SimHandle};
use std::time::Duration;

fn builder(sim: &SimHandle, mode: AuthMode, secret: &str) -> qualys_cs::ClientBuilder {
    Client::builder()
        .base_url(sim.url())
        .api_client(DEFAULT_API_CLIENT.0, secret)
        .auth_mode(mode)
        .max_retries(0)
}

async fn one_page(client: &Client) -> qualys_cs::Result<usize> {
    use futures::StreamExt;
    let page = client
        .images()
        .list(ImagesListParams::default().page_size(1))?
        .pages()
        .next()
        .await
        .expect("a page")?;
    Ok(page.items.len())
}

#[tokio::test]
async fn both_flows_fetch_a_token_with_the_documented_request() {
    for (mode, id, path) in [
        (AuthMode::Oidc, "P49", "/auth/oidc"),
        (AuthMode::Oauth, "P50", "/auth/oauth"),
    ] {
        let sim = sim(SimConfig::default()).await;
        let client = builder(&sim, mode, DEFAULT_API_CLIENT.1).build().unwrap();
        assert_eq!(one_page(&client).await.unwrap(), 1);
        let log = sim.requests();
        let auth = log
            .iter()
            .find(|r| r.endpoint.as_deref() == Some(id))
            .unwrap();
        assert_eq!((auth.method.as_str(), auth.path.as_str()), ("POST", path));
        let header = |k: &str| {
            auth.headers
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("clientid"), Some(DEFAULT_API_CLIENT.0));
        assert_eq!(
            header("clientsecret"),
            Some("***"),
            "the log never keeps the secret"
        );
        assert_eq!(
            auth.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert!(
            auth.body.is_none() && auth.body_text.is_none(),
            "an empty body"
        );
        let call = log
            .iter()
            .find(|r| r.endpoint.as_deref() == Some("S17"))
            .unwrap();
        let bearer = call.headers.iter().find(|(n, _)| n == "authorization");
        assert_eq!(bearer.map(|(_, v)| v.as_str()), Some("Bearer ***"));
    }
}

#[tokio::test]
async fn an_unknown_client_is_refused_with_the_qualys_error_and_no_secret() {
    let sim = sim(SimConfig::default()).await;
    let client = builder(&sim, AuthMode::Oidc, "not-the-secret")
        .build()
        .unwrap();
    let err = one_page(&client).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    let api = err.api().expect("the Qualys error body");
    assert!(
        api.error_code.is_some() && api.timestamp.is_some(),
        "{api:?}"
    );
    assert!(!format!("{err} {err:?}").contains("not-the-secret"));
    assert!(!format!("{client:?}").contains("not-the-secret"));
}

#[tokio::test]
async fn the_token_is_refreshed_before_it_expires() {
    // Tokens of 2 s: each is refreshed in its second half (the skew is at most half the life).
    let sim = sim(SimConfig::default().token_ttl(Duration::from_secs(2))).await;
    let client = builder(&sim, AuthMode::Oauth, DEFAULT_API_CLIENT.1)
        .build()
        .unwrap();
    one_page(&client).await.unwrap();
    one_page(&client).await.unwrap();
    let fetched = |sim: &SimHandle| {
        sim.requests()
            .iter()
            .filter(|r| r.endpoint.as_deref() == Some("P50"))
            .count()
    };
    assert_eq!(fetched(&sim), 1, "one token for calls in its lifetime");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    one_page(&client).await.unwrap();
    assert_eq!(fetched(&sim), 2);
}

#[test]
fn the_mode_and_the_client_credentials_go_together() {
    let base = || Client::builder().base_url("http://127.0.0.1:9");
    let err = base().auth_mode(AuthMode::Oidc).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("client_id"), "{err}");
    let err = base().api_client("id", "secret").build().unwrap_err();
    assert!(err.to_string().contains("oidc"), "{err}");
    assert!("OAuth".parse::<AuthMode>().unwrap() == AuthMode::Oauth);
    let b = base()
        .api_client("id", "s3cr3t-value")
        .auth_mode(AuthMode::Oidc);
    assert!(!format!("{b:?}").contains("s3cr3t-value"));
}
