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
export const VERSION = '1.0.0';

export { ChatSDK, create, EVENT, GRP_SYS_NOTICE, LIMITS, PROTOCOL_VERSION, SDK_ERROR, SERVER_ERROR, TIMError, TYPES };
export type { CreateOptions, TIMResponse } from './sdk.js';
export type {
  CustomPayload,
  FacePayload,
  Group,
  GroupCustomField,
  GroupSystemNoticePayload,
  GroupTipMember,
  GroupTipPayload,
  Message,
  NewGroupProfile,
  TextPayload,
} from './message.js';
export type { TIMEvent, Handler } from './emitter.js';
export type { Priority } from './constants.js';

/** `TIM.create`, `TIM.EVENT`, `TIM.TYPES`, as `import TIM from 'tim-js-sdk'` gives them. */
const TIM = {
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
  TIMError,
};

export default TIM;
