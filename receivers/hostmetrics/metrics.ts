/**
 * The metrics of upstream hostmetricsreceiver's scrapers: names, units, types and whether each is
 * enabled by default (its `metrics.<name>.enabled` switch overrides that).
 */

export interface MetricDefinition {
  description: string;
  unit: string;
  /** sum: cumulative; monotonic says whether it only grows. */
  type: 'sum' | 'gauge';
  monotonic?: boolean;
  int: boolean;
  enabled: boolean;
}

const sum = (description: string, unit: string, int: boolean, monotonic = true, enabled = true): MetricDefinition => ({ description, unit, type: 'sum', monotonic, int, enabled });
const gauge = (description: string, unit: string, int: boolean, enabled = true): MetricDefinition => ({ description, unit, type: 'gauge', int, enabled });

export const SCRAPER_METRICS: Record<string, Record<string, MetricDefinition>> = {
  cpu: {
    'system.cpu.time': sum('Total seconds each logical CPU spent on each mode.', 's', false),
    'system.cpu.utilization': gauge('Difference in system.cpu.time since the last measurement per logical CPU, divided by the elapsed time (value in interval [0,1]).', '1', false, false),
    'system.cpu.logical.count': sum('Number of available logical CPUs.', '{cpu}', true, false, false),
    'system.cpu.frequency': gauge('Current frequency of the CPU core in Hz.', 'Hz', false, false),
  },
  load: {
    'system.cpu.load_average.1m': gauge('Average CPU Load over 1 minute.', '{thread}', false),
    'system.cpu.load_average.5m': gauge('Average CPU Load over 5 minutes.', '{thread}', false),
    'system.cpu.load_average.15m': gauge('Average CPU Load over 15 minutes.', '{thread}', false),
  },
  memory: {
    'system.memory.usage': sum('Bytes of memory in use.', 'By', true, false),
    'system.memory.utilization': gauge('Percentage of memory bytes in use.', '1', false, false),
    'system.memory.limit': sum('Total bytes of memory available.', 'By', true, false, false),
    'system.linux.memory.available': sum('An estimate of how much memory is available for starting new applications, without swapping.', 'By', true, false, false),
  },
  disk: {
    'system.disk.io': sum('Disk bytes transferred.', 'By', true),
    'system.disk.operations': sum('Disk operations count.', '{operations}', true),
    'system.disk.io_time': sum('Time disk spent activated. On Windows, this is calculated as the inverse of disk idle time.', 's', false),
    'system.disk.operation_time': sum('Time spent in disk operations.', 's', false),
    'system.disk.weighted_io_time': sum('Time disk spent activated multiplied by the queue length.', 's', false),
    'system.disk.pending_operations': sum('The queue size of pending I/O operations.', '{operations}', true, false),
    'system.disk.merged': sum('The number of disk reads/writes merged into single physical disk access operations.', '{operations}', true),
  },
  filesystem: {
    'system.filesystem.usage': sum('Filesystem bytes used.', 'By', true, false),
    'system.filesystem.inodes.usage': sum('FileSystem inodes used.', '{inodes}', true, false),
    'system.filesystem.utilization': gauge('Fraction of filesystem bytes used.', '1', false, false),
  },
  network: {
    'system.network.packets': sum('The number of packets transferred.', '{packets}', true),
    'system.network.dropped': sum('The number of packets dropped.', '{packets}', true),
    'system.network.errors': sum('The number of errors encountered.', '{errors}', true),
    'system.network.io': sum('The number of bytes transmitted and received.', 'By', true),
    'system.network.connections': sum('The number of connections.', '{connections}', true, false),
  },
  paging: {
    'system.paging.usage': sum('Swap (unix) or pagefile (windows) usage.', 'By', true, false),
    'system.paging.operations': sum('The number of paging operations.', '{operations}', true),
    'system.paging.faults': sum('The number of page faults.', '{faults}', true),
    'system.paging.utilization': gauge('Swap (unix) or pagefile (windows) utilization.', '1', false, false),
  },
  processes: {
    'system.processes.count': sum('Total number of processes in each state.', '{processes}', true, false),
    'system.processes.created': sum('Total number of created processes.', '{processes}', true),
  },
  process: {
    'process.cpu.time': sum('Total CPU seconds broken down by different states.', 's', false),
    'process.memory.usage': sum('The amount of physical memory in use.', 'By', true, false),
    'process.memory.virtual': sum('Virtual memory size.', 'By', true, false),
    'process.disk.io': sum('Disk bytes transferred.', 'By', true),
    'process.threads': sum('Process threads count.', '{threads}', true, false, false),
    'process.open_file_descriptors': sum('Number of file descriptors in use by the process.', '{count}', true, false, false),
    'process.disk.operations': sum('Number of disk operations performed by the process.', '{operations}', true, true, false),
    'process.memory.utilization': gauge('Percentage of total physical memory that is used by the process.', '1', false, false),
    'process.context_switches': sum('Number of times the process has been context switched.', '{count}', true, true, false),
    'process.paging.faults': sum('Number of page faults the process has made.', '{faults}', true, true, false),
    'process.uptime': gauge('The time the process has been running.', 's', false, false),
  },
  system: {
    'system.uptime': sum('The time the system has been running', 's', false, true, true),
  },
};

export const SCRAPERS = Object.keys(SCRAPER_METRICS);
