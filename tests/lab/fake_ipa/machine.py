"""A lab machine: a MAC, a disk file, power, and what it boots.

What a power-on boots is decided as on a PXE-booted server. The BMC's boot device (set by the
management interface; a one-time device applies to the next boot only) says network or disk. A
disk boot starts the instance, unless the disk has no partition table, when the firmware falls
back to the network. A network boot follows the PXE configuration the boot interface wrote:
`agent` after prepare_ramdisk, `disk` (local boot) after prepare_instance, and with none the
default network boot, which starts the agent as a fast-track deployment's discovery image does.
Booting the agent starts a fresh Agent (new started_at, lookup, token); the instance answers
nothing. Power off ends whatever runs; the disk stays.
"""
import logging
import os
import shutil
import threading
import time

from fake_ipa.agent import Agent
from fake_ipa.disk import Disk

LOG = logging.getLogger('fake_ipa')
POWER_ON = 'power on'
POWER_OFF = 'power off'
SHUTDOWN_SECONDS = 0.5  # from `poweroff` in the ramdisk to the power going off


class Machine:
    """One bare-metal server of the lab."""

    def __init__(self, index, state_dir, config):
        self.index = index
        self.mac = '52:54:00:1a:%02x:%02x' % (index // 256, index % 256)
        self.config = config
        base = os.path.join(state_dir, 'machines', self.mac.replace(':', ''))
        os.makedirs(base, exist_ok=True)
        self.tmpfs = os.path.join(base, 'tmpfs')
        self.disk = Disk(os.path.join(base, 'disk.img'), config.disk_size)
        self.lock = threading.RLock()
        self.power = POWER_OFF
        self.boot_target = None  # the PXE configuration; None: the default (the agent)
        self.boot_params = {}
        self.boot_device = 'pxe'  # persistent
        self.next_boot_device = None  # one-time
        self.running = None  # 'agent' or 'instance' while powered on
        self.agent = None
        self.boots = 0
        self.heartbeats_paused = False  # a test's stale heartbeat; survives reboots

    def set_boot(self, target, params=None):
        """The boot interface's configuration: 'agent', 'disk' or None (default)."""
        with self.lock:
            self.boot_target = target
            self.boot_params = dict(params or {})

    def set_boot_device(self, device, persistent):
        """The BMC's boot device: 'pxe' or 'disk'."""
        with self.lock:
            if persistent:
                self.boot_device = device
                self.next_boot_device = None
            else:
                self.next_boot_device = device

    def describe_boot_device(self):
        """What the BMC reports."""
        with self.lock:
            if self.next_boot_device is not None:
                return {'boot_device': self.next_boot_device, 'persistent': False}
            return {'boot_device': self.boot_device, 'persistent': True}

    def _boots_instance(self):
        device = self.next_boot_device or self.boot_device
        self.next_boot_device = None
        if device == 'disk' and self.disk.partition_count():
            return True
        return self.boot_target == 'disk'

    def power_on(self):
        """Boots per the boot device and PXE configuration; a no-op when already on."""
        with self.lock:
            if self.power == POWER_ON:
                return
            self.power = POWER_ON
            self.boots += 1
            if self._boots_instance():
                self.running = 'instance'
                LOG.info('[%s] power on: booting the instance from disk', self.mac)
                return
            self.running = 'agent'
            shutil.rmtree(self.tmpfs, ignore_errors=True)
            os.makedirs(self.tmpfs)
            api_url = self.boot_params.get('ipa-api-url') or self.config.ironic_url
            self.agent = Agent(self, api_url, self.config)
            LOG.info('[%s] power on: booting the agent', self.mac)
            self.agent.start()

    def power_off(self):
        """Hard power off: the agent's memory (and its tmpfs) is gone."""
        with self.lock:
            agent, self.agent = self.agent, None
            self.power = POWER_OFF
            self.running = None
        if agent is not None:
            agent.stop()
            shutil.rmtree(self.tmpfs, ignore_errors=True)
        LOG.info('[%s] power off', self.mac)

    def pause_heartbeats(self, paused):
        """Stops (or resumes) the agent's heartbeats; it keeps answering."""
        with self.lock:
            self.heartbeats_paused = paused

    def reboot(self):
        """Power cycle."""
        self.power_off()
        self.power_on()

    def shut_down_from_os(self, agent, command):
        """The ramdisk ran `poweroff` or `reboot`: it takes effect a moment later."""
        time.sleep(SHUTDOWN_SECONDS)
        with self.lock:
            if self.agent is not agent:
                return  # power was already cut or cycled from outside
        if command == 'reboot':
            self.reboot()
        else:
            self.power_off()

    def describe(self):
        """The control endpoint's view (test-only: Ironic never sees this)."""
        with self.lock:
            agent = self.agent
            out = {'mac': self.mac, 'power': self.power, 'running': self.running,
                   'boot_target': self.boot_target or 'agent', 'boots': self.boots,
                   'boot_device': self.describe_boot_device(),
                   'heartbeats_paused': self.heartbeats_paused,
                   'disk': self.disk.path, 'disk_size': self.disk.size, 'agent': None}
        if agent is not None:
            out['agent'] = {
                'started_at': agent.started_at,
                'url': agent.callback_url,
                'node': agent.node['uuid'] if agent.node else None,
                'has_token': agent.token is not None,
                'cached_image_id': agent.standby.cached_image_id,
                'last_heartbeat': agent.previous_heartbeat or None,
                'last_heartbeat_status': agent.last_heartbeat_status,
                'heartbeat_timeout': agent.heartbeat_timeout,
                'commands': [r.serialize()['command_name'] for r in agent.commands.list()],
            }
        return out
