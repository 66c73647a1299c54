/**
 * Roomcast's web client SDK, with the API of Tencent Cloud IM's TIM v2 Web
 * SDK: code written for `tim-js-sdk` runs after changing the import and
 * giving the server's address to `create`.
 *
 *     import TIM from 'roomcast-sdk';
 *     const tim = TIM.create({ SDKAppID: 1400000000, server: 'wss://chat.example.com' });
 */
import { EVENT, GRP_SYS_NOTICE, LIMITS, TYPES } from './constants.js';
import { SDK_ERROR, SERVER_ERROR, TIMError } from './errors.js';
import { ChatSDK, create } from './sdk.js';
import { PROTOCOL_VERSION } from './wire.js';
/** The SDK's version; its major number is the protocol version it speaks. */
export declare const VERSION = "1.0.0";
export { ChatSDK, create, EVENT, GRP_SYS_NOTICE, LIMITS, PROTOCOL_VERSION, SDK_ERROR, SERVER_ERROR, TIMError, TYPES };
export type { CreateOptions, TIMResponse } from './sdk.js';
export type { CustomPayload, FacePayload, Group, GroupCustomField, GroupSystemNoticePayload, GroupTipMember, GroupTipPayload, Message, NewGroupProfile, TextPayload, } from './message.js';
export type { TIMEvent, Handler } from './emitter.js';
export type { Priority } from './constants.js';
/** `TIM.create`, `TIM.EVENT`, `TIM.TYPES`, as `import TIM from 'tim-js-sdk'` gives them. */
declare const TIM: {
    create: typeof create;
    EVENT: Readonly<{
        readonly SDK_READY: "sdkStateReady";
        readonly SDK_NOT_READY: "sdkStateNotReady";
        readonly MESSAGE_RECEIVED: "onMessageReceived";
        readonly MESSAGE_MODIFIED: "onMessageModified";
        readonly KICKED_OUT: "kickedOut";
        readonly ERROR: "error";
        readonly NET_STATE_CHANGE: "netStateChange";
        readonly GROUP_ATTRIBUTES_UPDATED: "groupAttributesUpdated";
        readonly GROUP_COUNTER_UPDATED: "onGroupCounterUpdated";
        readonly MESSAGE_GAP: "roomcastMessageGap";
    }>;
    TYPES: Readonly<{
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
    VERSION: string;
    PROTOCOL_VERSION: number;
    GRP_SYS_NOTICE: Readonly<{
        readonly KICKED_OUT: 4;
        readonly GROUP_DISMISSED: 5;
        readonly CUSTOM: 255;
    }>;
    LIMITS: Readonly<{
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
    SDK_ERROR: Readonly<{
        readonly NETWORK_ERROR: 2800;
        readonly NETWORK_TIMEOUT: 2801;
        readonly MESSAGE_SEND_NEED_MESSAGE_INSTANCE: 2105;
        readonly NOT_LOGGED_IN: 6014;
        readonly SDK_DESTROYED: 2999;
        readonly NOT_SUPPORTED: 2905;
    }>;
    SERVER_ERROR: Readonly<{
        readonly INVALID_PARAMETER: 10004;
        readonly PERMISSION_DENIED: 10007;
        readonly GROUP_NOT_FOUND: 10010;
        readonly INVALID_GROUP_ID: 10015;
        readonly MUTED: 10017;
        readonly USERSIG_EXPIRED: 70001;
        readonly USERSIG_MISSING: 70002;
        readonly BODY_TOO_LONG: 80002;
        readonly CONTENT_BLOCKED: 80001;
        readonly FREQUENCY_DROPPED: 200001;
        readonly ATTRIBUTES_CONFLICT: 10056;
    }>;
    ChatSDK: typeof ChatSDK;
    TIMError: typeof TIMError;
};
export default TIM;
