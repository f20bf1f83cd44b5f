import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process, exposed at GET /metrics in Prometheus text format. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'tidewatch_' });

export const metrics = {
  httpRequests: new Counter({
    name: 'tidewatch_http_requests_total',
    help: 'HTTP requests by route group and status',
    labelNames: ['route', 'status'],
    registers: [registry],
  }),
  socketConnections: new Gauge({
    name: 'tidewatch_socket_connections',
    help: 'Open Socket.IO connections by namespace',
    labelNames: ['namespace'],
    registers: [registry],
  }),
  socketErrors: new Counter({
    name: 'tidewatch_socket_errors_total',
    help: 'Rejected socket handshakes and messages by namespace and error code',
    labelNames: ['namespace', 'code'],
    registers: [registry],
  }),
  scanBatches: new Counter({
    name: 'tidewatch_scan_batches_total',
    help: 'Scan batch transactions: committed, decided again with zones locked (a zone filled up meanwhile), retried after a deadlock, isolating (one scan could not be written: the batch is split to find it), scan_refused (that scan), failed (devices told to retry)',
    labelNames: ['outcome'],
    registers: [registry],
  }),
  scanSettlements: new Counter({
    name: 'tidewatch_scan_settlements_total',
    help: "Scans decided online late (the gate had been told unavailable) and settled by the gate's upload: agreed, or corrected to what the gate did",
    labelNames: ['outcome'],
    registers: [registry],
  }),
  heartbeats: new Counter({
    name: 'tidewatch_gate_heartbeats_total',
    help: 'Gate device heartbeats recorded',
    registers: [registry],
  }),
};
