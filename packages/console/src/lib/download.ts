// CSV exports: the server streams them (with the operator's session), the browser saves the file.
import { currentLocale } from '../i18n/index.tsx';
import { ApiError } from './api.ts';
import { session } from './session.ts';

/** Fetches `path` (an /export route with its query) and saves it as `filename`. */
export async function downloadCsv(path: string, filename: string): Promise<void> {
  const { token, appId } = session.get();
  const headers: Record<string, string> = { 'accept-language': currentLocale() };
  if (token) headers.authorization = `Bearer ${token}`;
  if (appId) headers['x-canyu-app'] = appId;
  const r = await fetch(path, { headers });
  if (!r.ok) {
    const body = (await r.json().catch(() => ({}))) as { error?: { code?: string; message?: string; details?: unknown } };
    if (r.status === 401) session.clear(true);
    throw new ApiError(r.status, body.error?.code ?? `http_${r.status}`, body.error?.message ?? r.statusText, body.error?.details ?? null);
  }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
