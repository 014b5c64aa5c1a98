"""The deploy, clean, image and log extensions of ironic-python-agent 9.4.3, with the
GenericHardwareManager's steps (hardware.py) acting on the machine's disk file.

Cleaning erases the disk but never touches the standby extension's memory: `cached_image_id`
survives in-band cleaning in the same agent, exactly as in the real agent.
"""
import base64
import gzip
import io
import tarfile
import time

from fake_ipa import errors
from fake_ipa.disk import DEVICE

MANAGER = 'GenericHardwareManager'
VERSIONS = {'generic_hardware_manager': '1.1'}

RAID_APPLY_CONFIGURATION_ARGSINFO = {
    'raid_config': {'description': 'The RAID configuration to apply.', 'required': True},
    'delete_existing': {
        'description': ("Setting this to 'True' indicates to delete existing RAID "
                        "configuration prior to creating the new configuration. "
                        "Default value is 'True'."),
        'required': False,
    },
}
INJECT_FILES_ARGSINFO = {
    'files': {
        'description': ("Files to inject, a list of file structures with keys: 'path' "
                        "(path to the file), 'partition' (partition specifier), "
                        "'content' (base64 encoded string), 'mode' (new file mode) and "
                        "'dirmode' (mode for the leaf directory, if created). "
                        "Merged with the values from node.properties[inject_files]."),
        'required': False,
    },
    'verify_ca': {
        'description': ('Whether to verify TLS certificates. Global agent options '
                        'are used by default.'),
        'required': False,
    },
}


def _step(name, priority, interface='deploy', **extra):
    return dict({'step': name, 'priority': priority, 'interface': interface,
                 'reboot_requested': False}, **extra)


def clean_steps():
    """GenericHardwareManager.get_clean_steps."""
    return [
        _step('erase_devices', 10, abortable=True),
        _step('erase_devices_metadata', 99, abortable=True),
        _step('erase_devices_express', 0, abortable=True),
        _step('erase_pstore', 0, abortable=True),
        _step('delete_configuration', 0, 'raid', abortable=True),
        _step('create_configuration', 0, 'raid', abortable=True),
        _step('burnin_cpu', 0, abortable=True),
        _step('burnin_disk', 0, abortable=True),
        _step('burnin_memory', 0, abortable=True),
        _step('burnin_network', 0, abortable=True),
    ]


def deploy_steps():
    """GenericHardwareManager.get_deploy_steps ([DEFAULT]inject_files_priority = 0)."""
    return [
        _step('erase_devices_metadata', 0),
        _step('apply_configuration', 0, 'raid', argsinfo=RAID_APPLY_CONFIGURATION_ARGSINFO),
        _step('write_image', 0),
        _step('inject_files', 0, argsinfo=INJECT_FILES_ARGSINFO),
    ]


STEP_NAMES = frozenset(s['step'] for s in clean_steps() + deploy_steps())


def check_versions(provided):
    """hardware.check_versions: None means the first run."""
    if provided is not None and provided != VERSIONS:
        raise errors.VersionMismatch(agent_version=VERSIONS, node_version=provided)


class HardwareManager:
    """The step implementations, on the machine's disk."""

    def __init__(self, agent):
        self.agent = agent

    def erase_devices(self, node, ports):
        """Shreds the disk: it reads as zeros afterwards."""
        self.agent.machine.disk.zero_all()
        return {DEVICE: None}

    def erase_devices_metadata(self, node, ports):
        """Wipes the partition tables."""
        self.agent.machine.disk.zero_metadata()

    def erase_devices_express(self, node, ports):
        """No NVMe here: metadata erasure."""
        self.agent.machine.disk.zero_metadata()

    def erase_pstore(self, node, ports):
        """Nothing in pstore."""

    def delete_configuration(self, node, ports):
        """No software RAID."""

    def create_configuration(self, node, ports):
        """No target_raid_config: {}, as IPA answers."""
        return {}

    def apply_configuration(self, node, ports, raid_config, delete_existing=True):
        """No software RAID."""
        return {}

    def burnin_cpu(self, node, ports):
        """Nothing to burn."""

    burnin_disk = burnin_memory = burnin_network = burnin_cpu

    def write_image(self, node, ports, image_info, configdrive=None):
        """The in-band write_image deploy step: standby.prepare_image, waited for."""
        return {'result': 'prepare_image: ' + self.agent.standby.prepare_image(
            image_info=image_info, configdrive=configdrive)}

    def inject_files(self, node, ports, files=None, verify_ca=True):
        """No files are injected by the lab."""

    def dispatch(self, name, node, ports, **kwargs):
        """hardware.dispatch_to_managers: only the manager's step methods exist."""
        if name not in STEP_NAMES:
            raise errors.HardwareManagerMethodNotFound(name)
        return getattr(self, name)(node, ports, **kwargs)


def _run_step(hwm, kind, step, node, ports, version, kwargs):
    check_versions(version)
    if 'step' not in step:
        raise ValueError('Malformed {}_step, no "step" key: {}'.format(kind, step))
    kwargs.update(step.get('args') or {})
    try:
        result = hwm.dispatch(step['step'], node, ports, **kwargs)
    except errors.RESTError:
        raise
    except Exception as e:  # noqa: B902 - wrapped as IPA wraps unexpected errors
        error = errors.CleaningError if kind == 'clean' else errors.DeploymentError
        raise error('Unexpected exception performing {} step {}. {}: {}'.format(
            kind, step['step'], type(e).__name__, e)) from e
    if isinstance(result, tuple):
        result = list(result)
    return {kind + '_result': result, kind + '_step': step}


class DeployExtension:
    """deploy.get_deploy_steps (sync) and deploy.execute_deploy_step (async)."""

    def __init__(self, agent):
        self.agent = agent

    def execute(self, command, **params):
        a = self.agent
        if command == 'get_deploy_steps':
            return a.run_sync(command, params, lambda: self.get_deploy_steps(**params))
        if command == 'execute_deploy_step':
            return a.run_async(command, params, lambda: self.execute_deploy_step(**params))
        raise errors.InvalidCommandError('Unknown command: {}'.format(command))

    def get_deploy_steps(self, node, ports):
        return {'deploy_steps': {MANAGER: deploy_steps()},
                'hardware_manager_version': dict(VERSIONS)}

    def execute_deploy_step(self, step, node, ports, deploy_version=None, **kwargs):
        return _run_step(self.agent.hardware, 'deploy', step, node, ports, deploy_version,
                         kwargs)


class CleanExtension:
    """clean.get_clean_steps (sync) and clean.execute_clean_step (async)."""

    def __init__(self, agent):
        self.agent = agent

    def execute(self, command, **params):
        a = self.agent
        if command == 'get_clean_steps':
            return a.run_sync(command, params, lambda: self.get_clean_steps(**params))
        if command == 'execute_clean_step':
            return a.run_async(command, params, lambda: self.execute_clean_step(**params))
        raise errors.InvalidCommandError('Unknown command: {}'.format(command))

    def get_clean_steps(self, node, ports):
        return {'clean_steps': {MANAGER: clean_steps()},
                'hardware_manager_version': dict(VERSIONS)}

    def execute_clean_step(self, step, node, ports, clean_version=None, **kwargs):
        return _run_step(self.agent.hardware, 'clean', step, node, ports, clean_version,
                         kwargs)


class ImageExtension:
    """image.install_bootloader (async): whole-disk images carry their own boot loader."""

    def __init__(self, agent):
        self.agent = agent

    def execute(self, command, **params):
        if command == 'install_bootloader':
            return self.agent.run_async(command, params,
                                        lambda: self.install_bootloader(**params))
        raise errors.InvalidCommandError('Unknown command: {}'.format(command))

    def install_bootloader(self, root_uuid, efi_system_part_uuid=None, prep_boot_part_uuid=None,
                           target_boot_mode='bios', ignore_bootloader_failure=None):
        return None


class LogExtension:
    """log.collect_system_logs (sync): a small tar.gz, base64, as Ironic stores it."""

    def __init__(self, agent):
        self.agent = agent

    def execute(self, command, **params):
        if command == 'collect_system_logs':
            return self.agent.run_sync(command, params, lambda: self.collect_system_logs())
        raise errors.InvalidCommandError('Unknown command: {}'.format(command))

    def collect_system_logs(self):
        text = '\n'.join(self.agent.journal).encode()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode='w') as tar:
            info = tarfile.TarInfo('journal')
            info.size = len(text)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(text))
        return {'system_logs': base64.b64encode(gzip.compress(buf.getvalue())).decode()}
