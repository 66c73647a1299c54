/**
 * Event names and type constants. Every value is the one Tencent's TIM v2
 * Web SDK (`tim-js-sdk`) uses, so code that compares against literals keeps
 * working.
 */

/** Events an instance emits; listen with `tim.on(TIM.EVENT.X, handler)`. */
export const EVENT = Object.freeze({
  /** Login succeeded: the instance can send. */
  SDK_READY: 'sdkStateReady',
  /** Logged out, kicked out, or destroyed. */
  SDK_NOT_READY: 'sdkStateNotReady',
  /** `event.data`: the received `Message[]` (one push may carry several). */
  MESSAGE_RECEIVED: 'onMessageReceived',
  /**
   * `event.data`: your own sent `Message[]` whose content the server changed
   * on the way (moderation masked it). The message object is updated in place.
   */
  MESSAGE_MODIFIED: 'onMessageModified',
  /** `event.data.type`: one of `TYPES.KICKED_OUT_*`. */
  KICKED_OUT: 'kickedOut',
  /** `event.data`: `{ code, message }`. */
  ERROR: 'error',
  /** `event.data.state`: one of `TYPES.NET_STATE_*`. */
  NET_STATE_CHANGE: 'netStateChange',
  /** `event.data`: `{ groupID, groupAttributes }`, the room's whole attribute map after a change. */
  GROUP_ATTRIBUTES_UPDATED: 'groupAttributesUpdated',
  /** `event.data`: `{ groupID, key, value }`, one per changed counter (at most one push per room per second). */
  GROUP_COUNTER_UPDATED: 'onGroupCounterUpdated',
  /**
   * Roomcast only: events of a room were missed (a gap in its `sequence`,
   * e.g. during a reconnect). `event.data`: `{ groupID, fromSequence,
   * toSequence, count, recovered }`: `recovered` is true when the SDK
   * fetched them from the server's history and delivered them in order,
   * false when the history no longer held them.
   */
  MESSAGE_GAP: 'roomcastMessageGap',
} as const);

/** Type constants. */
export const TYPES = Object.freeze({
  // Message types.
  MSG_TEXT: 'TIMTextElem',
  MSG_IMAGE: 'TIMImageElem',
  MSG_AUDIO: 'TIMSoundElem',
  MSG_FILE: 'TIMFileElem',
  MSG_FACE: 'TIMFaceElem',
  MSG_VIDEO: 'TIMVideoFileElem',
  MSG_LOCATION: 'TIMLocationElem',
  MSG_GRP_TIP: 'TIMGroupTipElem',
  MSG_GRP_SYS_NOTICE: 'TIMGroupSystemNoticeElem',
  MSG_CUSTOM: 'TIMCustomElem',
  MSG_MERGER: 'TIMRelayElem',

  // Message priorities (group messages).
  MSG_PRIORITY_HIGH: 'High',
  MSG_PRIORITY_NORMAL: 'Normal',
  MSG_PRIORITY_LOW: 'Low',
  MSG_PRIORITY_LOWEST: 'Lowest',

  // Conversation types.
  CONV_C2C: 'C2C',
  CONV_GROUP: 'GROUP',
  CONV_SYSTEM: '@TIM#SYSTEM',

  // Group types: every Roomcast room is an AVChatRoom.
  GRP_WORK: 'Private',
  GRP_PUBLIC: 'Public',
  GRP_MEETING: 'ChatRoom',
  GRP_AVCHATROOM: 'AVChatRoom',
  GRP_COMMUNITY: 'Community',

  // Member roles.
  GRP_MBR_ROLE_OWNER: 'Owner',
  GRP_MBR_ROLE_ADMIN: 'Admin',
  GRP_MBR_ROLE_MEMBER: 'Member',

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
  JOIN_OPTIONS_FREE_ACCESS: 'FreeAccess',
  JOIN_STATUS_SUCCESS: 'JoinedSuccess',
  JOIN_STATUS_ALREADY_IN_GROUP: 'AlreadyInGroup',
  JOIN_STATUS_WAIT_APPROVAL: 'WaitAdminApproval',

  // Why an instance was kicked out (`KICKED_OUT` → `data.type`).
  KICKED_OUT_MULT_ACCOUNT: 'multipleAccount',
  KICKED_OUT_MULT_DEVICE: 'multipleDevice',
  KICKED_OUT_USERSIG_EXPIRED: 'userSigExpired',
  KICKED_OUT_REST_API: 'REST_API_Kick',

  // Network states (`NET_STATE_CHANGE` → `data.state`).
  NET_STATE_CONNECTED: 'connected',
  NET_STATE_CONNECTING: 'connecting',
  NET_STATE_DISCONNECTED: 'disconnected',
} as const);

/**
 * `payload.operationType` of `MSG_GRP_SYS_NOTICE` messages (TIM's numbers).
 * Roomcast produces KICKED_OUT (banned), GROUP_DISMISSED and CUSTOM (system
 * notices sent with the admin API).
 */
export const GRP_SYS_NOTICE = Object.freeze({
  KICKED_OUT: 4,
  GROUP_DISMISSED: 5,
  CUSTOM: 255,
} as const);

/** The `from` of group tips and system notices. */
export const SYSTEM_SENDER = '@TIM#SYSTEM';

/** Server-side limits mirrored by the SDK's argument checks (docs/protocol.md). */
export const LIMITS = Object.freeze({
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
  ATTRIBUTES_TOTAL_MAX_BYTES: 16 * 1024,
} as const);

export type Priority = 'High' | 'Normal' | 'Low' | 'Lowest';
export const PRIORITIES: readonly Priority[] = ['High', 'Normal', 'Low', 'Lowest'];
