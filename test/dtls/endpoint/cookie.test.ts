// Stateless cookie: HMAC over (Hash(ClientHello1), suite, group, time) bound to the client address, rotating secret.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CookieJar, createProvider, seededRandom } from '../../../src/dtls/index.ts';

const p = createProvider('node', seededRandom('cookie'));
const h = new Uint8Array(32).fill(9);

test('valid for the same address within its lifetime; carries suite, group and hash', () => {
  const jar = new CookieJar(p, p.rng, 60000, 30000);
  const c = jar.make('1.2.3.4:5', { suiteCode: 0x1301, groupCode: 0x17, chHash: h }, 1000);
  const r = jar.check(c, '1.2.3.4:5', 2000);
  assert.ok(r);
  assert.is(r!.suiteCode, 0x1301);
  assert.is(r!.groupCode, 0x17);
  assert.equal(Array.from(r!.chHash), Array.from(h));
  assert.is(jar.check(c, '1.2.3.4:6', 2000), undefined, 'other address');
  const t = c.slice();
  t[3]! ^= 1;
  assert.is(jar.check(t, '1.2.3.4:5', 2000), undefined, 'tampered');
  assert.is(jar.check(c.subarray(0, 20), '1.2.3.4:5', 2000), undefined, 'truncated');
  assert.is(jar.check(c, '1.2.3.4:5', 1000 + 60001), undefined, 'expired');
});

test('rotation: the previous secret is still accepted, the one before is not', () => {
  const jar = new CookieJar(p, p.rng, 1e9, 30000);
  const c = jar.make('a', { suiteCode: 0x1301, groupCode: 0, chHash: h }, 0);
  assert.ok(jar.check(c, 'a', 30000), 'after one rotation (previous secret)');
  const c2 = jar.make('a', { suiteCode: 0x1301, groupCode: 0, chHash: h }, 30001);
  assert.ok(jar.check(c2, 'a', 30002));
  assert.is(jar.check(c, 'a', 60001), undefined, 'two rotations later');
  assert.ok(jar.check(c2, 'a', 60001), 'newer cookie still fine');
});

test.run();
