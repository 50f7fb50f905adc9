import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CachedSecrets, SecretUnavailableError } from '../../../functions/shared/adapters/notify/secrets.js';

const secretsManager = mockClient(SecretsManagerClient);

describe('adapter: secrets, cached per process', () => {
  beforeEach(() => secretsManager.reset());
  afterAll(() => secretsManager.restore());

  it('records notified at once share one read of a secret, and later calls use the cache', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 10));
      return { SecretString: 'https://hooks.slack.com/services/T0/B0/x' };
    });
    const secrets = new CachedSecrets({ client: new SecretsManagerClient({ region: 'us-east-1' }) });
    // Act
    const values = await Promise.all(Array.from({ length: 10 }, () => secrets.get('vigil/slack/payments')));
    const later = await secrets.get('vigil/slack/payments');
    // Assess
    expect(new Set([...values, later])).toEqual(new Set(['https://hooks.slack.com/services/T0/B0/x']));
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'vigil/slack/payments' }]);
  });

  it('a failed read fails every caller that shared it, and is not kept: the next call reads again', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Secrets Manager can’t find the specified secret.', $metadata: { httpStatusCode: 400 } }))
      .resolves({ SecretString: '{"url": "https://hooks.slack.com/services/T0/B0/y"}' });
    const secrets = new CachedSecrets({ client: new SecretsManagerClient({ region: 'us-east-1' }) });
    // Act
    const first = await Promise.allSettled([secrets.get('vigil/slack/data'), secrets.get('vigil/slack/data')]);
    const second = await secrets.get('vigil/slack/data');
    // Assess
    for (const outcome of first) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as SecretUnavailableError;
      expect(error).toBeInstanceOf(SecretUnavailableError);
      expect(error).toMatchObject({ secretName: 'vigil/slack/data', code: 'ResourceNotFoundException', retryable: false });
    }
    expect(second).toBe('{"url": "https://hooks.slack.com/services/T0/B0/y"}');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
