//! One member connection: connect (from a spread-out loopback source
//! address), handshake for the target protocol, then read deliveries and,
//! for senders, send at the paced rate until the end of the run.

use crate::cli::Target;
use crate::engineio::{self, Eio, Sio};
use crate::nats;
use crate::payload::{self, Stamp};
use crate::rcproto;
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
    let hs = tokio::time::timeout(plan.connect_timeout, handshake(&sh, member, 0)).await;
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
    };
    let (ws, proto) = match hs {
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
    let mut conn = Conn {
        sh,
        ws,
        proto,
        recv,
        sender,
    };
    conn.run().await;
    if conn.sh.plan.reconnect {
        conn.reconnect_until_stop(member).await;
    }
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
async fn handshake(sh: &Shared, member: u64, attempt: u64) -> Result<(Ws, Proto), String> {
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
                let code = rc_reply(&mut ws, 1).await?;
                if code != 0 {
                    return Err(format!("login: code {code}"));
                }
            }
            let guest_app = (!plan.logs_in(member)).then_some(plan.sdkappid);
            let name = &plan.room_names[room as usize];
            send(&mut ws, Message::text(rcproto::join(2, name, guest_app))).await?;
            let code = rc_reply(&mut ws, 2).await?;
            if code != 0 {
                return Err(format!("join: code {code}"));
            }
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
    Ok((ws, proto))
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

/// Reads until the Roomcast reply with `id`; returns its code.
async fn rc_reply(ws: &mut Ws, id: u64) -> Result<i64, String> {
    loop {
        if let Message::Text(t) = next(ws).await? {
            let inc = rcproto::parse(t.as_str()).map_err(|_| "bad reply frame".to_string())?;
            if inc.id == Some(id)
                && let Some(code) = inc.code
            {
                return Ok(code);
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
}

impl Conn {
    /// While the connection was closed before the stop: reconnects (to the
    /// next URL each attempt, 100–300 ms apart), logs in, joins and runs
    /// again. The member's counts and sequence trackers carry over.
    async fn reconnect_until_stop(&mut self, member: u64) {
        let mut attempt = 0;
        while self.recv.res.closed_ns != 0 {
            let stop = *self.sh.sched.borrow();
            if stop.is_some_and(|s| Instant::now() >= s.stop) {
                return;
            }
            let pause = Duration::from_millis(100 + (member.wrapping_mul(7919).wrapping_add(attempt) % 200));
            tokio::time::sleep(pause).await;
            attempt += 1;
            let plan = self.sh.plan.clone();
            match tokio::time::timeout(plan.connect_timeout, handshake(&self.sh, member, attempt)).await {
                Ok(Ok((ws, proto))) => {
                    self.ws = ws;
                    self.proto = proto;
                    self.recv.res.closed_ns = 0;
                    self.sh.bump(|m: &mut Maps| &mut m.close_reasons, "reconnected".into());
                    self.run().await;
                }
                Ok(Err(reason)) => self.sh.bump(
                    |m: &mut Maps| &mut m.close_reasons,
                    format!("reconnect failed: {reason}"),
                ),
                Err(_) => self
                    .sh
                    .bump(|m: &mut Maps| &mut m.close_reasons, "reconnect failed: timeout".into()),
            }
        }
    }

    async fn run(&mut self) {
        let mut sched_rx = self.sh.sched.clone();
        let mut sched: Option<Sched> = *sched_rx.borrow_and_update();
        if let Some(s) = sched {
            self.on_sched(&s);
        }
        loop {
            let stop = sched.map(|s| s.stop);
            let next_send = self.sender.as_ref().and_then(|s| s.next);
            tokio::select! {
                biased;
                _ = sleep_opt(stop) => break,
                r = sched_rx.changed(), if sched.is_none() => {
                    if r.is_err() {
                        break;
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
                        break;
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
                        break;
                    }
                }
            }
        }
        if let (Some(st), Some(s)) = (&mut self.sender, sched) {
            // Replies never come on another connection: counted once, here.
            let n = st.pending.drain(..).filter(|p| s.u.in_window(p.ts_ns)).count() as u64;
            self.sh.c.unanswered_w.fetch_add(n, Relaxed);
        }
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
        let body = payload::encode(stamp, plan.msg_bytes);
        let in_w = s.u.in_window(ts_ns);
        c.sent.fetch_add(1, Relaxed);
        if in_w {
            c.sent_w.fetch_add(1, Relaxed);
        }
        let room = self.recv.room as usize;
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
                let o = self.recv.room_seq.observe(ev.seq);
                count_obs(o, &sh.c.room_gaps, &sh.c.room_reorders, &sh.c.room_dups);
                if let Some(p) = ev.payload() {
                    self.recv.delivery(sh, p.as_bytes(), sched, now);
                }
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
                Ok(Some(nats::Op::Msg { payload, .. })) => self.recv.delivery(sh, payload, sched, now),
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
                        self.recv.delivery(sh, ev.1.payload.as_bytes(), sched, now)
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
    /// One load-test message arrived at this member.
    fn delivery(&mut self, sh: &Shared, payload: &[u8], sched: Option<&Sched>, now: u64) {
        let Some(st) = payload::decode(payload) else {
            return;
        };
        sh.c.received.fetch_add(1, Relaxed);
        let rooms = sh.plan.rooms;
        if st.sender % rooms == self.room {
            let o = self.senders_seen.observe(sh.plan.sender_local(st.sender), st.seq);
            count_obs(o, &sh.c.sender_gaps, &sh.c.sender_reorders, &sh.c.sender_dups);
        }
        if let Some(s) = sched {
            if s.u.in_window(st.ts_ns) {
                sh.latency.record(self.member, now.saturating_sub(st.ts_ns) / 1000);
                self.res.received_w += 1;
            }
            if s.u.in_window(now) {
                sh.c.recv_by_time_w.fetch_add(1, Relaxed);
            }
        }
    }
}
