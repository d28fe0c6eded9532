//! Tokens: the `Authorization` header of an attempt, and the token requests to the gateway made
//! on a call's behalf, through the call's own request loop (its retries, 429 waits and deadline).

use super::Client;
use super::budget::Call;
use super::execute::{Target, TokenRequest};
use crate::auth::Credentials;
use crate::error::{Error, Result};
use futures::FutureExt;
use futures::future::BoxFuture;
use reqwest::header::{CONTENT_TYPE, HeaderValue};

impl Client {
    /// The `Authorization` header of the next attempt and the token generation it belongs to; a
    /// token is fetched when none is held (or it is due for a refresh). Boxed: a token request
    /// runs the request loop that called this, and a future cannot contain itself.
    pub(crate) fn auth_header<'a>(
        &'a self,
        call: &'a mut Call,
    ) -> BoxFuture<'a, Result<(HeaderValue, u64)>> {
        Box::pin(
            self.inner
                .auth
                .header(|creds| self.fetch_token(creds, call).boxed()),
        )
    }

    /// A token from the gateway: `POST {gateway}/auth` (API.md §1.3: form fields, 201 and the JWT
    /// as plain text), or an API client's `POST {gateway}/auth/oidc` or `/auth/oauth` (the client's
    /// id and secret as headers, an empty form body; the JWT as text, or JSON carrying it).
    async fn fetch_token(&self, creds: &Credentials, call: &mut Call) -> Result<String> {
        match creds {
            Credentials::Jwt { username, password } => {
                let form = [
                    ("username", username.as_str()),
                    ("password", password.expose()),
                    ("token", "true"),
                    ("permissions", "true"),
                ];
                self.post_auth("/auth", &|rb| rb.form(&form), call).await
            }
            Credentials::ApiClient {
                flow,
                client_id,
                client_secret,
            } => {
                let id = HeaderValue::from_str(client_id).map_err(|_| {
                    Error::validation("client_id", "header", "not a valid header value")
                })?;
                let mut secret = HeaderValue::from_str(client_secret.expose()).map_err(|_| {
                    Error::validation("client_secret", "header", "not a valid header value")
                })?;
                secret.set_sensitive(true);
                let build = |rb: reqwest::RequestBuilder| {
                    rb.header("clientId", id.clone())
                        .header("clientSecret", secret.clone())
                        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body("")
                };
                let text = self.post_auth(flow.path(), &build, call).await?;
                Ok(token_of(&text))
            }
            _ => unreachable!("only the gateway credentials fetch a token"),
        }
    }

    /// One gateway token request, sent through the call's request loop; the answer's text.
    async fn post_auth(
        &self,
        path: &'static str,
        build: &(dyn Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder + Send + Sync),
        call: &mut Call,
    ) -> Result<String> {
        let request = TokenRequest { path, build };
        let resp = self
            .send_with_retries(&Target::Token(&request), call)
            .await?;
        Ok(String::from_utf8_lossy(&resp.body).trim().to_owned())
    }

    /// An API refusal of the token itself (401 after the one refresh, or 403) when the token is an
    /// API client's: its message says so and names the flow, so the user knows which credentials
    /// to check (a user's password and an API client's secret fail alike otherwise).
    pub(crate) fn refused_token(&self, err: Error) -> Error {
        let Credentials::ApiClient { flow, .. } = self.inner.auth.credentials() else {
            return err;
        };
        let Error::Api(mut api) = err else {
            return err;
        };
        if matches!(api.status, 401 | 403) {
            let mode = match flow {
                crate::auth::ClientFlow::Oidc => "oidc",
                crate::auth::ClientFlow::Oauth => "oauth",
            };
            api.message = format!(
                "the API-client token ({mode}, POST {}) was refused by csapi: {}",
                flow.path(),
                api.message
            );
        }
        Error::Api(api)
    }
}

/// The token of an API client's answer: the JWT as text, or a JSON object carrying it under
/// `access_token` or `token` (what OAuth servers commonly send), or a JSON string.
fn token_of(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => ["access_token", "token"]
            .iter()
            .find_map(|k| o.get(*k).and_then(|v| v.as_str()))
            .unwrap_or(text)
            .to_owned(),
        Ok(serde_json::Value::String(s)) => s,
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod token_tests {
    use super::token_of;

    #[test]
    fn an_api_clients_token_is_taken_from_text_or_json() {
        assert_eq!(token_of("eyJ.a.b"), "eyJ.a.b");
        assert_eq!(
            token_of(r#"{"access_token": "eyJ.c.d", "expires_in": 14400}"#),
            "eyJ.c.d"
        );
        assert_eq!(token_of(r#"{"token": "eyJ.e.f"}"#), "eyJ.e.f");
        assert_eq!(token_of(r#""eyJ.g.h""#), "eyJ.g.h");
    }
}
