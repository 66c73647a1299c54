/**
 * Event names and type constants. Every value is the one Tencent's TIM v2
 * Web SDK (`tim-js-sdk`) uses, so code that compares against literals keeps
 * working.
 */
/** Events an instance emits; listen with `tim.on(TIM.EVENT.X, handler)`. */
export declare const EVENT: Readonly<{
    /** Login succeeded: the instance can send. */
    readonly SDK_READY: "sdkStateReady";
    /** Logged out, kicked out, or destroyed. */
    readonly SDK_NOT_READY: "sdkStateNotReady";
    /** `event.data`: the received `Message[]` (one push may carry several). */
    readonly MESSAGE_RECEIVED: "onMessageReceived";
    /**
     * `event.data`: your own sent `Message[]` whose content the server changed
     * on the way (moderation masked it). The message object is updated in place.
     */
    readonly MESSAGE_MODIFIED: "onMessageModified";
    /** `event.data.type`: one of `TYPES.KICKED_OUT_*`. */
    readonly KICKED_OUT: "kickedOut";
    /** `event.data`: `{ code, message }`. */
    readonly ERROR: "error";
    /** `event.data.state`: one of `TYPES.NET_STATE_*`. */
    readonly NET_STATE_CHANGE: "netStateChange";
    /** `event.data`: `{ groupID, groupAttributes }`, the room's whole attribute map after a change. */
    readonly GROUP_ATTRIBUTES_UPDATED: "groupAttributesUpdated";
    /** `event.data`: `{ groupID, key, value }`, one per changed counter (at most one push per room per second). */
    readonly GROUP_COUNTER_UPDATED: "onGroupCounterUpdated";
    /**
     * Roomcast only: events of a room were missed (a gap in its `sequence`,
     * e.g. during a reconnect). `event.data`: `{ groupID, fromSequence,
     * toSequence, count, recovered }`: `recovered` is true when the SDK
     * fetched them from the server's history and delivered them in order,
     * false when the history no longer held them.
     */
    readonly MESSAGE_GAP: "roomcastMessageGap";
}>;
/** Type constants. */
export declare const TYPES: Readonly<{
    readonly MSG_TEXT: "TIMTextElem";
    readonly MSG_IMAGE: "TIMImageElem";
    readonly MSG_AUDIO: "TIMSoundElem";
    readonly MSG_FILE: "TIMFileElem";
    readonly MSG_FACE: "TIMFaceElem";
    readonly MSG_VIDEO: "TIMVideoFileElem";
    readonly MSG_LOCATION: "TIMLocationElem";
    readonly MSG_GRP_TIP: "TIMGroupTipElem";
    readonly MSG_GRP_SYS_NOTICE: "TIMGroupSystemNoticeElem";
    readonly MSG_CUSTOM: "TIMCustomElem";
    readonly MSG_MERGER: "TIMRelayElem";
    readonly MSG_PRIORITY_HIGH: "High";
    readonly MSG_PRIORITY_NORMAL: "Normal";
    readonly MSG_PRIORITY_LOW: "Low";
    readonly MSG_PRIORITY_LOWEST: "Lowest";
    readonly CONV_C2C: "C2C";
    readonly CONV_GROUP: "GROUP";
    readonly CONV_SYSTEM: "@TIM#SYSTEM";
    readonly GRP_WORK: "Private";
    readonly GRP_PUBLIC: "Public";
    readonly GRP_MEETING: "ChatRoom";
    readonly GRP_AVCHATROOM: "AVChatRoom";
    readonly GRP_COMMUNITY: "Community";
    readonly GRP_MBR_ROLE_OWNER: "Owner";
    readonly GRP_MBR_ROLE_ADMIN: "Admin";
    readonly GRP_MBR_ROLE_MEMBER: "Member";
    readonly GRP_TIP_MBR_JOIN: 1;
    readonly GRP_TIP_MBR_QUIT: 2;
    readonly GRP_TIP_MBR_KICKED_OUT: 3;
    readonly GRP_TIP_MBR_SET_ADMIN: 4;
    readonly GRP_TIP_MBR_CANCELED_ADMIN: 5;
    readonly GRP_TIP_GRP_PROFILE_UPDATED: 6;
    readonly GRP_TIP_MBR_PROFILE_UPDATED: 7;
    readonly GRP_TIP_BAN_AVCHATROOM_MEMBER: 10;
    readonly GRP_TIP_UNBAN_AVCHATROOM_MEMBER: 11;
    readonly JOIN_OPTIONS_FREE_ACCESS: "FreeAccess";
    readonly JOIN_STATUS_SUCCESS: "JoinedSuccess";
    readonly JOIN_STATUS_ALREADY_IN_GROUP: "AlreadyInGroup";
    readonly JOIN_STATUS_WAIT_APPROVAL: "WaitAdminApproval";
    readonly KICKED_OUT_MULT_ACCOUNT: "multipleAccount";
    readonly KICKED_OUT_MULT_DEVICE: "multipleDevice";
    readonly KICKED_OUT_USERSIG_EXPIRED: "userSigExpired";
    readonly KICKED_OUT_REST_API: "REST_API_Kick";
    readonly NET_STATE_CONNECTED: "connected";
    readonly NET_STATE_CONNECTING: "connecting";
    readonly NET_STATE_DISCONNECTED: "disconnected";
}>;
/**
 * `payload.operationType` of `MSG_GRP_SYS_NOTICE` messages (TIM's numbers).
 * Roomcast produces KICKED_OUT (banned), GROUP_DISMISSED and CUSTOM (system
 * notices sent with the admin API).
 */
export declare const GRP_SYS_NOTICE: Readonly<{
    readonly KICKED_OUT: 4;
    readonly GROUP_DISMISSED: 5;
    readonly CUSTOM: 255;
}>;
/** The `from` of group tips and system notices. */
export declare const SYSTEM_SENDER = "@TIM#SYSTEM";
/** Server-side limits mirrored by the SDK's argument checks (docs/protocol.md). */
export declare const LIMITS: Readonly<{
    readonly MSG_BODY_MAX_BYTES: number;
    readonly NICK_MAX_BYTES: 64;
    readonly AVATAR_MAX_BYTES: 500;
    readonly USER_ID_MAX_BYTES: 32;
    readonly ROOM_ID_MAX_BYTES: 48;
    readonly MUTE_BATCH_MAX: 500;
    readonly COUNTERS_MAX: 20;
    readonly COUNTER_KEY_MAX_BYTES: 128;
    readonly ATTRIBUTES_MAX: 16;
    readonly ATTRIBUTE_KEY_MAX_BYTES: 32;
    readonly ATTRIBUTE_VALUE_MAX_BYTES: 4096;
    readonly ATTRIBUTES_TOTAL_MAX_BYTES: number;
}>;
export type Priority = 'High' | 'Normal' | 'Low' | 'Lowest';
export declare const PRIORITIES: readonly Priority[];
