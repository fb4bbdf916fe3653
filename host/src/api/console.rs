//! The web console's side of the server: the page, its scripts and styles (embedded in the
//! binary, so the console works offline and always matches the host it runs on), the live
//! feed of an execution's history as server-sent events, and the console's sign-in when the
//! host checks signatures (sessions are [`auth::Access`]'s).
//!
//! Everything else the console shows or does goes through the AWS API any client uses
//! (`POST /` with `X-Amz-Target`, Lambda's `GET /2015-03-31/functions/`): the console has no
//! back door, and what it can do is what a signed-in key may do.
//!
//! Must not: render anything on the server (the page draws the graph and the tables), or
//! read an execution any other way than the API's GetExecutionHistory does.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::auth::{Access, SESSION_COOKIE, SESSION_TTL};
use super::{ApiError, json_response, read_body};
use crate::host::Host;
use crate::store::{ExecutionStatus, Store, Watch};

/// The console's files: path, content type, text. `/` is the page; the rest it loads.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../../console/index.html"),
    ),
    (
        "/console/style.css",
        "text/css; charset=utf-8",
        include_str!("../../console/style.css"),
    ),
    (
        "/console/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/app.js"),
    ),
    (
        "/console/api.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/api.js"),
    ),
    (
        "/console/graph.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/graph.js"),
    ),
    (
        "/console/progress.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/progress.js"),
    ),
    (
        "/console/vendor/dagre.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/vendor/dagre.min.js"),
    ),
];

/// Tells the console whether it must sign in; open, since it says nothing else.
const SESSION_PATH: &str = "/console/session";
const SIGN_IN_PATH: &str = "/console/sign-in";
const SIGN_OUT_PATH: &str = "/console/sign-out";
/// The live history feed.
const HISTORY_PATH: &str = "/console/history";

/// Whether `path` is one of the console's files (or its sign-in state), open to everyone.
pub fn is_asset(path: &str) -> bool {
    path == SESSION_PATH || ASSETS.iter().any(|(p, _, _)| *p == path)
}

/// Whether `path` signs in or out: it checks a key pair itself.
pub fn is_sign_in(path: &str) -> bool {
    path == SIGN_IN_PATH || path == SIGN_OUT_PATH
}

/// The console's routes except `GET /`, which [`index`] serves beside the API's `POST /`.
/// `access` is who may call (none: everyone); `closing` turns true when the server shuts down,
/// which ends every live feed (a graceful shutdown waits for open responses).
pub fn routes(access: Option<Arc<Access>>, closing: watch::Receiver<bool>) -> Router<Host> {
    let mut router = Router::new();
    for (i, (path, _, _)) in ASSETS.iter().enumerate().skip(1) {
        router = router.route(path, get(move |headers: HeaderMap| asset(i, headers)));
    }
    let (a, b, c) = (access.clone(), access.clone(), access);
    router
        .route(SESSION_PATH, get(move |h: HeaderMap| session(a, h)))
        .route(SIGN_IN_PATH, post(move |body: Body| sign_in(b, body)))
        .route(SIGN_OUT_PATH, post(move |h: HeaderMap| sign_out(c, h)))
        .route(
            HISTORY_PATH,
            get(
                move |state: State<Host>,
                      query: Result<Query<HistoryQuery>, QueryRejection>,
                      headers: HeaderMap| history(state, query, headers, closing),
            ),
        )
}

/// `GET /`: the console's page.
pub async fn index(headers: HeaderMap) -> Response {
    asset(0, headers).await
}

/// The assets never change while the binary runs: an ETag of their text lets a browser keep
/// them, and `no-cache` makes it ask again after an upgrade.
async fn asset(i: usize, headers: HeaderMap) -> Response {
    let (_, content_type, text) = ASSETS[i];
    let etag = etags()[i].as_str();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let status = if fresh {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let body = if fresh { "" } else { text };
    (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::ETAG, etag),
            // The page loads only its own scripts and talks only to this host.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// Each asset's ETag, in `ASSETS`' order: hashed once, on the first request.
fn etags() -> &'static [String] {
    static ETAGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ETAGS.get_or_init(|| {
        use sha2::Digest;
        ASSETS
            .iter()
            .map(|(_, _, text)| {
                let digest = sha2::Sha256::digest(text.as_bytes());
                let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                format!("\"{hex}\"")
            })
            .collect()
    })
}

async fn session(access: Option<Arc<Access>>, headers: HeaderMap) -> Response {
    let required = access.is_some();
    let signed_in = access.as_ref().is_none_or(|a| a.has_session(&headers));
    json_response(
        StatusCode::OK,
        &json!({"signInRequired": required, "signedIn": signed_in}),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignIn {
    access_key_id: String,
    secret_access_key: String,
}

async fn sign_in(access: Option<Arc<Access>>, body: Body) -> Response {
    let Some(access) = access else {
        return json_response(StatusCode::OK, &json!({"signInRequired": false}));
    };
    let Ok(bytes) = read_body(body, 64 * 1024).await else {
        return ApiError::RequestEntityTooLarge("the sign-in form is too large".into())
            .into_response();
    };
    let form: SignIn = match super::input::parse(&bytes) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let Some(token) = access.sign_in(&form.access_key_id, &form.secret_access_key) else {
        // One answer for an unknown key and a wrong secret: which keys exist is not told.
        return ApiError::UnrecognizedClientException(
            "The access key and secret do not match any key pair of this host's credentials file."
                .into(),
        )
        .into_response();
    };
    with_session_cookie(&token, SESSION_TTL.as_secs())
}

async fn sign_out(access: Option<Arc<Access>>, headers: HeaderMap) -> Response {
    if let Some(access) = access {
        access.sign_out(&headers);
    }
    // An empty cookie that ends now: the browser forgets the session.
    with_session_cookie("", 0)
}

/// The sign-in's answer, setting the session cookie to `token` for `max_age` seconds.
fn with_session_cookie(token: &str, max_age: u64) -> Response {
    let signed_in = !token.is_empty();
    let mut response = json_response(StatusCode::OK, &json!({ "signedIn": signed_in }));
    let cookie =
        format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}");
    // The token is hex: the header value is always valid.
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryQuery {
    execution_arn: String,
    /// Start after the event with this id (a page that follows again after a redrive has the
    /// events so far; `Last-Event-ID`, when a reconnecting browser sends it, is newer).
    after: Option<u64>,
}

/// How long the feed gathers commits before it reads again: an execution stepping thousands
/// of times a second costs its watcher ten reads a second, and the page still looks live.
const GATHER: Duration = Duration::from_millis(100);

/// `GET /console/history?executionArn=...[&after=ID]`: the execution's history events as
/// server-sent events, from the one after `Last-Event-ID` (an `EventSource` that reconnects
/// sends it) or `after`. Each message holds the events committed since the last and the
/// execution's status; the feed ends after the message that shows the execution ended.
async fn history(
    State(host): State<Host>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
    headers: HeaderMap,
    closing: watch::Receiver<bool>,
) -> Response {
    let Ok(Query(query)) = query else {
        return ApiError::ValidationException("executionArn: the query must name one".into())
            .into_response();
    };
    let record = match super::lookup::execution(&*host.store, &query.execution_arn) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    // Watched before the first read (the feed's first message reads after this), so that no
    // commit falls between the two.
    let changes = host.store.changes().watch(record.seq);
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or(query.after)
        .unwrap_or(0);
    let feed = Feed {
        store: host.store.clone(),
        arn: query.execution_arn,
        seq: record.seq,
        after,
        changes,
        closing,
        first: true,
        ended: false,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        feed.next()
            .await
            .map(|event| (Ok::<_, Infallible>(event), feed))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// One watcher's place in an execution's history.
struct Feed {
    store: Arc<dyn Store>,
    arn: String,
    seq: u64,
    /// The id of the last event sent.
    after: u64,
    changes: Watch,
    closing: watch::Receiver<bool>,
    /// Nothing sent yet: the first message goes out even with no new event (the status).
    first: bool,
    ended: bool,
}

impl Feed {
    /// The next message, once there is something new; `None` ends the feed.
    async fn next(&mut self) -> Option<Event> {
        if self.ended || *self.closing.borrow() {
            return None;
        }
        loop {
            let first = std::mem::take(&mut self.first);
            if !first && !self.changed().await {
                return None;
            }
            // The record first: the final record and the last steps are committed together, so
            // a history read after an ended record holds every event.
            let record = match self.store.execution(&self.arn) {
                Ok(Some(r)) => r,
                Ok(None) => return None,
                Err(e) => return Some(self.failed(&e.to_string())),
            };
            let events = match self.store.history(self.seq) {
                Ok(events) => events,
                Err(e) => return Some(self.failed(&e.to_string())),
            };
            let new: Vec<Value> = events
                .into_iter()
                .filter(|e| e["id"].as_u64().is_some_and(|id| id > self.after))
                .collect();
            self.ended = record.status != ExecutionStatus::Running;
            if new.is_empty() && !self.ended && !first {
                continue;
            }
            if let Some(last) = new.last().and_then(|e| e["id"].as_u64()) {
                self.after = last;
            }
            let data = json!({
                "status": record.status.as_str(),
                "events": new,
            });
            return Some(
                Event::default()
                    .event("history")
                    .id(self.after.to_string())
                    .data(data.to_string()),
            );
        }
    }

    /// Waits until this execution changed; false when the server is closing.
    async fn changed(&mut self) -> bool {
        tokio::select! {
            () = self.changes.changed() => {}
            _ = self.closing.changed() => return false,
        }
        tokio::time::sleep(GATHER).await;
        // What came while gathering is read with the rest.
        self.changes.seen();
        !*self.closing.borrow()
    }

    /// The store failed: say so and end (the page shows the message).
    fn failed(&mut self, message: &str) -> Event {
        tracing::error!(execution = %self.arn, error = %message, "the console's history feed cannot read the store");
        self.ended = true;
        Event::default().event("failure").data(
            json!({"message": "the host cannot read this execution's history now"}).to_string(),
        )
    }
}
