import { normalizeCommand, UsageError } from './commands/normalize.js';

const HELP = `vigil: compliance findings for AWS Organizations

Commands:
  normalize FILE   print the finding each event makes (one JSON line per event);
                   FILE holds one event, a JSON array of events, or JSON Lines
  backfill --table NAME [--endpoint URL] FILE...
                   replay history (trail log files with Records[], .gz or not,
                   bare CloudTrail records, or events) through the same
                   detections into the findings table
  route FILE [--org FILE] [--config FILE] [--role ARN]
                   each finding's id, owning team and how it was routed, with the
                   directory from a file (--org) or from AWS Organizations
  suppressions --dry-run FILE [--org FILE] [--config FILE]
                   which findings the configuration's suppression rules would hide
  staging-report --table NOTIFICATIONS_TABLE [--days N]
                   what the rules in staging would have sent
  reconcile --table NAME [--dry-run | --quiet] [--region R] [--aggregator NAME]
                   compare the AWS Config aggregator with the Region's findings:
                   print what to open and resolve per rule, account and Region;
                   without --dry-run apply it (--quiet: without notifications)
  token --team T [--team U] | --admin
                   a token for the local query API (printed as the last line)
  local [flags]    run Vigil on this machine (what \`npm start\` runs)
  help             this text
`;

/** Runs one command; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    switch (command) {
      case 'normalize':
        return normalizeCommand(args, out);
      case 'backfill': {
        const { backfillCommand } = await import('./commands/backfill.js');
        return await backfillCommand(args, out);
      }
      case 'route': {
        const { routeCommand } = await import('./commands/route.js');
        return await routeCommand(args, out);
      }
      case 'suppressions': {
        const { suppressionsCommand } = await import('./commands/route.js');
        return await suppressionsCommand(args, out);
      }
      case 'staging-report': {
        const { stagingReportCommand } = await import('./commands/staging-report.js');
        return await stagingReportCommand(args, out);
      }
      case 'reconcile': {
        const { reconcileCommand } = await import('./commands/reconcile.js');
        return await reconcileCommand(args, out);
      }
      case 'token': {
        const { tokenCommand } = await import('./commands/token.js');
        return await tokenCommand(args, out);
      }
      case 'local': {
        const { localCommand } = await import('./commands/local.js');
        return await localCommand(args, out);
      }
      case undefined:
      case 'help':
      case '--help':
        out(HELP);
        return 0;
      default:
        process.stderr.write(`vigil: unknown command "${command}"\n${HELP}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`vigil ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}
