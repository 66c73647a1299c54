//! One member connection: connect (from a spread-out loopback source
//! address), handshake for the target protocol, then read deliveries and,
//! for senders, send at the paced rate until the end of the run.

use crate::cli::Target;
use crate::engineio::{self, Eio, Sio};
use crate::likes::{self, Seen};
use crate::nats;
use crate::payload::{self, Stamp};
use crate::rcproto;
use crate::recovery::Rejoin;
use crate::shard::{Maps, Sched, Shared, now_ns};
use crate::stats::{self, SenderTracker, SeqObs, SeqTracker};
use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};

type Ws = WebSocketStream<TcpStream>;

/// What one connection reports when it ends.
#[derive(Debug, Default, Clone)]
pub struct ConnResult {
    pub room: u32,
    /// When the handshake completed (0: never).
    pub ready_ns: u64,
    /// When the server or network closed it (0: it lasted until the stop).
    pub closed_ns: u64,
    /// Deliveries of messages sent in the window.
    pub received_w: u64,
}

enum Proto {
    Roomcast,
    Nats(nats::Parser),
    Socketio,
}

struct Pending {
    id: u64,
    ts_ns: u64,
    priority: rcproto::Priority,
}

struct SenderState {
    index: u32,
    seq: u64,
    k: u64,
    offset: Duration,
    period: Duration,
    next: Option<Instant>,
    rng: StdRng,
    next_id: u64,
    pending: VecDeque<Pending>,
}

/// Receive-side state, kept apart from the protocol parser so both can be
/// borrowed at once.
struct Recv {
    member: u64,
    room: u32,
    room_seq: SeqTracker,
    senders_seen: SenderTracker,
    res: ConnResult,
    /// What a rejoin with `since` needs (Roomcast).
    rejoin: Rejoin,
    /// Closes and recovers in the storm (else: the control group).
    stormed: bool,
    /// The newest `likes` value pushed to this member.
    likes_seen: Seen,
}

/// A Roomcast join reply and the pushes that arrived before it.
struct Joined {
    reply: String,
    early: Vec<String>,
    early_dropped: u64,
}

/// Pushes kept per connection while waiting for the join reply; more are
/// counted and dropped (a bound, not an expectation: a few arrive at most).
const MAX_EARLY_PUSHES: usize = 1024;

/// Why `Conn::run` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The run's stop time (or the coordinator went away).
    Stop,
    /// Closed by the server or the network.
    Closed,
    /// The tool closed it for the reconnect storm.
    Storm,
}

fn ws_config() -> WebSocketConfig {
    // Small eagerly-allocated read buffer: 100k connections × 128 KiB (the
    // default) would not fit in memory. Writes go out immediately.
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(Some(16 << 20))
        .max_frame_size(Some(16 << 20))
}

pub async fn run_conn(sh: Arc<Shared>, member: u64) -> ConnResult {
    let plan = sh.plan.clone();
    let room = plan.room_of(member);
    sh.c.attempted.fetch_add(1, Relaxed);
    let permit = sh.handshakes.acquire().await.ok();
    let t0 = Instant::now();
    let hs = tokio::time::timeout(plan.connect_timeout, handshake(&sh, member, 0, None)).await;
    drop(permit);
    let mut recv = Recv {
        member,
        room,
        room_seq: SeqTracker::default(),
        senders_seen: SenderTracker::default(),
        res: ConnResult {
            room,
            ..Default::default()
        },
        rejoin: Rejoin::default(),
        stormed: plan.is_stormed(member),
        likes_seen: Seen::default(),
    };
    let (ws, proto, joined) = match hs {
        Ok(Ok(v)) => v,
        Ok(Err(reason)) => {
            sh.c.failed.fetch_add(1, Relaxed);
            sh.bump(|m: &mut Maps| &mut m.fail_reasons, reason);
            return recv.res;
        }
        Err(_) => {
            sh.c.failed.fetch_add(1, Relaxed);
            sh.bump(|m: &mut Maps| &mut m.fail_reasons, "timeout".into());
            return recv.res;
        }
    };
    {
        let mut h = sh.connect_time.lock().unwrap_or_else(|e| e.into_inner());
        stats::record(&mut h, t0.elapsed().as_micros() as u64);
    }
    recv.res.ready_ns = now_ns();
    sh.c.connected.fetch_add(1, Relaxed);
    let sender = plan.is_sender(member).then(|| {
        let index = member as u32;
        SenderState {
            index,
            seq: 0,
            k: 0,
            offset: plan.sender_offset(index),
            period: plan.sender_period().unwrap_or(Duration::MAX),
            next: None,
            rng: StdRng::seed_from_u64(member ^ 0x5eed_cafe),
            next_id: 100,
            pending: VecDeque::new(),
        }
    });
    let storm_pending = recv.stormed;
    let mut conn = Conn {
        sh,
        ws,
        proto,
        recv,
        sender,
        attempt: 0,
        storm_pending,
    };
    if let Some(j) = joined {
        let sched = *conn.sh.sched.borrow();
        conn.on_joined(j, false, sched.as_ref());
    }
    let mut exit = conn.run().await;
    loop {
        let storm = match exit {
            Exit::Stop => break,
            Exit::Closed if conn.sh.plan.reconnect => false,
            Exit::Closed => break,
            Exit::Storm => true,
        };
        if !conn.rejoin(member, storm).await {
            break;
        }
        exit = conn.run().await;
    }
    conn.sh.likes.member_final(&conn.recv.likes_seen);
    conn.recv.res
}

fn io_reason(stage: &str, e: &std::io::Error) -> String {
    format!("{stage}: {}", e.kind())
}

fn ws_reason(stage: &str, e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Http(resp) => format!("{stage}: http {}", resp.status().as_u16()),
        tungstenite::Error::Io(io) => io_reason(stage, io),
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => format!("{stage}: closed"),
        tungstenite::Error::Protocol(p) => format!("{stage}: protocol: {p}"),
        other => {
            let s = other.to_string();
            format!("{stage}: {}", s.chars().take(60).collect::<String>())
        }
    }
}

/// Connects member `member`; attempt `n` goes to the n-th URL after its own.
/// A Roomcast join sends `since` when given and returns the join reply
/// with the pushes that came before it.
async fn handshake(
    sh: &Shared,
    member: u64,
    attempt: u64,
    since: Option<(u64, String)>,
) -> Result<(Ws, Proto, Option<Joined>), String> {
    let plan = &sh.plan;
    let ep = plan.endpoint(member + attempt);
    let sock = if ep.addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| io_reason("socket", &e))?;
    if plan.spread_sources && ep.addr.is_ipv4() {
        sock.bind(SocketAddr::new(plan.source_ip(member).into(), 0))
            .map_err(|e| io_reason("bind", &e))?;
    }
    let stream = sock.connect(ep.addr).await.map_err(|e| io_reason("connect", &e))?;
    let _ = stream.set_nodelay(true);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(ep.url.as_str(), stream, Some(ws_config()))
        .await
        .map_err(|e| ws_reason("upgrade", &e))?;
    let room = plan.room_of(member);
    let mut joined = None;
    let proto = match plan.target {
        Target::Roomcast => {
            if plan.logs_in(member) {
                let user = plan.user_id(member);
                let secret = plan.secret.as_deref().unwrap_or_default();
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let sig = roomcast_auth::gen_usersig(plan.sdkappid, secret, &user, 7 * 86_400, now);
                send(&mut ws, Message::text(rcproto::login(1, plan.sdkappid, &user, &sig))).await?;
                let (code, _) = rc_reply(&mut ws, 1, None).await?;
                if code != 0 {
                    return Err(format!("login: code {code}"));
                }
            }
            let guest_app = (!plan.logs_in(member)).then_some(plan.sdkappid);
            let name = &plan.room_names[room as usize];
            let since_ref = since.as_ref().map(|(seq, epoch)| (*seq, epoch.as_str()));
            send(&mut ws, Message::text(rcproto::join(2, name, guest_app, since_ref))).await?;
            let mut j = Joined {
                reply: String::new(),
                early: Vec::new(),
                early_dropped: 0,
            };
            let (code, reply) = rc_reply(&mut ws, 2, Some(&mut j)).await?;
            if code != 0 {
                return Err(format!("join: code {code}"));
            }
            j.reply = reply;
            joined = Some(j);
            Proto::Roomcast
        }
        Target::NatsWs => {
            let subject = &plan.room_names[room as usize];
            send(&mut ws, Message::binary(nats::hello(subject, 1))).await?;
            let mut parser = nats::Parser::new();
            'outer: loop {
                let data = match next(&mut ws).await? {
                    Message::Binary(b) => b.to_vec(),
                    Message::Text(t) => t.as_bytes().to_vec(),
                    _ => continue,
                };
                parser.feed(&data);
                let mut pings = 0;
                let mut done = false;
                while let Some(op) = parser.next_op().map_err(|e| format!("nats: {e}"))? {
                    match op {
                        nats::Op::Pong => done = true,
                        nats::Op::Ping => pings += 1,
                        nats::Op::Err(e) => return Err(format!("nats: -ERR {e}")),
                        _ => {}
                    }
                }
                for _ in 0..pings {
                    send(&mut ws, Message::binary(nats::PONG.to_vec())).await?;
                }
                if done {
                    break 'outer;
                }
            }
            Proto::Nats(parser)
        }
        Target::Socketio => {
            let name = &plan.room_names[room as usize];
            let mut joined = false;
            while !joined {
                let text = match next(&mut ws).await? {
                    Message::Text(t) => t,
                    _ => continue,
                };
                match engineio::parse_eio(text.as_str()).map_err(|e| format!("engine.io: {e}"))? {
                    Eio::Open(_) => send(&mut ws, Message::text(engineio::CONNECT)).await?,
                    Eio::Ping(d) => send(&mut ws, Message::text(engineio::pong(d))).await?,
                    Eio::Close => return Err("engine.io: closed".into()),
                    Eio::Message(p) => match engineio::parse_sio(p).map_err(|e| format!("socket.io: {e}"))? {
                        Sio::Connect { .. } => send(&mut ws, Message::text(engineio::join(name, 0))).await?,
                        Sio::ConnectError { .. } => return Err("socket.io: connect error".into()),
                        Sio::Ack { ack: 0, .. } => joined = true,
                        _ => {}
                    },
                    _ => {}
                }
            }
            Proto::Socketio
        }
    };
    Ok((ws, proto, joined))
}

async fn send(ws: &mut Ws, m: Message) -> Result<(), String> {
    ws.send(m).await.map_err(|e| ws_reason("send", &e))
}

async fn next(ws: &mut Ws) -> Result<Message, String> {
    match ws.next().await {
        Some(Ok(Message::Close(f))) => Err(format!(
            "closed during handshake: {}",
            f.map(|f| u16::from(f.code)).unwrap_or(1005)
        )),
        Some(Ok(m)) => Ok(m),
        Some(Err(e)) => Err(ws_reason("read", &e)),
        None => Err("closed during handshake".into()),
    }
}

/// Reads until the Roomcast reply with `id`; returns its code and text.
/// Pushes that come first are kept in `early` (bounded) when given.
async fn rc_reply(ws: &mut Ws, id: u64, mut early: Option<&mut Joined>) -> Result<(i64, String), String> {
    loop {
        if let Message::Text(t) = next(ws).await? {
            let inc = rcproto::parse(t.as_str()).map_err(|_| "bad reply frame".to_string())?;
            if inc.id == Some(id)
                && let Some(code) = inc.code
            {
                return Ok((code, t.as_str().to_string()));
            }
            if inc.ty.is_some()
                && let Some(j) = early.as_deref_mut()
            {
                if j.early.len() < MAX_EARLY_PUSHES {
                    j.early.push(t.as_str().to_string());
                } else {
                    j.early_dropped += 1;
                }
            }
        }
    }
}

async fn sleep_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

struct Conn {
    sh: Arc<Shared>,
    ws: Ws,
    proto: Proto,
    recv: Recv,
    sender: Option<SenderState>,
    /// Reconnect attempts so far (each goes to the next URL).
    attempt: u64,
    /// A stormed member that has not stormed yet.
    storm_pending: bool,
}

impl Conn {
    fn reconnect_pause(&self, member: u64) -> Duration {
        Duration::from_millis(100 + (member.wrapping_mul(7919).wrapping_add(self.attempt) % 200))
    }

    /// After a close (by the peer, or by the storm): waits (100–300 ms, or
    /// the storm's away time plus this member's spread offset), then
    /// reconnects — to the next URL each attempt — logs in and rejoins,
    /// with `since` unless `--no-recover`, until it works or the run stops.
    /// The member's counts and sequence trackers carry over. True when it
    /// rejoined.
    async fn rejoin(&mut self, member: u64, storm: bool) -> bool {
        let plan = self.sh.plan.clone();
        let mut pause = if storm {
            plan.storm_pause(member)
        } else {
            self.reconnect_pause(member)
        };
        let mut started = None;
        loop {
            let stop = self.sh.sched.borrow().map(|s| s.stop);
            let wake = Instant::now() + pause;
            tokio::time::sleep_until(stop.map_or(wake, |s| s.min(wake))).await;
            if stop.is_some_and(|s| Instant::now() >= s) {
                return false;
            }
            self.attempt += 1;
            let t0 = now_ns();
            let started_ns = *started.get_or_insert(t0);
            let since = if plan.recover {
                self.recv
                    .rejoin
                    .since(self.recv.room_seq.last())
                    .map(|(seq, epoch)| (seq, epoch.to_string()))
            } else {
                None
            };
            let with_since = since.is_some();
            let hs = tokio::time::timeout(plan.connect_timeout, handshake(&self.sh, member, self.attempt, since)).await;
            match hs {
                Ok(Ok((ws, proto, joined))) => {
                    self.ws = ws;
                    self.proto = proto;
                    self.recv.res.closed_ns = 0;
                    let rec = &self.sh.rec;
                    rec.reconnects.fetch_add(1, Relaxed);
                    if with_since {
                        rec.rejoins_since.fetch_add(1, Relaxed);
                    } else {
                        rec.rejoins_plain.fetch_add(1, Relaxed);
                    }
                    let reason = if storm { "storm: rejoined" } else { "reconnected" };
                    self.sh.bump(|m: &mut Maps| &mut m.close_reasons, reason.into());
                    let sched = *self.sh.sched.borrow();
                    let (missed, recovered) = match joined {
                        Some(j) => self.on_joined(j, with_since, sched.as_ref()),
                        None => (0, None),
                    };
                    if storm {
                        let s = &self.sh.rec.storm;
                        match recovered {
                            Some(true) => s.ok.fetch_add(1, Relaxed),
                            Some(false) => s.failed.fetch_add(1, Relaxed),
                            None => 0,
                        };
                        self.sh.rec.storm_recovered(started_ns, now_ns(), missed);
                    }
                    return true;
                }
                Ok(Err(reason)) => self.sh.bump(
                    |m: &mut Maps| &mut m.close_reasons,
                    format!("reconnect failed: {reason}"),
                ),
                Err(_) => self
                    .sh
                    .bump(|m: &mut Maps| &mut m.close_reasons, "reconnect failed: timeout".into()),
            }
            pause = self.reconnect_pause(member);
        }
    }

    /// Processes a join reply: remembers the room's epoch; after a rejoin
    /// with `since`, counts `recovered` and processes `missed[]` as
    /// deliveries (recovered ones), then the pushes that came before the
    /// reply. Returns the number of missed events and `recovered`.
    fn on_joined(&mut self, j: Joined, with_since: bool, sched: Option<&Sched>) -> (u64, Option<bool>) {
        let sh = self.sh.clone();
        let now = now_ns();
        let mut missed_n = 0;
        let mut recovered = None;
        match rcproto::parse(&j.reply) {
            Ok(inc) => {
                if let Some(d) = &inc.data {
                    if let Some(e) = &d.epoch {
                        self.recv.rejoin.epoch = Some(e.to_string());
                    }
                    if with_since {
                        recovered = d.recovered;
                        match d.recovered {
                            Some(true) => sh.rec.recovered_ok.fetch_add(1, Relaxed),
                            Some(false) => sh.rec.recovered_failed.fetch_add(1, Relaxed),
                            None => 0,
                        };
                        if let Some(m) = &d.missed {
                            missed_n = m.len() as u64;
                            sh.rec.missed_events.fetch_add(missed_n, Relaxed);
                            for ev in m {
                                self.recv.event(&sh, ev, sched, now, true);
                            }
                        }
                    }
                }
            }
            Err(_) => {
                sh.c.bad_frames.fetch_add(1, Relaxed);
            }
        }
        // What a rejoin with `since` already has; without it, nothing is overlap.
        self.recv.rejoin.overlap_upto = if with_since { self.recv.room_seq.last() } else { None };
        sh.rec.early_pushes.fetch_add(j.early.len() as u64, Relaxed);
        sh.rec.early_dropped.fetch_add(j.early_dropped, Relaxed);
        for t in &j.early {
            self.on_roomcast(t, sched, now_ns());
        }
        (missed_n, recovered)
    }

    /// The storm: the tool closes this member's connection (a close frame,
    /// then nothing more is read from it).
    async fn storm_close(&mut self) {
        self.storm_pending = false;
        let _ = tokio::time::timeout(Duration::from_secs(1), self.ws.close(None)).await;
        self.recv.res.closed_ns = now_ns();
        self.sh.rec.storm.stormed.fetch_add(1, Relaxed);
        self.sh
            .bump(|m: &mut Maps| &mut m.close_reasons, "storm: closed by the tool".into());
    }

    async fn run(&mut self) -> Exit {
        let mut sched_rx = self.sh.sched.clone();
        let mut sched: Option<Sched> = *sched_rx.borrow_and_update();
        if let Some(s) = sched {
            self.on_sched(&s);
        }
        let storm_after = self.sh.plan.storm.as_ref().map(|s| s.at);
        let exit = loop {
            let stop = sched.map(|s| s.stop);
            let next_send = self.sender.as_ref().and_then(|s| s.next);
            let storm_at = match (self.storm_pending, sched, storm_after) {
                (true, Some(s), Some(at)) => Some(s.start + at),
                _ => None,
            };
            tokio::select! {
                biased;
                _ = sleep_opt(stop) => break Exit::Stop,
                _ = sleep_opt(storm_at) => {
                    self.storm_close().await;
                    break Exit::Storm;
                }
                r = sched_rx.changed(), if sched.is_none() => {
                    if r.is_err() {
                        break Exit::Stop;
                    }
                    sched = *sched_rx.borrow_and_update();
                    if let Some(s) = sched {
                        self.on_sched(&s);
                    }
                }
                _ = sleep_opt(next_send) => {
                    if let Some(s) = sched
                        && let Err(reason) = self.send_one(&s).await
                    {
                        self.closed(reason);
                        break Exit::Closed;
                    }
                }
                m = self.ws.next() => {
                    let keep = match m {
                        Some(Ok(msg)) => self.on_message(msg, sched.as_ref()).await,
                        Some(Err(e)) => {
                            self.closed(ws_reason("read", &e));
                            false
                        }
                        None => {
                            self.closed("eof".into());
                            false
                        }
                    };
                    if !keep {
                        break Exit::Closed;
                    }
                }
            }
        };
        if let (Some(st), Some(s)) = (&mut self.sender, sched) {
            // Replies never come on another connection: counted once, here.
            let n = st.pending.drain(..).filter(|p| s.u.in_window(p.ts_ns)).count() as u64;
            self.sh.c.unanswered_w.fetch_add(n, Relaxed);
        }
        exit
    }

    fn closed(&mut self, reason: String) {
        self.recv.res.closed_ns = now_ns();
        self.sh.c.closed.fetch_add(1, Relaxed);
        self.sh.bump(|m: &mut Maps| &mut m.close_reasons, reason);
    }

    fn on_sched(&mut self, s: &Sched) {
        if let Some(st) = &mut self.sender
            && st.period != Duration::MAX
        {
            // A sender that became ready after its schedule began starts at
            // its next slot instead of bursting through the missed ones.
            let now = Instant::now();
            let first = s.warm + st.offset;
            if first < now {
                let behind = (now - first).as_secs_f64() / st.period.as_secs_f64();
                st.k = behind.ceil() as u64;
            }
            let next = first + st.period.saturating_mul(st.k.min(u64::from(u32::MAX)) as u32);
            st.next = (next < s.end).then_some(next);
        }
    }

    async fn send_one(&mut self, s: &Sched) -> Result<(), String> {
        let plan = self.sh.plan.clone();
        let c = &self.sh.c;
        let st = self.sender.as_mut().expect("only senders are scheduled");
        st.k += 1;
        let next = s.warm + st.offset + st.period.saturating_mul(st.k.min(u64::from(u32::MAX)) as u32);
        st.next = (next < s.end).then_some(next);
        let ts_ns = now_ns();
        let stamp = Stamp {
            sender: st.index,
            seq: st.seq,
            ts_ns,
        };
        st.seq += 1;
        let in_w = s.u.in_window(ts_ns);
        let room = self.recv.room as usize;
        if plan.likes {
            // Likes replace messages: no payload, no message counts.
            let id = st.next_id;
            st.next_id += 1;
            st.pending.push_back(Pending {
                id,
                ts_ns,
                priority: rcproto::Priority::Normal,
            });
            c.sent.fetch_add(1, Relaxed);
            self.sh.likes.sent.fetch_add(1, Relaxed);
            if in_w {
                self.sh.likes.sent_w.fetch_add(1, Relaxed);
            }
            let frame = rcproto::increase_counter(id, &plan.room_names[room], likes::KEY, 1);
            return send(&mut self.ws, Message::text(frame)).await;
        }
        let body = payload::encode(stamp, plan.msg_bytes);
        c.sent.fetch_add(1, Relaxed);
        if in_w {
            c.sent_w.fetch_add(1, Relaxed);
        }
        let msg = match self.proto {
            Proto::Roomcast => {
                let id = st.next_id;
                st.next_id += 1;
                let pr = plan.mix.pick(st.rng.random_range(0..plan.mix.total()));
                if in_w {
                    c.by_priority_w[pr.index()][0].fetch_add(1, Relaxed);
                }
                st.pending.push_back(Pending {
                    id,
                    ts_ns,
                    priority: pr,
                });
                Message::text(rcproto::send(id, &plan.room_names[room], &body, plan.custom_body, pr))
            }
            Proto::Nats(_) => Message::binary(nats::publish(&plan.room_names[room], body.as_bytes())),
            Proto::Socketio => Message::text(engineio::msg(&plan.room_names[room], &body)),
        };
        send(&mut self.ws, msg).await?;
        if !matches!(self.proto, Proto::Roomcast) {
            // No per-message reply: a message written is a message accepted.
            self.accept(in_w);
        }
        Ok(())
    }

    fn accept(&self, in_w: bool) {
        let c = &self.sh.c;
        c.accepted.fetch_add(1, Relaxed);
        if in_w {
            c.accepted_w.fetch_add(1, Relaxed);
            self.sh.accepted_per_room[self.recv.room as usize].fetch_add(1, Relaxed);
        }
    }

    /// Handles one frame; false when the connection is over.
    async fn on_message(&mut self, msg: Message, sched: Option<&Sched>) -> bool {
        let now = now_ns();
        match msg {
            Message::Text(t) => match self.proto {
                Proto::Roomcast => {
                    self.on_roomcast(t.as_str(), sched, now);
                    true
                }
                Proto::Nats(_) => self.on_nats(t.as_bytes(), sched, now).await,
                Proto::Socketio => self.on_socketio(t.as_str(), sched, now).await,
            },
            Message::Binary(b) => match self.proto {
                Proto::Nats(_) => self.on_nats(&b, sched, now).await,
                _ => {
                    self.sh.c.bad_frames.fetch_add(1, Relaxed);
                    true
                }
            },
            Message::Close(f) => {
                let code = f.map(|f| u16::from(f.code)).unwrap_or(1005);
                self.closed(format!("close {code}"));
                false
            }
            _ => true,
        }
    }

    fn on_roomcast(&mut self, text: &str, sched: Option<&Sched>, now: u64) {
        let sh = &*self.sh;
        let Ok(inc) = rcproto::parse(text) else {
            sh.c.bad_frames.fetch_add(1, Relaxed);
            return;
        };
        if let Some(events) = &inc.messages {
            for ev in events {
                self.recv.event(sh, ev, sched, now, false);
            }
            return;
        }
        if let Some(code) = inc.code {
            let Some(st) = &mut self.sender else { return };
            // Replies come back in request order.
            let Some(p) = st.pending.pop_front() else { return };
            if inc.id != Some(p.id) {
                sh.c.bad_frames.fetch_add(1, Relaxed);
            }
            let in_w = sched.is_some_and(|s| s.u.in_window(p.ts_ns));
            if sh.plan.likes {
                sh.likes.reply(code, inc.data.as_ref().and_then(|d| d.value), in_w);
                let progress = if code == 0 { &sh.c.accepted } else { &sh.c.errors };
                progress.fetch_add(1, Relaxed);
                return;
            }
            let prio = &sh.c.by_priority_w[p.priority.index()];
            match code {
                0 => {
                    if in_w {
                        prio[1].fetch_add(1, Relaxed);
                    }
                    self.accept(in_w)
                }
                rcproto::CODE_FREQ_CTRL => {
                    sh.c.dropped.fetch_add(1, Relaxed);
                    if in_w {
                        sh.c.dropped_w.fetch_add(1, Relaxed);
                        prio[2].fetch_add(1, Relaxed);
                    }
                }
                other => {
                    sh.c.errors.fetch_add(1, Relaxed);
                    if in_w {
                        sh.c.errors_w.fetch_add(1, Relaxed);
                        sh.bump(|m: &mut Maps| &mut m.error_codes, other.to_string());
                    }
                }
            }
            return;
        }
        if inc.ty.as_deref() == Some("kicked") {
            sh.c.kicked.fetch_add(1, Relaxed);
            let reason = inc.reason.as_deref().unwrap_or("?");
            sh.bump(|m: &mut Maps| &mut m.close_reasons, format!("kicked push: {reason}"));
        }
    }

    async fn on_nats(&mut self, data: &[u8], sched: Option<&Sched>, now: u64) -> bool {
        let Proto::Nats(parser) = &mut self.proto else {
            return true;
        };
        let sh = &*self.sh;
        parser.feed(data);
        let mut pings = 0;
        loop {
            match parser.next_op() {
                Ok(Some(nats::Op::Msg { payload, .. })) => self.recv.delivery(sh, payload, sched, now, false),
                Ok(Some(nats::Op::Ping)) => pings += 1,
                Ok(Some(nats::Op::Err(e))) => {
                    sh.c.errors.fetch_add(1, Relaxed);
                    sh.bump(|m: &mut Maps| &mut m.error_codes, format!("-ERR {e}"));
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    sh.c.bad_frames.fetch_add(1, Relaxed);
                    self.closed(format!("nats parse: {}", e.chars().take(40).collect::<String>()));
                    return false;
                }
            }
        }
        for _ in 0..pings {
            if let Err(r) = send(&mut self.ws, Message::binary(nats::PONG.to_vec())).await {
                self.closed(r);
                return false;
            }
        }
        true
    }

    async fn on_socketio(&mut self, text: &str, sched: Option<&Sched>, now: u64) -> bool {
        let sh = &*self.sh;
        match engineio::parse_eio(text) {
            Ok(Eio::Ping(d)) => {
                if let Err(r) = send(&mut self.ws, Message::text(engineio::pong(d))).await {
                    self.closed(r);
                    return false;
                }
            }
            Ok(Eio::Message(p)) => match engineio::parse_sio(p) {
                Ok(Sio::Event { data, .. }) => match engineio::parse_msg_event(data) {
                    Ok(ev) if ev.1.room == sh.plan.room_names[self.recv.room as usize] => {
                        self.recv.delivery(sh, ev.1.payload.as_bytes(), sched, now, false)
                    }
                    _ => {
                        sh.c.bad_frames.fetch_add(1, Relaxed);
                    }
                },
                Ok(Sio::Disconnect { .. }) => {
                    self.closed("socket.io disconnect".into());
                    return false;
                }
                Ok(_) => {}
                Err(_) => {
                    sh.c.bad_frames.fetch_add(1, Relaxed);
                }
            },
            Ok(Eio::Close) => {
                self.closed("engine.io close".into());
                return false;
            }
            Ok(_) => {}
            Err(_) => {
                sh.c.bad_frames.fetch_add(1, Relaxed);
            }
        }
        true
    }
}

fn count_obs(o: SeqObs, gaps: &AtomicU64, reorders: &AtomicU64, dups: &AtomicU64) {
    if o.gap > 0 {
        gaps.fetch_add(o.gap, Relaxed);
    }
    if o.reorder {
        reorders.fetch_add(1, Relaxed);
    }
    if o.duplicate {
        dups.fetch_add(1, Relaxed);
    }
}

impl Recv {
    /// One Roomcast room event, pushed or (`recovered`) from a join reply's
    /// `missed[]`.
    fn event(&mut self, sh: &Shared, ev: &rcproto::Event, sched: Option<&Sched>, now: u64, recovered: bool) {
        if ev.unsequenced() {
            if ev.kind.as_deref() == Some("counters") {
                sh.likes.pushes.fetch_add(1, Relaxed);
                if sched.is_some_and(|s| s.u.in_window(now)) {
                    sh.likes.pushes_w.fetch_add(1, Relaxed);
                }
                if let Some(v) = ev.likes()
                    && self.likes_seen.apply(ev.time, v)
                {
                    sh.likes.seen_max.fetch_max(v, Relaxed);
                }
            }
            return;
        }
        if self.rejoin.is_overlap(ev.seq) {
            sh.rec.overlap.fetch_add(1, Relaxed);
            return;
        }
        let o = self.room_seq.observe(ev.seq);
        count_obs(o, &sh.c.room_gaps, &sh.c.room_reorders, &sh.c.room_dups);
        if let Some(p) = ev.payload() {
            self.delivery(sh, p.as_bytes(), sched, now, recovered);
        }
    }

    /// One load-test message arrived at this member; `recovered` ones came
    /// in a join reply's `missed[]`: they count for loss but their latency
    /// (mostly the time away) stays out of the histogram.
    fn delivery(&mut self, sh: &Shared, payload: &[u8], sched: Option<&Sched>, now: u64, recovered: bool) {
        let Some(st) = payload::decode(payload) else {
            return;
        };
        sh.c.received.fetch_add(1, Relaxed);
        if recovered {
            sh.rec.recovered_deliveries.fetch_add(1, Relaxed);
        }
        let rooms = sh.plan.rooms;
        if st.sender % rooms == self.room {
            let o = self.senders_seen.observe(sh.plan.sender_local(st.sender), st.seq);
            count_obs(o, &sh.c.sender_gaps, &sh.c.sender_reorders, &sh.c.sender_dups);
        }
        if let Some(s) = sched {
            if s.u.in_window(st.ts_ns) {
                let us = now.saturating_sub(st.ts_ns) / 1000;
                if recovered {
                    sh.rec.recovered_deliveries_w.fetch_add(1, Relaxed);
                } else {
                    sh.latency.record(self.member, us);
                    if sh.plan.storm.is_some() && !self.stormed {
                        sh.rec.storm.control_latency.record(self.member, us);
                    }
                }
                self.res.received_w += 1;
            }
            if s.u.in_window(now) {
                sh.c.recv_by_time_w.fetch_add(1, Relaxed);
            }
        }
    }
}
