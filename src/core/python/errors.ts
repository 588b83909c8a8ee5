import type { ModuleLike, Py } from './values';

/** A Python exception raised inside the interpreted program (PyTorch's or Python's own). */
export class PyException extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    /** 0-based source line where it was raised (the culprit layer's construction line for a layer's error) */
    readonly line: number,
    /** the leaf module whose forward raised it, if any */
    readonly module: ModuleLike | null = null,
    /** '' for the analysed file, else the imported file where it was raised */
    readonly file = '',
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** The interpreter gave up on this evaluation (too many steps, too deep): the result is unknown. */
export class BudgetExceeded {
  constructor(readonly why: string) {}
}

/** Control flow */
export class ReturnSignal { constructor(readonly value: Py) {} }
export class BreakSignal {}
export class ContinueSignal {}
