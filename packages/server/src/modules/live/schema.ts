// Tables of live rooms (prefix lv_).
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const rooms = pgTable(
  'lv_rooms',
  {
    appId: text('app_id').notNull(),
    id: text('id').notNull(),
    title: text('title').notNull(),
    status: text('status').notNull().default('open'),
    /** Per user: at most chat_max messages per chat_window_s seconds. */
    chatMax: integer('chat_max').notNull(),
    chatWindowS: integer('chat_window_s').notNull(),
    likes: bigint('likes', { mode: 'number' }).notNull().default(0),
    messages: integer('messages').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
    closedAt: ts('closed_at'),
  },
  (t) => [primaryKey({ columns: [t.appId, t.id] })],
);

export const messages = pgTable(
  'lv_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    roomId: text('room_id').notNull(),
    userId: text('user_id').notNull(),
    text: text('text').notNull(),
    masked: boolean('masked').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('lv_messages_room').on(t.appId, t.roomId, t.id)],
);

/** Live polls and lotteries started in a room: votes and draws on `ref` are pushed to the room. */
export const interactions = pgTable(
  'lv_interactions',
  {
    appId: text('app_id').notNull(),
    id: text('id').notNull(),
    roomId: text('room_id').notNull(),
    /** 'poll' | 'lottery' */
    kind: text('kind').notNull(),
    /** The poll id (polls module) or lottery id (gamification module). */
    ref: text('ref').notNull(),
    title: text('title'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.id] }), index('lv_interactions_ref').on(t.appId, t.kind, t.ref), index('lv_interactions_room').on(t.appId, t.roomId)],
);
