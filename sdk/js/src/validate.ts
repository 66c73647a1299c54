/**
 * Argument checks made before anything is sent. They raise the code the
 * server would answer for the same mistake, so an app handles one set of
 * codes whichever side noticed.
 */

import { LIMITS, PRIORITIES, TYPES, type Priority } from './constants.js';
import { SERVER_ERROR, TIMError, invalid } from './errors.js';
import { utf8Length } from './message.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function options(fn: string, v: unknown): Record<string, any> {
  if (!isObject(v)) throw invalid(`${fn}: expected an options object`);
  return v;
}

export function groupID(fn: string, id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw invalid(`${fn}: groupID must be a non-empty string`, SERVER_ERROR.INVALID_GROUP_ID);
  }
  if (utf8Length(id) > LIMITS.ROOM_ID_MAX_BYTES || !/^[\x21-\x7e]+$/.test(id)) {
    throw invalid(
      `${fn}: groupID ${JSON.stringify(id)} must be 1-${LIMITS.ROOM_ID_MAX_BYTES} printable ASCII characters without spaces`,
      SERVER_ERROR.INVALID_GROUP_ID,
    );
  }
  return id;
}

export function userID(fn: string, id: unknown, field = 'userID'): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,32}$/.test(id)) {
    throw invalid(`${fn}: ${field} must be 1-32 characters of letters, digits, '_', '-' and '.'`);
  }
  return id;
}

export function userIDList(fn: string, list: unknown, max: number): string[] {
  if (!Array.isArray(list) || list.length === 0) throw invalid(`${fn}: userIDList must be a non-empty array`);
  if (list.length > max) throw invalid(`${fn}: at most ${max} user IDs per call`, 10005);
  return list.map((u) => userID(fn, u, 'every userIDList entry'));
}

export function userSig(fn: string, sig: unknown): string {
  if (typeof sig !== 'string' || sig.length === 0) {
    throw new TIMError(SERVER_ERROR.USERSIG_MISSING, `${fn}: userSig is required`);
  }
  return sig;
}

export function priority(fn: string, p: unknown): Priority {
  if (p === undefined || p === null || p === '') return 'Normal';
  if (typeof p !== 'string' || !(PRIORITIES as readonly string[]).includes(p)) {
    throw invalid(`${fn}: priority must be one of TIM.TYPES.MSG_PRIORITY_HIGH, _NORMAL, _LOW, _LOWEST`);
  }
  return p as Priority;
}

export function conversationType(fn: string, t: unknown): void {
  if (t !== TYPES.CONV_GROUP) {
    throw invalid(`${fn}: conversationType must be TIM.TYPES.CONV_GROUP (Roomcast has group chats only)`);
  }
}

export function optionalString(fn: string, field: string, v: unknown, maxBytes?: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`${fn}: ${field} must be a string`);
  if (maxBytes !== undefined && utf8Length(v) > maxBytes) {
    throw invalid(`${fn}: ${field} may be at most ${maxBytes} bytes`);
  }
  return v;
}

export function nonNegativeInteger(fn: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw invalid(`${fn}: ${field} must be a non-negative integer`);
  }
  return v;
}

export function textPayload(fn: string, payload: unknown): { text: string } {
  const p = options(`${fn} payload`, payload);
  if (typeof p.text !== 'string' || p.text.length === 0) throw invalid(`${fn}: payload.text must be a non-empty string`);
  return { text: p.text };
}

export function customPayload(fn: string, payload: unknown): { data: string; description: string; extension: string } {
  const p = options(`${fn} payload`, payload);
  return {
    data: optionalString(fn, 'payload.data', p.data) ?? '',
    description: optionalString(fn, 'payload.description', p.description) ?? '',
    extension: optionalString(fn, 'payload.extension', p.extension) ?? '',
  };
}

export function facePayload(fn: string, payload: unknown): { index: number; data: string } {
  const p = options(`${fn} payload`, payload);
  if (typeof p.index !== 'number' || !Number.isSafeInteger(p.index)) {
    throw invalid(`${fn}: payload.index must be an integer`);
  }
  return { index: p.index, data: optionalString(fn, 'payload.data', p.data) ?? '' };
}
