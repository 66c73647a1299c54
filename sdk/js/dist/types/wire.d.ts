/** The JSON of Roomcast's client protocol v1 (docs/protocol.md). */
import type { Priority } from './constants.js';
export declare const PROTOCOL_VERSION = 1;
export type MsgElem = {
    MsgType: 'TIMTextElem';
    MsgContent: {
        Text: string;
    };
} | {
    MsgType: 'TIMCustomElem';
    MsgContent: {
        Data: string;
        Desc: string;
        Ext: string;
        Sound?: string;
    };
} | {
    MsgType: 'TIMFaceElem';
    MsgContent: {
        Index: number;
        Data: string;
    };
};
export interface WireReply {
    id: unknown;
    code: number;
    message: string;
    data?: any;
    retryable?: boolean;
}
export interface WireTipMember {
    userId: string;
    nick: string;
    avatar: string;
}
export interface WireTip {
    opType: number;
    type: string;
    operator?: string;
    users: string[];
    members?: WireTipMember[];
    changes?: {
        name?: string;
        introduction?: string;
        notification?: string;
        faceUrl?: string;
        custom?: Record<string, string>;
        muteAll?: boolean;
    };
    muteSecs?: number;
    banSecs?: number;
}
export interface WireEvent {
    roomId: string;
    seq: number;
    /** `counters` and `attributes` carry `seq` 0: they are outside the room's sequence. */
    kind: 'message' | 'tip' | 'notice' | 'counters' | 'attributes';
    time: number;
    priority?: Priority;
    from?: string;
    nick?: string;
    avatar?: string;
    msgBody?: MsgElem[];
    msgKey?: string;
    tip?: WireTip;
    notice?: string;
    /** `counters` events: every counter of the room. */
    counters?: Record<string, number>;
    /** `attributes` events: the whole map after a write, and its version. */
    attributes?: Record<string, string>;
    version?: number;
}
/** `join`'s reply (the fields the SDK reads). */
export interface WireJoin {
    roomId: string;
    status: 'success' | 'already_in_group';
    room: WireRoom;
    /** The room history's incarnation; a different one means the old sequence is void. */
    epoch?: string;
    /** With `since`: every event after it (oldest first), and whether that is all of them. */
    recovered?: boolean;
    missed?: WireEvent[];
}
export interface WireRoom {
    id: string;
    owner: string | null;
    admins: string[];
    createdAtMs: number;
    profile: {
        name: string;
        introduction: string;
        notification: string;
        faceUrl: string;
        custom: Record<string, string>;
        muteAll: boolean;
    };
    onlineCount?: number;
}
export type WirePush = {
    type: 'messages';
    messages: WireEvent[];
} | {
    type: 'kicked';
    roomId: string | null;
    reason: 'banned' | 'dismissed' | 'logged_in_elsewhere' | string;
} | {
    type: 'reconnect';
    reason: string;
};
