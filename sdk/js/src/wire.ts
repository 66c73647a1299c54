/** The JSON of Roomcast's client protocol v1 (docs/protocol.md). */

import type { Priority } from './constants.js';

export const PROTOCOL_VERSION = 1;

export type MsgElem =
  | { MsgType: 'TIMTextElem'; MsgContent: { Text: string } }
  | { MsgType: 'TIMCustomElem'; MsgContent: { Data: string; Desc: string; Ext: string; Sound?: string } }
  | { MsgType: 'TIMFaceElem'; MsgContent: { Index: number; Data: string } };

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
  kind: 'message' | 'tip' | 'notice';
  time: number;
  priority: Priority;
  from?: string;
  nick?: string;
  avatar?: string;
  msgBody?: MsgElem[];
  msgKey?: string;
  tip?: WireTip;
  notice?: string;
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

export type WirePush =
  | { type: 'messages'; messages: WireEvent[] }
  | { type: 'kicked'; roomId: string | null; reason: 'banned' | 'dismissed' | 'logged_in_elsewhere' | string }
  | { type: 'reconnect'; reason: string };
