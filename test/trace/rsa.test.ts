// Replay of real captured runs with RSA certificates (`npm run sim -- SCENARIO --trace ops`, read back from its
// ops.jsonl): web-resumption (the server signs its CertificateVerify with an RSA-2048 key; also at rsa-3072) and
// gateway-mutual-auth (the server verifies RSA-2048 client chains). Replay on the run's model gives the capture's
// own times to 0 ps; on a model with one public-key engine and a slower RSA latency, the RSA operations take the
// override's latency, the other public-key operations keep theirs, and nothing ends earlier. The SystemC model
// replays the same traces to 0 ps (skipped and counted without g++/libsystemc-dev outside CI, as in
// test/trace/systemc.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/sim.ts';
import { readOpTraceFile } from '../../src/cli/trace-file.ts';
import { buildSystemcModel, systemcAvailable, runSystemcModel } from '../../src/cli/systemc-model.ts';
import { applyModelOverrides, type ModelConfig } from '../../src/workload/config/index.ts';
import { compareJobs } from '../../src/workload/trace/compare.ts';
import { replayOpTrace } from '../../src/workload/replay.ts';
import { modelDigest, type OpTrace, type TraceJob, type TraceOp } from '../../src/workload/trace/format.ts';
import { load } from '../workload/helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'rsa-trace-'));
const quiet = { stdout: { write: () => true }, stderr: { write: (s: string) => void process.stderr.write(s) } };

/** Runs `npm run sim -- file --set ... --trace ops` and reads back its ops.jsonl, summary and model. */
async function captured(name: string, file: string, sets: string[]) {
  const out = join(tmp, name);
  const args = [file, ...sets.flatMap((s) => ['--set', s]), '--out', out, '--trace', 'ops', '--no-charts', '--quiet'];
  assert.is(await main(args, quiet), 0, `sim ${args.join(' ')}`);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const trace = readOpTraceFile(join(out, 'ops.jsonl'));
  const { model } = load(file, sets);
  assert.is(trace.header.params_digest, modelDigest(model), 'the model the run used');
  return { trace, summary, model };
}

const served = (o: TraceOp) => o.end !== undefined && o.start !== undefined;
const pkeOps = (t: OpTrace) => t.jobs.flatMap((j) => j.ops.filter((o) => o.block === 'pke' && served(o)));
const rsa = (o: TraceOp) => (o.op === 'sign' || o.op === 'verify') && o.alg === 'rsa_pss_rsae_sha256';
const US = 1e6; // ps

/** The replay on the run's own model gives every operation the capture's times. */
function sameModel(trace: OpTrace, model: ModelConfig): void {
  const r = replayOpTrace(trace, model);
  const d = compareJobs(trace.jobs, r.trace.jobs);
  assert.equal(d.mismatches, []);
  assert.is(d.maxDiffPs, 0, d.at);
  assert.is(d.jobs, trace.jobs.length);
}

/**
 * Replay on `slower` (one public-key engine, `rsaUs` for the RSA operations of `kind`): each of those is served for
 * exactly rsaUs, every other public-key operation for as long as in the capture, and no operation ends earlier.
 */
function slowerModel(trace: OpTrace, slower: ModelConfig, kind: 'sign' | 'verify', rsaUs: number): OpTrace {
  const r = replayOpTrace(trace, slower).trace;
  assert.is(r.jobs.length, trace.jobs.length);
  const byId = new Map<number, TraceJob>(r.jobs.map((j) => [j.id, j]));
  let rsaOps = 0;
  let later = 0;
  for (const j of trace.jobs) {
    const k = byId.get(j.id)!;
    const a = j.ops.filter(served);
    const b = k.ops.filter(served);
    assert.is(b.length, a.length, `job ${j.id}: operations served`);
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [a[i]!, b[i]!];
      assert.is(`${y.block}/${y.op}`, `${x.block}/${x.op}`);
      assert.ok(y.end! >= x.end!, `job ${j.id} op ${i} (${x.block} ${x.op}) ends earlier: ${y.end} < ${x.end}`);
      if (y.end! > x.end!) later++;
      if (x.block !== 'pke') continue;
      if (rsa(x) && x.op === kind) {
        rsaOps++;
        assert.is(y.end! - y.start!, rsaUs * US, `job ${j.id}: RSA ${kind} served for the override's latency`);
      } else assert.is(y.end! - y.start!, x.end! - x.start!, `job ${j.id}: ${x.op} ${x.alg} keeps its latency`);
    }
  }
  assert.ok(rsaOps > 0 && later > rsaOps, `${rsaOps} RSA ops, ${later} operations later`);
  return r;
}

let skipped = 0;
function systemc(): string | undefined {
  if (!systemcAvailable()) {
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error('g++/libsystemc-dev required under CI (.ci/systemc.sh)');
    skipped++;
    return undefined;
  }
  return buildSystemcModel().binary;
}

/** The SystemC model's times on `model` = the capture's (`expected`, or the project's replay on another model). */
function systemcAgrees(bin: string, trace: OpTrace, model: ModelConfig, expected: OpTrace): void {
  const sc = runSystemcModel(bin, trace, model);
  const d = compareJobs(expected.jobs, sc.jobs);
  assert.equal(d.mismatches, []);
  assert.is(d.maxDiffPs, 0, d.at);
  assert.is(d.jobs, expected.jobs.length);
}

test('web-resumption (RSA-2048 chain, 100 clients): one 2048-bit sign per full handshake; replay 0 ps; slower RSA sign, one engine: later, never earlier; SystemC 0 ps', async () => {
  const { trace, summary, model } = await captured('wr', 'scenarios/web-resumption.yaml', ['clients.count=100']);
  const pke = pkeOps(trace);
  const signs = pke.filter((o) => o.op === 'sign');
  // the server signs its CertificateVerify in a full handshake only (resumed ones have no certificate); it
  // verifies nothing (the clients verify the chain)
  assert.ok(summary.handshake_kinds.full.server_handshakes > 0 && summary.handshake_kinds.resumed_0rtt.server_handshakes > 0);
  assert.is(signs.length, summary.handshake_kinds.full.server_handshakes);
  for (const o of signs) {
    assert.is(o.alg, 'rsa_pss_rsae_sha256');
    assert.is(o.key_bits, 2048);
    assert.is(o.end! - o.start!, 50 * US, 'baseline rsa2048_sign: 50 us (docs/models.md)');
  }
  assert.is(pke.filter((o) => o.op === 'verify').length, 0);
  assert.ok(pke.every((o) => o.key_bits === undefined || rsa(o)), 'key_bits only on RSA operations');
  sameModel(trace, model);
  const slower = applyModelOverrides(model, ['pke.instances=1', 'pke.latency_us.rsa2048_sign=400']);
  const r = slowerModel(trace, slower, 'sign', 400);
  const bin = systemc();
  if (!bin) return;
  systemcAgrees(bin, trace, model, trace);
  systemcAgrees(bin, trace, slower, r);
});

test('web-resumption with an RSA-3072 chain (20 clients): 3072-bit signs at rsa3072_sign; replay and SystemC 0 ps', async () => {
  const { trace, model } = await captured('wr3072', 'scenarios/web-resumption.yaml', ['clients.count=20', 'clients.certificate.type=rsa-3072']);
  const signs = pkeOps(trace).filter((o) => o.op === 'sign');
  assert.ok(signs.length > 0);
  for (const o of signs) {
    assert.is(o.key_bits, 3072);
    assert.is(o.end! - o.start!, 169 * US, 'baseline rsa3072_sign default: 169 us (docs/models.md)');
  }
  sameModel(trace, model);
  slowerModel(trace, applyModelOverrides(model, ['pke.latency_us.rsa3072_sign=1000']), 'sign', 1000);
  const bin = systemc();
  if (bin) systemcAgrees(bin, trace, model, trace);
});

test('gateway-mutual-auth (100 devices, 20 % RSA-2048 client chains): 3 verifies of 2048 bits per RSA device; replay 0 ps; slower RSA verify: never earlier; SystemC 0 ps', async () => {
  const { trace, model } = await captured('gw', 'scenarios/gateway-mutual-auth.yaml', ['clients.count=100']);
  const rsaByPeer = new Map<string, number>();
  const otherPeers = new Set<string>();
  for (const j of trace.jobs) {
    for (const o of j.ops) {
      if (o.block !== 'pke' || !served(o) || o.op !== 'verify') continue;
      if (rsa(o)) {
        assert.is(o.key_bits, 2048);
        rsaByPeer.set(j.peer!, (rsaByPeer.get(j.peer!) ?? 0) + 1);
      } else {
        assert.is(o.key_bits, undefined);
        otherPeers.add(j.peer!);
      }
    }
  }
  // each RSA device: its leaf and its intermediate certificate (under the client CA) and its CertificateVerify,
  // one handshake each; a device's chain is of one key type
  assert.ok(rsaByPeer.size >= 5 && otherPeers.size >= 40, `${rsaByPeer.size} RSA devices, ${otherPeers.size} others`);
  for (const [peer, n] of rsaByPeer) {
    assert.is(n, 3, `${peer}: RSA verifications`);
    assert.not.ok(otherPeers.has(peer), `${peer}: one key type`);
  }
  sameModel(trace, model);
  const slower = applyModelOverrides(model, ['pke.latency_us.rsa2048_verify=300']);
  const r = slowerModel(trace, slower, 'verify', 300);
  const bin = systemc();
  if (!bin) return;
  systemcAgrees(bin, trace, model, trace);
  systemcAgrees(bin, trace, slower, r);
});

test.after(() => {
  if (skipped > 0) process.stdout.write(`\ntest/trace/rsa.test.ts: ${skipped} SystemC check(s) skipped: g++/libsystemc-dev absent\n`);
});
test.run();
