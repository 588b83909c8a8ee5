import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  diversityAlerts, initialAlertState, meanPairwiseDistance, scanAlerts, stepAlerts, type DiversitySample,
} from '../../../src/engine/alerts';
import type { StepMetrics } from '../../../src/engine/types';

/** A healthy BCE step, with overrides. */
function step(s: number, o: Partial<StepMetrics> = {}): StepMetrics {
  return {
    step: s, epoch: 0, lossD: 1.2, lossG: 0.9, dReal: 0.6, dFake: 0.4, dFakeAfter: 0.38, gradNormD: 1.5, gradNormG: 2,
    imgPerSec: 100, elapsedMs: s * 10, ...o,
  };
}
const won = (s: number) => step(s, { lossD: 0.002, lossG: 7, dReal: 0.999, dFake: 0.001, dFakeAfter: 0.001 });
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

test('d-loss-zero: fires once when the mean D loss over 50 steps is ~0 with D(x)→1, D(G(z))→0', () => {
  const history = [...range(1, 101).map((s) => step(s)), ...range(101, 400).map(won)];
  const alerts = scanAlerts(history);
  assert.equal(alerts.length, 1);
  const [a] = alerts;
  assert.equal(a.kind, 'd-loss-zero');
  // the window is all-won at step 150; the mean (0.002·k + 1.2·(50 − k))/50 drops below 0.1 a little earlier (k = 46)
  assert.ok(a.step > 140 && a.step <= 150, `fired at ${a.step}`);
  assert.match(a.message, /the discriminator has won: mean D loss .* over the last 50 steps, D\(x\) 0\.9\d\d, D\(G\(z\)\) .*G gets almost no gradient/);
  assert.match(a.message, /lower learning rate for D.*label smoothing.*WGAN-GP/);
});

test('d-loss-zero: a second episode fires again only after D loss has clearly recovered', () => {
  const dip = (s: number) => step(s, { lossD: 0.03, dReal: 0.99, dFake: 0.02 }); // still a won D (below the re-arm 0.3): the episode goes on
  const history = [
    ...range(1, 200).map(won), // episode 1
    ...range(200, 300).map(dip), ...range(300, 400).map(won), // not over: no second alert
    ...range(400, 500).map((s) => step(s)), ...range(500, 600).map(won), // over, then episode 2
  ];
  assert.deepEqual(scanAlerts(history).map((a) => [a.kind, a.step]), [['d-loss-zero', 50], ['d-loss-zero', 545]]);
});

test('d-loss-zero needs all three signs, and does not apply to WGAN-GP', () => {
  // low loss but D(x) not near 1: not the case described
  assert.deepEqual(scanAlerts(range(1, 200).map((s) => step(s, { lossD: 0.005, dReal: 0.9, dFake: 0.001 }))), []);
  assert.deepEqual(scanAlerts(range(1, 49).map(won)), [], 'needs a full window');
  assert.deepEqual(scanAlerts(range(1, 200).map((s) => step(s, { lossD: -0.5, dReal: 3, dFake: -2 })), [], { loss: 'wgan-gp' }), []);
  assert.deepEqual(scanAlerts(range(1, 200).map(won), [], { loss: 'wgan-gp' }), []);
});

test('nan: fires once per run of non-finite steps, naming the values, and again after recovery', () => {
  const history = [
    ...range(1, 10).map((s) => step(s)),
    step(10, { lossD: NaN }), step(11, { lossD: NaN, gradNormG: Infinity }), step(12, { lossG: -Infinity }),
    step(13), step(14, { gradNormD: NaN }),
  ];
  const alerts = scanAlerts(history);
  assert.deepEqual(alerts.map((a) => [a.kind, a.step]), [['nan', 10], ['nan', 14]]);
  assert.match(alerts[0].message, /^Step 10: lossD is NaN\. Training has diverged.*lower learning rate.*WGAN-GP loss\.$/);
  assert.match(alerts[1].message, /^Step 14: gradNormD is NaN\./);
  assert.match(scanAlerts([step(1, { lossD: NaN, gradNormG: Infinity })], [], { loss: 'wgan-gp' })[0].message,
    /lossD is NaN, gradNormG is Infinity.*gradient-penalty weight/);
});

test('non-finite steps stay out of the D-loss window', () => {
  const history = [...range(1, 50).map(won), step(50, { lossD: NaN }), won(51)];
  assert.deepEqual(scanAlerts(history).map((a) => [a.kind, a.step]), [['nan', 50], ['d-loss-zero', 51]]);
});

test('mode-collapse: sustained near-identical samples after warm-up fire once; a blip does not', () => {
  const div = (step: number, fake: number): DiversitySample => ({ step, fake, real: 0.6 });
  const checks = [
    div(0, 0.003), div(100, 0.01), // before collapseMinStep (eval-mode G at init is near-identical): ignored
    div(200, 0.3), div(300, 0.05), div(400, 0.3), // one low check: a blip
    div(500, 0.05), div(600, 0.04), div(700, 0.02), div(800, 0.02), div(900, 0.01), // sustained
    div(1000, 0.1), div(1100, 0.05), div(1200, 0.05), div(1300, 0.05), // ratio 0.17 is not a recovery (re-arm at 0.3)
    div(1400, 0.4), div(1500, 0.05), div(1600, 0.05), div(1700, 0.05), // recovered, collapsed again
  ];
  const history = range(0, 1800).map((s) => step(s));
  const alerts = scanAlerts(history, checks);
  assert.deepEqual(alerts.map((a) => [a.kind, a.step]), [['mode-collapse', 700], ['mode-collapse', 1700]]);
  assert.match(alerts[0].message, /^Step 700: mode collapse: the fixed-noise samples are nearly identical \(their mean pairwise distance is 3% of a real batch's, below 15% on 3 checks since step 500\).*checkpoint before step 500.*WGAN-GP/);
});

test('the state is plain data: folding is pure and survives a JSON round trip (resume)', () => {
  let s = initialAlertState();
  const before = JSON.stringify(s);
  const u = stepAlerts(s, step(1, { lossD: NaN }));
  assert.equal(JSON.stringify(s), before, 'the input state is not modified');
  s = JSON.parse(JSON.stringify(u.state));
  assert.deepEqual(stepAlerts(s, step(2, { lossD: NaN })).alerts, [], 'a resumed run does not repeat the alert');
  for (const c of [700, 800, 900]) s = diversityAlerts(s, { step: c, fake: 0.01, real: 0.5 }).state;
  s = JSON.parse(JSON.stringify(s));
  assert.deepEqual(diversityAlerts(s, { step: 1000, fake: 0.01, real: 0.5 }).alerts, []);
});

test('meanPairwiseDistance: per-pixel RMS distance, 0 for identical images', () => {
  const dim = 12;
  const same = new Float32Array(4 * dim).fill(0.5);
  assert.equal(meanPairwiseDistance(same, 4), 0);
  // two images differing by 1 in every pixel: distance √dim, per pixel 1
  const two = new Float32Array(2 * dim);
  two.fill(1, dim);
  assert.ok(Math.abs(meanPairwiseDistance(two, 2) - 1) < 1e-12);
  // three images at 0, 1, 3: pairs 1, 3, 2 → mean 2
  const three = new Float32Array(3 * dim);
  three.fill(1, dim, 2 * dim);
  three.fill(3, 2 * dim);
  assert.ok(Math.abs(meanPairwiseDistance(three, 3) - 2) < 1e-12);
  assert.throws(() => meanPairwiseDistance(two, 1), /at least 2 equal-size images/);
  assert.throws(() => meanPairwiseDistance(new Float32Array(7), 2), /at least 2 equal-size images/);
});
