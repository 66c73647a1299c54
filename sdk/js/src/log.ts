/** Console logging with TIM's levels: 0 debug, 1 info (default), 2 warn, 3 error, 4 none. */

export class Logger {
  level = 1;

  debug(...args: unknown[]): void {
    if (this.level <= 0) console.debug('[roomcast]', ...args);
  }

  info(...args: unknown[]): void {
    if (this.level <= 1) console.info('[roomcast]', ...args);
  }

  warn(...args: unknown[]): void {
    if (this.level <= 2) console.warn('[roomcast]', ...args);
  }

  error(...args: unknown[]): void {
    if (this.level <= 3) console.error('[roomcast]', ...args);
  }
}
