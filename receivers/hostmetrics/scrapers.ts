/**
 * The scrapers: each reads the kernel's numbers and records them under upstream's metric names
 * and attributes. A recorded value whose metric is disabled is dropped later, in one place.
 */
import { SECTOR_BYTES, type ProcFs } from './procfs.js';

export interface Point {
  metric: string;
  attributes: Record<string, string>;
  value: number;
}

export interface ProcessPoints {
  resource: Record<string, string | number>;
  points: Point[];
}

export interface FilterConfig {
  names?: string[];
  match_type?: 'strict' | 'regexp';
}

export interface ScraperConfig {
  metrics?: Record<string, { enabled?: boolean }>;
  // load
  cpu_average?: boolean;
  // disk, network, filesystem
  include?: { devices?: string[]; interfaces?: string[]; names?: string[]; match_type?: 'strict' | 'regexp' };
  exclude?: { devices?: string[]; interfaces?: string[]; names?: string[]; match_type?: 'strict' | 'regexp' };
  include_devices?: FilterConfig & { devices?: string[] };
  exclude_devices?: FilterConfig & { devices?: string[] };
  include_fs_types?: FilterConfig & { fs_types?: string[] };
  exclude_fs_types?: FilterConfig & { fs_types?: string[] };
  include_mount_points?: FilterConfig & { mount_points?: string[] };
  exclude_mount_points?: FilterConfig & { mount_points?: string[] };
  include_virtual_filesystems?: boolean;
  // process
  mute_process_name_error?: boolean;
  mute_process_exe_error?: boolean;
  mute_process_io_error?: boolean;
  mute_process_user_error?: boolean;
  mute_process_cgroup_error?: boolean;
  mute_process_all_errors?: boolean;
  scrape_process_delay?: string;
}

/** An include / exclude pair of name lists (strict or regexp) as one predicate. */
export function nameFilter(include: string[] | undefined, exclude: string[] | undefined, matchType: 'strict' | 'regexp' | undefined, excludeMatchType = matchType): (name: string) => boolean {
  const compile = (names: string[] | undefined, type: 'strict' | 'regexp' | undefined) => {
    if (!names?.length) return undefined;
    if (type === 'regexp') {
      const res = names.map((n) => new RegExp(n));
      return (s: string) => res.some((re) => re.test(s));
    }
    const set = new Set(names);
    return (s: string) => set.has(s);
  };
  const inc = compile(include, matchType);
  const exc = compile(exclude, excludeMatchType);
  return (name) => (!inc || inc(name)) && !(exc && exc(name));
}

const p = (metric: string, value: number, attributes: Record<string, string> = {}): Point => ({ metric, attributes, value });

export function scrapeCpu(fs: ProcFs, previous: { times?: ReturnType<ProcFs['cpuTimes']>; at?: number }): Point[] {
  const times = fs.cpuTimes();
  const now = Date.now();
  const out: Point[] = [];
  for (const { cpu, times: t } of times) for (const [state, v] of Object.entries(t)) out.push(p('system.cpu.time', v, { cpu, state }));
  if (previous.times && previous.at) {
    const elapsed = (now - previous.at) / 1000;
    for (const { cpu, times: t } of times) {
      const before = previous.times.find((x) => x.cpu === cpu);
      if (!before || elapsed <= 0) continue;
      for (const [state, v] of Object.entries(t)) out.push(p('system.cpu.utilization', Math.max(0, (v - before.times[state]) / elapsed), { cpu, state }));
    }
  }
  previous.times = times;
  previous.at = now;
  out.push(p('system.cpu.logical.count', times.length));
  for (const { cpu } of times) {
    try {
      const khz = Number(fs.read('sys', 'devices', 'system', 'cpu', cpu, 'cpufreq', 'scaling_cur_freq'));
      out.push(p('system.cpu.frequency', khz * 1000, { cpu }));
    } catch {
      // no cpufreq (VMs, containers): no frequency
    }
  }
  return out;
}

export function scrapeLoad(fs: ProcFs, config: ScraperConfig): Point[] {
  const divisor = config.cpu_average ? fs.cpuTimes().length || 1 : 1;
  const [a, b, c] = fs.loadAverage();
  return [p('system.cpu.load_average.1m', a / divisor), p('system.cpu.load_average.5m', b / divisor), p('system.cpu.load_average.15m', c / divisor)];
}

/** As upstream (through gopsutil) computes it: cached includes reclaimable slab; used is what remains. */
export function scrapeMemory(fs: ProcFs): Point[] {
  const m = fs.memInfo();
  const cached = (m.Cached ?? 0) + (m.SReclaimable ?? 0);
  const used = m.MemTotal - m.MemFree - (m.Buffers ?? 0) - cached;
  const usage: [string, number][] = [
    ['used', used],
    ['free', m.MemFree],
    ['buffered', m.Buffers ?? 0],
    ['cached', cached],
    ['slab_reclaimable', m.SReclaimable ?? 0],
    ['slab_unreclaimable', m.SUnreclaim ?? 0],
  ];
  return [
    ...usage.map(([state, v]) => p('system.memory.usage', v, { state })),
    ...usage.map(([state, v]) => p('system.memory.utilization', v / m.MemTotal, { state })),
    p('system.memory.limit', m.MemTotal),
    p('system.linux.memory.available', m.MemAvailable ?? 0),
  ];
}

export function scrapeDisk(fs: ProcFs, config: ScraperConfig): Point[] {
  const keep = nameFilter(config.include?.devices, config.exclude?.devices, config.include?.match_type, config.exclude?.match_type);
  const out: Point[] = [];
  for (const d of fs.diskStats()) {
    if (!keep(d.device)) continue;
    const device = d.device;
    out.push(
      p('system.disk.io', d.readSectors * SECTOR_BYTES, { device, direction: 'read' }),
      p('system.disk.io', d.writeSectors * SECTOR_BYTES, { device, direction: 'write' }),
      p('system.disk.operations', d.reads, { device, direction: 'read' }),
      p('system.disk.operations', d.writes, { device, direction: 'write' }),
      p('system.disk.io_time', d.ioMs / 1000, { device }),
      p('system.disk.operation_time', d.readMs / 1000, { device, direction: 'read' }),
      p('system.disk.operation_time', d.writeMs / 1000, { device, direction: 'write' }),
      p('system.disk.weighted_io_time', d.weightedMs / 1000, { device }),
      p('system.disk.pending_operations', d.inProgress, { device }),
      p('system.disk.merged', d.readsMerged, { device, direction: 'read' }),
      p('system.disk.merged', d.writesMerged, { device, direction: 'write' }),
    );
  }
  return out;
}

export function scrapeFilesystem(fs: ProcFs, config: ScraperConfig, warn: (m: string) => void): Point[] {
  const device = nameFilter(config.include_devices?.devices, config.exclude_devices?.devices, config.include_devices?.match_type, config.exclude_devices?.match_type);
  const type = nameFilter(config.include_fs_types?.fs_types, config.exclude_fs_types?.fs_types, config.include_fs_types?.match_type, config.exclude_fs_types?.match_type);
  const mount = nameFilter(config.include_mount_points?.mount_points, config.exclude_mount_points?.mount_points, config.include_mount_points?.match_type, config.exclude_mount_points?.match_type);
  const virtual = config.include_virtual_filesystems ? new Set<string>() : fs.virtualFilesystemTypes();
  const out: Point[] = [];
  const seen = new Set<string>();
  for (const m of fs.mounts()) {
    if (virtual.has(m.type) || !device(m.device) || !type(m.type) || !mount(m.mountpoint) || seen.has(m.mountpoint)) continue;
    seen.add(m.mountpoint);
    let s;
    try {
      s = fs.statfs(m.mountpoint);
    } catch (err) {
      warn(`filesystem ${m.mountpoint}: ${(err as Error).message}`);
      continue;
    }
    const attrs = { device: m.device, mode: m.options.includes('ro') ? 'ro' : 'rw', mountpoint: m.mountpoint, type: m.type };
    const used = (s.blocks - s.bfree) * s.bsize;
    const free = s.bavail * s.bsize;
    const reserved = (s.bfree - s.bavail) * s.bsize;
    out.push(
      p('system.filesystem.usage', used, { ...attrs, state: 'used' }),
      p('system.filesystem.usage', free, { ...attrs, state: 'free' }),
      p('system.filesystem.usage', reserved, { ...attrs, state: 'reserved' }),
      p('system.filesystem.inodes.usage', s.files - s.ffree, { ...attrs, state: 'used' }),
      p('system.filesystem.inodes.usage', s.ffree, { ...attrs, state: 'free' }),
    );
    if (used + free > 0) out.push(p('system.filesystem.utilization', used / (used + free), attrs));
  }
  return out;
}

export function scrapeNetwork(fs: ProcFs, config: ScraperConfig): Point[] {
  const keep = nameFilter(config.include?.interfaces, config.exclude?.interfaces, config.include?.match_type, config.exclude?.match_type);
  const out: Point[] = [];
  for (const d of fs.netDev()) {
    if (!keep(d.device)) continue;
    const device = d.device;
    out.push(
      p('system.network.packets', d.txPackets, { device, direction: 'transmit' }),
      p('system.network.packets', d.rxPackets, { device, direction: 'receive' }),
      p('system.network.dropped', d.txDropped, { device, direction: 'transmit' }),
      p('system.network.dropped', d.rxDropped, { device, direction: 'receive' }),
      p('system.network.errors', d.txErrors, { device, direction: 'transmit' }),
      p('system.network.errors', d.rxErrors, { device, direction: 'receive' }),
      p('system.network.io', d.txBytes, { device, direction: 'transmit' }),
      p('system.network.io', d.rxBytes, { device, direction: 'receive' }),
    );
  }
  for (const [state, n] of fs.tcpStates()) out.push(p('system.network.connections', n, { protocol: 'tcp', state }));
  return out;
}

export function scrapePaging(fs: ProcFs): Point[] {
  const out: Point[] = [];
  for (const s of fs.swaps()) {
    out.push(p('system.paging.usage', s.used, { device: s.device, state: 'used' }), p('system.paging.usage', s.size - s.used, { device: s.device, state: 'free' }));
    if (s.size > 0) out.push(p('system.paging.utilization', s.used / s.size, { device: s.device, state: 'used' }), p('system.paging.utilization', (s.size - s.used) / s.size, { device: s.device, state: 'free' }));
  }
  const v = fs.vmstat();
  out.push(
    p('system.paging.operations', v.pswpin ?? 0, { direction: 'page_in', type: 'major' }),
    p('system.paging.operations', v.pswpout ?? 0, { direction: 'page_out', type: 'major' }),
    p('system.paging.operations', v.pgpgin ?? 0, { direction: 'page_in', type: 'minor' }),
    p('system.paging.operations', v.pgpgout ?? 0, { direction: 'page_out', type: 'minor' }),
    p('system.paging.faults', v.pgmajfault ?? 0, { type: 'major' }),
    p('system.paging.faults', (v.pgfault ?? 0) - (v.pgmajfault ?? 0), { type: 'minor' }),
  );
  return out;
}

const PROCESS_STATUS: Record<string, string> = { R: 'running', S: 'sleeping', D: 'blocked', Z: 'zombies', T: 'stopped', t: 'stopped', X: 'dead', I: 'idle', W: 'paging' };

export function scrapeProcesses(fs: ProcFs): Point[] {
  const counts = new Map<string, number>();
  for (const pid of fs.pids()) {
    try {
      const status = PROCESS_STATUS[fs.processStat(pid).state] ?? 'unknown';
      counts.set(status, (counts.get(status) ?? 0) + 1);
    } catch {
      // exited meanwhile
    }
  }
  const out = [...counts].map(([status, n]) => p('system.processes.count', n, { status }));
  out.push(p('system.processes.created', fs.statCounters().processes ?? 0));
  return out;
}

export function scrapeSystem(fs: ProcFs): Point[] {
  return [p('system.uptime', fs.uptimeSeconds())];
}

/** Per process: its resource (upstream's process.* attributes) and its points. */
export function scrapeProcess(fs: ProcFs, config: ScraperConfig, keep: (name: string) => boolean, warn: (m: string) => void): ProcessPoints[] {
  const users = fs.users();
  const boot = fs.statCounters().btime ?? 0;
  const now = Date.now() / 1000;
  const memTotal = fs.memInfo().MemTotal ?? 0;
  const mute = (which: keyof ScraperConfig) => config.mute_process_all_errors || !!config[which];
  const out: ProcessPoints[] = [];
  for (const pid of fs.pids()) {
    let stat;
    try {
      stat = fs.processStat(pid);
    } catch {
      continue; // exited meanwhile
    }
    let exe = '';
    try {
      exe = fs.processExe(pid);
    } catch (err) {
      if (!mute('mute_process_exe_error') && stat.ppid !== 2 && pid !== 2) warn(`process ${pid} (${stat.comm}): cannot read its executable: ${(err as Error).message}`);
    }
    const name = exe ? exe.slice(exe.lastIndexOf('/') + 1) : stat.comm;
    if (!keep(name)) continue;
    let args: string[] = [];
    let owner = '';
    let status: Record<string, string> = {};
    try {
      args = fs.processCmdline(pid);
      status = fs.processStatus(pid);
      const uid = Number((status.Uid ?? '').split('\t')[0]);
      owner = users.get(uid) ?? String(uid);
    } catch (err) {
      if (!mute('mute_process_user_error')) warn(`process ${pid} (${name}): ${(err as Error).message}`);
    }
    const resource: Record<string, string | number> = {
      'process.pid': pid,
      'process.parent_pid': stat.ppid,
      'process.executable.name': name,
      'process.executable.path': exe,
      'process.command': args[0] ?? '',
      'process.command_line': args.join(' '),
      'process.owner': owner,
    };
    const rss = stat.rssPages * 4096;
    const points: Point[] = [
      p('process.cpu.time', stat.utime, { state: 'user' }),
      p('process.cpu.time', stat.stime, { state: 'system' }),
      p('process.memory.usage', rss),
      p('process.memory.virtual', stat.vsize),
      p('process.threads', stat.threads),
      p('process.paging.faults', stat.majflt, { type: 'major' }),
      p('process.paging.faults', stat.minflt, { type: 'minor' }),
      p('process.uptime', now - (boot + stat.startTicks / 100)),
    ];
    if (memTotal) points.push(p('process.memory.utilization', rss / memTotal));
    if (status.voluntary_ctxt_switches !== undefined) {
      points.push(
        p('process.context_switches', Number(status.voluntary_ctxt_switches), { type: 'voluntary' }),
        p('process.context_switches', Number(status.nonvoluntary_ctxt_switches), { type: 'involuntary' }),
      );
    }
    try {
      const io = fs.processIo(pid);
      points.push(
        p('process.disk.io', io.read_bytes ?? 0, { direction: 'read' }),
        p('process.disk.io', io.write_bytes ?? 0, { direction: 'write' }),
        p('process.disk.operations', io.syscr ?? 0, { direction: 'read' }),
        p('process.disk.operations', io.syscw ?? 0, { direction: 'write' }),
      );
    } catch (err) {
      if (!mute('mute_process_io_error')) warn(`process ${pid} (${name}): cannot read its I/O: ${(err as Error).message}`);
    }
    try {
      points.push(p('process.open_file_descriptors', fs.processFdCount(pid)));
    } catch {
      // not ours to read
    }
    out.push({ resource, points });
  }
  return out;
}
