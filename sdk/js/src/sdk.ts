/**
 * The SDK instance: TIM v2's API over one Roomcast WebSocket, kept alive
 * across network failures (reconnect with backoff, then log in and rejoin
 * every room again).
 */

import { EVENT, GRP_SYS_NOTICE, LIMITS, TYPES, type Priority } from './constants.js';
import { Connection, type WebSocketCtor } from './connection.js';
import { Emitter, type Handler } from './emitter.js';
import { SDK_ERROR, SERVER_ERROR, TIMError, invalid } from './errors.js';
import { Logger } from './log.js';
import {
  bodySize,
  fromEvent,
  outgoing,
  payloadsOf,
  systemNotice,
  toGroup,
  toMsgBody,
  type Group,
  type Message,
  type Payload,
} from './message.js';
import * as check from './validate.js';
import * as groupArgs from './group-state.js';
import { GroupState } from './group-state.js';
import { RoomStream, readHistory } from './room-stream.js';
import type { WireEvent, WireJoin, WirePush } from './wire.js';

export interface CreateOptions {
  /** The app's SDKAppID (a number, as in the server's config). */
  SDKAppID: number;
  /**
   * The Roomcast server: `ws://host:port`, `wss://host`, or an `http(s)://`
   * origin (the SDK connects to its `/ws`). Default in a browser: the page's
   * own origin.
   */
  server?: string;
  /** A WebSocket constructor, for runtimes without a global one (e.g. `ws` on Node 20). */
  WebSocket?: WebSocketCtor;
  /** How long a request may wait for its reply (default 10 000 ms). */
  requestTimeoutMs?: number;
  /** Ping the server after this long without traffic; no reply closes and reconnects (default 25 000 ms; 0 turns it off). */
  keepaliveMs?: number;
  /** How long opening a connection may take (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Reconnect backoff: the first retry waits about `minDelayMs`, doubling to `maxDelayMs` (defaults 1 000 and 30 000). */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number };
}

/** Every promise of the API resolves with this. */
export interface TIMResponse<T> {
  code: 0;
  data: T;
}

interface MessageOptions {
  to: string;
  conversationType: string;
  priority?: string;
  payload: unknown;
}

interface RoomState {
  /** False while the first `join` is in flight (its events are delivered already). */
  joined: boolean;
  /** The room's events in order, gaps filled from history. */
  stream: RoomStream;
  /** Counters and attributes as last seen. */
  group: GroupState;
}

interface OwnMessage {
  message: Message;
  at: number;
}

const OWN_ECHO_WAIT_MS = 60_000;

/** `ws://…/ws?sdkAppId=…` from whatever address form the app gave. */
export function socketURL(server: string, sdkAppID: number): string {
  const u = new URL(server.includes('://') ? server : `ws://${server}`);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw invalid(`create: server must be a ws://, wss://, http:// or https:// address, not ${server}`);
  }
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/ws';
  u.searchParams.set('sdkAppId', String(sdkAppID));
  return u.toString();
}

/** Equal-jitter exponential backoff: between half and all of min·2^attempt, capped. */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class ChatSDK {
  readonly SDKAppID: number;
  private readonly url: string;
  private readonly WS: WebSocketCtor;
  private readonly opts: { requestTimeoutMs: number; keepaliveMs: number; connectTimeoutMs: number; minDelayMs: number; maxDelayMs: number };
  private readonly log = new Logger();
  private readonly emitter = new Emitter(this.log);

  private conn: Connection | null = null;
  /** The connection being opened and restored (its close is handled by `establish`). */
  private establishing: Connection | null = null;
  private connecting: Promise<Connection> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectAttempt = 0;
  private netState: string = TYPES.NET_STATE_DISCONNECTED;
  private destroyed = false;
  private queue: Promise<unknown> = Promise.resolve();

  private session: { userID: string; userSig: string } | null = null;
  private ready = false;
  /** The profile as the server stored it. */
  private profile = { nick: '', avatar: '' };
  /** The profile the app set, applied again if a restarted server lost it. */
  private wantedProfile: { nick?: string; avatar?: string } = {};
  private readonly rooms = new Map<string, RoomState>();
  /** Sent messages whose own copy (the server echoes it) is still to come, by msgKey. */
  private readonly own = new Map<string, OwnMessage>();

  /** Use `TIM.create`; the constructor makes an instance outside the one-per-SDKAppID registry. */
  constructor(options: CreateOptions) {
    const o = check.options('create', options);
    if (typeof o.SDKAppID !== 'number' || !Number.isSafeInteger(o.SDKAppID) || o.SDKAppID <= 0) {
      throw invalid('create: SDKAppID must be a positive integer');
    }
    const server: unknown = o.server ?? (globalThis as any).location?.origin;
    if (typeof server !== 'string' || server === '') {
      throw invalid('create: give the Roomcast server address, e.g. create({ SDKAppID, server: "wss://chat.example.com" })');
    }
    const WS = o.WebSocket ?? (globalThis as any).WebSocket;
    if (typeof WS !== 'function') {
      throw invalid('create: this runtime has no WebSocket; pass one as create({ ..., WebSocket })');
    }
    this.SDKAppID = o.SDKAppID;
    this.url = socketURL(server, o.SDKAppID);
    this.WS = WS;
    this.opts = {
      requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
      keepaliveMs: o.keepaliveMs ?? 25_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      minDelayMs: o.reconnect?.minDelayMs ?? 1_000,
      maxDelayMs: o.reconnect?.maxDelayMs ?? 30_000,
    };
  }

  // ---- events and logging ----------------------------------------------------------

  on(eventName: string, handler: Handler, context?: unknown): void {
    this.emitter.on(eventName, handler, context);
  }

  off(eventName: string, handler: Handler, context?: unknown): void {
    this.emitter.off(eventName, handler, context);
  }

  /**
   * Accepted for compatibility and ignored: TIM's plugins upload files
   * (images, audio, video), which Roomcast's rooms do not carry.
   */
  registerPlugin(plugins: Record<string, unknown>): void {
    this.log.info(`registerPlugin: ignored (${Object.keys(plugins ?? {}).join(', ') || 'nothing'}); Roomcast has no file messages`);
  }

  /** 0 debug, 1 info (default), 2 warn, 3 error, 4 none. */
  setLogLevel(level: number): void {
    this.log.level = Math.max(0, Math.min(4, Math.floor(Number(level) || 0)));
  }

  // ---- identity --------------------------------------------------------------------

  login(options: { userID: string; userSig: string }): Promise<TIMResponse<{ repeatLogin: boolean }>> {
    return this.serial(async () => {
      const o = check.options('login', options);
      const userID = check.userID('login', o.userID);
      const userSig = check.userSig('login', o.userSig);
      if (this.session) {
        if (this.session.userID === userID) return { code: 0, data: { repeatLogin: true } };
        throw invalid(`login: already logged in as ${this.session.userID}; call logout() first`);
      }
      const conn = await this.connection();
      // The server logs in only a connection that is in no room: a guest
      // leaves its rooms, logs in, and joins them again as the user.
      const guestRooms = [...this.rooms.entries()].filter(([, st]) => st.joined).map(([id]) => id);
      for (const id of guestRooms) await conn.request('quit', { roomId: id });
      let d: any;
      try {
        d = await conn.request('login', { sdkAppId: this.SDKAppID, userId: userID, userSig });
      } catch (e) {
        await this.rejoin(conn, guestRooms);
        throw e;
      }
      this.session = { userID, userSig };
      this.profile = { nick: d?.nick ?? '', avatar: d?.avatar ?? '' };
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
  logout(): Promise<TIMResponse<Record<string, never>>> {
    return this.serial(async () => {
      if (!this.session) return { code: 0, data: {} };
      const conn = this.conn;
      if (conn && conn.isOpen) {
        try {
          await conn.request('logout');
        } catch (e) {
          this.log.warn('logout request failed; closing the connection instead', e);
          conn.close(1000, 'logout');
        }
      }
      this.forgetSession();
      this.closeIfIdle();
      this.emitter.emit(EVENT.SDK_NOT_READY, {});
      return { code: 0, data: {} };
    });
  }

  updateMyProfile(options: { nick?: string; avatar?: string; [other: string]: unknown }): Promise<TIMResponse<{ userID: string; nick: string; avatar: string }>> {
    return this.serial(async () => {
      const o = check.options('updateMyProfile', options);
      const nick = check.optionalString('updateMyProfile', 'nick', o.nick, LIMITS.NICK_MAX_BYTES);
      const avatar = check.optionalString('updateMyProfile', 'avatar', o.avatar, LIMITS.AVATAR_MAX_BYTES);
      const ignored = Object.keys(o).filter((k) => k !== 'nick' && k !== 'avatar');
      if (ignored.length > 0) this.log.warn(`updateMyProfile: Roomcast keeps nick and avatar only; ignored ${ignored.join(', ')}`);
      if (nick === undefined && avatar === undefined) throw invalid('updateMyProfile: give nick and/or avatar');
      const session = this.requireLogin('updateMyProfile');
      const conn = await this.connection();
      const data: { nick?: string; avatar?: string } = {};
      if (nick !== undefined) data.nick = nick;
      if (avatar !== undefined) data.avatar = avatar;
      const d = await conn.request('updateProfile', data);
      this.profile = { nick: d.nick, avatar: d.avatar };
      Object.assign(this.wantedProfile, data);
      return { code: 0, data: { userID: session.userID, ...this.profile } };
    });
  }

  getMyProfile(): Promise<TIMResponse<{ userID: string; nick: string; avatar: string }>> {
    return Promise.resolve({ code: 0, data: { userID: this.session?.userID ?? '', ...this.profile } });
  }

  // ---- groups ----------------------------------------------------------------------

  /** Joins a room; works without login (a guest receives only). */
  joinGroup(options: { groupID: string; type?: string; applyMessage?: string }): Promise<TIMResponse<{ status: string; group: Group }>> {
    return this.serial(async () => {
      const o = check.options('joinGroup', options);
      const id = check.groupID('joinGroup', o.groupID);
      if (o.type !== undefined && o.type !== TYPES.GRP_AVCHATROOM) {
        throw invalid(`joinGroup: Roomcast rooms are AVChatRooms; type ${String(o.type)} is not supported`);
      }
      const conn = await this.connection();
      const had = this.rooms.get(id);
      // Events may arrive before the reply: deliver them from now on.
      const st = had ?? this.newRoom(id);
      if (!had) this.rooms.set(id, st);
      let d: WireJoin;
      try {
        d = await conn.request('join', { roomId: id });
      } catch (e) {
        if (!had) this.rooms.delete(id);
        throw e;
      }
      if (!had) st.stream.joined(d, undefined);
      st.joined = true;
      const status = d.status === 'already_in_group' ? TYPES.JOIN_STATUS_ALREADY_IN_GROUP : TYPES.JOIN_STATUS_SUCCESS;
      return { code: 0, data: { status, group: toGroup(d.room) } };
    });
  }

  quitGroup(groupID: string): Promise<TIMResponse<{ groupID: string }>> {
    return this.serial(async () => {
      const id = check.groupID('quitGroup', groupID);
      if (!this.rooms.has(id)) throw new TIMError(SERVER_ERROR.PERMISSION_DENIED, `quitGroup: not a member of ${id}`);
      const conn = await this.connection();
      await conn.request('quit', { roomId: id });
      this.rooms.delete(id);
      this.closeIfIdle();
      return { code: 0, data: { groupID: id } };
    });
  }

  async getGroupProfile(options: { groupID: string }): Promise<TIMResponse<{ group: Group }>> {
    const id = check.groupID('getGroupProfile', check.options('getGroupProfile', options).groupID);
    const d = await this.request('getRoomProfile', { roomId: id });
    return { code: 0, data: { group: toGroup(d.room) } };
  }

  async getGroupOnlineMemberCount(groupID: string): Promise<TIMResponse<{ memberCount: number }>> {
    const id = check.groupID('getGroupOnlineMemberCount', groupID);
    const d = await this.request('onlineCount', { roomId: id });
    return { code: 0, data: { memberCount: d.count } };
  }

  /** The IDs of the rooms this instance is in (Roomcast). */
  getJoinedGroupIDs(): string[] {
    return [...this.rooms.entries()].filter(([, st]) => st.joined).map(([id]) => id);
  }

  // ---- group counters and attributes -------------------------------------------------

  getGroupCounters(options: { groupID: string; keyList?: string[] }): Promise<TIMResponse<{ groupID: string; counters: Record<string, number> }>> {
    return this.call('getGroupCounters', options, async (fn, o, id) => {
      const keys = groupArgs.keyList(fn, o.keyList, groupArgs.counterKey);
      const d = await this.request('getCounters', keys ? { roomId: id, keys } : { roomId: id });
      this.rooms.get(id)?.group.noteCounters(d.counters);
      return { groupID: id, counters: d.counters };
    });
  }

  setGroupCounters(options: { groupID: string; counters: Record<string, number> }): Promise<TIMResponse<{ groupID: string; counters: Record<string, number> }>> {
    return this.call('setGroupCounters', options, async (fn, o, id) => {
      const counters = groupArgs.counterMap(fn, o.counters);
      this.requireLogin(fn);
      const d = await this.request('setCounters', { roomId: id, counters });
      this.rooms.get(id)?.group.noteCounters(d.counters);
      return { groupID: id, counters: d.counters };
    });
  }

  increaseGroupCounter(options: { groupID: string; key: string; value: number }): Promise<TIMResponse<{ groupID: string; key: string; value: number }>> {
    return this.changeCounter('increaseGroupCounter', 'increaseCounter', options);
  }

  decreaseGroupCounter(options: { groupID: string; key: string; value: number }): Promise<TIMResponse<{ groupID: string; key: string; value: number }>> {
    return this.changeCounter('decreaseGroupCounter', 'decreaseCounter', options);
  }

  getGroupAttributes(options: { groupID: string; keyList?: string[] }): Promise<TIMResponse<{ groupAttributes: Record<string, string> }>> {
    return this.call('getGroupAttributes', options, async (fn, o, id) => {
      const keys = groupArgs.keyList(fn, o.keyList, groupArgs.attributeKey);
      const d = await this.request('getAttributes', { roomId: id });
      this.attributesReply(id, d);
      return { groupAttributes: groupArgs.pick(d.attributes, keys) };
    });
  }

  /** Replaces the whole map (owner, admins). */
  initGroupAttributes(options: { groupID: string; groupAttributes: Record<string, string> }): Promise<TIMResponse<{ groupAttributes: Record<string, string> }>> {
    return this.call('initGroupAttributes', options, async (fn, o, id) => {
      const attributes = groupArgs.attributeMap(fn, o.groupAttributes, true);
      return { groupAttributes: (await this.writeAttributes(fn, 'initAttributes', id, { attributes })).attributes };
    });
  }

  setGroupAttributes(options: { groupID: string; groupAttributes: Record<string, string> }): Promise<TIMResponse<{ groupAttributes: Record<string, string> }>> {
    return this.call('setGroupAttributes', options, async (fn, o, id) => {
      const attributes = groupArgs.attributeMap(fn, o.groupAttributes, false);
      await this.writeAttributes(fn, 'setAttributes', id, { attributes });
      return { groupAttributes: attributes };
    });
  }

  /** An empty (or absent) `keyList` deletes every attribute (owner, admins). */
  deleteGroupAttributes(options: { groupID: string; keyList?: string[] }): Promise<TIMResponse<{ keyList: string[] }>> {
    return this.call('deleteGroupAttributes', options, async (fn, o, id) => {
      const keys = groupArgs.keyList(fn, o.keyList, groupArgs.attributeKey);
      await this.writeAttributes(fn, 'deleteAttributes', id, keys ? { keys } : {});
      return { keyList: keys ?? [] };
    });
  }

  /**
   * A room's recent messages from the server's history (newest page first,
   * each page oldest first), as TIM's `getMessageList` for a group
   * conversation: `conversationID` is `GROUP<groupID>`; pass the returned
   * `nextReqMessageID` to page further back.
   */
  getMessageList(options: { conversationID: string; nextReqMessageID?: string; count?: number }): Promise<TIMResponse<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>> {
    const fn = 'getMessageList';
    let o0: Record<string, any>;
    try {
      o0 = { ...check.options(fn, options), groupID: conversationGroup(fn, options?.conversationID) };
    } catch (e) {
      return Promise.reject(e);
    }
    return this.call(fn, o0, async (_fn, o, id) => {
      const count = o.count === undefined ? 15 : check.nonNegativeInteger(fn, 'count', o.count);
      if (count < 1 || count > 100) throw invalid(`${fn}: count must be 1-100`);
      const data: Record<string, unknown> = { roomId: id, limit: count };
      if (o.nextReqMessageID !== undefined && o.nextReqMessageID !== '') {
        const before = Number(o.nextReqMessageID);
        if (!Number.isSafeInteger(before) || before < 1) throw invalid(`${fn}: nextReqMessageID must be one this method returned`);
        data.beforeSeq = before;
      }
      const d = await this.request('history', data);
      const events: WireEvent[] = d.events ?? [];
      const selfID = this.session?.userID ?? '';
      const messageList = events.map((ev) => fromEvent(ev, selfID));
      const oldest = events[0]?.seq ?? 1;
      return { messageList, nextReqMessageID: String(oldest), isCompleted: events.length < count || oldest <= 1 };
    });
  }

  // ---- room management (owner, admins, the app admin) -------------------------------

  setGroupMemberMuteTime(options: { groupID: string; userID: string; muteTime: number }): Promise<TIMResponse<{ groupID: string; userID: string; muteTime: number }>> {
    return this.manage('setGroupMemberMuteTime', async () => {
      const o = check.options('setGroupMemberMuteTime', options);
      const id = check.groupID('setGroupMemberMuteTime', o.groupID);
      const user = check.userID('setGroupMemberMuteTime', o.userID);
      const secs = check.nonNegativeInteger('setGroupMemberMuteTime', 'muteTime', o.muteTime);
      await this.request('mute', { roomId: id, userIds: [user], durationSecs: secs });
      return { groupID: id, userID: user, muteTime: secs };
    });
  }

  /** In an AVChatRoom this bans: the members are removed and cannot rejoin for `duration` seconds. */
  deleteGroupMember(options: { groupID: string; userIDList: string[]; reason?: string; duration: number }): Promise<TIMResponse<{ groupID: string; userIDList: string[] }>> {
    return this.manage('deleteGroupMember', async () => {
      const o = check.options('deleteGroupMember', options);
      const id = check.groupID('deleteGroupMember', o.groupID);
      const users = check.userIDList('deleteGroupMember', o.userIDList, 20);
      const duration = check.nonNegativeInteger('deleteGroupMember', 'duration', o.duration);
      if (duration < 1) throw invalid('deleteGroupMember: duration (the ban, in seconds) must be at least 1');
      const description = check.optionalString('deleteGroupMember', 'reason', o.reason, 1000);
      const data: Record<string, unknown> = { roomId: id, userIds: users, durationSecs: duration };
      if (description) data.description = description;
      await this.request('ban', data);
      return { groupID: id, userIDList: users };
    });
  }

  setGroupMemberRole(options: { groupID: string; userID: string; role: string }): Promise<TIMResponse<{ groupID: string; userID: string; role: string }>> {
    return this.manage('setGroupMemberRole', async () => {
      const o = check.options('setGroupMemberRole', options);
      const id = check.groupID('setGroupMemberRole', o.groupID);
      const user = check.userID('setGroupMemberRole', o.userID);
      if (o.role !== TYPES.GRP_MBR_ROLE_ADMIN && o.role !== TYPES.GRP_MBR_ROLE_MEMBER) {
        throw invalid('setGroupMemberRole: role must be TIM.TYPES.GRP_MBR_ROLE_ADMIN or GRP_MBR_ROLE_MEMBER');
      }
      await this.request('setAdmin', { roomId: id, userId: user, admin: o.role === TYPES.GRP_MBR_ROLE_ADMIN });
      return { groupID: id, userID: user, role: o.role };
    });
  }

  updateGroupProfile(options: {
    groupID: string;
    name?: string;
    introduction?: string;
    notification?: string;
    avatar?: string;
    muteAllMembers?: boolean;
    groupCustomField?: { key: string; value: string }[];
  }): Promise<TIMResponse<{ group: Group }>> {
    return this.manage('updateGroupProfile', async () => {
      const fn = 'updateGroupProfile';
      const o = check.options(fn, options);
      const id = check.groupID(fn, o.groupID);
      const data: Record<string, unknown> = { roomId: id };
      for (const [from, to] of [['name', 'name'], ['introduction', 'introduction'], ['notification', 'notification'], ['avatar', 'faceUrl']]) {
        const v = check.optionalString(fn, from, o[from]);
        if (v !== undefined) data[to] = v;
      }
      if (o.muteAllMembers !== undefined) {
        if (typeof o.muteAllMembers !== 'boolean') throw invalid(`${fn}: muteAllMembers must be a boolean`);
        data.muteAll = o.muteAllMembers;
      }
      if (o.groupCustomField !== undefined) {
        if (!Array.isArray(o.groupCustomField)) throw invalid(`${fn}: groupCustomField must be an array of { key, value }`);
        const custom: Record<string, string> = {};
        for (const f of o.groupCustomField) {
          if (!f || typeof f.key !== 'string' || typeof f.value !== 'string') throw invalid(`${fn}: groupCustomField entries are { key, value } strings`);
          custom[f.key] = f.value;
        }
        data.custom = custom;
      }
      const d = await this.request('modifyRoom', data);
      return { group: toGroup(d.room ?? d) };
    });
  }

  dismissGroup(groupID: string): Promise<TIMResponse<{ groupID: string }>> {
    return this.manage('dismissGroup', async () => {
      const id = check.groupID('dismissGroup', groupID);
      await this.request('dismiss', { roomId: id });
      return { groupID: id };
    });
  }

  // ---- messages --------------------------------------------------------------------

  createTextMessage(options: MessageOptions): Message {
    const [to, priority, o] = this.messageTarget('createTextMessage', options);
    return outgoing(TYPES.MSG_TEXT, check.textPayload('createTextMessage', o.payload), to, priority, this.self());
  }

  createCustomMessage(options: MessageOptions): Message {
    const [to, priority, o] = this.messageTarget('createCustomMessage', options);
    return outgoing(TYPES.MSG_CUSTOM, check.customPayload('createCustomMessage', o.payload), to, priority, this.self());
  }

  createFaceMessage(options: MessageOptions): Message {
    const [to, priority, o] = this.messageTarget('createFaceMessage', options);
    return outgoing(TYPES.MSG_FACE, check.facePayload('createFaceMessage', o.payload), to, priority, this.self());
  }

  /**
   * Sends a message made by `create*Message`. Resolves once the server has
   * sequenced it (`message.sequence`, `message.time` filled in). The server
   * also delivers it back to this connection: that copy is not repeated
   * through `MESSAGE_RECEIVED`. Sending the same message object again after
   * a failure is idempotent (its `ID` is the server's `msgKey`).
   */
  async sendMessage(message: Message, _options?: unknown): Promise<TIMResponse<{ message: Message }>> {
    if (!message || typeof message !== 'object' || typeof message.ID !== 'string' || typeof message.type !== 'string') {
      throw new TIMError(SDK_ERROR.MESSAGE_SEND_NEED_MESSAGE_INSTANCE, 'sendMessage: pass a message made by create*Message');
    }
    check.conversationType('sendMessage', message.conversationType);
    const roomId = check.groupID('sendMessage', message.to);
    const priority = check.priority('sendMessage', message.priority);
    let body;
    try {
      body = toMsgBody(message);
    } catch (e) {
      throw invalid(`sendMessage: ${(e as Error).message}`);
    }
    const size = bodySize(body);
    if (size > LIMITS.MSG_BODY_MAX_BYTES) {
      throw new TIMError(SERVER_ERROR.BODY_TOO_LONG, `message body too long: ${size} bytes, at most ${LIMITS.MSG_BODY_MAX_BYTES}`, { size, max: LIMITS.MSG_BODY_MAX_BYTES, message });
    }
    const session = this.requireLogin('sendMessage', 'guests receive only; log in to send');
    message.from = session.userID;
    message.nick = this.profile.nick;
    message.avatar = this.profile.avatar;
    message.flow = 'out';
    message.status = 'unSend';
    this.pruneOwn();
    this.own.set(message.ID, { message, at: Date.now() });
    let d: any;
    try {
      const conn = await this.connection();
      d = await conn.request('send', { roomId, msgBody: body, priority, msgKey: message.ID });
    } catch (e) {
      this.own.delete(message.ID);
      message.status = 'fail';
      if (e instanceof TIMError) e.data = { ...(e.data ?? {}), message };
      throw e;
    }
    message.sequence = d.seq;
    message.time = Math.floor(d.time / 1000);
    message.status = 'success';
    return { code: 0, data: { message } };
  }

  /** TIM's resend: the same as `sendMessage` (idempotent by the message's ID). */
  resendMessage(message: Message): Promise<TIMResponse<{ message: Message }>> {
    return this.sendMessage(message);
  }

  // ---- lifetime --------------------------------------------------------------------

  /** Closes the connection and forgets everything; the instance cannot be used again. */
  destroy(): Promise<void> {
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
    conn?.close(1000, 'destroy');
    this.establishing?.close(1000, 'destroy');
    this.setNetState(TYPES.NET_STATE_DISCONNECTED);
    if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
    this.emitter.clear();
    return Promise.resolve();
  }

  // ---- internals: connection life -------------------------------------------------

  /** An open connection with the session restored: the current one, or a new one. */
  private connection(): Promise<Connection> {
    if (this.destroyed) return Promise.reject(new TIMError(SDK_ERROR.SDK_DESTROYED, 'the instance was destroyed'));
    if (this.conn && this.conn.isOpen && this.establishing === null) return Promise.resolve(this.conn);
    if (this.connecting) return this.connecting;
    if (this.reconnectTimer) {
      // An operation is waiting: try now rather than at the end of the backoff.
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.connecting = this.establish().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async establish(): Promise<Connection> {
    this.setNetState(TYPES.NET_STATE_CONNECTING);
    const conn: Connection = new Connection(
      this.url,
      this.WS,
      this.opts,
      { push: (p) => this.onPush(conn, p), closed: (code, reason) => this.onClosed(conn, code, reason) },
      this.log,
    );
    this.establishing = conn;
    this.conn = conn;
    try {
      await conn.open();
      await this.restore(conn);
      if (!conn.isOpen) throw new TIMError(SDK_ERROR.NETWORK_ERROR, 'connection closed while restoring the session');
    } catch (e) {
      this.establishing = null;
      if (this.conn === conn) this.conn = null;
      conn.close(1000, 'failed');
      this.log.info('connection failed:', (e as Error).message);
      this.scheduleReconnect(false);
      throw e;
    }
    this.establishing = null;
    this.reconnectAttempt = 0;
    this.setNetState(TYPES.NET_STATE_CONNECTED);
    return conn;
  }

  /** After a new connection: log in again, restore the profile, rejoin every room. */
  private async restore(conn: Connection): Promise<void> {
    const session = this.session;
    if (session) {
      let d: any;
      try {
        d = await conn.request('login', { sdkAppId: this.SDKAppID, userId: session.userID, userSig: session.userSig });
      } catch (e) {
        if (isNetwork(e)) throw e;
        const err = e as TIMError;
        this.log.warn('logging in again failed:', err.code, err.message);
        if (err.code === SERVER_ERROR.USERSIG_EXPIRED) this.kickedOut(TYPES.KICKED_OUT_USERSIG_EXPIRED);
        else {
          this.emitter.emit(EVENT.ERROR, { code: err.code, message: err.message });
          this.kickedOut(null);
        }
        throw e;
      }
      this.profile = { nick: d?.nick ?? '', avatar: d?.avatar ?? '' };
      const want = this.wantedProfile;
      if ((want.nick !== undefined && want.nick !== this.profile.nick) || (want.avatar !== undefined && want.avatar !== this.profile.avatar)) {
        try {
          const p = await conn.request('updateProfile', want);
          this.profile = { nick: p.nick, avatar: p.avatar };
        } catch (e) {
          if (isNetwork(e)) throw e;
          this.log.warn('restoring the profile failed:', (e as Error).message);
        }
      }
    }
    await this.rejoin(conn, [...this.rooms.entries()].filter(([, st]) => st.joined).map(([id]) => id));
  }

  /** Joins `ids` again; a room that is gone or refuses is dropped with a system notice. */
  private async rejoin(conn: Connection, ids: string[]): Promise<void> {
    for (const id of ids) {
      const st = this.rooms.get(id);
      if (!st) continue;
      // Ask for what was missed since the last event delivered; live events
      // wait for the reply so everything reaches the app in order.
      const since = st.stream.rejoining();
      try {
        const d: WireJoin = await conn.request('join', since ? { roomId: id, since } : { roomId: id });
        if (this.rooms.get(id) === st) st.stream.joined(d, since);
      } catch (e) {
        st.stream.abandon();
        if (isNetwork(e)) throw e;
        const err = e as TIMError;
        this.log.warn(`rejoining ${id} failed:`, err.code, err.message);
        this.rooms.delete(id);
        if (err.code === SERVER_ERROR.GROUP_NOT_FOUND) this.leftRoom(id, GRP_SYS_NOTICE.GROUP_DISMISSED);
        else if (err.code === SERVER_ERROR.PERMISSION_DENIED) this.leftRoom(id, GRP_SYS_NOTICE.KICKED_OUT);
        else this.emitter.emit(EVENT.ERROR, { code: err.code, message: `rejoining ${id}: ${err.message}` });
      }
    }
  }

  private scheduleReconnect(immediate: boolean): void {
    if (this.destroyed || !this.wantsConnection()) {
      this.setNetState(TYPES.NET_STATE_DISCONNECTED);
      return;
    }
    if (this.reconnectTimer) {
      if (!immediate) return;
      clearTimeout(this.reconnectTimer);
    }
    this.setNetState(TYPES.NET_STATE_CONNECTING);
    // Draining: go at once, spread a little so a gateway's whole audience
    // does not arrive in the same millisecond.
    const delay = immediate
      ? Math.round(Math.random() * 250)
      : backoffDelay(this.reconnectAttempt++, this.opts.minDelayMs, this.opts.maxDelayMs);
    this.log.info(`reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connection().catch(() => {
        // establish() scheduled the next attempt.
      });
    }, delay);
  }

  private onClosed(conn: Connection, code: number, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = null;
    if (conn === this.establishing || this.destroyed) return;
    this.log.info(`connection closed (${code}${reason ? ` ${reason}` : ''})`);
    if (code === 4009) {
      if (this.session) this.kickedOut(TYPES.KICKED_OUT_MULT_ACCOUNT);
      this.setNetState(TYPES.NET_STATE_DISCONNECTED);
      return;
    }
    this.scheduleReconnect(code === 1001);
  }

  private onPush(conn: Connection, push: WirePush): void {
    if (conn !== this.conn || this.destroyed) return;
    switch (push.type) {
      case 'messages':
        this.deliver(push.messages);
        break;
      case 'kicked':
        if (push.reason === 'logged_in_elsewhere') {
          this.kickedOut(TYPES.KICKED_OUT_MULT_ACCOUNT);
        } else if (push.roomId && this.rooms.delete(push.roomId)) {
          this.leftRoom(push.roomId, push.reason === 'dismissed' ? GRP_SYS_NOTICE.GROUP_DISMISSED : GRP_SYS_NOTICE.KICKED_OUT);
          this.closeIfIdle();
        }
        break;
      case 'reconnect':
        // The gateway is draining: move now instead of waiting for its close.
        this.log.info('server asked to reconnect:', push.reason);
        this.conn = null;
        conn.close(1000, 'reconnect');
        this.scheduleReconnect(true);
        break;
      default:
        this.log.debug('unknown push', push);
    }
  }

  // ---- internals: delivery ---------------------------------------------------------

  /** Events from a push: each room's stream decides what is next in order. */
  private deliver(events: WireEvent[]): void {
    let ready: WireEvent[] = [];
    const flush = () => {
      this.deliverInOrder(ready);
      ready = [];
    };
    for (const ev of events) {
      const st = this.rooms.get(ev.roomId);
      if (!st) continue; // a room this instance has left
      if (ev.kind === 'counters' || ev.kind === 'attributes') {
        flush();
        this.groupStateChanged(ev.roomId, st.group, ev);
        continue;
      }
      const next = st.stream.accept(ev);
      if (next) ready.push(next); // else a repeat, or waiting for a gap to be filled
    }
    flush();
  }

  /** Events already in order (from a push, a fill or a rejoin) as one MESSAGE_RECEIVED; own echoes left out. */
  private deliverInOrder(events: WireEvent[]): void {
    const selfID = this.session?.userID ?? '';
    const batch: Message[] = [];
    for (const ev of events) {
      if (ev.kind === 'message' && ev.msgKey && selfID !== '' && ev.from === selfID && this.ownEcho(ev)) continue;
      batch.push(fromEvent(ev, selfID));
    }
    if (batch.length > 0) this.emitter.emit(EVENT.MESSAGE_RECEIVED, batch);
  }

  private groupStateChanged(groupID: string, group: GroupState, ev: WireEvent): void {
    if (ev.kind === 'counters') {
      for (const [key, value] of group.countersChanged(ev)) this.emitter.emit(EVENT.GROUP_COUNTER_UPDATED, { groupID, key, value });
    } else {
      const attributes = group.attributesChanged(ev.version, ev.attributes);
      if (attributes) this.emitter.emit(EVENT.GROUP_ATTRIBUTES_UPDATED, { groupID, groupAttributes: attributes });
    }
  }

  /** True when `ev` is this instance's own message coming back (already resolved by `sendMessage`). */
  private ownEcho(ev: WireEvent): boolean {
    const own = this.own.get(ev.msgKey as string);
    if (!own) return false;
    this.own.delete(ev.msgKey as string);
    const m = own.message;
    if (m.sequence === 0) m.sequence = ev.seq;
    const delivered = JSON.stringify(ev.msgBody ?? []);
    if (delivered !== JSON.stringify(toMsgBody(m))) {
      // Moderation masked it: show the sender what the room saw.
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

  private newRoom(id: string): RoomState {
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
      },
    });
    return { joined: false, stream, group: new GroupState() };
  }

  /** Tells the app it is no longer in `id` (banned, dismissed), as TIM does: a group system notice. */
  private leftRoom(id: string, operationType: number): void {
    const now = Date.now();
    const m = systemNotice(id, this.session?.userID ?? '', operationType, '', `${id}-left-${now}`, now);
    this.emitter.emit(EVENT.MESSAGE_RECEIVED, [m]);
  }

  private kickedOut(type: string | null): void {
    const wasReady = this.ready;
    this.forgetSession();
    this.rooms.clear();
    const conn = this.conn;
    this.conn = null;
    conn?.close(1000, 'kicked out');
    if (type) this.emitter.emit(EVENT.KICKED_OUT, { type });
    if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
    this.setNetState(TYPES.NET_STATE_DISCONNECTED);
  }

  // ---- internals: helpers ----------------------------------------------------------

  private forgetSession(): void {
    this.session = null;
    this.ready = false;
    this.profile = { nick: '', avatar: '' };
    this.wantedProfile = {};
    this.own.clear();
    // The server quits every room at logout; so does a closed connection.
    this.rooms.clear();
  }

  private wantsConnection(): boolean {
    return this.session !== null || this.rooms.size > 0;
  }

  private closeIfIdle(): void {
    if (this.wantsConnection()) return;
    const conn = this.conn;
    this.conn = null;
    conn?.close(1000, 'idle');
    this.setNetState(TYPES.NET_STATE_DISCONNECTED);
  }

  private setNetState(state: string): void {
    if (this.netState === state) return;
    this.netState = state;
    this.emitter.emit(EVENT.NET_STATE_CHANGE, { state });
  }

  private requireLogin(fn: string, why = 'log in first'): { userID: string; userSig: string } {
    if (!this.session) throw new TIMError(SDK_ERROR.NOT_LOGGED_IN, `${fn}: not logged in; ${why}`);
    return this.session;
  }

  private self(): { userID: string; nick: string; avatar: string } {
    return { userID: this.session?.userID ?? '', ...this.profile };
  }

  private messageTarget(fn: string, options: MessageOptions): [string, Priority, Record<string, any>] {
    const o = check.options(fn, options);
    check.conversationType(fn, o.conversationType);
    return [check.groupID(fn, o.to), check.priority(fn, o.priority), o];
  }

  private pruneOwn(): void {
    const old = Date.now() - OWN_ECHO_WAIT_MS;
    for (const [k, v] of this.own) if (v.at < old) this.own.delete(k);
  }

  /** Runs state-changing operations one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** One request on the current (or a new) connection. */
  private async request(op: string, data: unknown): Promise<any> {
    return (await this.connection()).request(op, data);
  }

  /** An operation on one room: checks the options and `groupID`, runs `body`, wraps the result. */
  private async call<T>(fn: string, options: unknown, body: (fn: string, o: Record<string, any>, id: string) => Promise<T>): Promise<TIMResponse<T>> {
    const o = check.options(fn, options);
    const id = check.groupID(fn, o.groupID);
    return { code: 0, data: await body(fn, o, id) };
  }

  private changeCounter(fn: string, op: string, options: unknown): Promise<TIMResponse<{ groupID: string; key: string; value: number }>> {
    return this.call(fn, options, async (_fn, o, id) => {
      const key = groupArgs.counterKey(fn, o.key);
      const value = groupArgs.counterValue(fn, o.value, 'value', true);
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
  private async writeAttributes(fn: string, op: string, id: string, data: Record<string, unknown>): Promise<{ attributes: Record<string, string> }> {
    this.requireLogin(fn);
    const version = this.rooms.get(id)?.group.version;
    try {
      const d = await this.request(op, version === undefined ? { roomId: id, ...data } : { roomId: id, ...data, version });
      this.attributesReply(id, d);
      return { attributes: d.attributes };
    } catch (e) {
      if (e instanceof TIMError && e.code === SERVER_ERROR.ATTRIBUTES_CONFLICT) {
        try {
          this.attributesReply(id, await this.request('getAttributes', { roomId: id }));
        } catch (refresh) {
          this.log.warn(`${fn}: reading the attributes after a conflict failed`, refresh);
        }
      }
      throw e;
    }
  }

  private attributesReply(id: string, d: { version?: number; attributes?: Record<string, string> }): void {
    const st = this.rooms.get(id);
    const changed = st?.group.attributesChanged(d.version, d.attributes);
    if (changed) this.emitter.emit(EVENT.GROUP_ATTRIBUTES_UPDATED, { groupID: id, groupAttributes: changed });
  }

  /** A room-management operation: logged-in users only, one at a time. */
  private manage<T>(fn: string, body: () => Promise<T>): Promise<TIMResponse<T>> {
    return this.serial(async () => {
      this.requireLogin(fn);
      return { code: 0 as const, data: await body() };
    });
  }
}

/** `GROUP<groupID>`, TIM's conversation ID of a group. */
function conversationGroup(fn: string, conversationID: unknown): string {
  if (typeof conversationID !== 'string' || !conversationID.startsWith(TYPES.CONV_GROUP)) {
    throw invalid(`${fn}: conversationID must be 'GROUP' followed by the groupID`);
  }
  return conversationID.slice(TYPES.CONV_GROUP.length);
}

function isNetwork(e: unknown): boolean {
  return e instanceof TIMError && (e.code === SDK_ERROR.NETWORK_ERROR || e.code === SDK_ERROR.NETWORK_TIMEOUT);
}

// ---- one instance per SDKAppID, as TIM.create ---------------------------------------

const instances = new Map<number, ChatSDK>();

/** The instance for `options.SDKAppID`: created on the first call, the same one afterwards (until `destroy`). */
export function create(options: CreateOptions): ChatSDK {
  const o = check.options('create', options);
  const existing = instances.get(o.SDKAppID);
  if (existing) return existing;
  const sdk = new ChatSDK(options);
  instances.set(sdk.SDKAppID, sdk);
  return sdk;
}

function unregister(sdk: ChatSDK): void {
  if (instances.get(sdk.SDKAppID) === sdk) instances.delete(sdk.SDKAppID);
}

export type { Message, Group, Payload };
