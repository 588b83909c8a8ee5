/** All PyTorch semantics known to the interpreter, merged from the family files. */
import type { Family, TorchRegistry } from './types';
import { family as conv } from './conv';
import { family as pool } from './pool';
import { family as resize } from './resize';
import { family as linear } from './linear';
import { family as norm } from './norm';
import { family as activation } from './activation';
import { family as dropout } from './dropout';
import { family as losses } from './losses';
import { family as tensorOps } from './tensorOps';
import { family as creation } from './creation';
import { family as padding } from './padding';
import { family as recurrent } from './recurrent';

const families: Family[] = [conv, pool, resize, linear, norm, activation, dropout, losses, tensorOps, creation, padding, recurrent];

function merge(): TorchRegistry {
  const reg: TorchRegistry = { modules: new Map(), torch: new Map(), functional: new Map(), methods: new Map() };
  for (const f of families) {
    for (const [k, v] of Object.entries(f.modules ?? {})) reg.modules.set(k, v);
    for (const [k, v] of Object.entries(f.torch ?? {})) reg.torch.set(k, v);
    for (const [k, v] of Object.entries(f.functional ?? {})) reg.functional.set(k, v);
    for (const [k, v] of Object.entries(f.methods ?? {})) reg.methods.set(k, v);
  }
  return reg;
}

export const registry: TorchRegistry = merge();
