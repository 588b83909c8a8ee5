/**
 * Training alerts as pure functions over the metric history. The trainer folds each step's metrics (and, when
 * it draws the fixed-noise samples, their diversity) into an AlertState and reports the alerts returned.
 * Each alert fires once per episode: when its condition starts to hold, and again only after it has clearly
 * stopped holding (hysteresis, so a value hovering at a threshold does not fire every few steps).
 * AlertState is plain JSON, so a checkpoint can store it and a resumed run does not repeat an alert.
 */
import type { Alert, AlertKind, LossKind, StepMetrics } from './types';

export interface AlertOptions {
  /** 'd-loss-zero' needs BCE's bounded loss and D(x) ∈ (0, 1); a WGAN critic's loss is unbounded */
  loss: LossKind;
  /** 'd-loss-zero': the condition is on the mean over this many most recent steps */
  dLossWindow: number;
  dLossBelow: number;
  dRealAbove: number;
  dFakeBelow: number;
  /** the episode ends when the windowed D loss is back above this */
  dLossRearm: number;
  /** 'mode-collapse': fake diversity / real diversity below this … */
  collapseRatio: number;
  /** … on this many consecutive diversity checks … */
  collapseChecks: number;
  /** … counted only from this step on: an untrained or barely trained G gives near-identical samples (from 200, a
   *  32×32 run sampling every 10 steps was told "mode collapse" at step 210, on the uniform texture of early G) */
  collapseMinStep: number;
  /** the episode ends when the ratio is back above this */
  collapseRearm: number;
}

export const ALERT_DEFAULTS: AlertOptions = {
  loss: 'bce',
  // a windowed D loss under 0.1 with D(x) > 0.95 and D(G(z)) < 0.05: npm start's 32×32 run sat at 0.02–0.07 (D(x) 0.97–0.99) from step 150 on, with samples that stopped improving
  dLossWindow: 50, dLossBelow: 0.1, dRealAbove: 0.95, dFakeBelow: 0.05, dLossRearm: 0.3,
  collapseRatio: 0.15, collapseChecks: 3, collapseMinStep: 500, collapseRearm: 0.3,
};

/** Diversity of the fixed-noise samples at one step, and of a real batch for scale (meanPairwiseDistance). */
export interface DiversitySample {
  step: number;
  fake: number;
  real: number;
}

export interface AlertState {
  /** (lossD, dReal, dFake) of the most recent finite steps, oldest first, at most dLossWindow */
  recent: [number, number, number][];
  /** an episode is under way (fired, not yet over) */
  active: Record<AlertKind, boolean>;
  /** consecutive diversity checks below collapseRatio, and the step of the first */
  lowDiversity: { count: number; since: number };
}

export function initialAlertState(): AlertState {
  return { recent: [], active: { 'd-loss-zero': false, 'mode-collapse': false, nan: false }, lowDiversity: { count: 0, since: 0 } };
}

export interface AlertUpdate {
  state: AlertState;
  alerts: Alert[];
}

const WATCHED = ['lossD', 'lossG', 'gradNormD', 'gradNormG'] as const;

/** Fold one step's metrics in: 'nan' and 'd-loss-zero'. */
export function stepAlerts(state: AlertState, m: StepMetrics, options: Partial<AlertOptions> = {}): AlertUpdate {
  const o = { ...ALERT_DEFAULTS, ...options };
  const alerts: Alert[] = [];
  const active = { ...state.active };

  const bad = WATCHED.filter((k) => !Number.isFinite(m[k]));
  if (bad.length > 0) {
    if (!active.nan) {
      active.nan = true;
      alerts.push({
        step: m.step, kind: 'nan',
        message: `Step ${m.step}: ${bad.map((k) => `${k} is ${m[k]}`).join(', ')}. Training has diverged and the weights `
          + `are no longer usable. Try: resume from the last checkpoint with a lower learning rate (e.g. half of lr), `
          + `check the dataset for broken images${o.loss === 'bce' ? ', or switch to the WGAN-GP loss' : ', or a larger gradient-penalty weight'}.`,
      });
    }
    return { state: { ...state, active }, alerts };
  }
  active.nan = false;

  const recent = [...state.recent, [m.lossD, m.dReal, m.dFake] as [number, number, number]].slice(-o.dLossWindow);
  if (o.loss === 'bce' && recent.length === o.dLossWindow) {
    const mean = (i: number) => recent.reduce((s, r) => s + r[i], 0) / recent.length;
    const [lossD, dReal, dFake] = [mean(0), mean(1), mean(2)];
    if (!active['d-loss-zero'] && lossD < o.dLossBelow && dReal > o.dRealAbove && dFake < o.dFakeBelow) {
      active['d-loss-zero'] = true;
      alerts.push({
        step: m.step, kind: 'd-loss-zero',
        message: `Step ${m.step}: the discriminator has won: mean D loss ${fmt(lossD)} over the last ${o.dLossWindow} steps, `
          + `D(x) ${fmt(dReal)}, D(G(z)) ${fmt(dFake)}. With D this sure, G gets almost no gradient and stops improving. `
          + `Try: a lower learning rate for D (or a higher one for G), one-sided label smoothing (real labels 0.9), `
          + `noise on D's inputs, or the WGAN-GP loss.`,
      });
    } else if (active['d-loss-zero'] && lossD > o.dLossRearm) {
      active['d-loss-zero'] = false;
    }
  }
  return { state: { ...state, recent, active }, alerts };
}

/** Fold one diversity check in: 'mode-collapse'. */
export function diversityAlerts(state: AlertState, d: DiversitySample, options: Partial<AlertOptions> = {}): AlertUpdate {
  const o = { ...ALERT_DEFAULTS, ...options };
  if (d.step < o.collapseMinStep || !Number.isFinite(d.fake) || !(d.real > 0)) return { state, alerts: [] };
  const ratio = d.fake / d.real;
  const active = { ...state.active };
  const low = ratio < o.collapseRatio
    ? { count: state.lowDiversity.count + 1, since: state.lowDiversity.count === 0 ? d.step : state.lowDiversity.since }
    : { count: 0, since: 0 };
  const alerts: Alert[] = [];
  if (!active['mode-collapse'] && low.count >= o.collapseChecks) {
    active['mode-collapse'] = true;
    alerts.push({
      step: d.step, kind: 'mode-collapse',
      message: `Step ${d.step}: mode collapse: the fixed-noise samples are nearly identical (their mean pairwise distance is `
        + `${(100 * ratio).toFixed(0)}% of a real batch's, below ${(100 * o.collapseRatio).toFixed(0)}% on ${low.count} checks `
        + `since step ${low.since}): G maps different z to the same image. Try: resume from a checkpoint before step `
        + `${low.since} with a lower learning rate, ${o.loss === 'bce' ? 'the WGAN-GP loss, ' : ''}label smoothing, or another seed.`,
    });
  } else if (active['mode-collapse'] && ratio > o.collapseRearm) {
    active['mode-collapse'] = false;
  }
  return { state: { ...state, active, lowDiversity: low }, alerts };
}

/**
 * All alerts of a recorded run (e.g. metrics.jsonl replayed): steps in order, each diversity check folded in
 * after the metrics of its step.
 */
export function scanAlerts(history: readonly StepMetrics[], diversity: readonly DiversitySample[] = [], options: Partial<AlertOptions> = {}): Alert[] {
  const checks = [...diversity].sort((a, b) => a.step - b.step);
  let state = initialAlertState();
  const alerts: Alert[] = [];
  let next = 0;
  const fold = (u: AlertUpdate) => {
    state = u.state;
    alerts.push(...u.alerts);
  };
  for (const m of history) {
    while (next < checks.length && checks[next].step < m.step) fold(diversityAlerts(state, checks[next++], options));
    fold(stepAlerts(state, m, options));
    while (next < checks.length && checks[next].step === m.step) fold(diversityAlerts(state, checks[next++], options));
  }
  while (next < checks.length) fold(diversityAlerts(state, checks[next++], options));
  return alerts;
}

/**
 * Mean Euclidean distance over all pairs of the `n` images in `images` (n equal-length rows, any layout),
 * divided by √(values per image) so that it reads as a per-pixel RMS difference and does not depend on size.
 */
export function meanPairwiseDistance(images: Float32Array, n: number): number {
  const dim = images.length / n;
  if (n < 2 || !Number.isInteger(dim)) throw new RangeError(`meanPairwiseDistance needs at least 2 equal-size images, got ${n} over ${images.length} values`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0, a = i * dim, b = j * dim; k < dim; k++) {
        const d = images[a + k] - images[b + k];
        s += d * d;
      }
      total += Math.sqrt(s);
    }
  }
  return total / ((n * (n - 1)) / 2) / Math.sqrt(dim);
}

const fmt = (x: number) => (Math.abs(x) >= 0.01 ? x.toFixed(3) : x.toExponential(1));
