/**
 * One line of `kiln doctor`: what was checked, the verdict, what was found and, when it is not ok,
 * what to do. `fail` means Kiln cannot do part of its work; `warn` that it can, with a limitation.
 */
export type Verdict = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  verdict: Verdict;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

/** A check returns one or more lines; one that throws is reported as a fail with its message. */
export type DoctorCheck = () => Promise<CheckResult | CheckResult[]>;

export const ok = (name: string, detail: string): CheckResult => ({ name, verdict: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  verdict: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  verdict: 'fail',
  detail,
  fix,
});

/** Runs the checks one after the other (their lines stay in order), never throwing. */
export async function runChecks(checks: Array<[name: string, check: DoctorCheck]>): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, check] of checks) {
    try {
      const r = await check();
      results.push(...(Array.isArray(r) ? r : [r]));
    } catch (err) {
      results.push(
        fail(name, (err as Error).message ?? String(err), 'see the message; then run `kiln doctor` again'),
      );
    }
  }
  return results;
}
