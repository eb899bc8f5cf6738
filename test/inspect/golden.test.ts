/**
 * The `--emulator-demo` scene, built deterministically (seeded kernel): its meaning checked
 * field by field, then its table and JSON compared with golden files
 * (test/inspect/golden/; regenerate with `npx vitest run test/inspect -u` after an
 * intended change, and review the diff).
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { buildLsmpDemoScene } from '../../lib/inspect/demo-scene.js';
import { formatReport, toLsmpJson } from '../../lib/inspect/format.js';
import { inspectAll } from '../../lib/inspect/inspect.js';
import type { PortEntry, TaskInspection } from '../../lib/inspect/types.js';

function entry(t: TaskInspection, name: number): PortEntry {
  const p = t.ports.find((x) => x.name === name);
  if (!p) throw new Error(`no entry 0x${name.toString(16)} in ${t.process}`);
  return p;
}

describe('the lsmp demo scene', async () => {
  const scene = await buildLsmpDemoScene();
  const report = inspectAll({ kernel: scene.kernel });
  const [server, client1, client2] = report.tasks;
  const n = scene.names;

  it('has the three live tasks (the worker has exited)', () => {
    expect(report.tasks.map((t) => t.process)).toEqual(['demo-server', 'demo-client-1', 'demo-client-2']);
    expect(report.tasks.map((t) => t.pid)).toEqual([scene.server.pid, scene.client1.pid, scene.client2.pid]);
  });

  it('the service: checked in, in the port set, one request queued, no-senders armed, both clients holding send rights', () => {
    const svc = entry(server!, n.service);
    expect(svc.rights).toEqual(['receive']);
    expect(svc.requests).toEqual(['no-senders']);
    expect(svc.receive).toMatchObject({ msgcount: 1, qlimit: 5, srights: true, sets: [n.portSet] });
    expect(svc.holders!.map((h) => [h.pid, h.name, h.rights, h.deadNameRequest])).toEqual([
      [scene.client1.pid, n.client1Service, ['send'], true],
      [scene.client2.pid, n.client2Service, ['send'], false],
    ]);
    expect(entry(server!, n.portSet).members).toEqual([n.service, n.control].sort((a, b) => a - b));
  });

  it('the clients’ send rights lead to the server’s service port', () => {
    for (const [t, name] of [[client1!, n.client1Service], [client2!, n.client2Service]] as const) {
      expect(entry(t, name).peer).toEqual({ state: 'task', pid: scene.server.pid, process: 'demo-server', name: n.service, qlimit: 5, msgcount: 1 });
    }
    expect(entry(client1!, n.client1Service).requests).toEqual(['dead-name']);
  });

  it('send-once reply rights: one held by the server, one in flight inside the queued request', () => {
    const so = entry(server!, n.serverReplyRight);
    expect(so.rights).toEqual(['send-once']);
    expect(so.peer).toMatchObject({ state: 'task', pid: scene.client1.pid, name: n.client1Reply });
    expect(entry(client1!, n.client1Reply).holders).toEqual([
      { pid: scene.server.pid, process: 'demo-server', name: n.serverReplyRight, rights: ['send-once'], urefs: 1, deadNameRequest: false },
    ]);
    const inFlight = entry(client2!, n.client2Reply);
    expect(inFlight.receive!.sorights).toBe(1);
    expect(inFlight.holders).toEqual([]);
  });

  it('a dead name left by the worker; task and bootstrap ports', () => {
    expect(entry(server!, n.serverDeadName)).toMatchObject({ rights: ['dead-name'], type: C.MACH_PORT_TYPE_DEAD_NAME, urefs: 1, object: 0 });
    expect(server!.summary).toMatchObject({ portSet: 1, deadName: 1, sendOnce: 1 });
    const self = entry(server!, scene.server.mach_task_self());
    expect(self.kobject).toMatchObject({ label: 'TASK-CONTROL', task: { pid: scene.server.pid, self: true } });
    expect(entry(client2!, scene.client2.bootstrap_port).peer!.state).toBe('service');
  });

  it('prints the golden table', async () => {
    await expect(formatReport(report).join('\n') + '\n').toMatchFileSnapshot('golden/demo-scene.txt');
  });

  it('prints the golden JSON', async () => {
    await expect(JSON.stringify(toLsmpJson(report), null, 2) + '\n').toMatchFileSnapshot('golden/demo-scene.json');
  });

  it('is the same on every build', async () => {
    const again = await buildLsmpDemoScene();
    expect(toLsmpJson(inspectAll({ kernel: again.kernel }))).toEqual(toLsmpJson(report));
  });
});
