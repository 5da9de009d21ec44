// A few Prometheus counters (requests by method and status, durations), no dependency needed.

export class Metrics {
  private readonly requests = new Map<string, number>();
  private durationSum = 0;
  private durationCount = 0;
  private readonly started = Date.now();

  observe(method: string, status: number, seconds: number): void {
    const key = `method="${method}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.durationSum += seconds;
    this.durationCount++;
  }

  render(
    pool: { totalCount: number; idleCount: number; waitingCount: number },
    refreshes?: Readonly<{ full: number; incremental: number }>,
  ): string {
    const lines = [
      '# HELP brokerstar_dav_requests_total HTTP requests by method and status.',
      '# TYPE brokerstar_dav_requests_total counter',
      ...[...this.requests].map(([k, v]) => `brokerstar_dav_requests_total{${k}} ${v}`),
      '# HELP brokerstar_dav_request_seconds Time spent answering requests.',
      '# TYPE brokerstar_dav_request_seconds summary',
      `brokerstar_dav_request_seconds_sum ${this.durationSum.toFixed(6)}`,
      `brokerstar_dav_request_seconds_count ${this.durationCount}`,
      '# TYPE brokerstar_dav_db_connections gauge',
      `brokerstar_dav_db_connections{state="total"} ${pool.totalCount}`,
      `brokerstar_dav_db_connections{state="idle"} ${pool.idleCount}`,
      `brokerstar_dav_db_connections{state="waiting"} ${pool.waitingCount}`,
      '# TYPE brokerstar_dav_uptime_seconds gauge',
      `brokerstar_dav_uptime_seconds ${((Date.now() - this.started) / 1000).toFixed(0)}`,
      ...(refreshes
        ? [
            '# HELP brokerstar_dav_collection_refreshes_total Collections brought up to date with BrokerStar, by how.',
            '# TYPE brokerstar_dav_collection_refreshes_total counter',
            `brokerstar_dav_collection_refreshes_total{mode="full"} ${refreshes.full}`,
            `brokerstar_dav_collection_refreshes_total{mode="incremental"} ${refreshes.incremental}`,
          ]
        : []),
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    ];
    return lines.join('\n') + '\n';
  }
}
