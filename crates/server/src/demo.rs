//! The demo page: a live room at `/` built on the web SDK (`sdk/js`), the
//! SDK's bundles at `/sdk/…`, the page's settings at `/demo/config`, and —
//! only on the generated dev config — a dev login at `/demo/dev-login` that
//! mints userSigs for anyone who asks.
//!
//! The files are built into the binary (so `cargo run` serves the page
//! without npm); `demo.dir` serves them from a directory laid out like the
//! repository's `sdk/` instead, for editing the page without rebuilding.

use crate::config::Config;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use roomcast_core::apps::{AppConfig, now_secs};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoOptions {
    /// Serve the demo page. Unset: on in standalone mode, off on cluster
    /// gateways.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Serve the page's files from this directory (laid out like the
    /// repository's `sdk/`: `demo/index.html`, `js/dist/roomcast.esm.js`, …)
    /// instead of the copies built into the binary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// The room the page opens when its URL names none (`/?room=ID`).
    pub room: String,
    /// The dev login: `POST /demo/dev-login` mints a userSig for any user ID.
    /// Only the generated dev config sets it (standalone mode only); never
    /// set it in a config that others can reach.
    pub dev_login: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            enabled: None,
            dir: None,
            room: DEMO_ROOM.into(),
            dev_login: false,
        }
    }
}

/// The room the page opens by default; the dev config's server creates it.
pub const DEMO_ROOM: &str = "demo";

/// What the generated dev config says about the demo (appended to it).
pub const DEV_CONFIG_SECTION: &str = "\n# The demo page's dev login (http://127.0.0.1:8080/): mints a userSig for any user ID.\n\
# Written only into this generated dev config; never copy it into a config others can reach.\n\
[demo]\ndev_login = true\n";

/// Which process serves the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Standalone,
    Gateway,
}

/// URL path → (file under the `sdk/` layout, content type). A fixed list:
/// nothing else is ever read from `demo.dir`.
const FILES: &[(&str, &str, &str)] = &[
    ("/", "demo/index.html", HTML),
    ("/demo/demo.js", "demo/demo.js", JS),
    ("/demo/demo.css", "demo/demo.css", CSS),
    ("/sdk/roomcast.esm.js", "js/dist/roomcast.esm.js", JS),
    ("/sdk/roomcast.js", "js/dist/roomcast.js", JS),
];
const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The copies built into the binary, in `FILES` order.
const EMBEDDED: &[&[u8]] = &[
    include_bytes!("../../../sdk/demo/index.html"),
    include_bytes!("../../../sdk/demo/demo.js"),
    include_bytes!("../../../sdk/demo/demo.css"),
    include_bytes!("../../../sdk/js/dist/roomcast.esm.js"),
    include_bytes!("../../../sdk/js/dist/roomcast.js"),
];

struct Demo {
    dir: Option<PathBuf>,
    /// The page's settings (`/demo/config`).
    settings: serde_json::Value,
    /// The app the dev login signs for, when it is on.
    dev_app: Option<AppConfig>,
}

/// Whether `role` serves the page under `opts`.
pub fn serves(opts: &DemoOptions, role: Role) -> bool {
    opts.enabled.unwrap_or(role == Role::Standalone)
}

/// Whether the dev login is on: the dev config's marker, in standalone mode.
pub fn dev_login(opts: &DemoOptions, role: Role) -> bool {
    role == Role::Standalone && opts.dev_login && serves(opts, role)
}

/// Logs where the page is, and loudly when the dev login is on.
pub fn announce(config: &Config, role: Role, http: std::net::SocketAddr) {
    if !serves(&config.demo, role) {
        return;
    }
    tracing::info!(url = %format!("http://{http}/"), room = %config.demo.room, "demo page");
    if dev_login(&config.demo, role) {
        tracing::warn!(
            "demo dev login is on (the generated dev config): anyone who can reach this server can mint userSigs"
        );
    }
}

/// The demo's routes for `role`; empty when it does not serve the page.
pub fn router(config: &Config, role: Role) -> Router {
    let opts = &config.demo;
    if !serves(opts, role) {
        return Router::new();
    }
    let app = config.apps.first();
    let dev = dev_login(opts, role);
    let demo = Arc::new(Demo {
        dir: opts.dir.clone(),
        settings: json!({
            "sdkAppId": app.map(|a| a.sdkappid),
            "room": opts.room,
            "devLogin": dev,
        }),
        dev_app: if dev { app.cloned() } else { None },
    });
    let mut router = Router::new();
    for (i, (path, _, _)) in FILES.iter().enumerate() {
        router = router.route(
            path,
            get(move |State(d): State<Arc<Demo>>| async move { d.file(i).await }),
        );
    }
    router = router.route("/demo/config", get(config_json));
    if dev {
        router = router.route("/demo/dev-login", post(dev_login_handler));
    }
    router.with_state(demo)
}

impl Demo {
    async fn file(&self, i: usize) -> Response {
        let (_, rel, content_type) = FILES[i];
        let body = match &self.dir {
            None => EMBEDDED[i].to_vec(),
            Some(dir) => match tokio::fs::read(dir.join(rel)).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(file = %dir.join(rel).display(), error = %e, "demo file unreadable");
                    return (StatusCode::NOT_FOUND, "demo file not found").into_response();
                }
            },
        };
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response()
    }
}

async fn config_json(State(d): State<Arc<Demo>>) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(d.settings.clone())).into_response()
}

#[derive(Deserialize)]
struct DevLogin {
    #[serde(rename = "userID")]
    user_id: String,
}

/// Mints a one-day userSig for the user the page names. Refuses the app
/// admin: even in development the page hands out no admin rights.
async fn dev_login_handler(State(d): State<Arc<Demo>>, body: axum::Json<DevLogin>) -> Response {
    let Some(app) = &d.dev_app else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let user = body.0.user_id;
    if let Err(e) = roomcast_core::ids::validate_user_id(&user) {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e.to_string() }))).into_response();
    }
    if user == app.admin_identifier {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({ "error": "the dev login does not sign for the app admin" })),
        )
            .into_response();
    }
    let sig = roomcast_auth::gen_usersig(app.sdkappid, &app.secret, &user, 86_400, now_secs());
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({ "sdkAppId": app.sdkappid, "userID": user, "userSig": sig })),
    )
        .into_response()
}

/// On the dev config, creates the page's room (standalone rooms live in
/// memory, so a fresh start has none).
pub async fn create_dev_room(config: &Config, rooms: &roomcast_core::rooms::Rooms) {
    if !dev_login(&config.demo, Role::Standalone) {
        return;
    }
    let Some(app) = config.apps.first() else { return };
    let req = roomcast_core::rooms::CreateRoom {
        room_id: Some(config.demo.room.clone()),
        owner: None,
        profile: roomcast_core::model::RoomProfile {
            name: "Roomcast demo".into(),
            introduction: "The demo page's room".into(),
            ..Default::default()
        },
    };
    match rooms.create_room(app.sdkappid, req).await {
        Ok(_) => tracing::info!(room = %config.demo.room, "created the demo room (dev config)"),
        Err(e) => tracing::warn!(room = %config.demo.room, error = %e, "cannot create the demo room"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_standalone_serves_by_default_and_only_the_marker_turns_on_the_dev_login() {
        let mut o = DemoOptions::default();
        assert!(serves(&o, Role::Standalone));
        assert!(!serves(&o, Role::Gateway));
        assert!(!dev_login(&o, Role::Standalone));
        o.dev_login = true;
        assert!(dev_login(&o, Role::Standalone));
        o.enabled = Some(true);
        assert!(serves(&o, Role::Gateway));
        assert!(!dev_login(&o, Role::Gateway), "never on a cluster gateway");
        o.enabled = Some(false);
        assert!(!dev_login(&o, Role::Standalone), "no page, no dev login");
    }

    #[test]
    fn the_generated_dev_config_carries_the_marker_and_a_plain_config_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::config::DEV_CONFIG_FILE);
        crate::config::ensure_dev_config(&path).unwrap();
        let dev = Config::load(Some(&path), &[]).unwrap();
        assert!(dev.demo.dev_login);
        dev.validate().unwrap();
        let plain = dir.path().join("roomcast.toml");
        std::fs::write(&plain, "[[apps]]\nsdkappid = 1\nsecret = \"0123456789abcdef0123\"\n").unwrap();
        assert!(!Config::load(Some(&plain), &[]).unwrap().demo.dev_login);
        assert_eq!(Config::default().demo, DemoOptions::default());
    }

    #[test]
    fn every_file_is_embedded() {
        assert_eq!(FILES.len(), EMBEDDED.len());
        for (i, (path, _, _)) in FILES.iter().enumerate() {
            assert!(!EMBEDDED[i].is_empty(), "{path} is empty");
        }
    }
}
