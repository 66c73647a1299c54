/**
 * A room's group counters and attributes as this instance last saw them:
 * turns the server's `counters` and `attributes` events (the whole state,
 * outside the room's sequence) into TIM's per-change events, and checks
 * the arguments of the counter and attribute calls before anything is sent.
 */
import type { WireEvent } from './wire.js';
export declare class GroupState {
    private readonly counters;
    private countersTime;
    private attributesVersion;
    /** The attribute map's version this instance knows (`undefined` until one was seen). */
    get version(): number | undefined;
    /** A `counters` event: the counters whose value changed since the last one (older events are ignored). */
    countersChanged(ev: WireEvent): [string, number][];
    /** A counter value from a reply (so the next event reports only later changes). */
    noteCounters(values: Record<string, number>): void;
    /** An `attributes` event or reply: the map when it is newer than the one known, else null. */
    attributesChanged(version: number | undefined, attributes: Record<string, string> | undefined): Record<string, string> | null;
}
export declare function counterKey(fn: string, key: unknown): string;
export declare function counterValue(fn: string, value: unknown, field?: string, nonNegative?: boolean): number;
export declare function counterMap(fn: string, counters: unknown): Record<string, number>;
export declare function keyList(fn: string, list: unknown, check: (fn: string, key: unknown) => string): string[] | undefined;
export declare function attributeKey(fn: string, key: unknown): string;
export declare function attributeMap(fn: string, attributes: unknown, allowEmpty: boolean): Record<string, string>;
/** `getGroupAttributes`' `keyList`: only those keys (all when empty). */
export declare function pick(attributes: Record<string, string>, keys: string[] | undefined): Record<string, string>;
