/** Console logging with TIM's levels: 0 debug, 1 info (default), 2 warn, 3 error, 4 none. */
export declare class Logger {
    level: number;
    debug(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
}
