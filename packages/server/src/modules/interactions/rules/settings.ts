// Settings merge: stored overrides on top of the defaults, and a PATCH on top of the stored ones.
// Nested objects merge key by key; arrays, `triple.by_kind` and nullable rules are replaced whole.
import type { Settings, SettingsPatchInput, TripleAction } from '../types.ts';

const defined = <T extends object>(o: T | undefined): Partial<T> => (o ? (Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>) : {});

export function mergeSettings(base: Settings, patch: SettingsPatchInput): Settings {
  const p = defined(patch);
  return {
    kinds: p.kinds ?? base.kinds,
    auto_create_subjects: p.auto_create_subjects ?? base.auto_create_subjects,
    timezone: p.timezone ?? base.timezone,
    triple: { ...base.triple, ...defined(p.triple) },
    coins: { ...base.coins, ...defined(p.coins) },
    hot: { weights: { ...base.hot.weights, ...defined(p.hot?.weights) }, decay_hours: p.hot?.decay_hours ?? base.hot.decay_hours },
    comments: { ...base.comments, ...defined(p.comments) },
    moderation: { ...base.moderation, ...defined(p.moderation) },
  };
}

export function tripleActions(s: Settings, kind: string): TripleAction[] {
  return s.triple.by_kind[kind] ?? s.triple.default;
}
