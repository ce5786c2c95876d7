/** The operator's settings for one Paperclip company, checked before use. */

export interface PluginConfig {
  /** Base URL of the orgmind service, e.g. `http://127.0.0.1:8420`. */
  orgmindUrl: string;
  /** An orgmind API key covering `venture` with scopes read, write and approve. */
  orgmindApiKey: string;
  /** The orgmind venture this company's agents work for; created on first use if absent. */
  venture: string;
  /** Name given to the venture when the plugin creates it (default: the venture id). */
  ventureName: string;
  /** Role per Paperclip agent id or agent name; unlisted agents use their Paperclip role. */
  roles: Record<string, string>;
  /** Token budget of each wake-up brief. */
  briefBudgetTokens: number;
  /** Base URL of this Paperclip's API, used to file board approvals for gated decisions. */
  paperclipApiUrl: string;
  /** Board API key for `paperclipApiUrl`; empty in `local_trusted` mode. */
  paperclipApiKey: string;
}

/** A configuration value is missing or malformed; names the field. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`orgmind plugin config: ${field}: ${reason}`);
    this.name = "ConfigError";
  }
}

const SLUG = /^[a-z][a-z0-9_-]{0,39}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const configSchema = {
  type: "object",
  required: ["orgmindUrl", "orgmindApiKey", "venture", "paperclipApiUrl"],
  properties: {
    orgmindUrl: { type: "string", title: "orgmind URL", description: "Base URL of `orgmind serve`, e.g. http://127.0.0.1:8420" },
    orgmindApiKey: { type: "string", title: "orgmind API key", description: "From `orgmind keys create --venture V --scopes read,write,approve`" },
    venture: { type: "string", title: "orgmind venture", description: "Venture id this company maps to (created on first use)" },
    ventureName: { type: "string", title: "Venture name", description: "Name for a venture the plugin creates" },
    roles: {
      type: "object",
      title: "Agent roles",
      description: "Paperclip agent id or name -> orgmind role (slug); default: the agent's Paperclip role",
      additionalProperties: { type: "string" },
    },
    briefBudgetTokens: { type: "integer", minimum: 50, maximum: 100000, default: 1200, title: "Brief budget (tokens)" },
    paperclipApiUrl: { type: "string", title: "Paperclip API URL", description: "This instance's base URL, e.g. http://127.0.0.1:3100" },
    paperclipApiKey: { type: "string", title: "Paperclip board API key", description: "Needed only outside local_trusted mode" },
  },
} as const;

function text(raw: Record<string, unknown>, field: string, required: boolean): string {
  const value = raw[field];
  if (value === undefined || value === null || value === "") {
    if (required) throw new ConfigError(field, "is required");
    return "";
  }
  if (typeof value !== "string") throw new ConfigError(field, "must be a string");
  return value.trim();
}

function url(raw: Record<string, unknown>, field: string): string {
  const value = text(raw, field, true);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(field, `not a URL: ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new ConfigError(field, "must be http or https");
  return value.replace(/\/+$/, "");
}

/** Check a raw configuration object; throws ConfigError naming the first bad field. */
export function parseConfig(raw: Record<string, unknown>): PluginConfig {
  const venture = text(raw, "venture", true);
  if (!ID.test(venture)) throw new ConfigError("venture", "letters, digits, '_', '.', ':', '-', at most 128");
  const roles: Record<string, string> = {};
  const rawRoles = raw["roles"] ?? {};
  if (typeof rawRoles !== "object" || rawRoles === null || Array.isArray(rawRoles)) {
    throw new ConfigError("roles", "must be an object of agent -> role");
  }
  for (const [agent, role] of Object.entries(rawRoles)) {
    if (typeof role !== "string" || !SLUG.test(role)) {
      throw new ConfigError(`roles.${agent}`, "must be a role slug (a-z, digits, '_', '-', at most 40)");
    }
    roles[agent] = role;
  }
  const budget = raw["briefBudgetTokens"] ?? 1200;
  if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 50 || budget > 100000) {
    throw new ConfigError("briefBudgetTokens", "must be an integer from 50 to 100000");
  }
  return {
    orgmindUrl: url(raw, "orgmindUrl"),
    orgmindApiKey: text(raw, "orgmindApiKey", true),
    venture,
    ventureName: text(raw, "ventureName", false) || venture,
    roles,
    briefBudgetTokens: budget,
    paperclipApiUrl: url(raw, "paperclipApiUrl"),
    paperclipApiKey: text(raw, "paperclipApiKey", false),
  };
}

/** The orgmind role of a Paperclip agent: the configured one, else its Paperclip role as a slug. */
export function roleOf(config: PluginConfig, agent: { id: string; name?: string | null; role?: string | null }): string {
  const configured = config.roles[agent.id] ?? (agent.name ? config.roles[agent.name] : undefined);
  if (configured) return configured;
  const slug = (agent.role ?? "").toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 40);
  return SLUG.test(slug) ? slug : "agent";
}
