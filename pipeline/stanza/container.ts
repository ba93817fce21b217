/**
 * Upstream's `container` operator: Docker JSON, CRI-O and containerd log lines parsed,
 * partial lines (CRI `P`, Docker lines without a trailing newline) joined, and Kubernetes
 * metadata taken from the file path (/var/log/pods/NS_POD_UID/CONTAINER/N.log).
 */
import type { Entry } from './entry.js';
import { getField, parseField } from './field.js';
import type { OperatorBuilder } from './operator-types.js';
import { buildRecombine } from './recombine.js';
import { strptimeParser } from './timestamp.js';

const CRI = /^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>[^ ]*) ?(?<log>.*)$/s;
const K8S_PATH = /^.*\/(?<namespace>[^_]+)_(?<pod_name>[^_]+)_(?<uid>[a-f0-9-]+)\/(?<container_name>[^._]+)\/(?<restart_count>\d+)\.log$/;
const parseRfc3339 = strptimeParser('%Y-%m-%dT%H:%M:%S.%f%z');

function time(text: string): bigint {
  try {
    return parseRfc3339(text);
  } catch {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new Error(`container: cannot parse time "${text}"`);
    return BigInt(ms) * 1_000_000n;
  }
}

type Format = 'docker' | 'crio' | 'containerd';

export const buildContainerParser: OperatorBuilder = (c) => {
  const fixed = c.format as Format | undefined;
  if (fixed !== undefined && !['docker', 'crio', 'containerd'].includes(fixed)) throw new Error(`unknown format "${String(fixed)}"; expected docker, crio or containerd`);
  const addMetadata = c.add_metadata_from_filepath !== false;
  const pathField = parseField('attributes["log.file.path"]');
  const common = { combine_field: 'body', source_identifier: 'attributes["log.file.path"]', max_log_size: typeof c.max_log_size === 'number' ? c.max_log_size : 0, combine_with: '' };
  const criJoin = buildRecombine({ type: 'recombine', ...common, is_last_entry: 'attributes.logtag == "F"' });
  const dockerJoin = buildRecombine({ type: 'recombine', ...common, is_last_entry: 'body endsWith "\\n"' });

  const finish = (e: Entry, send: (e: Entry) => void) => {
    if (typeof e.body === 'string' && e.body.endsWith('\n')) e.body = e.body.slice(0, -1);
    if (addMetadata) {
      const path = getField(e, pathField);
      if (typeof path !== 'string') throw new Error('container: attributes["log.file.path"] is missing; set include_file_path: true');
      const m = K8S_PATH.exec(path);
      if (m?.groups) {
        e.resource['k8s.namespace.name'] = m.groups.namespace;
        e.resource['k8s.pod.name'] = m.groups.pod_name;
        e.resource['k8s.pod.uid'] = m.groups.uid;
        e.resource['k8s.container.name'] = m.groups.container_name;
        e.resource['k8s.container.restart_count'] = m.groups.restart_count;
      }
    }
    send(e);
  };

  return {
    process(e, send) {
      if (typeof e.body !== 'string') throw new Error('container: body is not a string');
      const format: Format = fixed ?? (e.body.startsWith('{') ? 'docker' : /^[^ ]+Z /.test(e.body) ? 'containerd' : 'crio');
      if (format === 'docker') {
        const doc = JSON.parse(e.body) as { log?: unknown; stream?: unknown; time?: unknown };
        if (typeof doc.log !== 'string') throw new Error('container: docker line has no "log" string');
        e.body = doc.log;
        if (typeof doc.stream === 'string') e.attributes['log.iostream'] = doc.stream;
        if (typeof doc.time === 'string') e.timestamp = time(doc.time);
        return dockerJoin.process(e, (x) => finish(x, send));
      }
      const m = CRI.exec(e.body);
      if (!m?.groups) throw new Error(`container: line is not in ${format} format`);
      e.body = m.groups.log;
      e.attributes['log.iostream'] = m.groups.stream;
      e.attributes.logtag = m.groups.logtag;
      e.timestamp = time(m.groups.time);
      criJoin.process(e, (x) => finish(x, send));
    },
    flushStale(send) {
      criJoin.flushStale!((x) => finish(x, send));
      dockerJoin.flushStale!((x) => finish(x, send));
    },
    held() {
      return [...criJoin.held!(), ...dockerJoin.held!()];
    },
  };
};
