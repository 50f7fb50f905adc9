// Apart from config.ts so that routing at run time does not load the configuration parser.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/**
 * When an `expires` value stops applying, or undefined when it is not a real date. A date
 * alone is valid through that whole day, UTC: `expires: 2027-03-31` suppresses on the 31st.
 * A date-time needs its offset (no guessing of local time).
 */
export function expiryInstant(expires: string): Date | undefined {
  const match = DATE.exec(expires) ?? DATE_TIME.exec(expires);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (DATE.test(expires)) return new Date(calendar.getTime() + 24 * 60 * 60 * 1000);
  return new Date(Date.parse(expires));
}
