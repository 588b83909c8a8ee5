import type { Family } from './types';

export const family: Family = {};
