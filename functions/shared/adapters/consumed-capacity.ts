/** Receives what each DynamoDB request consumed, by operation (tests and the benchmark). */
export type ConsumedCapacityListener = (operation: string, units: number) => void;

type Consumed = { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;

/**
 * Consumed capacity for whoever listens: requests ask DynamoDB for it (`TOTAL`) only
 * when someone does, so production requests carry nothing extra. A transaction or a
 * batch reports one entry per table; they are added up.
 */
export class CapacityMeter {
  public constructor(private readonly listener?: ConsumedCapacityListener) {}

  /** The request's ReturnConsumedCapacity: `TOTAL` while listened to, else left out. */
  public get request(): 'TOTAL' | undefined {
    return this.listener ? 'TOTAL' : undefined;
  }

  public record(operation: string, consumed: Consumed): void {
    if (!this.listener || !consumed) return;
    const list = Array.isArray(consumed) ? consumed : [consumed];
    this.listener(operation, list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0));
  }
}
