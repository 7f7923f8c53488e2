// SQL of ms_settings, ms_cap_rules, ms_templates and ms_user_prefs.
import { randomBytes } from 'node:crypto';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { capRules, settings, templates, userPrefs } from '../schema.ts';

export type SettingsRow = typeof settings.$inferSelect;
export type CapRuleRow = typeof capRules.$inferSelect;
export type TemplateRow = typeof templates.$inferSelect;
export type UserPrefsRow = typeof userPrefs.$inferSelect;

/** The app's settings, created with a fresh signing secret on first use. */
export async function getSettings(db: Db, appId: string): Promise<SettingsRow> {
  const [found] = await db.select().from(settings).where(eq(settings.appId, appId));
  if (found) return found;
  await db
    .insert(settings)
    .values({ appId, signingSecret: randomBytes(32).toString('base64url') })
    .onConflictDoNothing();
  const [row] = await db.select().from(settings).where(eq(settings.appId, appId));
  return row!;
}

export async function updateSettings(db: Db, appId: string, patch: Partial<Pick<SettingsRow, 'defaultLocale' | 'defaultTimezone' | 'quietStart' | 'quietEnd' | 'quietChannels' | 'email'>>): Promise<SettingsRow> {
  await getSettings(db, appId);
  const [row] = await db
    .update(settings)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(settings.appId, appId))
    .returning();
  return row!;
}

/** Apps whose SMTP relay URL is not sealed under the current master key (`currentPrefix`). */
export async function unsealedRelayUrls(db: Db, currentPrefix: string): Promise<{ appId: string; smtpUrl: string }[]> {
  const url = sql<string>`${settings.email}->>'smtpUrl'`;
  return db
    .select({ appId: settings.appId, smtpUrl: url })
    .from(settings)
    .where(sql`${url} is not null and left(${url}, ${currentPrefix.length}) <> ${currentPrefix}`);
}

/** Compare-and-set of one app's stored relay URL; false when it changed since it was read. */
export async function replaceRelayUrl(db: Db, appId: string, expected: string, next: string): Promise<boolean> {
  const r = await db
    .update(settings)
    .set({ email: sql`jsonb_set(${settings.email}, '{smtpUrl}', to_jsonb(${next}::text))` })
    .where(and(eq(settings.appId, appId), sql`${settings.email}->>'smtpUrl' = ${expected}`))
    .returning({ appId: settings.appId });
  return r.length > 0;
}

export async function findSettingsSecret(db: Db, appId: string): Promise<string | undefined> {
  const [r] = await db.select({ s: settings.signingSecret }).from(settings).where(eq(settings.appId, appId));
  return r?.s;
}

// ---- caps ---------------------------------------------------------------------------------------

export async function listCapRules(db: Db, appId: string): Promise<CapRuleRow[]> {
  return db.select().from(capRules).where(eq(capRules.appId, appId)).orderBy(asc(capRules.id));
}

export async function insertCapRule(db: Db, row: typeof capRules.$inferInsert): Promise<CapRuleRow> {
  const [r] = await db.insert(capRules).values(row).returning();
  return r!;
}

export async function deleteCapRule(db: Db, appId: string, id: string): Promise<boolean> {
  const r = await db
    .delete(capRules)
    .where(and(eq(capRules.appId, appId), eq(capRules.id, id)))
    .returning({ id: capRules.id });
  return r.length > 0;
}

// ---- templates ----------------------------------------------------------------------------------

export async function findTemplate(db: Db, appId: string, key: string): Promise<TemplateRow | undefined> {
  const [r] = await db
    .select()
    .from(templates)
    .where(and(eq(templates.appId, appId), eq(templates.key, key)));
  return r;
}

export async function insertTemplate(db: Db, row: typeof templates.$inferInsert): Promise<TemplateRow | undefined> {
  const [r] = await db.insert(templates).values(row).onConflictDoNothing().returning();
  return r;
}

export async function updateTemplate(db: Db, appId: string, key: string, patch: Partial<typeof templates.$inferInsert>): Promise<TemplateRow | undefined> {
  const [r] = await db
    .update(templates)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(templates.appId, appId), eq(templates.key, key)))
    .returning();
  return r;
}

export async function deleteTemplate(db: Db, appId: string, key: string): Promise<boolean> {
  const r = await db
    .delete(templates)
    .where(and(eq(templates.appId, appId), eq(templates.key, key)))
    .returning({ key: templates.key });
  return r.length > 0;
}

export async function listTemplates(db: Db, appId: string, q: { limit: number; afterKey?: string | undefined; category?: string | undefined }): Promise<TemplateRow[]> {
  const conds = [eq(templates.appId, appId)];
  if (q.afterKey !== undefined) conds.push(gt(templates.key, q.afterKey));
  if (q.category !== undefined) conds.push(eq(templates.category, q.category));
  return db
    .select()
    .from(templates)
    .where(and(...conds))
    .orderBy(asc(templates.key))
    .limit(q.limit);
}

// ---- user preferences -----------------------------------------------------------------------------

export async function findPrefs(db: Db, appId: string, userIds: string[]): Promise<UserPrefsRow[]> {
  if (userIds.length === 0) return [];
  return db
    .select()
    .from(userPrefs)
    .where(and(eq(userPrefs.appId, appId), sql`${userPrefs.userId} = any(${sql.param(userIds)}::text[])`));
}

export async function upsertPrefs(db: Db, appId: string, userId: string, patch: { disabled?: string[] | undefined; quietStart?: number | null | undefined; quietEnd?: number | null | undefined }): Promise<UserPrefsRow> {
  const values = { appId, userId, disabled: patch.disabled ?? [], quietStart: patch.quietStart ?? null, quietEnd: patch.quietEnd ?? null };
  const set: Record<string, unknown> = { updatedAt: sql`now()` };
  if (patch.disabled !== undefined) set.disabled = patch.disabled;
  if (patch.quietStart !== undefined) set.quietStart = patch.quietStart;
  if (patch.quietEnd !== undefined) set.quietEnd = patch.quietEnd;
  const [r] = await db
    .insert(userPrefs)
    .values(values)
    .onConflictDoUpdate({ target: [userPrefs.appId, userPrefs.userId], set })
    .returning();
  return r!;
}

/** Adds one opt-out atomically (unsubscribe links). */
export async function addOptOut(db: Db, appId: string, userId: string, entry: string): Promise<void> {
  await db
    .insert(userPrefs)
    .values({ appId, userId, disabled: [entry] })
    .onConflictDoUpdate({
      target: [userPrefs.appId, userPrefs.userId],
      set: { disabled: sql`case when ${entry} = any(${userPrefs.disabled}) then ${userPrefs.disabled} else array_append(${userPrefs.disabled}, ${entry}) end`, updatedAt: sql`now()` },
    });
}

export async function deleteUserPrefs(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(userPrefs).where(and(eq(userPrefs.appId, appId), eq(userPrefs.userId, userId)));
}

/** Erases everything messaging holds for an app (app deletion). */
export async function deleteAppData(db: Db, appId: string): Promise<void> {
  for (const t of ['ms_deliveries', 'ms_messages', 'ms_announcement_states', 'ms_announcements', 'ms_sends', 'ms_digests', 'ms_rules', 'ms_user_prefs', 'ms_budget_counters', 'ms_contact_log', 'ms_cap_rules', 'ms_templates', 'ms_settings']) {
    await db.execute(sql`delete from ${sql.identifier(t)} where app_id = ${appId}`);
  }
}
