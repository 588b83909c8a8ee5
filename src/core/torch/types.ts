/**
 * The contract between the interpreter and PyTorch's semantics.
 *
 * A family file (conv.ts, linear.ts, …) exports `ModuleDef`s for `torch.nn` classes and `TorchFn`s for
 * `torch.*`, `torch.nn.functional.*` and tensor methods. Each one computes output shapes with PyTorch's exact
 * formulas and throws `TorchError` with PyTorch's own message where PyTorch would raise.
 * When a value it needs is unknown it throws `UnknownValue` (args.ts does this for you); the interpreter turns
 * that into an unknown result carrying the reason.
 */
import type { CallArgs, Py, Shape } from '../python/values';

export type { CallArgs };

/** An error PyTorch (or Python) would raise. `message` is PyTorch's own wording, byte for byte where possible. */
export class TorchError extends Error {
  constructor(message: string, readonly pyType: 'RuntimeError' | 'ValueError' | 'TypeError' | 'IndexError' | 'AttributeError' | 'NotImplementedError' | 'AssertionError' | 'ZeroDivisionError' = 'RuntimeError') {
    // no stack trace: it is an answer about the user's model, thrown often in size sweeps
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** A value needed for the answer is unknown; `why` says which and why. Not an Error: it is control flow, thrown often. */
export class UnknownValue {
  constructor(readonly why: string) {}
}

export interface TorchCtx {
  /** A warning PyTorch would print (UserWarning), e.g. MSELoss's broadcasting warning. */
  warn(message: string): void;
}

/** `torch.X(...)`, `F.X(...)`; for a tensor method, `args.pos[0]` is the tensor itself (`self`). */
export type TorchFn = (args: CallArgs, ctx: TorchCtx) => Py;

export interface Param {
  name: string;
  /** undefined: required */
  default?: Py;
}

export interface ParamInfo {
  name: string;
  shape: Shape;
}

export interface ModuleDef<C = any> {
  /** The constructor's signature after `self`, in PyTorch's order, with PyTorch's defaults. */
  signature: Param[];
  /** Accepts `**kwargs` beyond the signature (rare). */
  extraKw?: boolean;
  /** Validate constructor arguments as PyTorch does and normalise them into a config. */
  init(a: Map<string, Py>): C;
  /** Output of `module(*args, **kw)`. The module's own training flag is passed for BatchNorm/Dropout rules. */
  forward(c: C, args: CallArgs, ctx: TorchCtx & { training: boolean }): Py;
  /** Parameters in `named_parameters()` order (e.g. weight, bias), with shapes. */
  parameters(c: C): ParamInfo[];
  /** Buffers in `named_buffers()` order (running_mean, running_var, num_batches_tracked). */
  buffers?(c: C): ParamInfo[];
  /**
   * For hovers: the size formula with numbers substituted, one line per spatial dim,
   * e.g. `H_out = ⌊(128 + 2·1 − 1·(4 − 1) − 1)/2⌋ + 1 = 64`. Optional.
   */
  formula?(c: C, input: Shape, output: Shape): string[];
  /** True for layers that change the spatial size (conv, pool, upsample, …): used for "resizes its input" notes. */
  resizes?: boolean;
}

export interface TorchRegistry {
  /** `torch.nn.<Name>` classes */
  modules: Map<string, ModuleDef>;
  /** `torch.<name>` functions */
  torch: Map<string, TorchFn>;
  /** `torch.nn.functional.<name>` functions */
  functional: Map<string, TorchFn>;
  /** `tensor.<name>(...)` methods; args.pos[0] is the tensor */
  methods: Map<string, TorchFn>;
}

/** What one family file (conv.ts, norm.ts, …) contributes to the registry. */
export interface Family {
  modules?: Record<string, ModuleDef>;
  torch?: Record<string, TorchFn>;
  functional?: Record<string, TorchFn>;
  methods?: Record<string, TorchFn>;
}
