/** What the monitor webview may ask of the host: a stranger's messages are checked before anything runs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMonitorIntent, toColumns } from '../../../src/protocol/monitor';
import { ProtocolError } from '../../../src/protocol/validate';
import type { StepMetrics } from '../../../src/engine/types';

describe('monitor protocol', () => {
  it('accepts the intents the page sends', () => {
    for (const m of [{ type: 'ready' }, { type: 'stop' }, { type: 'pause' }, { type: 'resume' }, { type: 'train' },
      { type: 'openRunFolder' }, { type: 'refreshRuns' }, { type: 'openRun', id: 'run-20250101-120000' },
      { type: 'overlay', ids: ['run-a', 'run-b@other'] }, { type: 'overlay', ids: [] }]) {
      assert.deepEqual(parseMonitorIntent(m), m);
    }
  });

  it('rejects what is not an intent, naming the bad field', () => {
    const bad: [unknown, RegExp][] = [
      [null, /message should be an object/],
      ['stop', /message should be an object/],
      [{ type: 'rm -rf' }, /message\.type should be a monitor intent/],
      [{}, /message\.type/],
      [{ type: 'openRun' }, /openRun\.id should be a string/],
      [{ type: 'openRun', id: 42 }, /openRun\.id should be a string/],
      [{ type: 'overlay', ids: 'run-a' }, /overlay\.ids should be an array/],
      [{ type: 'overlay', ids: ['a', 'b', 'c', 'd', 'e'] }, /at most 4 ids/],
    ];
    for (const [m, re] of bad) assert.throws(() => parseMonitorIntent(m), (e: unknown) => e instanceof ProtocolError && re.test(e.message), JSON.stringify(m));
  });

  it('never lets a run id name a path outside the runs folder', () => {
    for (const id of ['..', '.', '../secrets', 'runs/../../etc', '/etc/passwd', 'a\\b', '', 'x'.repeat(200)]) {
      assert.throws(() => parseMonitorIntent({ type: 'openRun', id }), ProtocolError, id);
      assert.throws(() => parseMonitorIntent({ type: 'overlay', ids: [id] }), ProtocolError, id);
    }
  });

  it('sends a diverged loss as null (JSON has no NaN) and a step without SWD as null', () => {
    const m: StepMetrics = { step: 7, epoch: 0, lossD: Number.NaN, lossG: Infinity, dReal: 0.5, dFake: 0.5, dFakeAfter: 0.5,
      gradNormD: 1, gradNormG: 1, imgPerSec: 100, elapsedMs: 70 };
    const c = toColumns([m, { ...m, step: 8, lossD: 0.7, swd: 0.25 }]);
    assert.deepEqual(c.step, [7, 8]);
    assert.deepEqual(c.lossD, [null, 0.7]);
    assert.deepEqual(c.lossG, [null, null]);
    assert.deepEqual(c.swd, [null, 0.25]);
    assert.deepEqual(JSON.parse(JSON.stringify(c)), c);
  });
});
