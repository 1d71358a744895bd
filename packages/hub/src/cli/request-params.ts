import { InfraError } from '@infrastructor/shared';

/** `--param k=v` repeated → raw params (the agent validates them against the command). */
export function paramsFromArgs(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InfraError('PARAM_INVALID', `--param expects key=value, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(params, key)) throw new InfraError('PARAM_INVALID', `--param ${key} given twice`);
    params[key] = pair.slice(eq + 1);
  }
  return params;
}
