#!/usr/bin/python3
"""Arsenal's lab: real Ironic 21.4 on loopback with N machines whose fake agents really download.

    lab.py [--nodes N] [--port P] [--state-dir DIR] [--heartbeat-timeout S] [--keep-state]
           [--no-install] [--debug]

Starts Ironic (Debian's python3-ironic: API and conductor in one process, sqlite, noauth,
rpc_transport=none, the plugin's arsenal-direct deploy (and direct), noop network, [deploy]
fast_track = true) with the lab's hardware type `arsenal-lab` (tests/lab/ironic-plugin/) and the
Arsenal plugin from plugins/ironic/ on its PYTHONPATH, and the machines process
(tests/lab/fake_ipa/: N machines, each a disk file and, when booted into the agent, a fake
ironic-python-agent 9.4 on its own loopback port). Then enrolls N nodes (one port each, the
machine's MAC), manages and provides them: cleaning boots each agent, which erases the disk;
fast track keeps the agents up, and the nodes end `available` with agents heartbeating.

When ready it prints ONE line on stdout:

    {"ironic": "http://127.0.0.1:PORT", "nodes": ["<uuid>", ...]}

and writes DIR/lab.json with more (control endpoint, machines, timings). It runs until SIGTERM
or SIGINT (or its parent process ends), then stops everything and removes DIR unless it was
given or --keep-state. Progress and errors go to stderr; logs are in DIR/logs/.

As root on a fresh Debian 12 it first installs python3-ironic (apt-get, no recommends).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration', 'harness'))
import openstack_services as osv  # noqa: E402 - the integration harness's process handling

PY = '/usr/bin/python3'
HOST = '127.0.0.1'
LAB_PLUGIN_DIR = os.path.join(HERE, 'ironic-plugin')
ARSENAL_PLUGIN_DIR = os.path.join(ROOT, 'plugins', 'ironic')
PACKAGES = ['python3-ironic']
API_VERSION = '1.82'
READY_DEADLINE = 300  # seconds for every node to reach available with a live agent
ENROLL_CONCURRENCY = 8  # Ironic is one process on sqlite: more threads do not help

# The vendor interfaces the lab enables; the first is every node's: the Arsenal plugin's
# (plugins/ironic/, arsenal_ironic.vendor.ArsenalVendor).
VENDOR_INTERFACES = ['arsenal', 'no-vendor', 'fake']
# The deploy interfaces the lab enables; the first is every node's: the plugin's arsenal-direct (a
# deploy that meets a caching agent waits for it), beside upstream's direct.
DEPLOY_INTERFACES = ['arsenal-direct', 'direct']


IRONIC_CONF = """\
[DEFAULT]
auth_strategy = noauth
host = arsenal-lab
rpc_transport = none
debug = {debug}
log_file = {S}/logs/ironic.log
enabled_hardware_types = arsenal-lab
enabled_bios_interfaces = no-bios
enabled_boot_interfaces = arsenal-lab,fake
enabled_console_interfaces = no-console
enabled_deploy_interfaces = {deploys}
enabled_inspect_interfaces = no-inspect
enabled_management_interfaces = arsenal-lab,fake
enabled_network_interfaces = noop
enabled_power_interfaces = arsenal-lab
enabled_raid_interfaces = no-raid
enabled_rescue_interfaces = no-rescue
enabled_storage_interfaces = noop
enabled_vendor_interfaces = {vendors}
default_boot_interface = arsenal-lab
default_management_interface = arsenal-lab
default_deploy_interface = {deploy}
default_network_interface = noop
default_vendor_interface = {vendor}

[api]
host_ip = {HOST}
port = {port}
# the agents heartbeat every 0.3-0.6 x this
ramdisk_heartbeat_timeout = {hb}

[deploy]
fast_track = true
fast_track_timeout = {hb}

[agent]
deploy_logs_local_path = {S}/deploy-logs
# the lab's agents power off within a second of standby.power_off
post_deploy_get_power_state_retry_interval = 1

[service_catalog]
# what the boot interface hands the agent as ipa-api-url
endpoint_override = http://{HOST}:{port}
auth_type = none

[database]
connection = sqlite:///{S}/ironic/ironic.sqlite

[dhcp]
dhcp_provider = none

[conductor]
automated_clean = true

[arsenal_lab]
control_url = {control}

[arsenal]
# the plugin's record check: caching becomes cached within a second or two
cache_check_interval = 1

[oslo_concurrency]
lock_path = {S}/ironic/lock
"""


def log(msg):
    sys.stderr.write('[lab %6.1fs] %s\n' % (time.monotonic() - osv.T0, msg))
    sys.stderr.flush()


def ironic_call(base, method, path, body=None, expect=(200, 201, 202, 204)):
    """One Ironic API request at the lab's microversion; returns the decoded body."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header('Content-Type', 'application/json')
    req.add_header('X-OpenStack-Ironic-API-Version', API_VERSION)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, text = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status not in expect:
        raise osv.HarnessError('Cannot %s %s: HTTP %s %s' % (
            method, path, status, text.decode(errors='replace')[:500]))
    return json.loads(text) if text else None


class Lab:
    """The lab's processes and nodes, under one state directory."""

    def __init__(self, args, state_dir):
        self.args = args
        self.sv = osv.Services(state_dir)
        self.S = self.sv.S
        self.timings = {}
        self.ironic = None
        self.control = None
        self.machines = []
        self.nodes = []

    def start(self):
        t = time.monotonic()
        for d in (self.sv.pids, self.sv.logs, self.sv.path('ironic', 'lock'),
                  self.sv.path('deploy-logs')):
            os.makedirs(d, exist_ok=True)
        open(os.path.join(self.S, osv.MARKER), 'w').close()
        log('state in %s' % self.S)
        self.sv.start_watchdog(os.getpid())
        ironic_port, control_port = osv.free_ports(2)
        if self.args.port:
            ironic_port = self.args.port
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((HOST, ironic_port))
                except OSError as e:
                    raise osv.HarnessError('Cannot start Ironic on %s:%d: %s' % (
                        HOST, ironic_port, e)) from None
        self.ironic = 'http://%s:%d' % (HOST, ironic_port)
        self.control = 'http://%s:%d' % (HOST, control_port)
        osv.parallel(lambda: self._start_ironic(ironic_port),
                     lambda: self._start_machines(control_port))
        self.timings['services'] = round(time.monotonic() - t, 2)
        t = time.monotonic()
        self.nodes = [None] * len(self.machines)
        for first in range(0, len(self.machines), ENROLL_CONCURRENCY):
            osv.parallel(*[(lambda i=i: self._enroll(i)) for i in range(
                first, min(first + ENROLL_CONCURRENCY, len(self.machines)))])
        self._wait_ready()
        self.timings['nodes'] = round(time.monotonic() - t, 2)

    def _start_ironic(self, port):
        t = time.monotonic()
        conf = self.sv.write('ironic/ironic.conf', IRONIC_CONF.format(
            S=self.S, HOST=HOST, port=port, hb=self.args.heartbeat_timeout,
            control=self.control, vendors=','.join(VENDOR_INTERFACES),
            deploys=','.join(DEPLOY_INTERFACES), deploy=DEPLOY_INTERFACES[0],
            vendor=VENDOR_INTERFACES[0], debug='true' if self.args.debug else 'false'))
        check_stop()
        self.sv.run('ironic dbsync', [PY, '-c', 'import sys; from ironic.cmd.dbsync import '
                                      'main; sys.exit(main())', '--config-file', conf,
                                      'create_schema'], 'ironic-dbsync.log')
        # stevedore caches entry points keyed on the sys.path directories' mtimes
        pythonpath = [LAB_PLUGIN_DIR]
        if os.path.isdir(ARSENAL_PLUGIN_DIR):
            pythonpath.append(ARSENAL_PLUGIN_DIR)
        for d in pythonpath:
            os.utime(d)
        check_stop()
        self.sv.start('ironic', 'ironic.cmd.singleprocess:main', '--config-file', conf,
                      pythonpath=':'.join(pythonpath))
        self.sv.wait_http('ironic', self.ironic + '/')
        self.timings['ironic'] = round(time.monotonic() - t, 2)
        log('ironic up on %s (%ss)' % (self.ironic, self.timings['ironic']))

    def _start_machines(self, port):
        t = time.monotonic()
        info = os.path.join(self.S, 'machines.json')
        a = self.args
        check_stop()
        self.sv.start('machines', 'fake_ipa.control:main', '--state-dir', self.S,
                      '--machines', str(a.nodes), '--port', str(port),
                      '--ironic-url', self.ironic, '--disk-size', str(a.disk_size),
                      '--boot-delay', str(a.boot_delay),
                      '--download-retries', str(a.download_retries),
                      '--download-retry-interval', str(a.download_retry_interval),
                      pythonpath=HERE)
        deadline = time.monotonic() + 30
        while not os.path.exists(info):
            check_stop()
            if time.monotonic() > deadline or not self.sv.alive('machines'):
                raise osv.HarnessError('the machines process did not start\n'
                                       + self.sv.logs_of('machines'))
            time.sleep(0.05)
        with open(info) as f:
            self.machines = json.load(f)['machines']
        self.timings['machines'] = round(time.monotonic() - t, 2)

    def _enroll(self, i):
        """Creates node i with its port, manages and provides it (cleaning starts)."""
        check_stop()
        mac = self.machines[i]['mac']
        node = ironic_call(self.ironic, 'POST', '/v1/nodes', {
            'name': 'lab-%d' % i,
            'driver': 'arsenal-lab',
            'driver_info': {'lab_mac': mac},
            'resource_class': 'lab',
            'properties': {'memory_mb': 4096, 'cpus': 2, 'local_gb': 10, 'cpu_arch': 'x86_64'},
        })
        uuid = node['uuid']
        self.nodes[i] = uuid
        ironic_call(self.ironic, 'POST', '/v1/ports', {'node_uuid': uuid, 'address': mac})
        for target, state in (('manage', 'manageable'), ('provide', None)):
            ironic_call(self.ironic, 'PUT', '/v1/nodes/%s/states/provision' % uuid,
                        {'target': target})
            if state:
                self._wait_all([uuid], lambda n: n['provision_state'] == state and
                               not n['target_provision_state'], 'to become ' + state)

    def _wait_ready(self):
        """Every node available, with an agent URL and a heartbeat."""
        self._wait_all(self.nodes, lambda n: (
            n['provision_state'] == 'available' and not n['target_provision_state']
            and n['driver_internal_info'].get('agent_url')
            and n['driver_internal_info'].get('agent_last_heartbeat')),
            'to be available with a heartbeating agent')

    def _wait_all(self, uuids, done, what):
        """Polls the lab's nodes (one listing per round) until done(node) holds for each."""
        deadline = time.monotonic() + READY_DEADLINE
        waiting = set(uuids)
        while True:
            check_stop()
            listed = ironic_call(self.ironic, 'GET', '/v1/nodes/detail?resource_class=lab')
            nodes = {n['uuid']: n for n in listed['nodes'] if n['uuid'] in waiting}
            waiting -= {u for u, n in nodes.items() if done(n)}
            if not waiting:
                return
            failed = [n for n in nodes.values() if n['provision_state'] in (
                'clean failed', 'deploy failed', 'error') or (
                n['provision_state'] == 'enroll' and n['last_error'])]
            if failed or time.monotonic() > deadline:
                stuck = failed or [nodes[u] for u in waiting if u in nodes]
                raise osv.HarnessError('%d node(s) did not get %s: %s\n%s' % (
                    len(waiting), what, '; '.join('%s %s (%s)' % (
                        n['uuid'], n['provision_state'], n['last_error']) for n in stuck),
                    self.sv.logs_of('ironic') + '\n' + self.sv.logs_of('machines')))
            time.sleep(0.5)

    def describe(self):
        return {'ironic': self.ironic, 'nodes': self.nodes, 'control': self.control,
                'stateDir': self.S, 'heartbeatTimeout': self.args.heartbeat_timeout,
                'machines': [dict(m, node=n) for m, n in zip(self.machines, self.nodes)],
                'pids': {s: (self.sv.record(s) or {}).get('pid') for s in ('ironic', 'machines')},
                'timings': self.timings}

    def stop(self):
        return self.sv.down()


def wait_for_end(parent):
    """Until SIGTERM, SIGINT or SIGHUP, or the parent process is gone."""
    while not STOP.wait(0.5):
        if os.getppid() != parent:
            log('the parent process is gone; stopping')
            return


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--nodes', type=int, default=4)
    ap.add_argument('--port', type=int, default=0,
                    help="Ironic's port on 127.0.0.1 (default: a free one)")
    ap.add_argument('--state-dir', help='default: a new temporary directory, removed at the end')
    ap.add_argument('--keep-state', action='store_true')
    ap.add_argument('--heartbeat-timeout', type=int, default=30,
                    help='[api]ramdisk_heartbeat_timeout and [deploy]fast_track_timeout (s)')
    ap.add_argument('--disk-size', type=int, default=256 * 1024 * 1024)
    ap.add_argument('--boot-delay', type=float, default=1.0)
    ap.add_argument('--download-retries', type=int, default=2)
    ap.add_argument('--download-retry-interval', type=float, default=1.0)
    ap.add_argument('--debug', action='store_true', help='Ironic debug logging')
    ap.add_argument('--no-install', dest='install', action='store_false')
    args = ap.parse_args()
    if not 1 <= args.nodes <= 200:
        ap.error('--nodes must be between 1 and 200')
    parent = os.getppid()
    t0 = time.monotonic()
    try:
        osv.ensure_packages(PACKAGES, install=args.install)
    except osv.HarnessError as e:
        sys.stderr.write('lab.py: %s\n' % e)
        return 1
    owned = not args.state_dir
    state_dir = args.state_dir or tempfile.mkdtemp(prefix='arsenal-lab-')
    lab = Lab(args, state_dir)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: STOP.set())
    code = 0
    try:
        lab.start()
        lab.timings['ready'] = round(time.monotonic() - t0, 2)
        with open(os.path.join(lab.S, 'lab.json'), 'w') as f:
            json.dump(lab.describe(), f, indent=2)
        log('ready in %ss: %d nodes available with live agents' % (
            lab.timings['ready'], len(lab.nodes)))
        print(json.dumps({'ironic': lab.ironic, 'nodes': lab.nodes}), flush=True)
        wait_for_end(parent)
    except Interrupted:
        pass
    except osv.HarnessError as e:
        sys.stderr.write('lab.py: %s\n' % e)
        code = 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        t = time.monotonic()
        lab.stop()
        log('stopped in %.1fs' % (time.monotonic() - t))
        if owned and not args.keep_state:
            shutil.rmtree(state_dir, ignore_errors=True)
    return code


class Interrupted(Exception):
    """SIGTERM or SIGINT while starting."""


STOP = threading.Event()  # set by SIGTERM/SIGINT; start-up steps check it between steps


def check_stop():
    """Raises Interrupted once a signal asked to stop (at points where nothing is half-done)."""
    if STOP.is_set():
        raise Interrupted()


if __name__ == '__main__':
    sys.exit(main())
