// Protocol timers in the co-simulation: the core works in floating-point milliseconds, the kernel in integer
// picoseconds. A deadline t ms is armed at ceil(t * 1e9) ps, but that ps value / 1e9 can be just below t; a core
// told a time before its deadline does nothing, so the timer re-fired at the same instant forever (the hang found
// by the DSE runs). The first tests show the hazard on the real core and check the cosim's timer arming exactly;
// the regression runs hung before the fix; the livelock guard turns any regression into an error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProvider, seededRandom } from '../../src/dtls/crypto/index.ts';
import { ClientEndpoint } from '../../src/dtls/index.ts';
import { runCosim, runScenario } from '../../src/workload/index.ts';
import { verifier } from '../dtls/endpoint/harness.ts';
import { load } from './helpers.ts';

test('the DTLS core ignores a time just below its deadline: why the cosim hands it the deadline itself', () => {
  // A client whose first retransmission deadline d (connect time + the 1 s initial timer, RFC 9147 5.8.2) does not
  // survive the kernel's ps round trip: the timer is armed at ceil(d * 1e9) ps, which reads back as < d ms.
  const crypto = createProvider('node', seededRandom(1));
  let client: ClientEndpoint | undefined;
  let d = 0;
  for (let i = 1; i < 1000 && !client; i++) {
    const c = new ClientEndpoint({ crypto, verifier: verifier(crypto), serverName: 'localhost' });
    c.connect((i * 7_919_003) / 1e9);
    const t = c.nextTimeout()!;
    if (Math.ceil(t * 1e9) / 1e9 < t) [client, d] = [c, t];
  }
  assert.ok(client, 'a connect time with the float hazard exists');
  const hello = client.pollTransmit()!;
  assert.is(client.pollTransmit(), undefined);
  // told the ps time read back, the core does nothing: a timer re-armed there would fire at the same instant forever
  client.handleTimeout(Math.ceil(d * 1e9) / 1e9);
  assert.is(client.pollTransmit(), undefined);
  assert.is(client.nextTimeout(), d);
  // told the deadline, it retransmits the ClientHello and doubles the timer from the deadline (RFC 9147 5.8.2)
  client.handleTimeout(d);
  assert.is(client.pollTransmit()!.length, hello.length);
  assert.is(client.nextTimeout(), d + 2000);
});

test('cosim timers: every client retransmits 3 times (1, 3, 7 s after connecting) when all datagrams are lost', () => {
  // 40 clients evenly spread over the first 1234.567 ms (docs/scenarios.md ramp: client i starts at i * D / 40,
  // whole ps), loss 1, 8.3 s run: ClientHello at t0, retransmissions at t0 + 1 s, t0 + 3 s, t0 + 7 s (timer 1 s,
  // doubling, RFC 9147 5.8.2); the next would be at t0 + 15 s. So 3 retransmissions and 4 lost datagrams per client.
  const count = 40;
  const rampPs = 1234.567e9;
  const { scenario, model } = load('scenarios/single-client.yaml', [
    `clients.count=${count}`, 'clients.arrival={kind: ramp, duration_ms: 1234.567}', 'network.loss=1', 'sim.end_ms=8300',
  ]);
  // the run meets the float hazard: some of its deadlines read back below themselves once converted to ps
  const starts = Array.from({ length: count }, (_, i) => Math.floor((i * rampPs) / count));
  const deadlines = starts.flatMap((t0) => [1000, 3000, 7000].map((r) => t0 / 1e9 + r));
  assert.ok(deadlines.some((t) => Math.ceil(t * 1e9) / 1e9 < t), 'some deadline has the float hazard');
  const run = runCosim({ scenario, model, seed: 1, crypto: 'node' });
  assert.is(run.acc.handshakesCompleted, 0);
  assert.is(run.retransmissions, 3 * count);
  assert.is(run.lost, 4 * count);
});

test('regression: 1 AEAD engine at 250 MHz, seed 1302087944 (hung before the fix) completes every handshake', () => {
  // the scenario as it was when it hung (48 clients, no jitter)
  const { scenario, model } = load('sweeps/bench/small-scenario.yaml', ['clients.count=48', 'network.jitter_ms=0'], ['aead.instances=1', 'aead.clock_mhz=250']);
  const r = runScenario({ scenario, model, seed: 1302087944, crypto: 'node' });
  assert.is(r.summary.handshakes.completed, scenario.clients.count);
  assert.is(r.summary.handshakes.failed, 0);
});

test('regression: tiny DSE fixture with 10 us jitter, 50 MHz AEAD, 40 seeds all finish', () => {
  const { scenario, model } = load('test/dse/fixtures/tiny.yaml', ['network.jitter_ms=0.01'], ['aead.clock_mhz=50']);
  for (const seed of [3, 717806608, ...Array.from({ length: 38 }, (_, i) => i + 10)]) {
    const r = runScenario({ scenario, model, seed, crypto: 'node' });
    assert.is(r.summary.handshakes.completed, 8, `seed ${seed}`);
  }
});

test('lossy runs with retransmission timers finish; unfinished handshakes are reported, not hidden', () => {
  const { scenario, model } = load('test/dse/fixtures/tiny.yaml', ['network.jitter_ms=0.05', 'network.loss=0.1']);
  let incomplete = 0;
  for (let seed = 0; seed < 20; seed++) {
    const r = runScenario({ scenario, model, seed, crypto: 'node' });
    const h = r.summary.handshakes;
    assert.ok(h.completed + h.failed <= h.offered, `seed ${seed}`);
    incomplete += h.offered - h.completed - h.failed;
  }
  // 10 % loss and a 1 s initial retransmission timer (RFC 9147 section 5.8.2) within a 200 ms run.
  assert.ok(incomplete > 0, 'some handshakes must still be waiting for a retransmission at the end');
});

test.run();
