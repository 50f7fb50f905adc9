/**
 * The notifier's outside world in a process of its own: the local Slack server and the
 * SNS sink (which also answers Secrets Manager with each team's webhook URL). Apart from
 * the bench process so that the CPU measured around the notifier's handler is the
 * notifier's alone. Prints one JSON line with the endpoints, then serves until SIGTERM.
 *
 *   node --import tsx bench/lib/notify-endpoints-child.ts '<json: { webhookSecrets: { secretName: team }, botSecretName, botToken }>'
 */
import { startSlackServer } from '../../cli/local/slack-server.js';
import { startSnsSink } from '../../cli/local/sns-sink.js';

interface ChildOptions {
  webhookSecrets: Record<string, string>;
  botSecretName: string;
  botToken: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const slack = await startSlackServer({ botToken: options.botToken });
const secrets: Record<string, string> = { [options.botSecretName]: JSON.stringify({ botToken: options.botToken, signingSecret: 'bench-signing-secret' }) };
for (const [secretName, team] of Object.entries(options.webhookSecrets)) secrets[secretName] = slack.webhookUrl(team);
const sns = await startSnsSink({ secrets });

const stop = async () => {
  await slack.stop();
  await sns.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.stdout.write(`${JSON.stringify({ slackUrl: slack.url, slackApiUrl: slack.apiUrl, snsUrl: sns.url })}\n`);
