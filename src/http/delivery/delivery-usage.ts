import type { Asset } from '../../core/assets/asset.js';
import type { DeliveryUsage, UsageMeter } from '../../core/usage/usage-meter.js';
import type { DeliveryKind } from '../../core/usage/usage-metrics.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';

/** sendBlob's usage option for a delivery of `asset`: counted against its account and itself. */
export function deliveryUsage(
  runtime: KilnRuntime,
  asset: Pick<Asset, 'id' | 'accountId'>,
  kind: DeliveryKind,
  segmentSeconds?: number,
): DeliveryUsage & { meter: UsageMeter } {
  return { meter: runtime.usage.meter, accountId: asset.accountId, assetId: asset.id, kind, segmentSeconds };
}
