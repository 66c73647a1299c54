// An in-memory stand-in for a Roomcast gateway: a WebSocket constructor for
// the SDK whose sockets hand each request to the test's handlers.

export class FakeServer {
  constructor() {
    this.sockets = [];
    this.requests = [];
    this.refuse = false;
    /** op → (data, socket, frame) => {code, data, message} | undefined (no reply) */
    this.handlers = {
      login: (d) => ({ data: { sdkAppId: d.sdkAppId, userId: d.userId, nick: '', avatar: '' } }),
      logout: () => ({}),
      join: (d) => ({ data: { roomId: d.roomId, status: 'success', room: room(d.roomId), epoch: this.epoch, ...this.recover(d) } }),
      history: (d) => ({ data: { roomId: d.roomId, epoch: this.epoch, events: this.historyPage(d) } }),
      quit: (d) => ({ data: { roomId: d.roomId } }),
      updateProfile: (d) => ({ data: { nick: d.nick ?? '', avatar: d.avatar ?? '' } }),
      send: (d) => ({ data: { roomId: d.roomId, seq: ++this.seq, time: 1764150000123 } }),
      ping: () => ({ data: { time: Date.now() } }),
      onlineCount: (d) => ({ data: { roomId: d.roomId, count: 7 } }),
      getRoomProfile: (d) => ({ data: { room: room(d.roomId) } }),
    };
    this.seq = 0;
    /** The rooms' kept events (as a server's history), by room. */
    this.history = new Map();
    this.epoch = 'epoch-1';
    const server = this;
    this.WebSocket = class FakeSocket {
      constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.onopen = this.onmessage = this.onclose = this.onerror = null;
        this.sent = [];
        server.sockets.push(this);
        setTimeout(() => {
          if (server.refuse) {
            this.readyState = 3;
            this.onclose?.({ code: 1006, reason: '' });
          } else {
            this.readyState = 1;
            this.onopen?.({});
          }
        }, 1);
      }
      send(text) {
        const frame = JSON.parse(text);
        this.sent.push(frame);
        server.requests.push({ socket: this, frame });
        const h = server.handlers[frame.op];
        if (!h) return;
        const r = h(frame.data ?? {}, this, frame);
        if (r === undefined) return;
        const reply = { id: frame.id, code: r.code ?? 0, message: r.message ?? 'ok' };
        if (r.data !== undefined) reply.data = r.data;
        if (r.retryable) reply.retryable = true;
        setTimeout(() => this.receive(reply), 1);
      }
      /** The server sends a frame to this socket. */
      receive(obj) {
        if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(obj) });
      }
      close(code = 1000, reason = '') {
        if (this.readyState === 3) return;
        this.readyState = 3;
        setTimeout(() => this.onclose?.({ code, reason }), 1);
      }
      /** The server (or the network) closes the socket. */
      drop(code = 1006) {
        this.close(code, '');
      }
    };
  }

  get last() {
    return this.sockets[this.sockets.length - 1];
  }

  ops() {
    return this.requests.map((r) => r.frame.op);
  }

  /** Pushes room events to the newest socket (and keeps them in the history). */
  push(events, socket = this.last) {
    this.keep(events);
    socket.receive({ type: 'messages', messages: events });
  }

  /** Keeps events in the rooms' history without pushing them (events a client missed). */
  keep(events) {
    for (const e of events) {
      if (e.seq === 0) continue;
      const list = this.history.get(e.roomId) ?? [];
      if (!list.some((k) => k.seq === e.seq)) list.push(e);
      list.sort((a, b) => a.seq - b.seq);
      this.history.set(e.roomId, list);
    }
  }

  historyPage({ roomId, beforeSeq, limit = 20 }) {
    const list = (this.history.get(roomId) ?? []).filter((e) => beforeSeq === undefined || e.seq < beforeSeq);
    return list.slice(-limit);
  }

  /** `join`'s recovery fields for a `since`, as the real server answers. */
  recover(d) {
    if (!d.since) return {};
    if (d.since.epoch !== this.epoch) return { recovered: false, missed: [] };
    const missed = (this.history.get(d.roomId) ?? []).filter((e) => e.seq > d.since.seq);
    const recovered = missed.every((e, i) => e.seq === d.since.seq + 1 + i);
    return { recovered, missed };
  }
}

export function room(id, extra = {}) {
  return {
    id,
    owner: 'anchor',
    admins: ['mod1'],
    createdAtMs: 1764150000000,
    profile: { name: 'Launch party', introduction: 'intro', notification: 'note', faceUrl: 'https://x/face.png', custom: { topic: 'music' }, muteAll: false },
    onlineCount: 3,
    ...extra,
  };
}

export function textEvent(roomId, seq, from, text, extra = {}) {
  return {
    roomId,
    seq,
    kind: 'message',
    time: 1764150000123 + seq,
    priority: 'Normal',
    from,
    nick: `${from}-nick`,
    avatar: `https://x/${from}.png`,
    msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
    ...extra,
  };
}

export function tipEvent(roomId, seq, tip) {
  return { roomId, seq, kind: 'tip', time: 1764150000500, priority: 'Lowest', tip };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the data of the next `name` event of `tim`. */
export function nextEvent(tim, name, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      tim.off(name, h);
      reject(new Error(`no ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const h = (e) => {
      clearTimeout(timer);
      tim.off(name, h);
      resolve(e.data);
    };
    tim.on(name, h);
  });
}

/** Collects every `name` event of `tim` into an array. */
export function collect(tim, name) {
  const list = [];
  tim.on(name, (e) => list.push(e.data));
  return list;
}

export async function until(pred, timeoutMs = 3000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}
