/**
 * Argument checks made before anything is sent. They raise the code the
 * server would answer for the same mistake, so an app handles one set of
 * codes whichever side noticed.
 */
import { type Priority } from './constants.js';
export declare function options(fn: string, v: unknown): Record<string, any>;
export declare function groupID(fn: string, id: unknown): string;
export declare function userID(fn: string, id: unknown, field?: string): string;
export declare function userIDList(fn: string, list: unknown, max: number): string[];
export declare function userSig(fn: string, sig: unknown): string;
export declare function priority(fn: string, p: unknown): Priority;
export declare function conversationType(fn: string, t: unknown): void;
export declare function optionalString(fn: string, field: string, v: unknown, maxBytes?: number): string | undefined;
export declare function nonNegativeInteger(fn: string, field: string, v: unknown): number;
export declare function textPayload(fn: string, payload: unknown): {
    text: string;
};
export declare function customPayload(fn: string, payload: unknown): {
    data: string;
    description: string;
    extension: string;
};
export declare function facePayload(fn: string, payload: unknown): {
    index: number;
    data: string;
};
