// The points ledger on a real database: idempotent earns and spends (also under real races),
// lots and expiry with a fake clock, operator adjustments, refunds, earn rules with caps, the
// history API and bad input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../http/errors.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

const DAY = 86_400_000;
let offsetMs = 0;
/** Real time plus an offset the tests move; `frozen` stops it for exact expiry arithmetic. */
let frozen: number | null = null;
const clock = { now: () => new Date((frozen ?? Date.now()) + offsetMs) };

let t: TestApp;
let A: Tenant;
before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant();
  for (const [key, expiry] of [
    ['points', { kind: 'never' }],
    ['growth', { kind: 'never' }],
    ['coins', { kind: 'days', days: 10 }],
  ] as const) {
    const r = await t.inject({ method: 'PUT', url: `/v1/points/types/${key}`, headers: bearer(A.secretKey), payload: { name: key, expiry } });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(() => t.close());

const sk = () => bearer(A.secretKey);
const svc = () => t.services.points;
const sys = () => t.systemCtx();
const earnReq = (userId: string, body: Record<string, unknown>) => t.inject({ method: 'POST', url: `/v1/users/${encodeURIComponent(userId)}/points/earn`, headers: sk(), payload: body });
const spendReq = (userId: string, body: Record<string, unknown>) => t.inject({ method: 'POST', url: `/v1/users/${encodeURIComponent(userId)}/points/spend`, headers: sk(), payload: body });
const balanceOf = async (userId: string, type = 'points') => (await svc().balance(sys(), A.appId, userId, type)).balance;

/** balance = sum(entries) = sum(lots.remaining) >= 0 for every user and type of the app. */
async function assertLedgerConsistent(appId = A.appId) {
  const rows = await svc().reconcile(sys(), appId);
  for (const r of rows) {
    assert.ok(r.balance >= 0, `${r.userId}/${r.type} negative`);
    assert.equal(r.entries, r.balance, `${r.userId}/${r.type}: entries sum ${r.entries} vs balance ${r.balance}`);
    assert.equal(r.lots, r.balance, `${r.userId}/${r.type}: lots sum ${r.lots} vs balance ${r.balance}`);
  }
}

describe('point types', () => {
  it('defines, updates and lists types; rejects bad keys and policies by field', async () => {
    const up = await t.inject({ method: 'PUT', url: '/v1/points/types/points', headers: sk(), payload: { name: '积分 Points', expiry: { kind: 'never' } } });
    assert.equal(up.statusCode, 200, up.body);
    assert.equal(up.json().name, '积分 Points');
    const list = await t.inject({ method: 'GET', url: '/v1/points/types', headers: sk() });
    assert.deepEqual(list.json().data.map((x: { key: string }) => x.key), ['coins', 'growth', 'points']);
    findIssue(expectError(await t.inject({ method: 'PUT', url: '/v1/points/types/Bad-Key', headers: sk(), payload: { name: 'x' } }), 400, 'validation_failed'), 'params.type');
    findIssue(expectError(await t.inject({ method: 'PUT', url: '/v1/points/types/x', headers: sk(), payload: { name: 'x', expiry: { kind: 'days', days: 0 } } }), 400, 'validation_failed'), 'body.expiry.days');
    findIssue(expectError(await t.inject({ method: 'PUT', url: '/v1/points/types/x', headers: sk(), payload: { name: 'x', expiry: { kind: 'end_of_year', timezone: 'Mars/Base' } } }), 400, 'validation_failed'), 'body.expiry.timezone');
  });
});

describe('earn and spend over HTTP', () => {
  it('credits once per idempotency key; a replay returns the original; another change under the key is refused', async () => {
    const first = await earnReq('alice', { type: 'points', amount: 100, idempotency_key: 'order-1', reason: 'Order #1', source: { type: 'order', id: '1' } });
    assert.equal(first.statusCode, 201, first.body);
    const e = first.json();
    assert.equal(e.amount, 100);
    assert.equal(e.balance_after, 100);
    assert.equal(e.replayed, false);
    assert.deepEqual(e.source, { type: 'order', id: '1' });
    const replay = await earnReq('alice', { type: 'points', amount: 100, idempotency_key: 'order-1', reason: 'Order #1', source: { type: 'order', id: '1' } });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().id, e.id);
    assert.equal(replay.json().replayed, true);
    const other = expectError(await earnReq('alice', { type: 'points', amount: 999, idempotency_key: 'order-1' }), 409, 'points.idempotency_conflict');
    assert.equal(other.details?.entry_id, e.id);
    expectError(await earnReq('bob', { type: 'points', amount: 100, idempotency_key: 'order-1' }), 409, 'points.idempotency_conflict');
    assert.equal(await balanceOf('alice'), 100);
  });

  it('refuses overspending with points.insufficient_balance and changes nothing', async () => {
    await earnReq('carol', { type: 'points', amount: 50, idempotency_key: 'c-1' });
    const err = expectError(await spendReq('carol', { type: 'points', amount: 51, idempotency_key: 'c-s1' }), 409, 'points.insufficient_balance');
    assert.equal(err.details?.balance, 50);
    assert.equal(err.details?.requested, 51);
    expectError(await spendReq('nobody', { type: 'points', amount: 1, idempotency_key: 'n-s1' }), 409, 'points.insufficient_balance');
    const ok = await spendReq('carol', { type: 'points', amount: 50, idempotency_key: 'c-s2' });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().balance_after, 0);
    assert.equal(await balanceOf('carol'), 0);
  });

  it('bad input: unknown type, negative, zero, fractional and missing amounts name the field', async () => {
    const unknown = expectError(await earnReq('alice', { type: 'diamonds', amount: 1, idempotency_key: 'x-1' }), 404, 'points.unknown_type');
    assert.equal(unknown.details?.field, 'body.type');
    for (const amount of [-5, 0, 1.5, '10', 2_000_000_000]) {
      findIssue(expectError(await earnReq('alice', { type: 'points', amount, idempotency_key: 'x-2' }), 400, 'validation_failed'), 'body.amount');
      findIssue(expectError(await spendReq('alice', { type: 'points', amount, idempotency_key: 'x-3' }), 400, 'validation_failed'), 'body.amount');
    }
    findIssue(expectError(await earnReq('alice', { type: 'points', amount: 1 }), 400, 'validation_failed'), 'body.idempotency_key');
    const past = new Date(clock.now().getTime() - 1000).toISOString();
    findIssue(expectError(await earnReq('alice', { type: 'points', amount: 1, idempotency_key: 'x-past', expires_at: past }), 400, 'validation_failed'), 'body.expires_at');
    findIssue(expectError(await earnReq('alice', { type: 'points', amount: 1, idempotency_key: 'has space' }), 400, 'validation_failed'), 'body.idempotency_key');
    expectError(await t.inject({ method: 'GET', url: '/v1/users/alice/points/diamonds', headers: sk() }), 404, 'points.unknown_type');
  });

  it('users read their own balance and history with a user token, never earn or read others', async () => {
    const token = await t.userToken(A, 'alice');
    const h = { ...bearer(A.publishableKey), 'x-user-token': token };
    const b = await t.inject({ method: 'GET', url: '/v1/users/alice/points/points', headers: h });
    assert.equal(b.statusCode, 200, b.body);
    assert.equal(b.json().balance, 100);
    const hist = await t.inject({ method: 'GET', url: '/v1/users/alice/points/points/entries', headers: h });
    assert.equal(hist.json().data[0].reason, 'Order #1');
    expectError(await t.inject({ method: 'GET', url: '/v1/users/bob/points/points', headers: h }), 403, 'auth.wrong_user');
    expectError(await t.inject({ method: 'POST', url: '/v1/users/alice/points/earn', headers: h, payload: { type: 'points', amount: 1, idempotency_key: 'self' } }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: '/v1/points/entries', headers: h }), 403, 'auth.forbidden');
  });
});

describe('races', () => {
  it('200 concurrent replays of one earn write one entry', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => svc().earn(sys(), A.appId, { userId: 'racer-1', type: 'points', amount: 7, key: 'race-earn-1' })));
    assert.equal(new Set(results.map((r) => r.entry.id)).size, 1);
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    assert.equal(await balanceOf('racer-1'), 7);
  });

  it('100 concurrent HTTP replays of one earn → one 201, 99 × 200 with the same entry', async () => {
    const res = await Promise.all(Array.from({ length: 100 }, () => earnReq('racer-2', { type: 'points', amount: 3, idempotency_key: 'race-earn-http' })));
    const codes = res.map((r) => r.statusCode).sort();
    assert.equal(codes.filter((c) => c === 201).length, 1, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === 200).length, 99);
    assert.equal(new Set(res.map((r) => r.json().id)).size, 1);
    assert.equal(await balanceOf('racer-2'), 3);
  });

  it('50 keys each replayed 6 times concurrently → 50 entries', async () => {
    const calls = Array.from({ length: 300 }, (_, i) => svc().earn(sys(), A.appId, { userId: 'racer-3', type: 'points', amount: 2, key: `mix-${i % 50}` }));
    const results = await Promise.all(calls);
    assert.equal(new Set(results.map((r) => r.entry.id)).size, 50);
    assert.equal(await balanceOf('racer-3'), 100);
  });

  it('300 concurrent spends of 7 from 1,000 never overdraw: exactly 142 succeed, balance 6', async () => {
    for (let i = 0; i < 10; i++) await svc().earn(sys(), A.appId, { userId: 'spender', type: 'points', amount: 100, key: `spender-lot-${i}` });
    const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => svc().spend(sys(), A.appId, { userId: 'spender', type: 'points', amount: 7, key: `spend-${i}` })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(ok.length, 142);
    for (const r of refused) assert.equal(((r as PromiseRejectedResult).reason as AppError).code, 'points.insufficient_balance');
    assert.equal(await balanceOf('spender'), 6);
    await assertLedgerConsistent();
  });

  it('concurrent spends with one key debit once; concurrent earns and spends on one user stay consistent', async () => {
    await svc().earn(sys(), A.appId, { userId: 'dup-spender', type: 'points', amount: 100, key: 'dup-spender-lot' });
    const same = await Promise.all(Array.from({ length: 100 }, () => svc().spend(sys(), A.appId, { userId: 'dup-spender', type: 'points', amount: 10, key: 'one-spend' })));
    assert.equal(new Set(same.map((r) => r.entry.id)).size, 1);
    assert.equal(await balanceOf('dup-spender'), 90);
    const mixed = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0 ? svc().earn(sys(), A.appId, { userId: 'dup-spender', type: 'points', amount: 5, key: `mixed-e-${i}` }) : svc().spend(sys(), A.appId, { userId: 'dup-spender', type: 'points', amount: 9, key: `mixed-s-${i}` }),
      ),
    );
    const spent = mixed.filter((r, i) => i % 2 === 1 && r.status === 'fulfilled').length;
    assert.equal(await balanceOf('dup-spender'), 90 + 100 * 5 - spent * 9);
    await assertLedgerConsistent();
  });
});

describe('lots and expiry (fake clock)', () => {
  it('spends the oldest lots first, expires the rest with ledger entries, shows what expires when', async () => {
    const u = 'expiring-user';
    frozen = Date.now();
    const t0 = clock.now().getTime();
    const e1 = await svc().earn(sys(), A.appId, { userId: u, type: 'coins', amount: 100, key: 'exp-1' });
    assert.equal(e1.entry.expiresAt!.getTime(), t0 + 10 * DAY, 'days policy: 10 days after earning');
    offsetMs += 5 * DAY;
    const e2 = await svc().earn(sys(), A.appId, { userId: u, type: 'coins', amount: 50, key: 'exp-2' });
    const s = await svc().spend(sys(), A.appId, { userId: u, type: 'coins', amount: 30, key: 'exp-s1' });
    assert.equal(s.entry.lots!.length, 1, 'the older lot covers the spend');
    assert.equal(Number(s.entry.lots![0]![1]), 30);
    const view = await svc().balance(sys(), A.appId, u, 'coins');
    assert.deepEqual(
      view.expiring.map((x) => [x.expiresAt.getTime(), x.amount]),
      [
        [e1.entry.expiresAt!.getTime(), 70],
        [e2.entry.expiresAt!.getTime(), 50],
      ],
    );
    offsetMs += 6 * DAY; // the first lot is now due
    const job = await svc().expireDue(sys());
    assert.ok(job.points >= 70);
    const after1 = await svc().balance(sys(), A.appId, u, 'coins');
    assert.equal(after1.balance, 50);
    assert.equal(after1.expired, 70);
    assert.deepEqual(after1.expiring.map((x) => x.amount), [50]);
    const hist = await svc().history(sys(), A.appId, { limit: 10, userId: u, type: 'coins' });
    assert.equal(hist[0]!.kind, 'expire');
    assert.equal(hist[0]!.amount, -70);
    assert.equal(hist[0]!.balanceAfter, 50);
    assert.equal(hist[0]!.sourceType, 'lot');
    assert.equal((await svc().expireDue(sys())).points, 0, 'a second run finds nothing');
    // Due but not yet swept: a spend expires first, so it cannot use expired points.
    offsetMs += 10 * DAY;
    await assert.rejects(svc().spend(sys(), A.appId, { userId: u, type: 'coins', amount: 1, key: 'exp-s2' }), (e: AppError) => e.code === 'points.insufficient_balance');
    // The failed spend rolled back; a read expires the due lot itself.
    const final = await svc().balance(sys(), A.appId, u, 'coins');
    assert.equal(final.balance, 0);
    assert.equal(final.expired, 120);
    await assertLedgerConsistent();
    frozen = null;
  });

  it('explicit expiry overrides the type policy; end-of-next-year lands on the local new year', async () => {
    const at = new Date(clock.now().getTime() + 3 * DAY);
    const r = await svc().earn(sys(), A.appId, { userId: 'override', type: 'points', amount: 5, key: 'ovr-1', expiresAt: at });
    assert.equal(r.entry.expiresAt!.getTime(), at.getTime());
    const put = await t.inject({ method: 'PUT', url: '/v1/points/types/stars', headers: sk(), payload: { name: 'Stars', expiry: { kind: 'end_of_year', years_after: 1, timezone: 'Asia/Shanghai' } } });
    assert.equal(put.statusCode, 201, put.body);
    const s = await svc().earn(sys(), A.appId, { userId: 'override', type: 'stars', amount: 5, key: 'stars-1' });
    const y = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(clock.now()));
    assert.equal(s.entry.expiresAt!.toISOString(), `${y + 1}-12-31T16:00:00.000Z`, 'midnight of Jan 1 in Shanghai, two years on');
  });

  it('runs as a durable job on pg-boss', async () => {
    const { createJobs } = await import('../../jobs.ts');
    const { buildApp } = await import('../../app.ts');
    const jobs = createJobs({ pool: t.database.pool, log: { error: () => {}, info: () => {} }, fast: true });
    const built = await buildApp({ config: t.config, database: t.database, logger: false, clock, jobs });
    await built.app.ready();
    await jobs.start();
    try {
      await svc().earn(sys(), A.appId, { userId: 'job-user', type: 'coins', amount: 9, key: 'job-1' });
      offsetMs += 11 * DAY;
      await jobs.send('canyu.points.expire', {});
      const deadline = Date.now() + 20_000;
      while ((await svc().reconcile(sys(), A.appId)).find((r) => r.userId === 'job-user')?.balance !== 0) {
        assert.ok(Date.now() < deadline, 'the job expired the lot');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await jobs.stop();
      await built.app.close();
    }
  });
});

describe('operator adjustments and refunds', () => {
  it('an admin adjusts with a reason, audited; an operator role may not; never below zero', async () => {
    const admin = await t.newOperator(A.appId, 'admin');
    const op = await t.newOperator(A.appId, 'operator');
    const h = (tok: string) => ({ ...bearer(tok), 'x-canyu-app': A.appId });
    const up = await t.inject({ method: 'POST', url: '/v1/users/adj/points/adjust', headers: h(admin.token), payload: { type: 'points', amount: 40, reason: '客服补偿 compensation', idempotency_key: 'adj-1' } });
    assert.equal(up.statusCode, 201, up.body);
    assert.equal(up.json().kind, 'adjust');
    assert.deepEqual(up.json().actor, { type: 'operator', id: admin.operatorId });
    const down = await t.inject({ method: 'POST', url: '/v1/users/adj/points/adjust', headers: h(admin.token), payload: { type: 'points', amount: -15, reason: 'fraud', idempotency_key: 'adj-2' } });
    assert.equal(down.json().balance_after, 25);
    expectError(await t.inject({ method: 'POST', url: '/v1/users/adj/points/adjust', headers: h(admin.token), payload: { type: 'points', amount: -26, reason: 'too much', idempotency_key: 'adj-3' } }), 409, 'points.insufficient_balance');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/users/adj/points/adjust', headers: h(admin.token), payload: { type: 'points', amount: 5, idempotency_key: 'adj-4' } }), 400, 'validation_failed'), 'body.reason');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/users/adj/points/adjust', headers: h(admin.token), payload: { type: 'points', amount: 0, reason: 'x', idempotency_key: 'adj-5' } }), 400, 'validation_failed'), 'body.amount');
    expectError(await t.inject({ method: 'POST', url: '/v1/users/adj/points/adjust', headers: h(op.token), payload: { type: 'points', amount: 5, reason: 'x', idempotency_key: 'adj-6' } }), 403, 'auth.forbidden');
    const audit = await t.inject({ method: 'GET', url: `/v1/apps/${A.appId}/audit-log?action=points.adjust`, headers: h(admin.token) });
    assert.equal(audit.json().data.length, 2);
    assert.equal(audit.json().data[1].after.reason, '客服补偿 compensation');
  });

  it('a refund gives a spend back into lots with the original expiry, once', async () => {
    const u = 'refund-user';
    await svc().earn(sys(), A.appId, { userId: u, type: 'coins', amount: 20, key: 'rf-1' });
    const s = await svc().spend(sys(), A.appId, { userId: u, type: 'coins', amount: 12, key: 'rf-s' });
    const refunds = await Promise.all(Array.from({ length: 20 }, () => svc().refund(sys(), A.appId, { debitKey: 'rf-s', key: 'rf-back' })));
    assert.equal(new Set(refunds.map((r) => r.entry.id)).size, 1);
    assert.equal(refunds[0]!.entry.kind, 'refund');
    const view = await svc().balance(sys(), A.appId, u, 'coins');
    assert.equal(view.balance, 20);
    assert.deepEqual(view.expiring.map((x) => x.expiresAt.toISOString()), [s.entry.lots![0]![2] ? new Date(s.entry.lots![0]![2]).toISOString() : '']);
    await assert.rejects(svc().refund(sys(), A.appId, { debitKey: 'rf-1', key: 'rf-bad' }), (e: AppError) => e.code === 'points.not_refundable');
    await assert.rejects(svc().refund(sys(), A.appId, { debitKey: 'nope', key: 'rf-bad2' }), (e: AppError) => e.code === 'points.entry_not_found');
    await assertLedgerConsistent();
  });
});

describe('a debit is refunded at most once', () => {
  const refundReq = (body: Record<string, unknown>) => t.inject({ method: 'POST', url: '/v1/points/refunds', headers: sk(), payload: body });

  it('sequential refunds under new keys: one 201, then 409 points.already_refunded; the first key replays', async () => {
    const u = 'refund-seq';
    assert.equal((await earnReq(u, { type: 'points', amount: 100, idempotency_key: 'rs-earn' })).statusCode, 201);
    assert.equal((await spendReq(u, { type: 'points', amount: 40, idempotency_key: 'rs-spend' })).statusCode, 201);
    const first = await refundReq({ debit_idempotency_key: 'rs-spend', idempotency_key: 'rs-back-0' });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().amount, 40);
    assert.equal(first.json().refund_of, (await svc().history(sys(), A.appId, { limit: 1, userId: u, kind: 'spend' }))[0]!.id.toString());
    for (let i = 1; i < 5; i++) {
      const err = expectError(await refundReq({ debit_idempotency_key: 'rs-spend', idempotency_key: `rs-back-${i}` }), 409, 'points.already_refunded');
      assert.equal(err.details?.refund_entry_id, first.json().id);
      assert.equal(err.details?.field, 'body.debit_idempotency_key');
    }
    const replay = await refundReq({ debit_idempotency_key: 'rs-spend', idempotency_key: 'rs-back-0' });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().id, first.json().id);
    // The refund key cannot be reused for another debit either.
    await spendReq(u, { type: 'points', amount: 40, idempotency_key: 'rs-spend-2' });
    expectError(await refundReq({ debit_idempotency_key: 'rs-spend-2', idempotency_key: 'rs-back-0' }), 409, 'points.idempotency_conflict');
    const b = await svc().balance(sys(), A.appId, u, 'points');
    assert.deepEqual([b.balance, b.earned, b.spent], [60, 100, 40]);
    await assertLedgerConsistent();
  });

  it('8 concurrent refunds of one debit under different keys: exactly one succeeds', async () => {
    const u = 'refund-race';
    await svc().earn(sys(), A.appId, { userId: u, type: 'points', amount: 100, key: 'rr-earn' });
    await svc().spend(sys(), A.appId, { userId: u, type: 'points', amount: 40, key: 'rr-spend' });
    const res = await Promise.all(Array.from({ length: 8 }, (_, i) => refundReq({ debit_idempotency_key: 'rr-spend', idempotency_key: `rr-back-${i}` })));
    const codes = res.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 409, 409, 409, 409, 409, 409, 409], res.map((r) => r.body).join('\n'));
    for (const r of res.filter((x) => x.statusCode === 409)) assert.equal(r.json().error.code, 'points.already_refunded');
    // And through the service, racing with the HTTP path's winner already in place and each other.
    const more = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => svc().refund(sys(), A.appId, { debitKey: 'rr-spend', key: `rr-svc-${i}` })));
    assert.ok(more.every((r) => r.status === 'rejected' && (r.reason as AppError).code === 'points.already_refunded'));
    assert.equal(await balanceOf(u), 100);
    await assertLedgerConsistent();
  });
});

describe('earn rules', () => {
  const ingest = (events: { event_id: string; user_id: string; name: string; properties?: Record<string, unknown> }[]) => t.inject({ method: 'POST', url: '/v1/events', headers: sk(), payload: { events } });

  it('an ingested event grants points once per event id, clipped to the daily cap, reset the next day', async () => {
    const r = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Watch a video', event: 'video.watched', type: 'points', amount: 10, daily_cap: 25, timezone: 'Asia/Shanghai', conditions: { 'video.kind': 'long' } } });
    assert.equal(r.statusCode, 201, r.body);
    const rule = r.json();
    const u = 'watcher';
    for (let i = 0; i < 5; i++) assert.equal((await ingest([{ event_id: `w-${i}`, user_id: u, name: 'video.watched', properties: { video: { kind: 'long' } } }])).statusCode, 200);
    await ingest([{ event_id: 'w-short', user_id: u, name: 'video.watched', properties: { video: { kind: 'short' } } }]);
    await ingest([{ event_id: 'w-0', user_id: u, name: 'video.watched', properties: { video: { kind: 'long' } } }]); // a duplicate event id
    await t.services.bus.drain();
    assert.equal(await balanceOf(u), 25);
    const entries = await svc().history(sys(), A.appId, { limit: 10, userId: u, ruleId: rule.id });
    assert.deepEqual(entries.map((e) => e.amount).sort(), [10, 10, 5]);
    assert.equal(entries[0]!.reason, 'Watch a video');
    assert.equal(entries[0]!.sourceType, 'event');
    // Applying a granted occurrence again (a redelivery) grants nothing. (Handlers run
    // concurrently, so which three events were granted is not fixed.)
    const again = await svc().apply(sys(), A.appId, { userId: u, source: 'event', name: 'video.watched', sourceId: entries[0]!.sourceId!, properties: { video: { kind: 'long' } } });
    assert.deepEqual(again, [{ ruleId: rule.id, userId: u, granted: 0, reason: 'duplicate' }]);
    offsetMs += DAY;
    await ingest([{ event_id: 'w-next-day', user_id: u, name: 'video.watched', properties: { video: { kind: 'long' } } }]);
    await t.services.bus.drain();
    assert.equal(await balanceOf(u), 35);
  });

  it('conditions compare: a rule on orders of at least 100 in two channels fires only for those', async () => {
    const r = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Big order', event: 'order.paid', type: 'points', amount: 7, conditions: { amount: { gte: 100 }, channel: { in: ['app', 'mini'] }, coupon: { exists: false } } } });
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual(r.json().conditions, { amount: { gte: 100 }, channel: { in: ['app', 'mini'] }, coupon: { exists: false } });
    const u = 'big-spender';
    await ingest([
      { event_id: 'o-1', user_id: u, name: 'order.paid', properties: { amount: 100, channel: 'app' } },
      { event_id: 'o-2', user_id: u, name: 'order.paid', properties: { amount: 99.5, channel: 'app' } },
      { event_id: 'o-3', user_id: u, name: 'order.paid', properties: { amount: 300, channel: 'web' } },
      { event_id: 'o-4', user_id: u, name: 'order.paid', properties: { amount: '300', channel: 'mini' } },
      { event_id: 'o-5', user_id: u, name: 'order.paid', properties: { amount: 150, channel: 'mini', coupon: 'c1' } },
      { event_id: 'o-6', user_id: u, name: 'order.paid', properties: { amount: 150, channel: 'mini' } },
    ]);
    await t.services.bus.drain();
    assert.equal(await balanceOf(u), 14);
    const bad = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Bad', event: 'order.paid', type: 'points', amount: 1, conditions: { amount: { between: [1, 2] } } } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.body, /conditions/);
  });

  it('a rule chooses who earns: the author of a liked comment, or each user of a list', async () => {
    const r = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Liked comment', source: 'domain', event: 'comment.liked', user: 'commentAuthorId', type: 'points', amount: 3 } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().user, 'commentAuthorId');
    const c = await t.inject({ method: 'POST', url: '/v1/subjects/article/a-earn/comments', headers: sk(), payload: { user_id: 'writer', body: 'first' } });
    assert.equal(c.statusCode, 201, c.body);
    for (const fan of ['fan-1', 'fan-2', 'fan-1']) assert.equal((await t.inject({ method: 'PUT', url: `/v1/comments/${c.json().id}/like`, headers: sk(), payload: { user_id: fan } })).statusCode, 200);
    await t.services.bus.drain();
    assert.equal(await balanceOf('writer'), 6, 'two likes (a repeat like changes nothing)');
    assert.equal(await balanceOf('fan-1'), 0);

    const team = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Team won', event: 'team.won', user: 'members', type: 'points', amount: 5 } });
    assert.equal(team.statusCode, 201, team.body);
    await ingest([{ event_id: 'tw-1', user_id: 'captain', name: 'team.won', properties: { members: ['m1', 'm2', 'm2', 42, ''] } }]);
    await ingest([{ event_id: 'tw-1', user_id: 'captain', name: 'team.won', properties: { members: ['m1', 'm2'] } }]);
    await t.services.bus.drain();
    assert.deepEqual([await balanceOf('m1'), await balanceOf('m2'), await balanceOf('captain')], [5, 5, 0]);
    // Back to the acting user with PATCH.
    assert.equal((await t.inject({ method: 'PATCH', url: `/v1/points/rules/${team.json().id}`, headers: sk(), payload: { user: 'actor' } })).json().user, 'actor');
    await ingest([{ event_id: 'tw-2', user_id: 'captain', name: 'team.won', properties: { members: ['m1'] } }]);
    await t.services.bus.drain();
    assert.deepEqual([await balanceOf('m1'), await balanceOf('captain')], [5, 5]);
  });

  it('a total cap holds across users even under concurrency', async () => {
    const r = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Launch bonus', event: 'app.launched', type: 'growth', amount: 3, total_cap: 100 } });
    const rule = r.json();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => svc().apply(sys(), A.appId, { userId: `launcher-${i % 12}`, source: 'event', name: 'app.launched', sourceId: `l-${i}`, properties: {} })));
    const granted = results.flat().reduce((s, x) => s + x.granted, 0);
    assert.equal(granted, 100);
    const sum = (await svc().reconcile(sys(), A.appId)).filter((x) => x.userId.startsWith('launcher-') && x.type === 'growth').reduce((s, x) => s + x.balance, 0);
    assert.equal(sum, 100);
    const get = await t.inject({ method: 'GET', url: `/v1/points/rules/${rule.id}`, headers: sk() });
    assert.equal(get.json().total_cap, 100);
  });

  it('rules react to any domain event by name (here user.identified), once per event', async () => {
    await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Profile done', event: 'user.identified', source: 'domain', type: 'growth', amount: 20, conditions: { created: true } } });
    await t.inject({ method: 'POST', url: '/v1/users/newbie', headers: sk(), payload: { traits: { a: 1 } } });
    await t.inject({ method: 'POST', url: '/v1/users/newbie', headers: sk(), payload: { traits: { a: 2 } } });
    await t.services.bus.drain();
    assert.equal(await balanceOf('newbie', 'growth'), 20);
  });

  it('manages rules: list with filters, pause, delete; bad input names the field', async () => {
    const list = await t.inject({ method: 'GET', url: '/v1/points/rules?event=video.watched', headers: sk() });
    assert.equal(list.json().data.length, 1);
    const id = list.json().data[0].id;
    const paused = await t.inject({ method: 'PATCH', url: `/v1/points/rules/${id}`, headers: sk(), payload: { active: false } });
    assert.equal(paused.json().active, false);
    await ingest([{ event_id: 'w-paused', user_id: 'watcher', name: 'video.watched', properties: { video: { kind: 'long' } } }]);
    await t.services.bus.drain();
    assert.equal(await balanceOf('watcher'), 35);
    expectError(await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'x', event: 'e', type: 'diamonds', amount: 1 } }), 404, 'points.unknown_type');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'x', event: 'e', type: 'points', amount: -1 } }), 400, 'validation_failed'), 'body.amount');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'x', event: 'e', type: 'points', amount: 1, daily_cap: 0 } }), 400, 'validation_failed'), 'body.daily_cap');
    expectError(await t.inject({ method: 'GET', url: '/v1/points/rules/rule_nope', headers: sk() }), 404, 'points.rule_not_found');
    expectError(await t.inject({ method: 'PATCH', url: '/v1/points/rules/rule_nope', headers: sk(), payload: { amount: 1 } }), 404, 'points.rule_not_found');
    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/points/rules/${id}`, headers: sk() })).statusCode, 204);
    expectError(await t.inject({ method: 'DELETE', url: `/v1/points/rules/${id}`, headers: sk() }), 404, 'points.rule_not_found');
  });
});

describe('PATCH /v1/points/rules/{id}', () => {
  it('changes only the field sent, each alone', async () => {
    const created = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: sk(), payload: { name: 'Patch me', event: 'level.up', source: 'domain', conditions: { a: 1 }, type: 'growth', amount: 4, daily_cap: 10, weekly_cap: 20, total_cap: 30, timezone: 'Asia/Shanghai', expires_in_days: 9, active: false } });
    assert.equal(created.statusCode, 201, created.body);
    const url = `/v1/points/rules/${created.json().id}`;
    const changes: Record<string, unknown> = { name: 'Patched', conditions: { b: 'x' }, amount: 5, daily_cap: null, weekly_cap: 21, total_cap: null, timezone: 'UTC', expires_in_days: null, active: true };
    for (const [field, value] of Object.entries(changes)) {
      const prior = (await t.inject({ method: 'GET', url, headers: sk() })).json();
      const r = await t.inject({ method: 'PATCH', url, headers: sk(), payload: { [field]: value } });
      assert.equal(r.statusCode, 200, r.body);
      const now = (await t.inject({ method: 'GET', url, headers: sk() })).json();
      assert.deepEqual(now[field], value);
      for (const k of Object.keys(prior)) if (k !== field && k !== 'updated_at') assert.deepEqual(now[k], prior[k], `PATCH {${field}} must not change ${k}`);
    }
  });
});

describe('history and erasure', () => {
  it('pages the ledger with filters and cursors', async () => {
    for (let i = 0; i < 5; i++) await svc().earn(sys(), A.appId, { userId: 'pager', type: 'points', amount: i + 1, key: `pg-${i}`, source: { type: 'order', id: `o-${i}` } });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.inject({ method: 'GET', url: `/v1/points/entries?user_id=pager&limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: sk() });
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().data.map((e: { amount: number }) => e.amount));
      cursor = res.json().next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [5, 4, 3, 2, 1]);
    const bySource = await t.inject({ method: 'GET', url: '/v1/points/entries?source_type=order&source_id=o-3', headers: sk() });
    assert.deepEqual(bySource.json().data.map((e: { amount: number }) => e.amount), [4]);
    expectError(await t.inject({ method: 'GET', url: '/v1/points/entries?kind=gift', headers: sk() }), 400, 'validation_failed');
    expectError(await t.inject({ method: 'GET', url: '/v1/points/entries?cursor=zzz', headers: sk() }), 400, 'invalid_cursor');
  });

  it('erasing a user erases their ledger', async () => {
    await svc().earn(sys(), A.appId, { userId: 'leaver', type: 'points', amount: 5, key: 'leaver-1' });
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/leaver', headers: sk() })).statusCode, 204);
    await t.services.bus.drain();
    assert.equal(await balanceOf('leaver'), 0);
    assert.equal((await svc().history(sys(), A.appId, { limit: 5, userId: 'leaver' })).length, 0);
  });

  it('apps never see each other’s ledgers', async () => {
    const B = await t.newTenant();
    await t.inject({ method: 'PUT', url: '/v1/points/types/points', headers: bearer(B.secretKey), payload: { name: 'p' } });
    const res = await t.inject({ method: 'GET', url: '/v1/users/alice/points/points', headers: bearer(B.secretKey) });
    assert.equal(res.json().balance, 0);
    const other = await t.inject({ method: 'POST', url: '/v1/users/alice/points/earn', headers: bearer(B.secretKey), payload: { type: 'points', amount: 1, idempotency_key: 'order-1' } });
    assert.equal(other.statusCode, 201, 'idempotency keys are per app');
  });
});
