// Who is signed in and in which app: GET /v1/auth/me (the operator and their apps with roles).
import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useSyncExternalStore } from 'react';
import { api, ok, type Schemas } from './api.ts';
import { session } from './session.ts';

export function useSession() {
  return useSyncExternalStore(session.subscribe, session.get);
}

export type Me = { operator: Schemas['Operator']; apps: { id: string; name: string; role: string }[] };

export function useMe(enabled: boolean) {
  return useQuery({ queryKey: ['me'], enabled, queryFn: () => ok(api.GET('/v1/auth/me')) as Promise<Me> });
}

export type Current = { me: Me; appId: string | null; role: string | null };
export const CurrentCtx = createContext<Current | null>(null);

export function useCurrent(): Current {
  const c = useContext(CurrentCtx);
  if (!c) throw new Error('useCurrent outside the signed-in layout');
  return c;
}
