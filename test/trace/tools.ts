// External tools the trace tests may use (tshark, vcd2fst, g++ with SystemC). Absent outside CI: the check is
// skipped and counted (printed at the end of the file's run); under CI (CI=true, .ci/run) absence is a failure.
import { spawnSync } from 'node:child_process';

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

const skipped: string[] = [];

/** True if `cmd` can be used; otherwise records a skip (or throws under CI). */
export function needTool(cmd: string, why: string): boolean {
  if (have(cmd)) return true;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${cmd} is required under CI (${why}); install it (.ci/systemc.sh)`);
  skipped.push(`${cmd}: ${why}`);
  return false;
}

export function reportSkips(file: string): void {
  if (skipped.length > 0) process.stdout.write(`\n${file}: ${skipped.length} check(s) skipped, tool absent:\n${skipped.map((s) => '  - ' + s).join('\n')}\n`);
}
