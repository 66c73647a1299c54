/**
 * Messages and groups as TIM v2 apps render them, built from what the
 * server sends, and message bodies built from what apps create.
 */

import { GRP_SYS_NOTICE, SYSTEM_SENDER, TYPES, type Priority } from './constants.js';
import type { MsgElem, WireEvent, WireRoom, WireTip } from './wire.js';

export interface TextPayload {
  text: string;
}

export interface CustomPayload {
  data: string;
  description: string;
  extension: string;
}

export interface FacePayload {
  index: number;
  data: string;
}

export interface GroupTipMember {
  userID: string;
  nick?: string;
  avatar?: string;
  /** `GRP_TIP_MBR_PROFILE_UPDATED`: the mute duration in seconds (0 = unmuted). */
  muteTime?: number;
  /** `GRP_TIP_BAN_AVCHATROOM_MEMBER`: the ban duration in seconds (Roomcast). */
  banTime?: number;
}

export interface GroupCustomField {
  key: string;
  value: string;
}

export interface NewGroupProfile {
  name?: string;
  introduction?: string;
  notification?: string;
  avatar?: string;
  muteAllMembers?: boolean;
  groupCustomField?: GroupCustomField[];
}

export interface GroupTipPayload {
  operationType: number;
  operatorID: string;
  userIDList: string[];
  groupProfile: { groupID: string };
  newGroupProfile: NewGroupProfile | null;
  memberList: GroupTipMember[];
  /** TIM's older name for the mute list of `GRP_TIP_MBR_PROFILE_UPDATED`. */
  msgMemberInfo: { userID: string; shutupTime: number }[];
}

export interface GroupSystemNoticePayload {
  operationType: number;
  operatorID: string;
  groupProfile: { groupID: string; type: string };
  /** The notice's text (`roomcast admin notice`, the admin API's `SendNotice`). */
  userDefinedField: string;
  handleMessage: string;
}

export type Payload = TextPayload | CustomPayload | FacePayload | GroupTipPayload | GroupSystemNoticePayload;

/** One message, with the fields TIM v2 apps read. */
export interface Message {
  ID: string;
  type: string;
  payload: any;
  conversationID: string;
  conversationType: string;
  to: string;
  from: string;
  /** 'in' (received) or 'out' (sent by this account). */
  flow: 'in' | 'out';
  /** Seconds since the Unix epoch (server time once sent). */
  time: number;
  /** 'unSend', 'success' or 'fail'. */
  status: 'unSend' | 'success' | 'fail';
  priority: Priority;
  nick: string;
  avatar: string;
  /** The room's sequence number (0 until sent). */
  sequence: number;
  /** Every element of a multi-element body (`type`/`payload` are the first one's). Roomcast only. */
  elements: { type: string; payload: Payload }[];
  isRevoked: boolean;
  isPeerRead: boolean;
  isModified: boolean;
  isDeleted: boolean;
  isBroadcastMessage: boolean;
  needReadReceipt: boolean;
  nameCard: string;
  atUserList: string[];
  cloudCustomData: string;
  readReceiptInfo: Record<string, never>;
  clientTime: number;
}

/** `joinGroup` / `getGroupProfile` → `data.group`. */
export interface Group {
  groupID: string;
  name: string;
  avatar: string;
  type: string;
  introduction: string;
  notification: string;
  ownerID: string;
  /** Seconds since the Unix epoch. */
  createTime: number;
  /** The room's online member count when this profile was read. */
  memberCount: number;
  maxMemberCount: number;
  muteAllMembers: boolean;
  joinOption: string;
  groupCustomField: GroupCustomField[];
  /** The room's admins (Roomcast). */
  adminList: string[];
}

let counter = 0;

/**
 * A message ID unique per sender: it doubles as the send's idempotency key
 * (`msgKey`), so `sendMessage` of the same message object again after a
 * network failure is never delivered twice.
 */
export function newMessageID(random: () => number = Math.random): string {
  counter = (counter + 1) % 0x100000;
  let r = '';
  for (let i = 0; i < 3; i++) r += Math.floor(random() * 0x100000000).toString(36);
  return `rc-${Date.now().toString(36)}-${r}-${counter.toString(36)}`;
}

function base(): Omit<Message, 'ID' | 'type' | 'payload' | 'conversationID' | 'conversationType' | 'to' | 'from' | 'flow' | 'time' | 'status' | 'priority' | 'nick' | 'avatar' | 'sequence' | 'elements'> {
  return {
    isRevoked: false,
    isPeerRead: false,
    isModified: false,
    isDeleted: false,
    isBroadcastMessage: false,
    needReadReceipt: false,
    nameCard: '',
    atUserList: [],
    cloudCustomData: '',
    readReceiptInfo: {},
    clientTime: Math.floor(Date.now() / 1000),
  };
}

/** A new outgoing group message (`create*Message`). */
export function outgoing(
  type: string,
  payload: Payload,
  to: string,
  priority: Priority,
  self: { userID: string; nick: string; avatar: string },
): Message {
  return {
    ID: newMessageID(),
    type,
    payload,
    conversationID: `${TYPES.CONV_GROUP}${to}`,
    conversationType: TYPES.CONV_GROUP,
    to,
    from: self.userID,
    flow: 'out',
    time: Math.floor(Date.now() / 1000),
    status: 'unSend',
    priority,
    nick: self.nick,
    avatar: self.avatar,
    sequence: 0,
    elements: [{ type, payload }],
    ...base(),
  };
}

/** The `msgBody` the server receives for a message, in its canonical form. */
export function toMsgBody(message: Pick<Message, 'type' | 'payload'>): MsgElem[] {
  const p = message.payload ?? {};
  switch (message.type) {
    case TYPES.MSG_TEXT:
      return [{ MsgType: 'TIMTextElem', MsgContent: { Text: p.text } }];
    case TYPES.MSG_CUSTOM:
      return [
        {
          MsgType: 'TIMCustomElem',
          MsgContent: { Data: p.data ?? '', Desc: p.description ?? '', Ext: p.extension ?? '' },
        },
      ];
    case TYPES.MSG_FACE:
      return [{ MsgType: 'TIMFaceElem', MsgContent: { Index: p.index, Data: p.data ?? '' } }];
    default:
      throw new TypeError(`messages of type ${String(message.type)} cannot be sent`);
  }
}

/** The serialized size the server measures against its 12 KiB limit. */
export function bodySize(body: MsgElem[]): number {
  return utf8Length(JSON.stringify(body));
}

const encoder = new TextEncoder();

/** Bytes of `s` in UTF-8, as it goes over the WebSocket. */
export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

function elemToPayload(e: MsgElem): { type: string; payload: Payload } {
  switch (e.MsgType) {
    case 'TIMTextElem':
      return { type: TYPES.MSG_TEXT, payload: { text: e.MsgContent.Text } };
    case 'TIMCustomElem':
      return {
        type: TYPES.MSG_CUSTOM,
        payload: { data: e.MsgContent.Data ?? '', description: e.MsgContent.Desc ?? '', extension: e.MsgContent.Ext ?? '' },
      };
    case 'TIMFaceElem':
      return { type: TYPES.MSG_FACE, payload: { index: e.MsgContent.Index, data: e.MsgContent.Data ?? '' } };
    default: {
      const unknown = e as { MsgType: string; MsgContent: unknown };
      return { type: unknown.MsgType, payload: unknown.MsgContent as any };
    }
  }
}

/** The payload the server delivered for one of this instance's messages. */
export function payloadsOf(body: MsgElem[]): { type: string; payload: Payload }[] {
  return body.map(elemToPayload);
}

function customFields(custom: Record<string, string> | undefined): GroupCustomField[] {
  return Object.entries(custom ?? {}).map(([key, value]) => ({ key, value }));
}

function tipPayload(roomId: string, tip: WireTip): GroupTipPayload {
  const op = tip.opType;
  const joinOrQuit = op === TYPES.GRP_TIP_MBR_JOIN || op === TYPES.GRP_TIP_MBR_QUIT;
  let memberList: GroupTipMember[];
  if (tip.members && tip.members.length > 0) {
    memberList = tip.members.map((m) => ({ userID: m.userId, nick: m.nick, avatar: m.avatar }));
  } else if (tip.muteSecs !== undefined) {
    memberList = tip.users.map((userID) => ({ userID, muteTime: tip.muteSecs }));
  } else if (tip.banSecs !== undefined) {
    memberList = tip.users.map((userID) => ({ userID, banTime: tip.banSecs }));
  } else {
    memberList = tip.users.map((userID) => ({ userID }));
  }
  let newGroupProfile: NewGroupProfile | null = null;
  if (tip.changes) {
    const c = tip.changes;
    newGroupProfile = {};
    if (c.name !== undefined) newGroupProfile.name = c.name;
    if (c.introduction !== undefined) newGroupProfile.introduction = c.introduction;
    if (c.notification !== undefined) newGroupProfile.notification = c.notification;
    if (c.faceUrl !== undefined) newGroupProfile.avatar = c.faceUrl;
    if (c.muteAll !== undefined) newGroupProfile.muteAllMembers = c.muteAll;
    if (c.custom !== undefined) newGroupProfile.groupCustomField = customFields(c.custom);
  }
  return {
    operationType: op,
    // Joins and quits are done by the member themself.
    operatorID: tip.operator ?? (joinOrQuit ? (tip.users[0] ?? '') : ''),
    userIDList: [...tip.users],
    groupProfile: { groupID: roomId },
    newGroupProfile,
    memberList,
    msgMemberInfo:
      tip.muteSecs !== undefined ? tip.users.map((userID) => ({ userID, shutupTime: tip.muteSecs as number })) : [],
  };
}

/** A group system notice (`MSG_GRP_SYS_NOTICE`) about `roomId`. */
export function systemNotice(
  roomId: string,
  selfID: string,
  operationType: number,
  text: string,
  id: string,
  timeMs: number,
  sequence = 0,
): Message {
  const payload: GroupSystemNoticePayload = {
    operationType,
    operatorID: '',
    groupProfile: { groupID: roomId, type: TYPES.GRP_AVCHATROOM },
    userDefinedField: text,
    handleMessage: '',
  };
  return {
    ID: id,
    type: TYPES.MSG_GRP_SYS_NOTICE,
    payload,
    conversationID: TYPES.CONV_SYSTEM,
    conversationType: TYPES.CONV_SYSTEM,
    to: selfID,
    from: SYSTEM_SENDER,
    flow: 'in',
    time: Math.floor(timeMs / 1000),
    status: 'success',
    priority: 'High',
    nick: '',
    avatar: '',
    sequence,
    elements: [{ type: TYPES.MSG_GRP_SYS_NOTICE, payload }],
    ...base(),
  };
}

/** The message an app receives for one room event. */
export function fromEvent(ev: WireEvent, selfID: string): Message {
  const time = Math.floor(ev.time / 1000);
  if (ev.kind === 'notice') {
    return systemNotice(ev.roomId, selfID, GRP_SYS_NOTICE.CUSTOM, ev.notice ?? '', `${ev.roomId}-${ev.seq}`, ev.time, ev.seq);
  }
  const common = {
    conversationID: `${TYPES.CONV_GROUP}${ev.roomId}`,
    conversationType: TYPES.CONV_GROUP,
    to: ev.roomId,
    time,
    status: 'success' as const,
    priority: ev.priority ?? 'Normal',
    sequence: ev.seq,
    ...base(),
  };
  if (ev.kind === 'tip' && ev.tip) {
    const payload = tipPayload(ev.roomId, ev.tip);
    return {
      ID: `${ev.roomId}-${ev.seq}`,
      type: TYPES.MSG_GRP_TIP,
      payload,
      from: SYSTEM_SENDER,
      flow: 'in',
      nick: '',
      avatar: '',
      elements: [{ type: TYPES.MSG_GRP_TIP, payload }],
      ...common,
    };
  }
  const elements = payloadsOf(ev.msgBody ?? []);
  const first = elements[0] ?? { type: TYPES.MSG_TEXT, payload: { text: '' } };
  const from = ev.from ?? '';
  return {
    // The sender's message ID when it came from this SDK (its msgKey), so
    // sender and receivers agree on it; otherwise derived from the sequence.
    ID: ev.msgKey ? ev.msgKey : `${ev.roomId}-${ev.seq}`,
    type: first.type,
    payload: first.payload,
    from,
    flow: selfID !== '' && from === selfID ? 'out' : 'in',
    nick: ev.nick ?? '',
    avatar: ev.avatar ?? '',
    elements,
    ...common,
  };
}

/** A room profile as TIM's `Group`. */
export function toGroup(room: WireRoom): Group {
  const p = room.profile;
  return {
    groupID: room.id,
    name: p.name,
    avatar: p.faceUrl,
    type: TYPES.GRP_AVCHATROOM,
    introduction: p.introduction,
    notification: p.notification,
    ownerID: room.owner ?? '',
    createTime: Math.floor(room.createdAtMs / 1000),
    memberCount: room.onlineCount ?? 0,
    maxMemberCount: 0,
    muteAllMembers: p.muteAll,
    joinOption: TYPES.JOIN_OPTIONS_FREE_ACCESS,
    groupCustomField: customFields(p.custom),
    adminList: [...(room.admins ?? [])],
  };
}
