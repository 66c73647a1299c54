/**
 * A room's group counters and attributes as this instance last saw them:
 * turns the server's `counters` and `attributes` events (the whole state,
 * outside the room's sequence) into TIM's per-change events, and checks
 * the arguments of the counter and attribute calls before anything is sent.
 */

import { LIMITS } from './constants.js';
import { invalid } from './errors.js';
import { utf8Length } from './message.js';
import type { WireEvent } from './wire.js';

export class GroupState {
  private readonly counters = new Map<string, number>();
  private countersTime = 0;
  private attributesVersion = -1;

  /** The attribute map's version this instance knows (`undefined` until one was seen). */
  get version(): number | undefined {
    return this.attributesVersion >= 0 ? this.attributesVersion : undefined;
  }

  /** A `counters` event: the counters whose value changed since the last one (older events are ignored). */
  countersChanged(ev: WireEvent): [string, number][] {
    if (ev.time < this.countersTime || !ev.counters) return [];
    this.countersTime = ev.time;
    const changed: [string, number][] = [];
    for (const [key, value] of Object.entries(ev.counters)) {
      if (this.counters.get(key) !== value) changed.push([key, value]);
    }
    this.counters.clear();
    for (const [key, value] of Object.entries(ev.counters)) this.counters.set(key, value);
    return changed;
  }

  /** A counter value from a reply (so the next event reports only later changes). */
  noteCounters(values: Record<string, number>): void {
    for (const [key, value] of Object.entries(values)) this.counters.set(key, value);
  }

  /** An `attributes` event or reply: the map when it is newer than the one known, else null. */
  attributesChanged(version: number | undefined, attributes: Record<string, string> | undefined): Record<string, string> | null {
    if (version === undefined || !attributes || version <= this.attributesVersion) return null;
    this.attributesVersion = version;
    return { ...attributes };
  }
}

// ---- argument checks (the server's codes for the same mistakes) -----------------------

export function counterKey(fn: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || utf8Length(key) > LIMITS.COUNTER_KEY_MAX_BYTES) {
    throw invalid(`${fn}: key must be a string of 1-${LIMITS.COUNTER_KEY_MAX_BYTES} bytes`);
  }
  return key;
}

export function counterValue(fn: string, value: unknown, field = 'value', nonNegative = false): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (nonNegative && value < 0)) {
    throw invalid(`${fn}: ${field} must be ${nonNegative ? 'a non-negative' : 'an'} integer (within ±2^53)`);
  }
  return value;
}

export function counterMap(fn: string, counters: unknown): Record<string, number> {
  if (typeof counters !== 'object' || counters === null || Array.isArray(counters)) {
    throw invalid(`${fn}: counters must be an object of key → integer`);
  }
  const entries = Object.entries(counters);
  if (entries.length === 0 || entries.length > LIMITS.COUNTERS_MAX) {
    throw invalid(`${fn}: give 1-${LIMITS.COUNTERS_MAX} counters`);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of entries) out[counterKey(fn, k)] = counterValue(fn, v, `counters.${k}`);
  return out;
}

export function keyList(fn: string, list: unknown, check: (fn: string, key: unknown) => string): string[] | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw invalid(`${fn}: keyList must be an array of keys`);
  return list.length === 0 ? undefined : list.map((k) => check(fn, k));
}

export function attributeKey(fn: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || utf8Length(key) > LIMITS.ATTRIBUTE_KEY_MAX_BYTES) {
    throw invalid(`${fn}: attribute keys are strings of 1-${LIMITS.ATTRIBUTE_KEY_MAX_BYTES} bytes`);
  }
  return key;
}

export function attributeMap(fn: string, attributes: unknown, allowEmpty: boolean): Record<string, string> {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw invalid(`${fn}: groupAttributes must be an object of key → string`);
  }
  const entries = Object.entries(attributes);
  if ((!allowEmpty && entries.length === 0) || entries.length > LIMITS.ATTRIBUTES_MAX) {
    throw invalid(`${fn}: give ${allowEmpty ? 0 : 1}-${LIMITS.ATTRIBUTES_MAX} attributes`);
  }
  let total = 0;
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    attributeKey(fn, k);
    if (typeof v !== 'string' || utf8Length(v) > LIMITS.ATTRIBUTE_VALUE_MAX_BYTES) {
      throw invalid(`${fn}: the value of ${k} must be a string of at most ${LIMITS.ATTRIBUTE_VALUE_MAX_BYTES} bytes`);
    }
    total += utf8Length(k) + utf8Length(v);
    out[k] = v;
  }
  if (total > LIMITS.ATTRIBUTES_TOTAL_MAX_BYTES) {
    throw invalid(`${fn}: attributes of ${total} bytes; at most ${LIMITS.ATTRIBUTES_TOTAL_MAX_BYTES} in all`);
  }
  return out;
}

/** `getGroupAttributes`' `keyList`: only those keys (all when empty). */
export function pick(attributes: Record<string, string>, keys: string[] | undefined): Record<string, string> {
  if (!keys) return { ...attributes };
  const out: Record<string, string> = {};
  for (const k of keys) if (k in attributes) out[k] = attributes[k];
  return out;
}
