"""Test-only Ironic plugin for Arsenal's lab (tests/lab/): hardware type `arsenal-lab`.

Loaded by tests/lab/lab.py, which puts this folder (and plugins/ironic/) on Ironic's PYTHONPATH
so that stevedore finds the entry points in arsenal_lab-0.1.dist-info.

* power `arsenal-lab`: the lab machine's "BMC", the machines process's control endpoint
  ([arsenal_lab] control_url), machine chosen by driver_info `lab_mac`. Power off stops that
  machine's agent; power on boots what the boot configuration says.
* management `arsenal-lab`: the BMC's boot device (PXE or disk, one-time or persistent).
* boot `arsenal-lab`: the "PXE server": prepare_ramdisk makes the next boot start the agent (with
  the ramdisk parameters, ipa-api-url among them), prepare_instance makes it boot the disk (the
  instance, no agent), the clean-ups return to the default network boot (the agent).
* hardware type `arsenal-lab`: those three, the deploy interfaces `arsenal-direct` (the plugin's,
  the default) and `direct`, noop network, and the vendor interfaces `arsenal` (the plugin's, the
  default), `fake`, `no-vendor`.
"""
from oslo_config import cfg
from oslo_log import log
import requests

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import utils as manager_utils
from ironic.drivers import base
from ironic.drivers import generic
from ironic.drivers.modules import agent
from ironic.drivers.modules import fake
from ironic.drivers.modules.network import noop as noop_net
from ironic.drivers.modules import noop
from ironic.drivers.modules.storage import noop as noop_storage

# The Arsenal plugin (plugins/ironic/, on the lab's PYTHONPATH): its vendor interface, and its
# deploy interface first, so that every lab node uses what the plugin's README recommends.
from arsenal_ironic.deploy import ArsenalDirectDeploy  # noqa: E402
from arsenal_ironic.vendor import ArsenalVendor  # noqa: E402

VENDORS = [ArsenalVendor, fake.FakeVendorB, noop.NoVendor]
DEPLOYS = [ArsenalDirectDeploy, agent.AgentDeploy]

LOG = log.getLogger(__name__)
CONF = cfg.CONF
CONF.register_opts([
    cfg.StrOpt('control_url', help='The lab machines process control endpoint.'),
    cfg.FloatOpt('timeout', default=10.0, help='Seconds per control request.'),
], group='arsenal_lab')

PROPERTIES = {'lab_mac': 'MAC address of the lab machine (its port). Required.'}


def _call(method, task, what, body=None):
    """One request to the control endpoint for the task's machine."""
    mac = task.node.driver_info.get('lab_mac')
    url = '%s/machines/%s/%s' % (CONF.arsenal_lab.control_url.rstrip('/'), mac, what)
    try:
        resp = requests.request(method, url, json=body, timeout=CONF.arsenal_lab.timeout)
    except requests.RequestException as e:
        raise exception.PowerStateFailure(pstate='%s (control endpoint: %s)' % (what, e))
    if resp.status_code != 200:
        raise exception.PowerStateFailure(
            pstate='%s (control endpoint: HTTP %s %s)' % (what, resp.status_code, resp.text))
    return resp.json()


class LabPower(base.PowerInterface):
    """Power of a lab machine, through the machines process."""

    def get_properties(self):
        return PROPERTIES

    def validate(self, task):
        if not task.node.driver_info.get('lab_mac'):
            raise exception.MissingParameterValue('driver_info lab_mac is required')
        if not CONF.arsenal_lab.control_url:
            raise exception.InvalidParameterValue('[arsenal_lab] control_url is not set')

    def get_power_state(self, task):
        return _call('GET', task, 'power')['power']

    def set_power_state(self, task, power_state, timeout=None):
        if power_state == states.POWER_ON:
            _call('PUT', task, 'power', {'state': 'on'})
        elif power_state == states.POWER_OFF:
            _call('PUT', task, 'power', {'state': 'off'})
        else:
            raise exception.InvalidParameterValue(
                'Cannot set power state %s: the lab supports power on and off' % power_state)

    def reboot(self, task, timeout=None):
        _call('PUT', task, 'power', {'state': 'reboot'})

    def get_supported_power_states(self, task):
        return [states.POWER_ON, states.POWER_OFF, states.REBOOT]


class LabManagement(fake.FakeManagement):
    """The lab machine's boot device (PXE or disk), as its BMC keeps it."""

    def get_supported_boot_devices(self, task):
        return [boot_devices.PXE, boot_devices.DISK]

    def set_boot_device(self, task, device, persistent=False):
        if device not in self.get_supported_boot_devices(task):
            raise exception.InvalidParameterValue('Invalid boot device %s specified.' % device)
        _call('PUT', task, 'boot_device', {'device': device, 'persistent': persistent})

    def get_boot_device(self, task):
        got = _call('GET', task, 'boot_device')
        return {'boot_device': got['boot_device'], 'persistent': got['persistent']}


class LabBoot(fake.FakeBoot):
    """The lab's PXE server: the per-node configuration says what a network boot starts.

    As Ironic's pxe boot interface does: prepare_ramdisk writes the agent's configuration (with
    the ramdisk parameters, ipa-api-url among them) and sets a one-time PXE boot;
    prepare_instance switches to local boot (the disk, persistently).
    """

    def prepare_ramdisk(self, task, ramdisk_params, mode='deploy'):
        _call('PUT', task, 'boot', {'target': 'agent', 'params': ramdisk_params})
        manager_utils.node_set_boot_device(task, boot_devices.PXE, persistent=False)

    def clean_up_ramdisk(self, task, mode='deploy'):
        _call('PUT', task, 'boot', {'target': None})

    def prepare_instance(self, task):
        _call('PUT', task, 'boot', {'target': 'disk'})
        if task.node.provision_state != states.ACTIVE:
            manager_utils.node_set_boot_device(task, boot_devices.DISK, persistent=True)

    def clean_up_instance(self, task):
        _call('PUT', task, 'boot', {'target': None})


class ArsenalLabHardware(generic.GenericHardware):
    """The lab's hardware type."""

    @property
    def supported_boot_interfaces(self):
        return [LabBoot, fake.FakeBoot]

    @property
    def supported_deploy_interfaces(self):
        return DEPLOYS

    @property
    def supported_management_interfaces(self):
        return [LabManagement, fake.FakeManagement]

    @property
    def supported_power_interfaces(self):
        return [LabPower]

    @property
    def supported_network_interfaces(self):
        return [noop_net.NoopNetwork]

    @property
    def supported_inspect_interfaces(self):
        return [noop.NoInspect]

    @property
    def supported_raid_interfaces(self):
        return [noop.NoRAID]

    @property
    def supported_rescue_interfaces(self):
        return [noop.NoRescue]

    @property
    def supported_storage_interfaces(self):
        return [noop_storage.NoopStorage]

    @property
    def supported_vendor_interfaces(self):
        return VENDORS
