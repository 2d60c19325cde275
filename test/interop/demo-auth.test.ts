// Demo CLIs, our client against our server over real UDP on 127.0.0.1 (in-process entry points, a recording relay
// in between): client certificates (--cert/--key, --client-auth/--client-ca) and the client's message resend when
// the first copy is lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { main as clientMain } from '../../src/cli/demo-client.ts';
import { start as serverStart } from '../../src/cli/demo-server.ts';
import { CERTS } from './harness.ts';
import { startProxy, type Captured } from './udp-proxy.ts';

const EC = join(CERTS, 'ecdsa');

async function run(serverArgs: string[], clientArgs: string[], drop?: (c: Captured, n: number) => boolean) {
  let events = '';
  const srv = await serverStart(['--port', '0', '--cert', join(EC, 'server-chain.pem'), '--key', join(EC, 'server.key'), ...serverArgs], (s) => (events += s), () => {});
  if (typeof srv === 'number') throw new Error(`server exit ${srv}`);
  const proxy = await startProxy(srv.port, drop ?? (() => false));
  let out = '';
  let err = '';
  try {
    const code = await clientMain(['--port', String(proxy.port), '--ca', join(EC, 'ca.pem'), '--server-name', 'localhost', '--timeout', '5000', ...clientArgs],
      (s) => (out += s), (s) => (err += s));
    await new Promise((r) => setTimeout(r, 50));
    return { code, out, err, events, dump: proxy.dump() };
  } finally {
    await proxy.close();
    await srv.close();
  }
}

test('--client-auth require: a client with --cert/--key connects (server prints its subject); one without gets certificate_required', async () => {
  const auth = ['--client-auth', 'require', '--client-ca', join(EC, 'ca.pem')];
  const a = await run(auth, ['--cert', join(EC, 'client-chain.pem'), '--key', join(EC, 'client.key'), '--message', 'mutual']);
  assert.is(a.code, 0, a.out + a.err + a.events);
  assert.match(a.events, /connected \S+ .* client_cert="[^"]*CN=test client/);
  const b = await run(auth, ['--message', 'anonymous']);
  assert.is(b.code, 3, b.out + b.err);
  assert.match(b.err, /received fatal alert certificate_required \(116\)/);
});

test('usage: --client-auth without --client-ca, --cert without --key', async () => {
  const e1 = await serverStart(['--port', '0', '--cert', join(EC, 'server-chain.pem'), '--key', join(EC, 'server.key'), '--client-auth', 'require'], () => {}, () => {});
  assert.is(e1, 1);
  assert.is(await clientMain(['--port', '1', '--insecure', '--cert', join(EC, 'client-chain.pem')], () => {}, () => {}), 1);
});

test('the demo client resends its message until a reply comes (first copy dropped by the relay)', async () => {
  let dropped = false;
  // the first client datagram whose record is epoch 3 (unified header, epoch bits 3) carries the message
  const r = await run([], ['--message', 'again', '--resend', '200', '--verbose'], (c) => {
    if (c.dir === 'c>s' && !dropped && (c.bytes[0]! & 0xe3) === 0x23) return (dropped = true);
    return false;
  });
  assert.ok(dropped);
  assert.is(r.code, 0, r.out + r.err + r.dump);
  assert.ok(r.out.includes('reply: again\n'));
  assert.match(r.err, /resending the message/);
});

test.run();
