// `npm run validate -- <name> [--json]`: dispatches to src/cli/validate/<name>.ts, each exporting
// `run(opts: { json: boolean; args: string[] }): Promise<void>`. Each validation compares the simulator with an independent reference
// (queueing theory, hand-computed cycles, a real peer).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(join(here, 'validate'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('-'));
const json = args.includes('--json');
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run validate -- <${available.join('|')}> [--json]\n`);
  process.exit(2);
}
const mod = (await import(join(here, 'validate', `${name}.ts`))) as {
  run(opts: { json: boolean; args: string[] }): Promise<void>;
};
try {
  await mod.run({ json, args: args.filter((a) => a !== name && a !== '--json') });
} catch (e) {
  // a validation that cannot proceed (e.g. its calibration refused the batches) says why, without a stack trace;
  // a bad argument (UsageError, checked before anything is measured) exits 2
  process.stderr.write(`validate ${name}: ${(e as Error).message}\n`);
  process.exit((e as Error).name === 'UsageError' || e instanceof Error && e.constructor.name === 'UsageError' ? 2 : 1);
}
