/**
 * Messages and groups as TIM v2 apps render them, built from what the
 * server sends, and message bodies built from what apps create.
 */
import { type Priority } from './constants.js';
import type { MsgElem, WireEvent, WireRoom } from './wire.js';
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
    groupProfile: {
        groupID: string;
    };
    newGroupProfile: NewGroupProfile | null;
    memberList: GroupTipMember[];
    /** TIM's older name for the mute list of `GRP_TIP_MBR_PROFILE_UPDATED`. */
    msgMemberInfo: {
        userID: string;
        shutupTime: number;
    }[];
}
export interface GroupSystemNoticePayload {
    operationType: number;
    operatorID: string;
    groupProfile: {
        groupID: string;
        type: string;
    };
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
    elements: {
        type: string;
        payload: Payload;
    }[];
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
/**
 * A message ID unique per sender: it doubles as the send's idempotency key
 * (`msgKey`), so `sendMessage` of the same message object again after a
 * network failure is never delivered twice.
 */
export declare function newMessageID(random?: () => number): string;
/** A new outgoing group message (`create*Message`). */
export declare function outgoing(type: string, payload: Payload, to: string, priority: Priority, self: {
    userID: string;
    nick: string;
    avatar: string;
}): Message;
/** The `msgBody` the server receives for a message, in its canonical form. */
export declare function toMsgBody(message: Pick<Message, 'type' | 'payload'>): MsgElem[];
/** The serialized size the server measures against its 12 KiB limit. */
export declare function bodySize(body: MsgElem[]): number;
/** Bytes of `s` in UTF-8, as it goes over the WebSocket. */
export declare function utf8Length(s: string): number;
/** The payload the server delivered for one of this instance's messages. */
export declare function payloadsOf(body: MsgElem[]): {
    type: string;
    payload: Payload;
}[];
/** A group system notice (`MSG_GRP_SYS_NOTICE`) about `roomId`. */
export declare function systemNotice(roomId: string, selfID: string, operationType: number, text: string, id: string, timeMs: number, sequence?: number): Message;
/** The message an app receives for one room event. */
export declare function fromEvent(ev: WireEvent, selfID: string): Message;
/** A room profile as TIM's `Group`. */
export declare function toGroup(room: WireRoom): Group;
