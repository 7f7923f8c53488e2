import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password.ts';

describe('password hashing', () => {
  it('writes self-describing scrypt hashes with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b, 'two hashes of one password must differ (random salt)');
    assert.ok(!a.includes('correct horse'), 'the hash must not contain the password');
  });

  it('verifies the right password and refuses wrong ones', async () => {
    const h = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', h), true);
    for (const wrong of ['correct horse batterY', 'correct horse battery ', '', 'correct horse batter']) {
      assert.equal(await verifyPassword(wrong, h), false, JSON.stringify(wrong));
    }
  });

  it('handles non-ASCII passwords and normalises them (NFKC) so equivalent spellings match', async () => {
    const h = await hashPassword('密码ﬁle-Ⅻ-口令');
    assert.equal(await verifyPassword('密码ﬁle-Ⅻ-口令', h), true);
    // U+FB01 (ﬁ) and U+216B (Ⅻ) are compatibility characters for "fi" and "XII".
    assert.equal(await verifyPassword('密码file-XII-口令', h), true);
    assert.equal(await verifyPassword('密码file-XI-口令', h), false);
  });

  it('uses the parameters stored in each hash, so they can be raised later', async () => {
    // The parameters travel with the hash: a stored hash with other (valid) parameters verifies.
    const h = await hashPassword('pw-with-other-params');
    const [, , , , salt] = h.split('$');
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('pw-with-other-params', Buffer.from(salt!, 'base64url'), 32, { N: 1024, r: 4, p: 2 });
    const other = `scrypt$1024$4$2$${salt}$${key.toString('base64url')}`;
    assert.equal(await verifyPassword('pw-with-other-params', other), true);
    assert.equal(await verifyPassword('pw-with-other-param', other), false);
  });

  it('the dummy hash (used for unknown emails) matches no password', async () => {
    for (const pw of ['', 'A', 'AAAAAAAAAAAAAAAAAAAAAA', 'correct horse battery']) assert.equal(await verifyPassword(pw, DUMMY_HASH), false);
  });

  it('malformed stored hashes never match and never throw', async () => {
    const bad = [
      '',
      'plain-text-password',
      'bcrypt$2b$10$abcdefghijklmnopqrstuv',
      'scrypt$16384$8$1$AAAA',
      'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$', // empty hash: an empty derived key would "match"
      'scrypt$16384$8$1$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'scrypt$abc$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'scrypt$1099511627776$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'scrypt$1048576$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', // needs > maxmem
      'scrypt$16384$0$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ];
    for (const stored of bad) {
      for (const pw of ['', 'x', 'correct horse battery']) {
        assert.equal(await verifyPassword(pw, stored), false, `${JSON.stringify(pw)} vs ${stored}`);
      }
    }
  });
});
