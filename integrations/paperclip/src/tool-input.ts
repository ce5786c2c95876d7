/** Checks an agent's tool parameters; a ToolInputError names the parameter and the reason. */

export class ToolInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "ToolInputError";
  }
}

export type Params = Record<string, unknown>;

export function asParams(raw: unknown): Params {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ToolInputError("(parameters)", "must be an object");
  return raw as Params;
}

export function str(p: Params, field: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const value = p[field];
  if (value === undefined || value === null || value === "") {
    if (opts.required) throw new ToolInputError(field, "is required");
    return undefined;
  }
  if (typeof value !== "string") throw new ToolInputError(field, "must be a string");
  if (!value.trim()) throw new ToolInputError(field, "must not be blank");
  if (opts.max !== undefined && value.length > opts.max) throw new ToolInputError(field, `at most ${opts.max} characters`);
  return value.trim();
}

export function num(p: Params, field: string, opts: { min: number; max: number; integer?: boolean; required?: boolean }): number | undefined {
  const value = p[field];
  if (value === undefined || value === null) {
    if (opts.required) throw new ToolInputError(field, "is required");
    return undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ToolInputError(field, "must be a number");
  if (opts.integer && !Number.isInteger(value)) throw new ToolInputError(field, "must be an integer");
  if (value < opts.min || value > opts.max) throw new ToolInputError(field, `must be from ${opts.min} to ${opts.max}`);
  return value;
}

export function strList(p: Params, field: string, maxItems = 20): string[] | undefined {
  const value = p[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw new ToolInputError(field, "must be a list of strings");
  if (value.length > maxItems) throw new ToolInputError(field, `at most ${maxItems} items`);
  return value as string[];
}

export function oneOf<T extends string>(p: Params, field: string, choices: readonly T[], fallback: T): T {
  const value = p[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new ToolInputError(field, `must be one of: ${choices.join(", ")}`);
  }
  return value as T;
}

export function object(p: Params, field: string): Record<string, unknown> | undefined {
  const value = p[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw new ToolInputError(field, "must be an object");
  return value as Record<string, unknown>;
}
