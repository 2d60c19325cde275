// `npm run bench -- <name> [--json]`: dispatches to src/cli/bench/<name>.ts, each exporting
// `run(opts: { json: boolean; args: string[] }): Promise<void>`. Benchmarks report ratios against a baseline
// measured in the same run, because the machines are shared and noisy.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isConfigError } from './sim.ts';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(join(here, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('-'));
const json = args.includes('--json');
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [--json]\n`);
  process.exit(2);
}
const mod = (await import(join(here, 'bench', `${name}.ts`))) as {
  run?(opts: { json: boolean; args: string[] }): Promise<void>;
};
if (typeof mod.run !== 'function') {
  // a helper module of a bench (e.g. handshake-world.ts), not a bench itself
  process.stderr.write(`${name} is not a benchmark; usage: npm run bench -- <${available.join('|')}> [--json]\n`);
  process.exit(2);
}
// the providers a bench can measure: a misspelt one used to run the node provider under the given name
for (const flag of ['--crypto', '--provider']) {
  const i = args.indexOf(flag);
  if (i >= 0 && args[i + 1] !== 'node' && args[i + 1] !== 'noble') {
    process.stderr.write(`bench ${name}: ${flag} must be node or noble, got ${args[i + 1] ?? '(nothing)'}\n`);
    process.exit(2);
  }
}
try {
  await mod.run({ json, args: args.filter((a) => a !== name && a !== '--json') });
} catch (e) {
  // bad input the user can fix (a broken scenario, an impossible --set): the message names file:line:col and the
  // field, as `npm run sim` prints it, without a stack trace; exit status 2. So is an option a bench refuses (its
  // message starts with the option's name, e.g. "--reps: expected a positive integer") and an unknown suite.
  const msg = e instanceof Error ? e.message : '';
  if (isConfigError(e) || msg.startsWith('--') || (e instanceof Error && e.name === 'UnknownSuiteError')) {
    process.stderr.write(`${isConfigError(e) ? '' : `bench ${name}: `}${msg}\n`);
    process.exit(2);
  }
  throw e;
}
