// User code that runs inside a handshake (the certificate verifier, the provider's operation observer) may drive
// other endpoints synchronously (an application, or the simulator, does this). Shared scratch buffers must not leak
// across such calls: a nested handshake inside the verifier used to overwrite the client's pending transcript input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CertificateVerifierInterface } from '../../../src/dtls/index.ts';
import { Pair, credential, providers, verifier } from './harness.ts';

function nestedHandshake(seed: number): boolean {
  const { c, s } = providers('node', seed);
  return new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') }).connect();
}

test('a verifier that runs another handshake before answering: both connect', () => {
  const { c, s } = providers('node', 1);
  const v = verifier(c);
  let nested: boolean | undefined;
  const wrapped: CertificateVerifierInterface = {
    verify(chain, opts) {
      nested = nestedHandshake(101);
      return v.verify(chain, opts);
    },
  };
  const p = new Pair({ crypto: c, verifier: wrapped, serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect(), 'outer handshake');
  assert.is(nested, true, 'inner handshake');
});

test('an operation observer that runs another handshake on every key exchange, signature and HMAC: all connect', () => {
  const { c, s } = providers('node', 2);
  let depth = 0;
  let inner = 0;
  const observe = (op: { op: string }) => {
    if (depth > 0 || !['kx-derive', 'verify', 'sign', 'hmac'].includes(op.op)) return;
    depth++;
    if (!nestedHandshake(200 + inner++)) throw new Error('nested handshake failed');
    depth--;
  };
  c.observer = observe;
  s.observer = observe;
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect(), 'outer handshake');
  assert.ok(inner >= 6, `${inner} nested handshakes`);
});

test.run();
