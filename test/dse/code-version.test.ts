// The DSE code version (src/cli/dse.ts codeVersion) hashes the sources a worker's results depend on: the import
// graph of src/dse/worker.ts, found by esbuild, and not the CLI tools beside it (an edit of the demo server used to
// discard every stored run).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { workerSources } from '../../src/cli/dse-bundle.ts';
import { codeVersion } from '../../src/cli/dse.ts';

test('the worker graph holds the simulator and not the demo tools; the version is stable', () => {
  const files = workerSources();
  for (const f of ['src/dse/worker.ts', 'src/workload/cosim.ts', 'src/dtls/endpoint/connection.ts', 'src/sim/kernel.ts', 'src/hw/platform.ts']) {
    assert.ok(files.includes(f), f);
  }
  for (const f of ['src/cli/demo-server.ts', 'src/cli/loadtest.ts', 'src/cli/dse.ts']) assert.not.ok(files.includes(f), f);
  assert.equal([...files].sort(), files);
  assert.match(codeVersion(), /^\d+\.\d+\.\d+\+[0-9a-f]{16}$/);
  assert.is(codeVersion(), codeVersion());
});

test.run();
