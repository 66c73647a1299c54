/** TIM-style events: handlers get `{ name, data }`, optionally bound to a context. */
import type { Logger } from './log.js';
export interface TIMEvent<T = unknown> {
    name: string;
    data: T;
}
export type Handler = (event: TIMEvent<any>) => void;
export declare class Emitter {
    private readonly log;
    private readonly listeners;
    constructor(log: Logger);
    on(name: string, handler: Handler, context?: unknown): void;
    off(name: string, handler: Handler, context?: unknown): void;
    emit<T>(name: string, data: T): void;
    clear(): void;
}
