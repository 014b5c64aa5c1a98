"""The lab's machines process: N machines and a loopback control endpoint.

    python3 -m fake_ipa.control --state-dir DIR --machines N --port P --ironic-url URL [...]

The control endpoint is what the lab's Ironic power and boot interfaces call (the "BMC" and the
"PXE server"), plus read-only views for tests:

    GET  /machines                  every machine (power, what runs, the agent's state)
    GET  /machines/<mac>            one machine
    GET  /machines/<mac>/power      {"power": "power on" | "power off"}
    PUT  /machines/<mac>/power      {"state": "on" | "off" | "reboot"}
    PUT  /machines/<mac>/boot       {"target": "agent" | "disk" | null, "params": {...}}
    GET  /machines/<mac>/boot_device
    PUT  /machines/<mac>/boot_device  {"device": "pxe" | "disk", "persistent": bool}
    PUT  /machines/<mac>/heartbeats   {"paused": bool}: the agent stops (resumes) heartbeating
                                      while it keeps answering: a stale heartbeat

It writes DIR/machines.json ({"control": URL, "machines": [{"mac", "disk"}]}) when listening.
"""
import argparse
import json
import logging
import os
import sys
import urllib.parse

from fake_ipa.json_http import JsonHandler, JsonServer
from fake_ipa.machine import Machine


class ControlServer(JsonServer):
    """Loopback only, one thread per request."""


class ControlHandler(JsonHandler):
    """Routes of the control endpoint."""
    machines = {}

    def _target(self):
        parts = [p for p in urllib.parse.urlsplit(self.path).path.split('/') if p]
        if not parts or parts[0] != 'machines':
            return None, None, parts
        if len(parts) == 1:
            return None, None, parts
        machine = self.machines.get(parts[1].lower())
        return machine, parts[2] if len(parts) > 2 else None, parts

    def do_GET(self):
        machine, what, parts = self._target()
        if parts == ['machines']:
            return self._send(200, [m.describe() for m in self.machines.values()])
        if machine is None:
            return self._send(404, {'error': 'Cannot find machine %s' % self.path})
        if what is None:
            return self._send(200, machine.describe())
        if what == 'power':
            return self._send(200, {'power': machine.power})
        if what == 'boot_device':
            return self._send(200, machine.describe_boot_device())
        return self._send(404, {'error': 'Cannot find %s' % self.path})

    def do_PUT(self):
        machine, what, _ = self._target()
        if machine is None:
            return self._send(404, {'error': 'Cannot find machine %s' % self.path})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get('Content-Length') or 0)))
        except ValueError:
            return self._send(400, {'error': 'Cannot read the body: expected JSON'})
        if what == 'power':
            action = {'on': machine.power_on, 'off': machine.power_off,
                      'reboot': machine.reboot}.get(body.get('state'))
            if action is None:
                return self._send(400, {'error': 'Cannot set power: state must be on, off or '
                                                 'reboot'})
            action()
            return self._send(200, {'power': machine.power})
        if what == 'boot':
            target = body.get('target')
            if target not in ('agent', 'disk', None):
                return self._send(400, {'error': 'Cannot set boot: target must be agent, disk '
                                                 'or null'})
            machine.set_boot(target, body.get('params'))
            return self._send(200, {'boot_target': target})
        if what == 'boot_device':
            device = body.get('device')
            if device not in ('pxe', 'disk'):
                return self._send(400, {'error': 'Cannot set the boot device: pxe or disk'})
            machine.set_boot_device(device, bool(body.get('persistent')))
            return self._send(200, machine.describe_boot_device())
        if what == 'heartbeats':
            if not isinstance(body.get('paused'), bool):
                return self._send(400, {'error': 'Cannot pause heartbeats: paused must be a '
                                                 'boolean'})
            machine.pause_heartbeats(body['paused'])
            return self._send(200, {'paused': body['paused']})
        return self._send(404, {'error': 'Cannot find %s' % self.path})


def main():
    """Starts the machines (powered off) and serves the control endpoint until killed."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--state-dir', required=True)
    ap.add_argument('--machines', type=int, required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--ironic-url', required=True,
                    help='ipa-api-url when the boot configuration names none')
    ap.add_argument('--disk-size', type=int, default=256 * 1024 * 1024)
    ap.add_argument('--boot-delay', type=float, default=1.0,
                    help='seconds from power on to the agent looking itself up')
    ap.add_argument('--download-retries', type=int, default=2,
                    help='ipa-image-download-connection-retries (IPA: 9)')
    ap.add_argument('--download-retry-interval', type=float, default=1.0,
                    help='ipa-image-download-connection-retry-interval (IPA: 10)')
    ap.add_argument('--download-timeout', type=float, default=60.0,
                    help='ipa-image-download-connection-timeout')
    config = ap.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format='%(asctime)s %(levelname)s %(message)s')
    machines = [Machine(i, config.state_dir, config) for i in range(config.machines)]
    ControlHandler.machines = {m.mac: m for m in machines}
    server = ControlServer(('127.0.0.1', config.port), ControlHandler)
    url = 'http://127.0.0.1:%d' % server.server_address[1]
    info = {'control': url, 'machines': [{'mac': m.mac, 'disk': m.disk.path} for m in machines]}
    path = os.path.join(config.state_dir, 'machines.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(info, f)
    os.replace(path + '.tmp', path)
    logging.info('control endpoint on %s, %d machines', url, len(machines))
    server.serve_forever()


if __name__ == '__main__':
    main()
