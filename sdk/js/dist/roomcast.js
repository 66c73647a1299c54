/* roomcast-sdk 1.0.0 (Roomcast protocol v1). Built from sdk/js/src by `npm run build`; do not edit. */
"use strict";
var TIM = (() => {
  var __defProp = Object.defineProperty;
  var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
  var __getOwnPropNames = Object.getOwnPropertyNames;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  var __export = (target, all) => {
    for (var name in all)
      __defProp(target, name, { get: all[name], enumerable: true });
  };
  var __copyProps = (to, from, except, desc) => {
    if (from && typeof from === "object" || typeof from === "function") {
      for (let key of __getOwnPropNames(from))
        if (!__hasOwnProp.call(to, key) && key !== except)
          __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
    }
    return to;
  };
  var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

  // src/index.ts
  var index_exports = {};
  __export(index_exports, {
    ChatSDK: () => ChatSDK,
    EVENT: () => EVENT,
    GRP_SYS_NOTICE: () => GRP_SYS_NOTICE,
    LIMITS: () => LIMITS,
    PROTOCOL_VERSION: () => PROTOCOL_VERSION,
    SDK_ERROR: () => SDK_ERROR,
    SERVER_ERROR: () => SERVER_ERROR,
    TIMError: () => TIMError,
    TYPES: () => TYPES,
    VERSION: () => VERSION,
    create: () => create,
    default: () => index_default
  });

  // src/constants.ts
  var EVENT = Object.freeze({
    /** Login succeeded: the instance can send. */
    SDK_READY: "sdkStateReady",
    /** Logged out, kicked out, or destroyed. */
    SDK_NOT_READY: "sdkStateNotReady",
    /** `event.data`: the received `Message[]` (one push may carry several). */
    MESSAGE_RECEIVED: "onMessageReceived",
    /**
     * `event.data`: your own sent `Message[]` whose content the server changed
     * on the way (moderation masked it). The message object is updated in place.
     */
    MESSAGE_MODIFIED: "onMessageModified",
    /** `event.data.type`: one of `TYPES.KICKED_OUT_*`. */
    KICKED_OUT: "kickedOut",
    /** `event.data`: `{ code, message }`. */
    ERROR: "error",
    /** `event.data.state`: one of `TYPES.NET_STATE_*`. */
    NET_STATE_CHANGE: "netStateChange",
    /** `event.data`: `{ groupID, groupAttributes }`, the room's whole attribute map after a change. */
    GROUP_ATTRIBUTES_UPDATED: "groupAttributesUpdated",
    /** `event.data`: `{ groupID, key, value }`, one per changed counter (at most one push per room per second). */
    GROUP_COUNTER_UPDATED: "onGroupCounterUpdated",
    /**
     * Roomcast only: events of a room were missed (a gap in its `sequence`,
     * e.g. during a reconnect). `event.data`: `{ groupID, fromSequence,
     * toSequence, count, recovered }`: `recovered` is true when the SDK
     * fetched them from the server's history and delivered them in order,
     * false when the history no longer held them.
     */
    MESSAGE_GAP: "roomcastMessageGap"
  });
  var TYPES = Object.freeze({
    // Message types.
    MSG_TEXT: "TIMTextElem",
    MSG_IMAGE: "TIMImageElem",
    MSG_AUDIO: "TIMSoundElem",
    MSG_FILE: "TIMFileElem",
    MSG_FACE: "TIMFaceElem",
    MSG_VIDEO: "TIMVideoFileElem",
    MSG_LOCATION: "TIMLocationElem",
    MSG_GRP_TIP: "TIMGroupTipElem",
    MSG_GRP_SYS_NOTICE: "TIMGroupSystemNoticeElem",
    MSG_CUSTOM: "TIMCustomElem",
    MSG_MERGER: "TIMRelayElem",
    // Message priorities (group messages).
    MSG_PRIORITY_HIGH: "High",
    MSG_PRIORITY_NORMAL: "Normal",
    MSG_PRIORITY_LOW: "Low",
    MSG_PRIORITY_LOWEST: "Lowest",
    // Conversation types.
    CONV_C2C: "C2C",
    CONV_GROUP: "GROUP",
    CONV_SYSTEM: "@TIM#SYSTEM",
    // Group types: every Roomcast room is an AVChatRoom.
    GRP_WORK: "Private",
    GRP_PUBLIC: "Public",
    GRP_MEETING: "ChatRoom",
    GRP_AVCHATROOM: "AVChatRoom",
    GRP_COMMUNITY: "Community",
    // Member roles.
    GRP_MBR_ROLE_OWNER: "Owner",
    GRP_MBR_ROLE_ADMIN: "Admin",
    GRP_MBR_ROLE_MEMBER: "Member",
    // Group tip operation types (`message.payload.operationType`).
    GRP_TIP_MBR_JOIN: 1,
    GRP_TIP_MBR_QUIT: 2,
    GRP_TIP_MBR_KICKED_OUT: 3,
    GRP_TIP_MBR_SET_ADMIN: 4,
    GRP_TIP_MBR_CANCELED_ADMIN: 5,
    GRP_TIP_GRP_PROFILE_UPDATED: 6,
    GRP_TIP_MBR_PROFILE_UPDATED: 7,
    GRP_TIP_BAN_AVCHATROOM_MEMBER: 10,
    GRP_TIP_UNBAN_AVCHATROOM_MEMBER: 11,
    // Join results (`joinGroup` → `data.status`).
    JOIN_OPTIONS_FREE_ACCESS: "FreeAccess",
    JOIN_STATUS_SUCCESS: "JoinedSuccess",
    JOIN_STATUS_ALREADY_IN_GROUP: "AlreadyInGroup",
    JOIN_STATUS_WAIT_APPROVAL: "WaitAdminApproval",
    // Why an instance was kicked out (`KICKED_OUT` → `data.type`).
    KICKED_OUT_MULT_ACCOUNT: "multipleAccount",
    KICKED_OUT_MULT_DEVICE: "multipleDevice",
    KICKED_OUT_USERSIG_EXPIRED: "userSigExpired",
    KICKED_OUT_REST_API: "REST_API_Kick",
    // Network states (`NET_STATE_CHANGE` → `data.state`).
    NET_STATE_CONNECTED: "connected",
    NET_STATE_CONNECTING: "connecting",
    NET_STATE_DISCONNECTED: "disconnected"
  });
  var GRP_SYS_NOTICE = Object.freeze({
    KICKED_OUT: 4,
    GROUP_DISMISSED: 5,
    CUSTOM: 255
  });
  var SYSTEM_SENDER = "@TIM#SYSTEM";
  var LIMITS = Object.freeze({
    MSG_BODY_MAX_BYTES: 12 * 1024,
    NICK_MAX_BYTES: 64,
    AVATAR_MAX_BYTES: 500,
    USER_ID_MAX_BYTES: 32,
    ROOM_ID_MAX_BYTES: 48,
    MUTE_BATCH_MAX: 500,
    COUNTERS_MAX: 20,
    COUNTER_KEY_MAX_BYTES: 128,
    ATTRIBUTES_MAX: 16,
    ATTRIBUTE_KEY_MAX_BYTES: 32,
    ATTRIBUTE_VALUE_MAX_BYTES: 4096,
    ATTRIBUTES_TOTAL_MAX_BYTES: 16 * 1024
  });
  var PRIORITIES = ["High", "Normal", "Low", "Lowest"];

  // src/errors.ts
  var SDK_ERROR = Object.freeze({
    /** The connection failed or was lost before the reply arrived. */
    NETWORK_ERROR: 2800,
    /** No reply within `requestTimeoutMs`. */
    NETWORK_TIMEOUT: 2801,
    /** `sendMessage` was given something that is not a message. */
    MESSAGE_SEND_NEED_MESSAGE_INSTANCE: 2105,
    /** The operation needs a logged-in user (the server's code for the same refusal). */
    NOT_LOGGED_IN: 6014,
    /** The instance was destroyed. */
    SDK_DESTROYED: 2999,
    /** A feature of TIM that Roomcast does not have (yet). */
    NOT_SUPPORTED: 2905
  });
  var SERVER_ERROR = Object.freeze({
    INVALID_PARAMETER: 10004,
    PERMISSION_DENIED: 10007,
    GROUP_NOT_FOUND: 10010,
    INVALID_GROUP_ID: 10015,
    MUTED: 10017,
    USERSIG_EXPIRED: 70001,
    USERSIG_MISSING: 70002,
    BODY_TOO_LONG: 80002,
    CONTENT_BLOCKED: 80001,
    FREQUENCY_DROPPED: 200001,
    ATTRIBUTES_CONFLICT: 10056
  });
  var TIMError = class extends Error {
    constructor(code, message, data, retryable = false) {
      super(message);
      this.name = "TIMError";
      this.code = code;
      this.data = data;
      this.retryable = retryable;
    }
  };
  function invalid(message, code = SERVER_ERROR.INVALID_PARAMETER) {
    return new TIMError(code, message);
  }

  // src/connection.ts
  var OPEN = 1;
  var Connection = class {
    constructor(url, WS, opts, events, log) {
      this.url = url;
      this.WS = WS;
      this.opts = opts;
      this.events = events;
      this.log = log;
      this.ws = null;
      this.nextId = 1;
      this.pending = /* @__PURE__ */ new Map();
      this.keepalive = null;
      this.lastReceived = Date.now();
      this.done = false;
    }
    /** Opens the socket; rejects with `NETWORK_ERROR` if it cannot. */
    open() {
      return new Promise((resolve, reject) => {
        let opened = false;
        let ws;
        try {
          ws = new this.WS(this.url);
        } catch (e) {
          this.done = true;
          reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `cannot open ${this.url}: ${String(e)}`));
          return;
        }
        this.ws = ws;
        const timer = setTimeout(() => {
          if (!opened) {
            this.close(4e3, "connect timeout");
            reject(new TIMError(SDK_ERROR.NETWORK_TIMEOUT, `no connection to ${this.url} within ${this.opts.connectTimeoutMs} ms`));
          }
        }, this.opts.connectTimeoutMs);
        ws.onopen = () => {
          opened = true;
          clearTimeout(timer);
          this.lastReceived = Date.now();
          this.startKeepalive();
          resolve();
        };
        ws.onmessage = (ev) => this.onFrame(ev.data);
        ws.onerror = () => {
        };
        ws.onclose = (ev) => {
          clearTimeout(timer);
          if (!opened) reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `cannot connect to ${this.url} (close ${ev.code})`));
          this.finish(ev.code, ev.reason ?? "");
        };
      });
    }
    get isOpen() {
      return !this.done && this.ws !== null && this.ws.readyState === OPEN;
    }
    /** Sends a request; resolves with the reply's `data`, rejects with its error. */
    request(op, data, timeoutMs = this.opts.requestTimeoutMs) {
      if (!this.isOpen) {
        return Promise.reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `not connected (${op})`));
      }
      const id = this.nextId++;
      const frame = { id, op };
      if (data !== void 0) frame.data = data;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new TIMError(SDK_ERROR.NETWORK_TIMEOUT, `no reply to ${op} within ${timeoutMs} ms`));
        }, timeoutMs);
        this.pending.set(id, { resolve, reject, timer });
        try {
          this.ws.send(JSON.stringify(frame));
          this.log.debug("→", op, data);
        } catch (e) {
          clearTimeout(timer);
          this.pending.delete(id);
          reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `send failed: ${String(e)}`));
        }
      });
    }
    /** Closes the socket; pending requests fail with `NETWORK_ERROR`. */
    close(code = 1e3, reason = "") {
      const ws = this.ws;
      if (ws && !this.done) {
        try {
          ws.close(code, reason);
        } catch {
        }
      }
      this.finish(code, reason);
    }
    onFrame(raw) {
      this.lastReceived = Date.now();
      let frame;
      try {
        frame = JSON.parse(typeof raw === "string" ? raw : String(raw));
      } catch {
        this.log.warn("ignoring a frame that is not JSON");
        return;
      }
      if (frame && typeof frame.type === "string" && !("code" in frame)) {
        this.events.push(frame);
        return;
      }
      const reply = frame;
      const p = typeof reply.id === "number" ? this.pending.get(reply.id) : void 0;
      if (!p) {
        this.log.debug("reply with no pending request", reply);
        return;
      }
      this.pending.delete(reply.id);
      clearTimeout(p.timer);
      this.log.debug("←", reply);
      if (reply.code === 0) p.resolve(reply.data);
      else p.reject(new TIMError(reply.code, reply.message, reply.data, reply.retryable === true));
    }
    startKeepalive() {
      const every = this.opts.keepaliveMs;
      if (every <= 0) return;
      this.keepalive = setInterval(() => {
        if (Date.now() - this.lastReceived < every) return;
        this.request("ping", void 0, Math.min(this.opts.requestTimeoutMs, every)).catch(() => {
          if (!this.done) {
            this.log.warn("keepalive ping unanswered; reconnecting");
            this.close(4e3, "keepalive timeout");
          }
        });
      }, every);
    }
    finish(code, reason) {
      if (this.done) return;
      this.done = true;
      if (this.keepalive) clearInterval(this.keepalive);
      this.keepalive = null;
      const ws = this.ws;
      if (ws) {
        ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      }
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new TIMError(SDK_ERROR.NETWORK_ERROR, `connection closed (${code}${reason ? ` ${reason}` : ""})`));
      }
      this.pending.clear();
      this.events.closed(code, reason);
    }
  };

  // src/emitter.ts
  var Emitter = class {
    constructor(log) {
      this.log = log;
      this.listeners = /* @__PURE__ */ new Map();
    }
    on(name, handler, context) {
      if (typeof handler !== "function") throw new TypeError("on: handler must be a function");
      const list = this.listeners.get(name) ?? [];
      list.push({ handler, context });
      this.listeners.set(name, list);
    }
    off(name, handler, context) {
      const list = this.listeners.get(name);
      if (!list) return;
      const i = list.findIndex((l) => l.handler === handler && (context === void 0 || l.context === context));
      if (i >= 0) list.splice(i, 1);
    }
    emit(name, data) {
      const list = this.listeners.get(name);
      if (!list || list.length === 0) return;
      for (const l of [...list]) {
        try {
          l.handler.call(l.context, { name, data });
        } catch (e) {
          this.log.error(`a ${name} handler threw`, e);
        }
      }
    }
    clear() {
      this.listeners.clear();
    }
  };

  // src/log.ts
  var Logger = class {
    constructor() {
      this.level = 1;
    }
    debug(...args) {
      if (this.level <= 0) console.debug("[roomcast]", ...args);
    }
    info(...args) {
      if (this.level <= 1) console.info("[roomcast]", ...args);
    }
    warn(...args) {
      if (this.level <= 2) console.warn("[roomcast]", ...args);
    }
    error(...args) {
      if (this.level <= 3) console.error("[roomcast]", ...args);
    }
  };

  // src/message.ts
  var counter = 0;
  function newMessageID(random = Math.random) {
    counter = (counter + 1) % 1048576;
    let r = "";
    for (let i = 0; i < 3; i++) r += Math.floor(random() * 4294967296).toString(36);
    return `rc-${Date.now().toString(36)}-${r}-${counter.toString(36)}`;
  }
  function base() {
    return {
      isRevoked: false,
      isPeerRead: false,
      isModified: false,
      isDeleted: false,
      isBroadcastMessage: false,
      needReadReceipt: false,
      nameCard: "",
      atUserList: [],
      cloudCustomData: "",
      readReceiptInfo: {},
      clientTime: Math.floor(Date.now() / 1e3)
    };
  }
  function outgoing(type, payload, to, priority2, self) {
    return {
      ID: newMessageID(),
      type,
      payload,
      conversationID: `${TYPES.CONV_GROUP}${to}`,
      conversationType: TYPES.CONV_GROUP,
      to,
      from: self.userID,
      flow: "out",
      time: Math.floor(Date.now() / 1e3),
      status: "unSend",
      priority: priority2,
      nick: self.nick,
      avatar: self.avatar,
      sequence: 0,
      elements: [{ type, payload }],
      ...base()
    };
  }
  function toMsgBody(message) {
    const p = message.payload ?? {};
    switch (message.type) {
      case TYPES.MSG_TEXT:
        return [{ MsgType: "TIMTextElem", MsgContent: { Text: p.text } }];
      case TYPES.MSG_CUSTOM:
        return [
          {
            MsgType: "TIMCustomElem",
            MsgContent: { Data: p.data ?? "", Desc: p.description ?? "", Ext: p.extension ?? "" }
          }
        ];
      case TYPES.MSG_FACE:
        return [{ MsgType: "TIMFaceElem", MsgContent: { Index: p.index, Data: p.data ?? "" } }];
      default:
        throw new TypeError(`messages of type ${String(message.type)} cannot be sent`);
    }
  }
  function bodySize(body) {
    return utf8Length(JSON.stringify(body));
  }
  var encoder = new TextEncoder();
  function utf8Length(s) {
    return encoder.encode(s).length;
  }
  function elemToPayload(e) {
    switch (e.MsgType) {
      case "TIMTextElem":
        return { type: TYPES.MSG_TEXT, payload: { text: e.MsgContent.Text } };
      case "TIMCustomElem":
        return {
          type: TYPES.MSG_CUSTOM,
          payload: { data: e.MsgContent.Data ?? "", description: e.MsgContent.Desc ?? "", extension: e.MsgContent.Ext ?? "" }
        };
      case "TIMFaceElem":
        return { type: TYPES.MSG_FACE, payload: { index: e.MsgContent.Index, data: e.MsgContent.Data ?? "" } };
      default: {
        const unknown = e;
        return { type: unknown.MsgType, payload: unknown.MsgContent };
      }
    }
  }
  function payloadsOf(body) {
    return body.map(elemToPayload);
  }
  function customFields(custom) {
    return Object.entries(custom ?? {}).map(([key, value]) => ({ key, value }));
  }
  function tipPayload(roomId, tip) {
    const op = tip.opType;
    const joinOrQuit = op === TYPES.GRP_TIP_MBR_JOIN || op === TYPES.GRP_TIP_MBR_QUIT;
    let memberList;
    if (tip.members && tip.members.length > 0) {
      memberList = tip.members.map((m) => ({ userID: m.userId, nick: m.nick, avatar: m.avatar }));
    } else if (tip.muteSecs !== void 0) {
      memberList = tip.users.map((userID2) => ({ userID: userID2, muteTime: tip.muteSecs }));
    } else if (tip.banSecs !== void 0) {
      memberList = tip.users.map((userID2) => ({ userID: userID2, banTime: tip.banSecs }));
    } else {
      memberList = tip.users.map((userID2) => ({ userID: userID2 }));
    }
    let newGroupProfile = null;
    if (tip.changes) {
      const c = tip.changes;
      newGroupProfile = {};
      if (c.name !== void 0) newGroupProfile.name = c.name;
      if (c.introduction !== void 0) newGroupProfile.introduction = c.introduction;
      if (c.notification !== void 0) newGroupProfile.notification = c.notification;
      if (c.faceUrl !== void 0) newGroupProfile.avatar = c.faceUrl;
      if (c.muteAll !== void 0) newGroupProfile.muteAllMembers = c.muteAll;
      if (c.custom !== void 0) newGroupProfile.groupCustomField = customFields(c.custom);
    }
    return {
      operationType: op,
      // Joins and quits are done by the member themself.
      operatorID: tip.operator ?? (joinOrQuit ? tip.users[0] ?? "" : ""),
      userIDList: [...tip.users],
      groupProfile: { groupID: roomId },
      newGroupProfile,
      memberList,
      msgMemberInfo: tip.muteSecs !== void 0 ? tip.users.map((userID2) => ({ userID: userID2, shutupTime: tip.muteSecs })) : []
    };
  }
  function systemNotice(roomId, selfID, operationType, text, id, timeMs, sequence = 0) {
    const payload = {
      operationType,
      operatorID: "",
      groupProfile: { groupID: roomId, type: TYPES.GRP_AVCHATROOM },
      userDefinedField: text,
      handleMessage: ""
    };
    return {
      ID: id,
      type: TYPES.MSG_GRP_SYS_NOTICE,
      payload,
      conversationID: TYPES.CONV_SYSTEM,
      conversationType: TYPES.CONV_SYSTEM,
      to: selfID,
      from: SYSTEM_SENDER,
      flow: "in",
      time: Math.floor(timeMs / 1e3),
      status: "success",
      priority: "High",
      nick: "",
      avatar: "",
      sequence,
      elements: [{ type: TYPES.MSG_GRP_SYS_NOTICE, payload }],
      ...base()
    };
  }
  function fromEvent(ev, selfID) {
    const time = Math.floor(ev.time / 1e3);
    if (ev.kind === "notice") {
      return systemNotice(ev.roomId, selfID, GRP_SYS_NOTICE.CUSTOM, ev.notice ?? "", `${ev.roomId}-${ev.seq}`, ev.time, ev.seq);
    }
    const common = {
      conversationID: `${TYPES.CONV_GROUP}${ev.roomId}`,
      conversationType: TYPES.CONV_GROUP,
      to: ev.roomId,
      time,
      status: "success",
      priority: ev.priority ?? "Normal",
      sequence: ev.seq,
      ...base()
    };
    if (ev.kind === "tip" && ev.tip) {
      const payload = tipPayload(ev.roomId, ev.tip);
      return {
        ID: `${ev.roomId}-${ev.seq}`,
        type: TYPES.MSG_GRP_TIP,
        payload,
        from: SYSTEM_SENDER,
        flow: "in",
        nick: "",
        avatar: "",
        elements: [{ type: TYPES.MSG_GRP_TIP, payload }],
        ...common
      };
    }
    const elements = payloadsOf(ev.msgBody ?? []);
    const first = elements[0] ?? { type: TYPES.MSG_TEXT, payload: { text: "" } };
    const from = ev.from ?? "";
    return {
      // The sender's message ID when it came from this SDK (its msgKey), so
      // sender and receivers agree on it; otherwise derived from the sequence.
      ID: ev.msgKey ? ev.msgKey : `${ev.roomId}-${ev.seq}`,
      type: first.type,
      payload: first.payload,
      from,
      flow: selfID !== "" && from === selfID ? "out" : "in",
      nick: ev.nick ?? "",
      avatar: ev.avatar ?? "",
      elements,
      ...common
    };
  }
  function toGroup(room) {
    const p = room.profile;
    return {
      groupID: room.id,
      name: p.name,
      avatar: p.faceUrl,
      type: TYPES.GRP_AVCHATROOM,
      introduction: p.introduction,
      notification: p.notification,
      ownerID: room.owner ?? "",
      createTime: Math.floor(room.createdAtMs / 1e3),
      memberCount: room.onlineCount ?? 0,
      maxMemberCount: 0,
      muteAllMembers: p.muteAll,
      joinOption: TYPES.JOIN_OPTIONS_FREE_ACCESS,
      groupCustomField: customFields(p.custom),
      adminList: [...room.admins ?? []]
    };
  }

  // src/validate.ts
  function isObject(v) {
    return typeof v === "object" && v !== null && !Array.isArray(v);
  }
  function options(fn, v) {
    if (!isObject(v)) throw invalid(`${fn}: expected an options object`);
    return v;
  }
  function groupID(fn, id) {
    if (typeof id !== "string" || id.length === 0) {
      throw invalid(`${fn}: groupID must be a non-empty string`, SERVER_ERROR.INVALID_GROUP_ID);
    }
    if (utf8Length(id) > LIMITS.ROOM_ID_MAX_BYTES || !/^[\x21-\x7e]+$/.test(id)) {
      throw invalid(
        `${fn}: groupID ${JSON.stringify(id)} must be 1-${LIMITS.ROOM_ID_MAX_BYTES} printable ASCII characters without spaces`,
        SERVER_ERROR.INVALID_GROUP_ID
      );
    }
    return id;
  }
  function userID(fn, id, field = "userID") {
    if (typeof id !== "string" || !/^[A-Za-z0-9_.-]{1,32}$/.test(id)) {
      throw invalid(`${fn}: ${field} must be 1-32 characters of letters, digits, '_', '-' and '.'`);
    }
    return id;
  }
  function userIDList(fn, list, max) {
    if (!Array.isArray(list) || list.length === 0) throw invalid(`${fn}: userIDList must be a non-empty array`);
    if (list.length > max) throw invalid(`${fn}: at most ${max} user IDs per call`, 10005);
    return list.map((u) => userID(fn, u, "every userIDList entry"));
  }
  function userSig(fn, sig) {
    if (typeof sig !== "string" || sig.length === 0) {
      throw new TIMError(SERVER_ERROR.USERSIG_MISSING, `${fn}: userSig is required`);
    }
    return sig;
  }
  function priority(fn, p) {
    if (p === void 0 || p === null || p === "") return "Normal";
    if (typeof p !== "string" || !PRIORITIES.includes(p)) {
      throw invalid(`${fn}: priority must be one of TIM.TYPES.MSG_PRIORITY_HIGH, _NORMAL, _LOW, _LOWEST`);
    }
    return p;
  }
  function conversationType(fn, t) {
    if (t !== TYPES.CONV_GROUP) {
      throw invalid(`${fn}: conversationType must be TIM.TYPES.CONV_GROUP (Roomcast has group chats only)`);
    }
  }
  function optionalString(fn, field, v, maxBytes) {
    if (v === void 0) return void 0;
    if (typeof v !== "string") throw invalid(`${fn}: ${field} must be a string`);
    if (maxBytes !== void 0 && utf8Length(v) > maxBytes) {
      throw invalid(`${fn}: ${field} may be at most ${maxBytes} bytes`);
    }
    return v;
  }
  function nonNegativeInteger(fn, field, v) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw invalid(`${fn}: ${field} must be a non-negative integer`);
    }
    return v;
  }
  function textPayload(fn, payload) {
    const p = options(`${fn} payload`, payload);
    if (typeof p.text !== "string" || p.text.length === 0) throw invalid(`${fn}: payload.text must be a non-empty string`);
    return { text: p.text };
  }
  function customPayload(fn, payload) {
    const p = options(`${fn} payload`, payload);
    return {
      data: optionalString(fn, "payload.data", p.data) ?? "",
      description: optionalString(fn, "payload.description", p.description) ?? "",
      extension: optionalString(fn, "payload.extension", p.extension) ?? ""
    };
  }
  function facePayload(fn, payload) {
    const p = options(`${fn} payload`, payload);
    if (typeof p.index !== "number" || !Number.isSafeInteger(p.index)) {
      throw invalid(`${fn}: payload.index must be an integer`);
    }
    return { index: p.index, data: optionalString(fn, "payload.data", p.data) ?? "" };
  }

  // src/group-state.ts
  var GroupState = class {
    constructor() {
      this.counters = /* @__PURE__ */ new Map();
      this.countersTime = 0;
      this.attributesVersion = -1;
    }
    /** The attribute map's version this instance knows (`undefined` until one was seen). */
    get version() {
      return this.attributesVersion >= 0 ? this.attributesVersion : void 0;
    }
    /** A `counters` event: the counters whose value changed since the last one (older events are ignored). */
    countersChanged(ev) {
      if (ev.time < this.countersTime || !ev.counters) return [];
      this.countersTime = ev.time;
      const changed = [];
      for (const [key, value] of Object.entries(ev.counters)) {
        if (this.counters.get(key) !== value) changed.push([key, value]);
      }
      this.counters.clear();
      for (const [key, value] of Object.entries(ev.counters)) this.counters.set(key, value);
      return changed;
    }
    /** A counter value from a reply (so the next event reports only later changes). */
    noteCounters(values) {
      for (const [key, value] of Object.entries(values)) this.counters.set(key, value);
    }
    /** An `attributes` event or reply: the map when it is newer than the one known, else null. */
    attributesChanged(version, attributes) {
      if (version === void 0 || !attributes || version <= this.attributesVersion) return null;
      this.attributesVersion = version;
      return { ...attributes };
    }
  };
  function counterKey(fn, key) {
    if (typeof key !== "string" || key.length === 0 || utf8Length(key) > LIMITS.COUNTER_KEY_MAX_BYTES) {
      throw invalid(`${fn}: key must be a string of 1-${LIMITS.COUNTER_KEY_MAX_BYTES} bytes`);
    }
    return key;
  }
  function counterValue(fn, value, field = "value", nonNegative = false) {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || nonNegative && value < 0) {
      throw invalid(`${fn}: ${field} must be ${nonNegative ? "a non-negative" : "an"} integer (within ±2^53)`);
    }
    return value;
  }
  function counterMap(fn, counters) {
    if (typeof counters !== "object" || counters === null || Array.isArray(counters)) {
      throw invalid(`${fn}: counters must be an object of key → integer`);
    }
    const entries = Object.entries(counters);
    if (entries.length === 0 || entries.length > LIMITS.COUNTERS_MAX) {
      throw invalid(`${fn}: give 1-${LIMITS.COUNTERS_MAX} counters`);
    }
    const out = {};
    for (const [k, v] of entries) out[counterKey(fn, k)] = counterValue(fn, v, `counters.${k}`);
    return out;
  }
  function keyList(fn, list, check) {
    if (list === void 0 || list === null) return void 0;
    if (!Array.isArray(list)) throw invalid(`${fn}: keyList must be an array of keys`);
    return list.length === 0 ? void 0 : list.map((k) => check(fn, k));
  }
  function attributeKey(fn, key) {
    if (typeof key !== "string" || key.length === 0 || utf8Length(key) > LIMITS.ATTRIBUTE_KEY_MAX_BYTES) {
      throw invalid(`${fn}: attribute keys are strings of 1-${LIMITS.ATTRIBUTE_KEY_MAX_BYTES} bytes`);
    }
    return key;
  }
  function attributeMap(fn, attributes, allowEmpty) {
    if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
      throw invalid(`${fn}: groupAttributes must be an object of key → string`);
    }
    const entries = Object.entries(attributes);
    if (!allowEmpty && entries.length === 0 || entries.length > LIMITS.ATTRIBUTES_MAX) {
      throw invalid(`${fn}: give ${allowEmpty ? 0 : 1}-${LIMITS.ATTRIBUTES_MAX} attributes`);
    }
    let total = 0;
    const out = {};
    for (const [k, v] of entries) {
      attributeKey(fn, k);
      if (typeof v !== "string" || utf8Length(v) > LIMITS.ATTRIBUTE_VALUE_MAX_BYTES) {
        throw invalid(`${fn}: the value of ${k} must be a string of at most ${LIMITS.ATTRIBUTE_VALUE_MAX_BYTES} bytes`);
      }
      total += utf8Length(k) + utf8Length(v);
      out[k] = v;
    }
    if (total > LIMITS.ATTRIBUTES_TOTAL_MAX_BYTES) {
      throw invalid(`${fn}: attributes of ${total} bytes; at most ${LIMITS.ATTRIBUTES_TOTAL_MAX_BYTES} in all`);
    }
    return out;
  }
  function pick(attributes, keys) {
    if (!keys) return { ...attributes };
    const out = {};
    for (const k of keys) if (k in attributes) out[k] = attributes[k];
    return out;
  }

  // src/room-stream.ts
  var HELD_MAX = 1e3;
  var RoomStream = class {
    constructor(groupID2, hooks) {
      this.groupID = groupID2;
      this.hooks = hooks;
      /** The last delivered sequence; null until the first event. */
      this.lastSeq = null;
      /** The room history's incarnation, from the last join reply. */
      this.epoch = null;
      /** Live events waiting for a fill or a rejoin reply; null when flowing. */
      this.held = null;
      /** Bumped by every rejoin, so a fill that outlives one is ignored. */
      this.generation = 0;
    }
    /**
     * A live event: returns it when it is the next to deliver, null when it
     * is a repeat or has to wait (a gap is being filled first).
     */
    accept(ev) {
      if (this.held) {
        if (this.held.length < HELD_MAX) this.held.push(ev);
        return null;
      }
      if (this.lastSeq !== null && ev.seq <= this.lastSeq) return null;
      if (this.lastSeq !== null && ev.seq > this.lastSeq + 1) {
        this.held = [ev];
        void this.fill(this.lastSeq + 1, ev.seq - 1, this.generation);
        return null;
      }
      this.lastSeq = ev.seq;
      return ev;
    }
    /** A (re)join is about to be sent: what to ask for, and hold live events until its reply. */
    rejoining() {
      this.generation++;
      if (!this.held) this.held = [];
      if (this.lastSeq === null || this.epoch === null) return void 0;
      return { seq: this.lastSeq, epoch: this.epoch };
    }
    /** The join reply: catch up on what was missed, then deliver what waited. */
    joined(reply, since) {
      const held = this.held ?? [];
      this.held = null;
      const epoch = reply.epoch ?? `created-${reply.room?.createdAtMs ?? 0}`;
      if (this.epoch !== null && epoch !== this.epoch) {
        this.lastSeq = null;
      } else if (since) {
        this.catchUp(reply.missed ?? [], since.seq + 1, null, reply.recovered === true);
      }
      this.epoch = epoch;
      this.release(held);
    }
    /** The join failed: nothing more will come for this room. */
    abandon() {
      this.held = null;
      this.generation++;
    }
    async fill(from, to, generation) {
      let page;
      try {
        page = await this.hooks.fetch(from, to);
      } catch {
        page = { epoch: this.epoch ?? "", events: [] };
      }
      if (generation !== this.generation || page === null) return;
      const held = this.held ?? [];
      this.held = null;
      const events = page.epoch === this.epoch ? page.events.filter((e) => e.seq >= from && e.seq <= to) : [];
      this.catchUp(events, from, to, true);
      this.release(held);
    }
    /**
     * Delivers events of `from..` (up to `to` when known) in order, after
     * `lastSeq`. Holes, and with `to` whatever is missing at the end, are
     * reported lost; a complete catch-up is reported recovered.
     */
    catchUp(events, from, to, complete) {
      const ready = [];
      let lost = false;
      for (const ev of [...events].sort((a, b) => a.seq - b.seq)) {
        if (this.lastSeq !== null && ev.seq <= this.lastSeq) continue;
        if (this.lastSeq !== null && ev.seq > this.lastSeq + 1) {
          this.flush(ready);
          this.report(this.lastSeq + 1, ev.seq - 1, false);
          lost = true;
        }
        this.lastSeq = ev.seq;
        ready.push(ev);
      }
      this.flush(ready);
      const last = this.lastSeq ?? from - 1;
      if (to !== null && last < to) {
        this.report(Math.max(from, last + 1), to, false);
        this.lastSeq = to;
      } else if (!lost && complete && last >= from) {
        this.report(from, last, true);
      }
    }
    /** Live events that waited go through `accept` again (one may reveal the next gap). */
    release(held) {
      const ready = [];
      for (const ev of held) {
        const r = this.accept(ev);
        if (r) ready.push(r);
      }
      this.flush(ready);
    }
    flush(ready) {
      if (ready.length > 0) this.hooks.deliver(ready.splice(0));
    }
    report(from, to, recovered) {
      if (to < from) return;
      this.hooks.gap({ groupID: this.groupID, fromSequence: from, toSequence: to, count: to - from + 1, recovered });
    }
  };
  async function readHistory(request, roomId, from, to) {
    const PAGE_MAX = 100;
    const found = [];
    let epoch = "";
    let before = to + 1;
    while (before > from) {
      const limit = Math.min(PAGE_MAX, before - from);
      const d = await request("history", { roomId, beforeSeq: before, limit });
      if (epoch !== "" && d.epoch !== epoch) break;
      epoch = d.epoch;
      const page = (d.events ?? []).filter((e) => e.seq >= from && e.seq < before);
      if (page.length === 0) break;
      found.unshift(...page);
      before = page[0].seq;
      if ((d.events ?? []).length < limit) break;
    }
    return { epoch, events: found };
  }

  // src/sdk.ts
  var OWN_ECHO_WAIT_MS = 6e4;
  function socketURL(server, sdkAppID) {
    const u = new URL(server.includes("://") ? server : `ws://${server}`);
    if (u.protocol === "http:") u.protocol = "ws:";
    else if (u.protocol === "https:") u.protocol = "wss:";
    if (u.protocol !== "ws:" && u.protocol !== "wss:") {
      throw invalid(`create: server must be a ws://, wss://, http:// or https:// address, not ${server}`);
    }
    if (u.pathname === "" || u.pathname === "/") u.pathname = "/ws";
    u.searchParams.set("sdkAppId", String(sdkAppID));
    return u.toString();
  }
  function backoffDelay(attempt, minMs, maxMs, random = Math.random) {
    const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 20));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }
  var ChatSDK = class {
    /** Use `TIM.create`; the constructor makes an instance outside the one-per-SDKAppID registry. */
    constructor(options2) {
      this.log = new Logger();
      this.emitter = new Emitter(this.log);
      this.conn = null;
      /** The connection being opened and restored (its close is handled by `establish`). */
      this.establishing = null;
      this.connecting = null;
      this.reconnectTimer = null;
      this.reconnectAttempt = 0;
      this.netState = TYPES.NET_STATE_DISCONNECTED;
      this.destroyed = false;
      this.queue = Promise.resolve();
      this.session = null;
      this.ready = false;
      /** The profile as the server stored it. */
      this.profile = { nick: "", avatar: "" };
      /** The profile the app set, applied again if a restarted server lost it. */
      this.wantedProfile = {};
      this.rooms = /* @__PURE__ */ new Map();
      /** Sent messages whose own copy (the server echoes it) is still to come, by msgKey. */
      this.own = /* @__PURE__ */ new Map();
      const o = options("create", options2);
      if (typeof o.SDKAppID !== "number" || !Number.isSafeInteger(o.SDKAppID) || o.SDKAppID <= 0) {
        throw invalid("create: SDKAppID must be a positive integer");
      }
      const server = o.server ?? globalThis.location?.origin;
      if (typeof server !== "string" || server === "") {
        throw invalid('create: give the Roomcast server address, e.g. create({ SDKAppID, server: "wss://chat.example.com" })');
      }
      const WS = o.WebSocket ?? globalThis.WebSocket;
      if (typeof WS !== "function") {
        throw invalid("create: this runtime has no WebSocket; pass one as create({ ..., WebSocket })");
      }
      this.SDKAppID = o.SDKAppID;
      this.url = socketURL(server, o.SDKAppID);
      this.WS = WS;
      this.opts = {
        requestTimeoutMs: o.requestTimeoutMs ?? 1e4,
        keepaliveMs: o.keepaliveMs ?? 25e3,
        connectTimeoutMs: o.connectTimeoutMs ?? 1e4,
        minDelayMs: o.reconnect?.minDelayMs ?? 1e3,
        maxDelayMs: o.reconnect?.maxDelayMs ?? 3e4
      };
    }
    // ---- events and logging ----------------------------------------------------------
    on(eventName, handler, context) {
      this.emitter.on(eventName, handler, context);
    }
    off(eventName, handler, context) {
      this.emitter.off(eventName, handler, context);
    }
    /**
     * Accepted for compatibility and ignored: TIM's plugins upload files
     * (images, audio, video), which Roomcast's rooms do not carry.
     */
    registerPlugin(plugins) {
      this.log.info(`registerPlugin: ignored (${Object.keys(plugins ?? {}).join(", ") || "nothing"}); Roomcast has no file messages`);
    }
    /** 0 debug, 1 info (default), 2 warn, 3 error, 4 none. */
    setLogLevel(level) {
      this.log.level = Math.max(0, Math.min(4, Math.floor(Number(level) || 0)));
    }
    // ---- identity --------------------------------------------------------------------
    login(options2) {
      return this.serial(async () => {
        const o = options("login", options2);
        const userID2 = userID("login", o.userID);
        const userSig2 = userSig("login", o.userSig);
        if (this.session) {
          if (this.session.userID === userID2) return { code: 0, data: { repeatLogin: true } };
          throw invalid(`login: already logged in as ${this.session.userID}; call logout() first`);
        }
        const conn = await this.connection();
        const guestRooms = [...this.rooms.entries()].filter(([, st]) => st.joined).map(([id]) => id);
        for (const id of guestRooms) await conn.request("quit", { roomId: id });
        let d;
        try {
          d = await conn.request("login", { sdkAppId: this.SDKAppID, userId: userID2, userSig: userSig2 });
        } catch (e) {
          await this.rejoin(conn, guestRooms);
          throw e;
        }
        this.session = { userID: userID2, userSig: userSig2 };
        this.profile = { nick: d?.nick ?? "", avatar: d?.avatar ?? "" };
        this.wantedProfile = {};
        await this.rejoin(conn, guestRooms);
        if (!this.ready) {
          this.ready = true;
          this.emitter.emit(EVENT.SDK_READY, {});
        }
        return { code: 0, data: { repeatLogin: false } };
      });
    }
    /** Logs out: the server quits every room; the instance is a guest in no room afterwards. */
    logout() {
      return this.serial(async () => {
        if (!this.session) return { code: 0, data: {} };
        const conn = this.conn;
        if (conn && conn.isOpen) {
          try {
            await conn.request("logout");
          } catch (e) {
            this.log.warn("logout request failed; closing the connection instead", e);
            conn.close(1e3, "logout");
          }
        }
        this.forgetSession();
        this.closeIfIdle();
        this.emitter.emit(EVENT.SDK_NOT_READY, {});
        return { code: 0, data: {} };
      });
    }
    updateMyProfile(options2) {
      return this.serial(async () => {
        const o = options("updateMyProfile", options2);
        const nick = optionalString("updateMyProfile", "nick", o.nick, LIMITS.NICK_MAX_BYTES);
        const avatar = optionalString("updateMyProfile", "avatar", o.avatar, LIMITS.AVATAR_MAX_BYTES);
        const ignored = Object.keys(o).filter((k) => k !== "nick" && k !== "avatar");
        if (ignored.length > 0) this.log.warn(`updateMyProfile: Roomcast keeps nick and avatar only; ignored ${ignored.join(", ")}`);
        if (nick === void 0 && avatar === void 0) throw invalid("updateMyProfile: give nick and/or avatar");
        const session = this.requireLogin("updateMyProfile");
        const conn = await this.connection();
        const data = {};
        if (nick !== void 0) data.nick = nick;
        if (avatar !== void 0) data.avatar = avatar;
        const d = await conn.request("updateProfile", data);
        this.profile = { nick: d.nick, avatar: d.avatar };
        Object.assign(this.wantedProfile, data);
        return { code: 0, data: { userID: session.userID, ...this.profile } };
      });
    }
    getMyProfile() {
      return Promise.resolve({ code: 0, data: { userID: this.session?.userID ?? "", ...this.profile } });
    }
    // ---- groups ----------------------------------------------------------------------
    /** Joins a room; works without login (a guest receives only). */
    joinGroup(options2) {
      return this.serial(async () => {
        const o = options("joinGroup", options2);
        const id = groupID("joinGroup", o.groupID);
        if (o.type !== void 0 && o.type !== TYPES.GRP_AVCHATROOM) {
          throw invalid(`joinGroup: Roomcast rooms are AVChatRooms; type ${String(o.type)} is not supported`);
        }
        const conn = await this.connection();
        const had = this.rooms.get(id);
        const st = had ?? this.newRoom(id);
        if (!had) this.rooms.set(id, st);
        let d;
        try {
          d = await conn.request("join", { roomId: id });
        } catch (e) {
          if (!had) this.rooms.delete(id);
          throw e;
        }
        if (!had) st.stream.joined(d, void 0);
        st.joined = true;
        const status = d.status === "already_in_group" ? TYPES.JOIN_STATUS_ALREADY_IN_GROUP : TYPES.JOIN_STATUS_SUCCESS;
        return { code: 0, data: { status, group: toGroup(d.room) } };
      });
    }
    quitGroup(groupID2) {
      return this.serial(async () => {
        const id = groupID("quitGroup", groupID2);
        if (!this.rooms.has(id)) throw new TIMError(SERVER_ERROR.PERMISSION_DENIED, `quitGroup: not a member of ${id}`);
        const conn = await this.connection();
        await conn.request("quit", { roomId: id });
        this.rooms.delete(id);
        this.closeIfIdle();
        return { code: 0, data: { groupID: id } };
      });
    }
    async getGroupProfile(options2) {
      const id = groupID("getGroupProfile", options("getGroupProfile", options2).groupID);
      const d = await this.request("getRoomProfile", { roomId: id });
      return { code: 0, data: { group: toGroup(d.room) } };
    }
    async getGroupOnlineMemberCount(groupID2) {
      const id = groupID("getGroupOnlineMemberCount", groupID2);
      const d = await this.request("onlineCount", { roomId: id });
      return { code: 0, data: { memberCount: d.count } };
    }
    /** The IDs of the rooms this instance is in (Roomcast). */
    getJoinedGroupIDs() {
      return [...this.rooms.entries()].filter(([, st]) => st.joined).map(([id]) => id);
    }
    // ---- group counters and attributes -------------------------------------------------
    getGroupCounters(options2) {
      return this.call("getGroupCounters", options2, async (fn, o, id) => {
        const keys = keyList(fn, o.keyList, counterKey);
        const d = await this.request("getCounters", keys ? { roomId: id, keys } : { roomId: id });
        this.rooms.get(id)?.group.noteCounters(d.counters);
        return { groupID: id, counters: d.counters };
      });
    }
    setGroupCounters(options2) {
      return this.call("setGroupCounters", options2, async (fn, o, id) => {
        const counters = counterMap(fn, o.counters);
        this.requireLogin(fn);
        const d = await this.request("setCounters", { roomId: id, counters });
        this.rooms.get(id)?.group.noteCounters(d.counters);
        return { groupID: id, counters: d.counters };
      });
    }
    increaseGroupCounter(options2) {
      return this.changeCounter("increaseGroupCounter", "increaseCounter", options2);
    }
    decreaseGroupCounter(options2) {
      return this.changeCounter("decreaseGroupCounter", "decreaseCounter", options2);
    }
    getGroupAttributes(options2) {
      return this.call("getGroupAttributes", options2, async (fn, o, id) => {
        const keys = keyList(fn, o.keyList, attributeKey);
        const d = await this.request("getAttributes", { roomId: id });
        this.attributesReply(id, d);
        return { groupAttributes: pick(d.attributes, keys) };
      });
    }
    /** Replaces the whole map (owner, admins). */
    initGroupAttributes(options2) {
      return this.call("initGroupAttributes", options2, async (fn, o, id) => {
        const attributes = attributeMap(fn, o.groupAttributes, true);
        return { groupAttributes: (await this.writeAttributes(fn, "initAttributes", id, { attributes })).attributes };
      });
    }
    setGroupAttributes(options2) {
      return this.call("setGroupAttributes", options2, async (fn, o, id) => {
        const attributes = attributeMap(fn, o.groupAttributes, false);
        await this.writeAttributes(fn, "setAttributes", id, { attributes });
        return { groupAttributes: attributes };
      });
    }
    /** An empty (or absent) `keyList` deletes every attribute (owner, admins). */
    deleteGroupAttributes(options2) {
      return this.call("deleteGroupAttributes", options2, async (fn, o, id) => {
        const keys = keyList(fn, o.keyList, attributeKey);
        await this.writeAttributes(fn, "deleteAttributes", id, keys ? { keys } : {});
        return { keyList: keys ?? [] };
      });
    }
    /**
     * A room's recent messages from the server's history (newest page first,
     * each page oldest first), as TIM's `getMessageList` for a group
     * conversation: `conversationID` is `GROUP<groupID>`; pass the returned
     * `nextReqMessageID` to page further back.
     */
    getMessageList(options2) {
      const fn = "getMessageList";
      let o0;
      try {
        o0 = { ...options(fn, options2), groupID: conversationGroup(fn, options2?.conversationID) };
      } catch (e) {
        return Promise.reject(e);
      }
      return this.call(fn, o0, async (_fn, o, id) => {
        const count = o.count === void 0 ? 15 : nonNegativeInteger(fn, "count", o.count);
        if (count < 1 || count > 100) throw invalid(`${fn}: count must be 1-100`);
        const data = { roomId: id, limit: count };
        if (o.nextReqMessageID !== void 0 && o.nextReqMessageID !== "") {
          const before = Number(o.nextReqMessageID);
          if (!Number.isSafeInteger(before) || before < 1) throw invalid(`${fn}: nextReqMessageID must be one this method returned`);
          data.beforeSeq = before;
        }
        const d = await this.request("history", data);
        const events = d.events ?? [];
        const selfID = this.session?.userID ?? "";
        const messageList = events.map((ev) => fromEvent(ev, selfID));
        const oldest = events[0]?.seq ?? 1;
        return { messageList, nextReqMessageID: String(oldest), isCompleted: events.length < count || oldest <= 1 };
      });
    }
    // ---- room management (owner, admins, the app admin) -------------------------------
    setGroupMemberMuteTime(options2) {
      return this.manage("setGroupMemberMuteTime", async () => {
        const o = options("setGroupMemberMuteTime", options2);
        const id = groupID("setGroupMemberMuteTime", o.groupID);
        const user = userID("setGroupMemberMuteTime", o.userID);
        const secs = nonNegativeInteger("setGroupMemberMuteTime", "muteTime", o.muteTime);
        await this.request("mute", { roomId: id, userIds: [user], durationSecs: secs });
        return { groupID: id, userID: user, muteTime: secs };
      });
    }
    /** In an AVChatRoom this bans: the members are removed and cannot rejoin for `duration` seconds. */
    deleteGroupMember(options2) {
      return this.manage("deleteGroupMember", async () => {
        const o = options("deleteGroupMember", options2);
        const id = groupID("deleteGroupMember", o.groupID);
        const users = userIDList("deleteGroupMember", o.userIDList, 20);
        const duration = nonNegativeInteger("deleteGroupMember", "duration", o.duration);
        if (duration < 1) throw invalid("deleteGroupMember: duration (the ban, in seconds) must be at least 1");
        const description = optionalString("deleteGroupMember", "reason", o.reason, 1e3);
        const data = { roomId: id, userIds: users, durationSecs: duration };
        if (description) data.description = description;
        await this.request("ban", data);
        return { groupID: id, userIDList: users };
      });
    }
    setGroupMemberRole(options2) {
      return this.manage("setGroupMemberRole", async () => {
        const o = options("setGroupMemberRole", options2);
        const id = groupID("setGroupMemberRole", o.groupID);
        const user = userID("setGroupMemberRole", o.userID);
        if (o.role !== TYPES.GRP_MBR_ROLE_ADMIN && o.role !== TYPES.GRP_MBR_ROLE_MEMBER) {
          throw invalid("setGroupMemberRole: role must be TIM.TYPES.GRP_MBR_ROLE_ADMIN or GRP_MBR_ROLE_MEMBER");
        }
        await this.request("setAdmin", { roomId: id, userId: user, admin: o.role === TYPES.GRP_MBR_ROLE_ADMIN });
        return { groupID: id, userID: user, role: o.role };
      });
    }
    updateGroupProfile(options2) {
      return this.manage("updateGroupProfile", async () => {
        const fn = "updateGroupProfile";
        const o = options(fn, options2);
        const id = groupID(fn, o.groupID);
        const data = { roomId: id };
        for (const [from, to] of [["name", "name"], ["introduction", "introduction"], ["notification", "notification"], ["avatar", "faceUrl"]]) {
          const v = optionalString(fn, from, o[from]);
          if (v !== void 0) data[to] = v;
        }
        if (o.muteAllMembers !== void 0) {
          if (typeof o.muteAllMembers !== "boolean") throw invalid(`${fn}: muteAllMembers must be a boolean`);
          data.muteAll = o.muteAllMembers;
        }
        if (o.groupCustomField !== void 0) {
          if (!Array.isArray(o.groupCustomField)) throw invalid(`${fn}: groupCustomField must be an array of { key, value }`);
          const custom = {};
          for (const f of o.groupCustomField) {
            if (!f || typeof f.key !== "string" || typeof f.value !== "string") throw invalid(`${fn}: groupCustomField entries are { key, value } strings`);
            custom[f.key] = f.value;
          }
          data.custom = custom;
        }
        const d = await this.request("modifyRoom", data);
        return { group: toGroup(d.room ?? d) };
      });
    }
    dismissGroup(groupID2) {
      return this.manage("dismissGroup", async () => {
        const id = groupID("dismissGroup", groupID2);
        await this.request("dismiss", { roomId: id });
        return { groupID: id };
      });
    }
    // ---- messages --------------------------------------------------------------------
    createTextMessage(options2) {
      const [to, priority2, o] = this.messageTarget("createTextMessage", options2);
      return outgoing(TYPES.MSG_TEXT, textPayload("createTextMessage", o.payload), to, priority2, this.self());
    }
    createCustomMessage(options2) {
      const [to, priority2, o] = this.messageTarget("createCustomMessage", options2);
      return outgoing(TYPES.MSG_CUSTOM, customPayload("createCustomMessage", o.payload), to, priority2, this.self());
    }
    createFaceMessage(options2) {
      const [to, priority2, o] = this.messageTarget("createFaceMessage", options2);
      return outgoing(TYPES.MSG_FACE, facePayload("createFaceMessage", o.payload), to, priority2, this.self());
    }
    /**
     * Sends a message made by `create*Message`. Resolves once the server has
     * sequenced it (`message.sequence`, `message.time` filled in). The server
     * also delivers it back to this connection: that copy is not repeated
     * through `MESSAGE_RECEIVED`. Sending the same message object again after
     * a failure is idempotent (its `ID` is the server's `msgKey`).
     */
    async sendMessage(message, _options) {
      if (!message || typeof message !== "object" || typeof message.ID !== "string" || typeof message.type !== "string") {
        throw new TIMError(SDK_ERROR.MESSAGE_SEND_NEED_MESSAGE_INSTANCE, "sendMessage: pass a message made by create*Message");
      }
      conversationType("sendMessage", message.conversationType);
      const roomId = groupID("sendMessage", message.to);
      const priority2 = priority("sendMessage", message.priority);
      let body;
      try {
        body = toMsgBody(message);
      } catch (e) {
        throw invalid(`sendMessage: ${e.message}`);
      }
      const size = bodySize(body);
      if (size > LIMITS.MSG_BODY_MAX_BYTES) {
        throw new TIMError(SERVER_ERROR.BODY_TOO_LONG, `message body too long: ${size} bytes, at most ${LIMITS.MSG_BODY_MAX_BYTES}`, { size, max: LIMITS.MSG_BODY_MAX_BYTES, message });
      }
      const session = this.requireLogin("sendMessage", "guests receive only; log in to send");
      message.from = session.userID;
      message.nick = this.profile.nick;
      message.avatar = this.profile.avatar;
      message.flow = "out";
      message.status = "unSend";
      this.pruneOwn();
      this.own.set(message.ID, { message, at: Date.now() });
      let d;
      try {
        const conn = await this.connection();
        d = await conn.request("send", { roomId, msgBody: body, priority: priority2, msgKey: message.ID });
      } catch (e) {
        this.own.delete(message.ID);
        message.status = "fail";
        if (e instanceof TIMError) e.data = { ...e.data ?? {}, message };
        throw e;
      }
      message.sequence = d.seq;
      message.time = Math.floor(d.time / 1e3);
      message.status = "success";
      return { code: 0, data: { message } };
    }
    /** TIM's resend: the same as `sendMessage` (idempotent by the message's ID). */
    resendMessage(message) {
      return this.sendMessage(message);
    }
    // ---- lifetime --------------------------------------------------------------------
    /** Closes the connection and forgets everything; the instance cannot be used again. */
    destroy() {
      if (this.destroyed) return Promise.resolve();
      this.destroyed = true;
      unregister(this);
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      const wasReady = this.ready;
      this.forgetSession();
      this.rooms.clear();
      const conn = this.conn;
      this.conn = null;
      conn?.close(1e3, "destroy");
      this.establishing?.close(1e3, "destroy");
      this.setNetState(TYPES.NET_STATE_DISCONNECTED);
      if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
      this.emitter.clear();
      return Promise.resolve();
    }
    // ---- internals: connection life -------------------------------------------------
    /** An open connection with the session restored: the current one, or a new one. */
    connection() {
      if (this.destroyed) return Promise.reject(new TIMError(SDK_ERROR.SDK_DESTROYED, "the instance was destroyed"));
      if (this.conn && this.conn.isOpen && this.establishing === null) return Promise.resolve(this.conn);
      if (this.connecting) return this.connecting;
      if (this.reconnectTimer) {
        clearTimeout(this.reconnectTimer);
        this.reconnectTimer = null;
      }
      this.connecting = this.establish().finally(() => {
        this.connecting = null;
      });
      return this.connecting;
    }
    async establish() {
      this.setNetState(TYPES.NET_STATE_CONNECTING);
      const conn = new Connection(
        this.url,
        this.WS,
        this.opts,
        { push: (p) => this.onPush(conn, p), closed: (code, reason) => this.onClosed(conn, code, reason) },
        this.log
      );
      this.establishing = conn;
      this.conn = conn;
      try {
        await conn.open();
        await this.restore(conn);
        if (!conn.isOpen) throw new TIMError(SDK_ERROR.NETWORK_ERROR, "connection closed while restoring the session");
      } catch (e) {
        this.establishing = null;
        if (this.conn === conn) this.conn = null;
        conn.close(1e3, "failed");
        this.log.info("connection failed:", e.message);
        this.scheduleReconnect(false);
        throw e;
      }
      this.establishing = null;
      this.reconnectAttempt = 0;
      this.setNetState(TYPES.NET_STATE_CONNECTED);
      return conn;
    }
    /** After a new connection: log in again, restore the profile, rejoin every room. */
    async restore(conn) {
      const session = this.session;
      if (session) {
        let d;
        try {
          d = await conn.request("login", { sdkAppId: this.SDKAppID, userId: session.userID, userSig: session.userSig });
        } catch (e) {
          if (isNetwork(e)) throw e;
          const err = e;
          this.log.warn("logging in again failed:", err.code, err.message);
          if (err.code === SERVER_ERROR.USERSIG_EXPIRED) this.kickedOut(TYPES.KICKED_OUT_USERSIG_EXPIRED);
          else {
            this.emitter.emit(EVENT.ERROR, { code: err.code, message: err.message });
            this.kickedOut(null);
          }
          throw e;
        }
        this.profile = { nick: d?.nick ?? "", avatar: d?.avatar ?? "" };
        const want = this.wantedProfile;
        if (want.nick !== void 0 && want.nick !== this.profile.nick || want.avatar !== void 0 && want.avatar !== this.profile.avatar) {
          try {
            const p = await conn.request("updateProfile", want);
            this.profile = { nick: p.nick, avatar: p.avatar };
          } catch (e) {
            if (isNetwork(e)) throw e;
            this.log.warn("restoring the profile failed:", e.message);
          }
        }
      }
      await this.rejoin(conn, [...this.rooms.entries()].filter(([, st]) => st.joined).map(([id]) => id));
    }
    /** Joins `ids` again; a room that is gone or refuses is dropped with a system notice. */
    async rejoin(conn, ids) {
      for (const id of ids) {
        const st = this.rooms.get(id);
        if (!st) continue;
        const since = st.stream.rejoining();
        try {
          const d = await conn.request("join", since ? { roomId: id, since } : { roomId: id });
          if (this.rooms.get(id) === st) st.stream.joined(d, since);
        } catch (e) {
          st.stream.abandon();
          if (isNetwork(e)) throw e;
          const err = e;
          this.log.warn(`rejoining ${id} failed:`, err.code, err.message);
          this.rooms.delete(id);
          if (err.code === SERVER_ERROR.GROUP_NOT_FOUND) this.leftRoom(id, GRP_SYS_NOTICE.GROUP_DISMISSED);
          else if (err.code === SERVER_ERROR.PERMISSION_DENIED) this.leftRoom(id, GRP_SYS_NOTICE.KICKED_OUT);
          else this.emitter.emit(EVENT.ERROR, { code: err.code, message: `rejoining ${id}: ${err.message}` });
        }
      }
    }
    scheduleReconnect(immediate) {
      if (this.destroyed || !this.wantsConnection()) {
        this.setNetState(TYPES.NET_STATE_DISCONNECTED);
        return;
      }
      if (this.reconnectTimer) {
        if (!immediate) return;
        clearTimeout(this.reconnectTimer);
      }
      this.setNetState(TYPES.NET_STATE_CONNECTING);
      const delay = immediate ? Math.round(Math.random() * 250) : backoffDelay(this.reconnectAttempt++, this.opts.minDelayMs, this.opts.maxDelayMs);
      this.log.info(`reconnecting in ${delay} ms`);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connection().catch(() => {
        });
      }, delay);
    }
    onClosed(conn, code, reason) {
      if (conn !== this.conn) return;
      this.conn = null;
      if (conn === this.establishing || this.destroyed) return;
      this.log.info(`connection closed (${code}${reason ? ` ${reason}` : ""})`);
      if (code === 4009) {
        if (this.session) this.kickedOut(TYPES.KICKED_OUT_MULT_ACCOUNT);
        this.setNetState(TYPES.NET_STATE_DISCONNECTED);
        return;
      }
      this.scheduleReconnect(code === 1001);
    }
    onPush(conn, push) {
      if (conn !== this.conn || this.destroyed) return;
      switch (push.type) {
        case "messages":
          this.deliver(push.messages);
          break;
        case "kicked":
          if (push.reason === "logged_in_elsewhere") {
            this.kickedOut(TYPES.KICKED_OUT_MULT_ACCOUNT);
          } else if (push.roomId && this.rooms.delete(push.roomId)) {
            this.leftRoom(push.roomId, push.reason === "dismissed" ? GRP_SYS_NOTICE.GROUP_DISMISSED : GRP_SYS_NOTICE.KICKED_OUT);
            this.closeIfIdle();
          }
          break;
        case "reconnect":
          this.log.info("server asked to reconnect:", push.reason);
          this.conn = null;
          conn.close(1e3, "reconnect");
          this.scheduleReconnect(true);
          break;
        default:
          this.log.debug("unknown push", push);
      }
    }
    // ---- internals: delivery ---------------------------------------------------------
    /** Events from a push: each room's stream decides what is next in order. */
    deliver(events) {
      let ready = [];
      const flush = () => {
        this.deliverInOrder(ready);
        ready = [];
      };
      for (const ev of events) {
        const st = this.rooms.get(ev.roomId);
        if (!st) continue;
        if (ev.kind === "counters" || ev.kind === "attributes") {
          flush();
          this.groupStateChanged(ev.roomId, st.group, ev);
          continue;
        }
        const next = st.stream.accept(ev);
        if (next) ready.push(next);
      }
      flush();
    }
    /** Events already in order (from a push, a fill or a rejoin) as one MESSAGE_RECEIVED; own echoes left out. */
    deliverInOrder(events) {
      const selfID = this.session?.userID ?? "";
      const batch = [];
      for (const ev of events) {
        if (ev.kind === "message" && ev.msgKey && selfID !== "" && ev.from === selfID && this.ownEcho(ev)) continue;
        batch.push(fromEvent(ev, selfID));
      }
      if (batch.length > 0) this.emitter.emit(EVENT.MESSAGE_RECEIVED, batch);
    }
    groupStateChanged(groupID2, group, ev) {
      if (ev.kind === "counters") {
        for (const [key, value] of group.countersChanged(ev)) this.emitter.emit(EVENT.GROUP_COUNTER_UPDATED, { groupID: groupID2, key, value });
      } else {
        const attributes = group.attributesChanged(ev.version, ev.attributes);
        if (attributes) this.emitter.emit(EVENT.GROUP_ATTRIBUTES_UPDATED, { groupID: groupID2, groupAttributes: attributes });
      }
    }
    /** True when `ev` is this instance's own message coming back (already resolved by `sendMessage`). */
    ownEcho(ev) {
      const own = this.own.get(ev.msgKey);
      if (!own) return false;
      this.own.delete(ev.msgKey);
      const m = own.message;
      if (m.sequence === 0) m.sequence = ev.seq;
      const delivered = JSON.stringify(ev.msgBody ?? []);
      if (delivered !== JSON.stringify(toMsgBody(m))) {
        const elements = payloadsOf(ev.msgBody ?? []);
        if (elements[0]) {
          m.type = elements[0].type;
          m.payload = elements[0].payload;
        }
        m.elements = elements;
        m.isModified = true;
        this.emitter.emit(EVENT.MESSAGE_MODIFIED, [m]);
      }
      return true;
    }
    newRoom(id) {
      const stream = new RoomStream(id, {
        deliver: (events) => {
          if (this.rooms.get(id)?.stream === stream) this.deliverInOrder(events);
        },
        gap: (gap) => {
          if (!gap.recovered) this.log.warn(`missed events ${gap.fromSequence}..${gap.toSequence} of ${id}`);
          this.emitter.emit(EVENT.MESSAGE_GAP, gap);
        },
        fetch: async (from, to) => {
          const conn = this.conn;
          if (!conn || !conn.isOpen || this.establishing === conn) return null;
          try {
            return await readHistory((op, data) => conn.request(op, data), id, from, to);
          } catch (e) {
            if (e instanceof TIMError && e.code === SDK_ERROR.NETWORK_ERROR) return null;
            throw e;
          }
        }
      });
      return { joined: false, stream, group: new GroupState() };
    }
    /** Tells the app it is no longer in `id` (banned, dismissed), as TIM does: a group system notice. */
    leftRoom(id, operationType) {
      const now = Date.now();
      const m = systemNotice(id, this.session?.userID ?? "", operationType, "", `${id}-left-${now}`, now);
      this.emitter.emit(EVENT.MESSAGE_RECEIVED, [m]);
    }
    kickedOut(type) {
      const wasReady = this.ready;
      this.forgetSession();
      this.rooms.clear();
      const conn = this.conn;
      this.conn = null;
      conn?.close(1e3, "kicked out");
      if (type) this.emitter.emit(EVENT.KICKED_OUT, { type });
      if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
      this.setNetState(TYPES.NET_STATE_DISCONNECTED);
    }
    // ---- internals: helpers ----------------------------------------------------------
    forgetSession() {
      this.session = null;
      this.ready = false;
      this.profile = { nick: "", avatar: "" };
      this.wantedProfile = {};
      this.own.clear();
      this.rooms.clear();
    }
    wantsConnection() {
      return this.session !== null || this.rooms.size > 0;
    }
    closeIfIdle() {
      if (this.wantsConnection()) return;
      const conn = this.conn;
      this.conn = null;
      conn?.close(1e3, "idle");
      this.setNetState(TYPES.NET_STATE_DISCONNECTED);
    }
    setNetState(state) {
      if (this.netState === state) return;
      this.netState = state;
      this.emitter.emit(EVENT.NET_STATE_CHANGE, { state });
    }
    requireLogin(fn, why = "log in first") {
      if (!this.session) throw new TIMError(SDK_ERROR.NOT_LOGGED_IN, `${fn}: not logged in; ${why}`);
      return this.session;
    }
    self() {
      return { userID: this.session?.userID ?? "", ...this.profile };
    }
    messageTarget(fn, options2) {
      const o = options(fn, options2);
      conversationType(fn, o.conversationType);
      return [groupID(fn, o.to), priority(fn, o.priority), o];
    }
    pruneOwn() {
      const old = Date.now() - OWN_ECHO_WAIT_MS;
      for (const [k, v] of this.own) if (v.at < old) this.own.delete(k);
    }
    /** Runs state-changing operations one at a time, in call order. */
    serial(fn) {
      const run = this.queue.then(fn, fn);
      this.queue = run.catch(() => void 0);
      return run;
    }
    /** One request on the current (or a new) connection. */
    async request(op, data) {
      return (await this.connection()).request(op, data);
    }
    /** An operation on one room: checks the options and `groupID`, runs `body`, wraps the result. */
    async call(fn, options2, body) {
      const o = options(fn, options2);
      const id = groupID(fn, o.groupID);
      return { code: 0, data: await body(fn, o, id) };
    }
    changeCounter(fn, op, options2) {
      return this.call(fn, options2, async (_fn, o, id) => {
        const key = counterKey(fn, o.key);
        const value = counterValue(fn, o.value, "value", true);
        this.requireLogin(fn);
        const d = await this.request(op, { roomId: id, key, value });
        this.rooms.get(id)?.group.noteCounters({ [key]: d.value });
        return { groupID: id, key, value: d.value };
      });
    }
    /**
     * An attribute write, conditional on the version this instance last saw
     * (if any). On a conflict (`10056`) the SDK reads the current map (firing
     * `GROUP_ATTRIBUTES_UPDATED`) and rejects: the app decides whether to retry.
     */
    async writeAttributes(fn, op, id, data) {
      this.requireLogin(fn);
      const version = this.rooms.get(id)?.group.version;
      try {
        const d = await this.request(op, version === void 0 ? { roomId: id, ...data } : { roomId: id, ...data, version });
        this.attributesReply(id, d);
        return { attributes: d.attributes };
      } catch (e) {
        if (e instanceof TIMError && e.code === SERVER_ERROR.ATTRIBUTES_CONFLICT) {
          try {
            this.attributesReply(id, await this.request("getAttributes", { roomId: id }));
          } catch (refresh) {
            this.log.warn(`${fn}: reading the attributes after a conflict failed`, refresh);
          }
        }
        throw e;
      }
    }
    attributesReply(id, d) {
      const st = this.rooms.get(id);
      const changed = st?.group.attributesChanged(d.version, d.attributes);
      if (changed) this.emitter.emit(EVENT.GROUP_ATTRIBUTES_UPDATED, { groupID: id, groupAttributes: changed });
    }
    /** A room-management operation: logged-in users only, one at a time. */
    manage(fn, body) {
      return this.serial(async () => {
        this.requireLogin(fn);
        return { code: 0, data: await body() };
      });
    }
  };
  function conversationGroup(fn, conversationID) {
    if (typeof conversationID !== "string" || !conversationID.startsWith(TYPES.CONV_GROUP)) {
      throw invalid(`${fn}: conversationID must be 'GROUP' followed by the groupID`);
    }
    return conversationID.slice(TYPES.CONV_GROUP.length);
  }
  function isNetwork(e) {
    return e instanceof TIMError && (e.code === SDK_ERROR.NETWORK_ERROR || e.code === SDK_ERROR.NETWORK_TIMEOUT);
  }
  var instances = /* @__PURE__ */ new Map();
  function create(options2) {
    const o = options("create", options2);
    const existing = instances.get(o.SDKAppID);
    if (existing) return existing;
    const sdk = new ChatSDK(options2);
    instances.set(sdk.SDKAppID, sdk);
    return sdk;
  }
  function unregister(sdk) {
    if (instances.get(sdk.SDKAppID) === sdk) instances.delete(sdk.SDKAppID);
  }

  // src/wire.ts
  var PROTOCOL_VERSION = 1;

  // src/index.ts
  var VERSION = "1.0.0";
  var TIM = {
    create,
    EVENT,
    TYPES,
    VERSION,
    PROTOCOL_VERSION,
    GRP_SYS_NOTICE,
    LIMITS,
    SDK_ERROR,
    SERVER_ERROR,
    ChatSDK,
    TIMError
  };
  var index_default = TIM;
  return __toCommonJS(index_exports);
})();
