// The operator's session: the token from POST /v1/auth/login, kept in localStorage and sent as
// "Authorization: Bearer ops_…" (a header, never a cookie: no CSRF), plus the app in use (sent as
// X-Canyu-App). Any 401 from the API ends the session and the router shows the sign-in page.
const TOKEN = 'canyu.console.token';
const APP = 'canyu.console.app';

type Listener = () => void;
const listeners = new Set<Listener>();

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Private mode without storage: the session lives in memory only.
  }
}

let state = { token: read(TOKEN), appId: read(APP), expired: false };

export const session = {
  get: () => state,
  subscribe(fn: Listener): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
  signIn(token: string): void {
    write(TOKEN, token);
    state = { ...state, token, expired: false };
    listeners.forEach((l) => l());
  },
  setApp(appId: string | null): void {
    write(APP, appId);
    state = { ...state, appId };
    listeners.forEach((l) => l());
  },
  /** Signed out (expired = the server refused the token, so the sign-in page says why). */
  clear(expired = false): void {
    write(TOKEN, null);
    state = { ...state, token: null, expired };
    listeners.forEach((l) => l());
  },
};
