// deploy/k8s/*.yaml against the Kubernetes API schema, client-side and offline: every document is validated by
// the kubernetes-models package (validators generated from the Kubernetes OpenAPI specification: types, enums,
// required fields). No cluster runs here; this is what `kubectl apply --dry-run=client --validate` would check
// without a server, plus the project's own consistency rules (shard count = completions = parallelism, the sweep
// and the output paths exist, the image's entry point matches the Dockerfile).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const k8sDir = join(root, 'deploy', 'k8s');

type Doc = { apiVersion?: string; kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

const models: Record<string, (d: Doc) => { validate(): void }> = {
  'batch/v1 Job': (d) => new Job(d as ConstructorParameters<typeof Job>[0]),
  'v1 PersistentVolumeClaim': (d) => new PersistentVolumeClaim(d as ConstructorParameters<typeof PersistentVolumeClaim>[0]),
};

function docsOf(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    assert.is(d.errors.length, 0, `${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Doc;
  });
}

/** Throws the schema validator's message (e.g. `data/spec/completions must be integer`), or returns. */
function validate(d: Doc): void {
  const make = models[`${d.apiVersion} ${d.kind}`];
  if (!make) throw new Error(`no schema for ${d.apiVersion} ${d.kind} (add it to the test)`);
  make(d).validate();
}

const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml')).sort();
const all = files.flatMap((f) => docsOf(join(k8sDir, f)).map((d) => ({ file: f, doc: d })));

test('every manifest document validates against the Kubernetes API schema', () => {
  assert.ok(files.length >= 2, 'the shard job and the merge job');
  for (const { file, doc } of all) {
    try {
      validate(doc);
    } catch (e) {
      assert.unreachable(`${file} ${doc.kind}/${doc.metadata?.name}: ${(e as Error).message}`);
    }
  }
});

test('the validator is live: broken copies of the Indexed Job are rejected', () => {
  const job = all.find((x) => x.doc.kind === 'Job' && x.doc.spec?.['completionMode'] === 'Indexed')!.doc;
  const broken: [string, (j: any) => void, RegExp][] = [
    ['completions as a string', (j) => (j.spec.completions = '8'), /completions must be integer/],
    ['misspelt completion mode', (j) => (j.spec.completionMode = 'Indxed'), /completionMode must be equal to one of the allowed values/],
    ['no pod template', (j) => delete j.spec.template, /must have required property template/],
    ['container without a name', (j) => delete j.spec.template.spec.containers[0].name, /must have required property name/],
    ['restartPolicy not an enum value', (j) => (j.spec.template.spec.restartPolicy = 'Sometimes'), /restartPolicy must be equal to one of the allowed values/],
  ];
  for (const [what, mutate, re] of broken) {
    const copy = structuredClone(job) as any;
    mutate(copy);
    assert.throws(() => validate(copy), re, what);
  }
});

test('Indexed Job: completions = parallelism = the N of --shard i/N; sweep file and merge paths agree', () => {
  const job = all.find((x) => x.doc.kind === 'Job' && x.doc.spec?.['completionMode'] === 'Indexed')!.doc as any;
  const spec = job.spec;
  const args: string = spec.template.spec.containers[0].args.join(' ');
  const m = /--shard "\$\{JOB_COMPLETION_INDEX\}\/(\d+)"/.exec(args);
  assert.ok(m, `--shard \${JOB_COMPLETION_INDEX}/N in: ${args}`);
  assert.is(spec.completions, Number(m![1]));
  assert.is(spec.parallelism, spec.completions);
  const sweep = /dse -- (\S+\.yaml)/.exec(args)![1]!;
  assert.ok(existsSync(join(root, sweep)), `${sweep} is in the repository (the image copies sweeps/)`);
  const out = /--out "([^"]+)\/shard-\$\{JOB_COMPLETION_INDEX\}"/.exec(args)![1]!;
  const merge = all.find((x) => x.doc.kind === 'Job' && x.doc !== job)!.doc as any;
  const margs: string = merge.spec.template.spec.containers[0].args.join(' ');
  assert.ok(margs.includes(`merge ${out}/shard-*`), `merge reads ${out}/shard-*: ${margs}`);
  // Both jobs mount the same claim, which the first manifest creates ReadWriteMany (pods on several nodes).
  const pvc = all.find((x) => x.doc.kind === 'PersistentVolumeClaim')!.doc as any;
  for (const j of [job, merge]) assert.is(j.spec.template.spec.volumes[0].persistentVolumeClaim.claimName, pvc.metadata.name);
  assert.equal(pvc.spec.accessModes, ['ReadWriteMany']);
});

test('the image the manifests name is the one deploy/Dockerfile builds (npm run dse entry, sweeps copied)', () => {
  const docker = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
  assert.match(docker, /COPY sweeps \.\/sweeps/);
  assert.match(docker, /WORKDIR \/app/);
  for (const { doc } of all.filter((x) => x.doc.kind === 'Job')) {
    const c = (doc as any).spec.template.spec.containers[0];
    assert.match(c.image, /dtls-accel-sim:dse$/);
    assert.match(c.args.join(' '), /^exec npm run --silent dse -- /);
  }
});

test.run();
