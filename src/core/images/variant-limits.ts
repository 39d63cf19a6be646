/** The bounds on stored image variants (config) and this process's counters of them (metrics). */
export interface VariantCaps {
  /** Stored variants per asset (0: no cap). */
  perAsset: number;
  /** Bytes of stored variants per account (0: no cap). */
  bytesPerAccount: number;
  /** Delay (and period) of the eviction run armed by a variant over a cap. */
  evictionDelaySeconds: number;
}

/** Counters of this process, for /metrics. */
export interface VariantStats {
  stored: number;
  storedBytes: number;
  evicted: number;
  evictedBytes: number;
}
