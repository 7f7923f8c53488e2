import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeJwt, hs256Matches, signHs256, type JwtClaims } from './jwt.ts';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hmac = (input: string, secret: string) => createHmac('sha256', secret).update(input).digest('base64url');

describe('HS256 JWT', () => {
  it('matches the well-known jwt.io HS256 example byte for byte', () => {
    const token = signHs256({ sub: '1234567890', name: 'John Doe', iat: 1516239022 } as unknown as JwtClaims, 'your-256-bit-secret');
    assert.equal(token, 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');
  });

  it('round-trips claims and puts kid in the header only when given', () => {
    const claims = { sub: 'user-1', exp: 2_000_000_000, iat: 1_900_000_000, role: 'vip', 名字: '张三' };
    const plain = decodeJwt(signHs256(claims, 's'));
    assert.ok(plain);
    assert.deepEqual(plain.claims, claims);
    assert.deepEqual(plain.header, { alg: 'HS256', typ: 'JWT' });
    const withKid = decodeJwt(signHs256(claims, 's', 'key_123'));
    assert.ok(withKid);
    assert.deepEqual(withKid.header, { alg: 'HS256', typ: 'JWT', kid: 'key_123' });
  });

  it('verifies only with the signing secret', () => {
    const d = decodeJwt(signHs256({ sub: 'u', exp: 1 }, 'sk_right'));
    assert.ok(d);
    assert.equal(hs256Matches(d, 'sk_right'), true);
    assert.equal(hs256Matches(d, 'sk_wrong'), false);
    assert.equal(hs256Matches(d, ''), false);
    assert.equal(hs256Matches(d, 'sk_righ'), false);
  });

  it('detects tampering with claims, header or signature', () => {
    const token = signHs256({ sub: 'alice', exp: 2_000_000_000 }, 'secret');
    const [h, , s] = token.split('.');
    const forgedClaims = decodeJwt(`${h}.${b64({ sub: 'bob', exp: 2_000_000_000 })}.${s}`);
    assert.ok(forgedClaims);
    assert.equal(hs256Matches(forgedClaims, 'secret'), false);
    const forgedHeader = decodeJwt(`${b64({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${token.split('.')[1]}.${s}`);
    assert.ok(forgedHeader);
    assert.equal(hs256Matches(forgedHeader, 'secret'), false);
    // A truncated or empty signature is a mismatch, not an exception (timingSafeEqual would throw).
    for (const sig of [s!.slice(0, -3), '', 'AA']) {
      const d = decodeJwt(`${token.split('.').slice(0, 2).join('.')}.${sig}`);
      assert.ok(d);
      assert.equal(hs256Matches(d, 'secret'), false);
    }
  });

  it('verifies tokens signed elsewhere, whatever their header key order', () => {
    // Host backends sign with their own JWT library; the signature covers the original bytes.
    const header = b64('{"typ":"JWT","alg":"HS256"}');
    const body = b64('{ "exp": 2000000000, "sub": "u-9" }');
    const token = `${header}.${body}.${hmac(`${header}.${body}`, 'sk_x')}`;
    const d = decodeJwt(token);
    assert.ok(d);
    assert.equal(d.claims.sub, 'u-9');
    assert.equal(hs256Matches(d, 'sk_x'), true);
  });

  it('decodes alg "none" tokens (so the caller can refuse them) but never verifies them', () => {
    const d = decodeJwt(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', exp: 2_000_000_000 })}.`);
    assert.ok(d);
    assert.equal(d.header.alg, 'none');
    assert.equal(hs256Matches(d, 'anything'), false);
    assert.equal(hs256Matches(d, ''), false);
  });

  it('returns null for anything that is not a JWT, without throwing', () => {
    const bad = [
      '',
      'abc',
      'a.b',
      'a.b.c.d',
      '..',
      `${b64({ alg: 'HS256' })}.not-json.sig`,
      `not-json.${b64({ sub: 'u' })}.sig`,
      `${b64({ alg: 'HS256' })}.${b64([1, 2])}.sig`, // claims must be an object
      `${b64({ alg: 'HS256' })}.${b64(null)}.sig`,
      `${b64({ alg: 'HS256' })}.${b64('"str"')}.sig`,
      `${b64(null)}.${b64({ sub: 'u' })}.sig`,
      `${b64(42)}.${b64({ sub: 'u' })}.sig`,
    ];
    for (const t of bad) assert.equal(decodeJwt(t), null, t);
  });

  it('refuses padded, non-canonical or non-alphabet base64url (one token has one spelling)', () => {
    const token = signHs256({ sub: 'u', exp: 2_000_000_000 }, 'k');
    const [h, c, sig] = token.split('.') as [string, string, string];
    assert.ok(decodeJwt(token));
    // The signature is 32 bytes = 43 characters: '=' padding makes 44.
    assert.equal(decodeJwt(`${h}.${c}.${sig}=`), null, 'padding');
    assert.equal(decodeJwt(`${h}=.${c}.${sig}`), null, 'padding in the header');
    // The last character of 43 carries 2 unused bits: setting them gives the same bytes, another spelling.
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
    assert.equal(decodeJwt(`${h}.${c}.${sig.slice(0, -1)}${twin}`), null, 'non-canonical trailing bits');
    assert.equal(decodeJwt(`${h}.${c}.${sig.slice(0, 10)}+/${sig.slice(12)}`), null, 'standard base64 alphabet');
    assert.equal(decodeJwt(`${h}.${c}.${sig.slice(0, 10)} ${sig.slice(11)}`), null, 'whitespace');
    assert.equal(decodeJwt(`${h}.${c}.${sig}AA`), null, 'impossible length');
  });
});
