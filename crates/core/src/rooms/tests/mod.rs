//! Unit tests of the room rules over the in-memory adapters.
//!
//! One file per rule family; this module is the shared harness: a `Rooms`
//! over `crate::memory` with one app, a fake screen, a fake before-send hook
//! and a hand-set clock for frequency control, plus helpers to read what
//! was published on a room's bus subject.

mod admin;
mod attributes;
mod counters;
mod discipline;
mod history;
mod membership;
mod publish;
mod send;

use super::{CreateRoom, Rooms, RoomsDeps, RoomsOptions, SendRequest, Sender};
use crate::apps::{AppConfig, Apps, ScreenedCustomFields};
use crate::error::{CoreError, Result};
use crate::event::RoomEvent;
use crate::freq::FrequencyOptions;
use crate::ids::AppId;
use crate::memory::{MemoryBus, MemoryHistory, MemoryIdempotency, MemoryPresence, MemorySequencer, MemoryStore};
use crate::model::{Actor, MsgBody, MsgElem, Priority, TextElem, UserProfile, ValidBody};
use crate::ports::bus::{Bus, Subscription};
use crate::ports::hook::{BeforeSendHook, HookRequest, HookSettings, HookVerdict};
use crate::ports::idempotency::SendOutcome;
use crate::ports::presence::{ConnKey, MemberInfo};
use crate::ports::screen::{Screen, ScreenContext};
use crate::ports::sequencer::{Admission, AdmitClass, RoomSequencer};
use crate::ports::store::RoomStore;
use async_trait::async_trait;
use parking_lot::Mutex;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use tokio::sync::Notify;

pub const APP: AppId = 1_400_000_000;
/// The app admin's identifier.
pub const APP_ADMIN: &str = "administrator";
/// Roles in the room `Harness::staffed_room` creates.
pub const OWNER: &str = "alice";
pub const ADMIN: &str = "bob";
pub const MEMBER: &str = "carol";
pub const OTHER: &str = "dave";

/// Text the fake screen blocks (category `porn`), masks, or cannot screen.
pub const BLOCKED: &str = "forbidden";
pub const MASKED: &str = "darn";
pub const OUTAGE: &str = "outage";

/// Blocks fields containing `BLOCKED`, masks `MASKED` to `****`, fails
/// closed on `OUTAGE`; records what it was asked.
#[derive(Default)]
pub struct FakeScreen {
    pub calls: Mutex<Vec<(String, String, Vec<String>)>>,
}

#[async_trait]
impl Screen for FakeScreen {
    async fn screen(&self, ctx: ScreenContext<'_>, fields: Vec<String>) -> Result<Vec<String>> {
        self.calls
            .lock()
            .push((ctx.room.to_string(), ctx.user.to_string(), fields.clone()));
        if fields.iter().any(|f| f.contains(OUTAGE)) {
            return Err(CoreError::ModerationUnavailable);
        }
        if fields.iter().any(|f| f.contains(BLOCKED)) {
            return Err(CoreError::Blocked {
                category: "porn".into(),
            });
        }
        Ok(fields.into_iter().map(|f| f.replace(MASKED, "****")).collect())
    }
}

/// What the fake hook answers.
#[derive(Clone)]
pub enum HookMode {
    Allow,
    Reject(u32),
    Replace(MsgBody),
    /// The hook could not answer (timeout, refused...).
    Fail,
}

/// A before-send hook whose verdict the test sets; it records the bodies it
/// saw. With `hold` set, the next call stops until `release` is notified,
/// to interleave other operations.
pub struct FakeHook {
    pub mode: Mutex<HookMode>,
    pub seen: Mutex<Vec<MsgBody>>,
    pub hold: AtomicBool,
    pub entered: Notify,
    pub release: Notify,
}

#[async_trait]
impl BeforeSendHook for FakeHook {
    async fn check(&self, _settings: &HookSettings, req: HookRequest<'_>) -> Result<HookVerdict> {
        self.seen.lock().push(req.body.clone());
        if self.hold.swap(false, Ordering::SeqCst) {
            self.entered.notify_one();
            self.release.notified().await;
        }
        let mode = self.mode.lock().clone();
        match mode {
            HookMode::Allow => Ok(HookVerdict::Allow),
            HookMode::Reject(code) => Ok(HookVerdict::Reject {
                code,
                message: "the app says no".into(),
            }),
            HookMode::Replace(body) => Ok(HookVerdict::Replace(body)),
            HookMode::Fail => Err(CoreError::Internal("hook timed out".into())),
        }
    }
}

/// `MemorySequencer` seeing a hand-set clock, so frequency windows are
/// deterministic: every admission happens at `clock` until a test moves it.
/// With `hold` set, the next admission stops once it has its answer (a
/// sequence number, under the publish lock) until `release` is notified.
pub struct ClockedSequencer {
    inner: MemorySequencer,
    pub clock: AtomicI64,
    pub hold: AtomicBool,
    pub entered: Notify,
    pub release: Notify,
}

/// Mid-window, so small moves never cross into the next second.
const START_MS: i64 = 1_700_000_000_500;

#[async_trait]
impl RoomSequencer for ClockedSequencer {
    async fn admit(&self, app: AppId, room: &str, class: AdmitClass, _now_ms: i64) -> Result<Admission> {
        let now = self.clock.load(Ordering::SeqCst);
        let admission = self.inner.admit(app, room, class, now).await;
        if self.hold.swap(false, Ordering::SeqCst) {
            self.entered.notify_one();
            self.release.notified().await;
        }
        admission
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        self.inner.forget(app, room).await
    }
}

/// How the room service is put together.
pub struct Setup {
    pub opts: RoomsOptions,
    /// The app's before-send hook settings, if it has one.
    pub hook: Option<HookSettings>,
    /// Whether this process has a screen and idempotency, as standalone
    /// servers and moderators do (gateways have neither).
    pub process_sends: bool,
    /// The app's group-counter policy.
    pub counters: crate::apps::CounterPolicy,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            opts: RoomsOptions::default(),
            hook: None,
            process_sends: true,
            counters: Default::default(),
        }
    }
}

pub struct Harness {
    pub rooms: Rooms,
    pub store: Arc<MemoryStore>,
    pub bus: Arc<MemoryBus>,
    pub screen: Arc<FakeScreen>,
    pub hook: Arc<FakeHook>,
    pub sequencer: Arc<ClockedSequencer>,
    next_conn: AtomicU64,
}

impl Harness {
    pub fn new() -> Self {
        Self::build(Setup::default())
    }

    pub fn with_options(opts: RoomsOptions) -> Self {
        Self::build(Setup {
            opts,
            ..Setup::default()
        })
    }

    /// An app with a before-send hook, failing open or closed.
    pub fn with_hook(fail_open: bool) -> Self {
        let settings = HookSettings {
            url: "http://127.0.0.1:9/hook".into(),
            fail_open,
            ..HookSettings::default()
        };
        Self::build(Setup {
            hook: Some(settings),
            ..Setup::default()
        })
    }

    /// Frequency caps: the room cap and one sub-cap for Normal, Low and Lowest.
    pub fn with_caps(room: u32, sub: u32) -> Self {
        Self::with_options(RoomsOptions {
            frequency: FrequencyOptions {
                room_cap_per_sec: room,
                normal_cap_per_sec: sub,
                low_cap_per_sec: sub,
                lowest_cap_per_sec: sub,
            },
            ..RoomsOptions::default()
        })
    }

    pub fn build(setup: Setup) -> Self {
        let Setup {
            mut opts,
            hook: hook_settings,
            process_sends,
            counters: counter_policy,
        } = setup;
        // The rules' tests look at every tip as it is published; coalescing
        // has its own tests (`member_tips.rs`).
        opts.member_tip_interval_ms = 0;
        let app = AppConfig {
            sdkappid: APP,
            secret: "0123456789abcdef0123456789abcdef".into(),
            admin_identifier: APP_ADMIN.into(),
            admin_token: None,
            screen_custom: ScreenedCustomFields::default(),
            before_send_hook: hook_settings,
            callbacks: None,
            counters: counter_policy,
        };
        app.validate().expect("test app config is valid");
        let store = Arc::new(MemoryStore::new());
        let bus = Arc::new(MemoryBus::new(8192));
        let screen = Arc::new(FakeScreen::default());
        let hook = Arc::new(FakeHook {
            mode: Mutex::new(HookMode::Allow),
            seen: Mutex::default(),
            hold: AtomicBool::new(false),
            entered: Notify::new(),
            release: Notify::new(),
        });
        let sequencer = Arc::new(ClockedSequencer {
            inner: MemorySequencer::new(opts.frequency),
            clock: AtomicI64::new(START_MS),
            hold: AtomicBool::new(false),
            entered: Notify::new(),
            release: Notify::new(),
        });
        let history = Arc::new(MemoryHistory::new(opts.history));
        let rooms = Rooms::new(
            opts,
            RoomsDeps {
                apps: Apps::new([app]),
                store: store.clone(),
                presence: Arc::new(MemoryPresence::new()),
                sequencer: sequencer.clone(),
                bus: bus.clone(),
                history,
                counters: Arc::new(crate::memory::MemoryCounters::new()),
                attributes: Arc::new(crate::memory::MemoryAttributes::new()),
                idempotency: process_sends.then(|| Arc::new(MemoryIdempotency::new(1000)) as _),
                screen: process_sends.then(|| screen.clone() as _),
                hook: Some(hook.clone()),
                callbacks: None,
            },
        );
        Self {
            rooms,
            store,
            bus,
            screen,
            hook,
            sequencer,
            next_conn: AtomicU64::new(1),
        }
    }

    /// Moves frequency control's clock to the next one-second window.
    pub fn next_window(&self) {
        self.sequencer.clock.fetch_add(1000, Ordering::SeqCst);
    }

    pub async fn create(&self, room_id: &str, owner: Option<&str>) -> crate::model::Room {
        self.rooms
            .create_room(
                APP,
                CreateRoom {
                    room_id: Some(room_id.into()),
                    owner: owner.map(str::to_string),
                    profile: Default::default(),
                },
            )
            .await
            .expect("room created")
    }

    /// A room owned by `OWNER` with `ADMIN` as admin. The admin is set in
    /// the store, so nothing is published: the room's first event is seq 1.
    pub async fn staffed_room(&self, room_id: &str) {
        self.create(room_id, Some(OWNER)).await;
        assert!(
            self.store
                .set_admin(APP, room_id, ADMIN, true)
                .await
                .expect("admin set")
        );
    }

    pub async fn subscribe(&self, room_id: &str) -> Subscription<RoomEvent> {
        self.bus.subscribe_room(APP, room_id).await.expect("subscribed")
    }

    pub fn conn(&self) -> ConnKey {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Joins `user` on a new connection, returning it.
    pub async fn join(&self, room_id: &str, user: &str) -> ConnKey {
        let conn = self.conn();
        self.rooms
            .join(APP, room_id, &member(user), conn)
            .await
            .expect("joined");
        conn
    }

    /// `user` (as `member` describes them) leaves on `conn`; `announce`:
    /// a quit on request rather than a disconnect or kick.
    pub async fn leave(&self, room_id: &str, user: &str, conn: ConnKey, announce: bool) {
        self.rooms
            .leave(APP, room_id, &member(user), conn, announce)
            .await
            .expect("left");
    }

    pub async fn send(&self, room_id: &str, user: &str, text: &str) -> Result<SendOutcome> {
        self.rooms.send_message(APP, user_msg(room_id, user, text)).await
    }
}

pub fn member(user: &str) -> MemberInfo {
    MemberInfo {
        user_id: user.into(),
        nick: format!("{user}-nick"),
        avatar: format!("https://img.example/{user}.png"),
    }
}

pub fn user(id: &str) -> Actor {
    Actor::User(id.into())
}

pub fn ids(users: &[&str]) -> Vec<String> {
    users.iter().map(|u| u.to_string()).collect()
}

pub fn text_body(text: &str) -> ValidBody {
    ValidBody::new(MsgBody(vec![MsgElem::Text(TextElem { text: text.into() })])).expect("valid body")
}

/// A Normal-priority text message from `user`, with the profile `member` gives.
pub fn user_msg(room_id: &str, user: &str, text: &str) -> SendRequest {
    let m = member(user);
    SendRequest {
        room_id: room_id.into(),
        sender: Sender::User {
            id: user.into(),
            profile: UserProfile {
                nick: m.nick,
                avatar: m.avatar,
            },
        },
        priority: Priority::Normal,
        body: text_body(text),
        msg_key: None,
        skip_moderation: false,
        callbacks: Default::default(),
    }
}

pub fn admin_msg(room_id: &str, text: &str) -> SendRequest {
    SendRequest {
        sender: Sender::AppAdmin,
        ..user_msg(room_id, APP_ADMIN, text)
    }
}

pub fn delivered_seq(outcome: SendOutcome) -> u64 {
    match outcome {
        SendOutcome::Delivered { seq, .. } => seq,
        other => panic!("expected delivery, got {other:?}"),
    }
}

/// The next event already published on the subscription.
pub fn next_event(sub: &mut Subscription<RoomEvent>) -> RoomEvent {
    sub.ready().expect("an event was published")
}

/// The next event, which must be deliverable: its client JSON, whose `seq`
/// must match the event's.
pub fn next_json(sub: &mut Subscription<RoomEvent>) -> Value {
    match next_event(sub) {
        RoomEvent::Deliver { seq, json } => {
            let v: Value = serde_json::from_slice(&json).expect("event JSON");
            assert_eq!(v["seq"], seq, "JSON seq matches the event's");
            v
        }
        other => panic!("expected a deliverable event, got {other:?}"),
    }
}

/// The next event, which must be a tip: the `tip` object of its JSON.
pub fn next_tip(sub: &mut Subscription<RoomEvent>) -> Value {
    let v = next_json(sub);
    assert_eq!(v["kind"], "tip", "expected a tip: {v}");
    v["tip"].clone()
}

/// Nothing (more) was published.
pub fn assert_quiet(sub: &mut Subscription<RoomEvent>) {
    if let Some(e) = sub.ready() {
        panic!("nothing should have been published, got {e:?}");
    }
}

/// Awaits `f`, failing the test instead of hanging if it never finishes
/// (a rule broken so that something waits forever).
pub async fn finishes<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(10), f)
        .await
        .expect("did not finish: something waits forever")
}

/// The error's client code, for `Result`s expected to fail.
pub fn code<T: std::fmt::Debug>(r: Result<T>) -> u32 {
    r.expect_err("expected an error").code()
}
