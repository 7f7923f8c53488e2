// Types of scripts/build.js (plain JavaScript so that bin/canyu.js runs it without tsx).
export const distDir: string;
export const distEntry: string;
export function hasSources(): boolean;
export function staleReason(): string | null;
export function build(): Promise<{ ms: number }>;
export function ensureBuilt(log?: (msg: string) => void): Promise<void>;
