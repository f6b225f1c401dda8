/**
 * `$$NOW` and `$$CLUSTER_TIME` are one value for a whole command in MongoDB.
 * mingo computes `$$NOW` per evaluation, so the emulator replaces both
 * variables in an expression tree by `$literal` values fixed once per
 * command. Contents of `$literal` are left alone.
 */
import { Timestamp } from 'bson';
import { isPlainDoc } from '../bson/bson-types.ts';

/** The fixed values of a command's system variables. */
export interface SystemVariables {
  readonly now: Date;
  readonly clusterTime: Timestamp;
}

/** System variables for a command starting at `now`, when the cluster time is `clusterTime` (default: `now`'s second). */
export function systemVariablesAt(now: Date, clusterTime?: Timestamp): SystemVariables {
  return { now, clusterTime: clusterTime ?? new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 }) };
}

/** A copy of `expr` with `$$NOW` and `$$CLUSTER_TIME` replaced by literals. */
export function substituteSystemVariables<T>(expr: T, vars: SystemVariables): T {
  return substitute(expr, vars) as T;
}

function substitute(expr: unknown, vars: SystemVariables): unknown {
  if (typeof expr === 'string') {
    if (expr === '$$NOW') return { $literal: new Date(vars.now.getTime()) };
    if (expr === '$$CLUSTER_TIME') return { $literal: vars.clusterTime };
    return expr;
  }
  if (Array.isArray(expr)) return expr.map((item) => substitute(item, vars));
  if (isPlainDoc(expr)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(expr)) out[key] = key === '$literal' ? value : substitute(value, vars);
    return out;
  }
  return expr;
}
