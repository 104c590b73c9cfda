/** `${env:NAME}` in config strings: secrets stay in the environment (e.g. a systemd EnvironmentFile). */

export interface EnvProblem {
  /** Where in the expanded value, e.g. ["url"] or ["headers", "Authorization"]. */
  path: PropertyKey[];
  message: string;
}

const REFERENCE = /\$\{env:([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expands every string inside `value` (objects and arrays too); a missing or empty variable is a problem. */
export function expandEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[] = [],
): { value: unknown; problems: EnvProblem[] } {
  const problems: EnvProblem[] = [];
  const walk = (v: unknown, at: PropertyKey[]): unknown => {
    if (typeof v === "string")
      return expandString(v, env, (message) => problems.push({ path: at, message }));
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, i]));
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...at, k])]));
    }
    return v;
  };
  return { value: walk(value, path), problems };
}

function expandString(text: string, env: NodeJS.ProcessEnv, problem: (m: string) => void): string {
  return text.replace(REFERENCE, (whole, name: string) => {
    if (!NAME.test(name)) {
      problem(`${whole}: expected \${env:NAME} with a variable name (letters, digits, _)`);
      return whole;
    }
    const found = env[name];
    if (found === undefined) problem(`environment variable ${name} is not set`);
    else if (found === "") problem(`environment variable ${name} is empty`);
    return found ?? whole;
  });
}
