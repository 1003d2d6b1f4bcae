import type { ContainerDetail, ContainerStats } from '@airlock/contract/fleet';
import { pendingStatus } from '../hosts/hosts.module';
import { HostRuntime, type RuntimeSink } from './host.runtime';
import type { ParsedReport } from './ingest.parse';

/** A host that only pushes: its state is its last good report; stale after 3 missed intervals. */
export class AgentRuntime extends HostRuntime {
  lastReportAt: string | null = null;
  hostname: string | null = null;
  private staleTimer: NodeJS.Timeout | null = null;

  constructor(
    hostId: string,
    sink: RuntimeSink,
    private intervalSeconds: number,
  ) {
    super(hostId, sink);
    this.status = pendingStatus('No report received yet: install and start the agent (Settings → Hosts).');
  }

  start(): void {
    this.armStaleTimer();
  }

  stop(): void {
    this.stopped = true;
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = null;
  }

  setInterval(seconds: number): void {
    this.intervalSeconds = seconds;
    this.armStaleTimer();
  }

  /** Loads the persisted last good report (on start). */
  restore(
    receivedAt: string,
    hostname: string,
    containers: ContainerDetail[],
    stats: [string, ContainerStats][],
  ): void {
    this.lastReportAt = receivedAt;
    this.hostname = hostname;
    for (const c of containers) this.set(c);
    for (const [id, s] of stats) this.stats.set(id, s);
    this.status = { state: 'connected', reason: '', since: receivedAt };
    this.armStaleTimer();
  }

  apply(report: ParsedReport, receivedAt: string): void {
    if (this.stopped) return;
    this.lastReportAt = receivedAt;
    this.hostname = report.hostname;
    this.stats.clear();
    for (const [id, s] of report.stats) this.stats.set(id, s);
    this.reconcile(report.containers);
    // Every report moves lastReportAt, which the Hosts page shows: the host is re-sent either way.
    if (this.status.state === 'connected') this.sink.statusChanged(this.hostId);
    else this.setStatus('connected');
    this.armStaleTimer();
  }

  private armStaleTimer(): void {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = null;
    if (!this.lastReportAt) return;
    const staleAt = Date.parse(this.lastReportAt) + 3 * this.intervalSeconds * 1000;
    const markStale = () =>
      this.setStatus(
        'stale',
        `No report for ${3 * this.intervalSeconds} s (3 intervals); last at ${this.lastReportAt}. Is the agent running?`,
      );
    const wait = staleAt - Date.now();
    if (wait <= 0) markStale();
    else {
      this.staleTimer = setTimeout(markStale, wait);
      this.staleTimer.unref();
    }
  }
}
