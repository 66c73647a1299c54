/** TIM-style events: handlers get `{ name, data }`, optionally bound to a context. */

import type { Logger } from './log.js';

export interface TIMEvent<T = unknown> {
  name: string;
  data: T;
}

export type Handler = (event: TIMEvent<any>) => void;

interface Listener {
  handler: Handler;
  context: unknown;
}

export class Emitter {
  private readonly listeners = new Map<string, Listener[]>();

  constructor(private readonly log: Logger) {}

  on(name: string, handler: Handler, context?: unknown): void {
    if (typeof handler !== 'function') throw new TypeError('on: handler must be a function');
    const list = this.listeners.get(name) ?? [];
    list.push({ handler, context });
    this.listeners.set(name, list);
  }

  off(name: string, handler: Handler, context?: unknown): void {
    const list = this.listeners.get(name);
    if (!list) return;
    const i = list.findIndex((l) => l.handler === handler && (context === undefined || l.context === context));
    if (i >= 0) list.splice(i, 1);
  }

  emit<T>(name: string, data: T): void {
    const list = this.listeners.get(name);
    if (!list || list.length === 0) return;
    for (const l of [...list]) {
      try {
        l.handler.call(l.context, { name, data });
      } catch (e) {
        this.log.error(`a ${name} handler threw`, e);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
