// Types of scripts/build.js (plain JavaScript so that bin/canyu.js runs it without tsx).
export const distDir: string;
export const distEntry: string;
export function hasSources(): boolean;
export function staleReason(): string | null;
export function build(): Promise<{ ms: number }>;
export function ensureBuilt(log?: (msg: string) => void): Promise<void>;
export const consoleDistDir: string;
export function hasConsoleSources(): boolean;
export function consoleStaleReason(): string | null;
export function buildConsole(log?: (msg: string) => void): Promise<{ ms: number; skipped: boolean }>;
export const widgetsDistDir: string;
export const WIDGET_ENTRIES: Record<string, string>;
export function hasWidgetsSources(): boolean;
export function widgetsStaleReason(): string | null;
export function buildWidgets(): Promise<{ ms: number }>;
