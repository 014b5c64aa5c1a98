"""The ``arsenal`` vendor interface: cache an image in a node's running agent.

With ``[deploy] fast_track = true`` an available node keeps its agent
(ironic-python-agent) running, and a deploy reuses it. The agent's
``standby.prepare_image`` skips the download and the write when the image id
equals the one it last wrote without streaming (its ``cached_image_id``, kept
in memory). So an image sent ahead of time is a deploy's cache hit, for as
long as that agent runs.

Vendor methods (``/v1/nodes/{node}/vendor_passthru?method=...``):

* ``cache_image`` (POST, async): ``{"image_info": {...}}``. Sends
  ``standby.prepare_image`` without waiting, holding the node's lock for
  that call only, and records it (see ``cache_record``).
* ``cache_status`` (GET, sync, shared lock): the record, or
  ``{"status": "none"}``.
* ``eject`` (POST, async), on an ``available`` or ``manageable`` node:
  clears the record and powers the node off, which wipes the agent's URL and
  token: the next boot (cleaning) starts a fresh agent that has nothing
  cached. It holds the node's lock from the one to the other, so a
  ``provide`` sent on seeing the record gone waits for the power off (409
  NodeLocked until then). A second eject finds nothing to do and succeeds.

A periodic task follows the records: ``caching`` becomes ``cached`` or
``failed`` from the agent's command status; ``caching`` or ``cached``
becomes ``lost`` when the agent restarted, its heartbeat went stale or the
node left ``available`` (a deploy's own write_image then owns the disk).
"""

from ironic_lib import metrics_utils
from oslo_log import log

from ironic.common.i18n import _
from ironic.common import states
from ironic.conductor import periodics
from ironic.conductor import utils as conductor_utils
from ironic.drivers import base

from arsenal_ironic import cache_record
from arsenal_ironic import conf
from arsenal_ironic import image_info as images
from arsenal_ironic import ipa
from arsenal_ironic import node_checks

LOG = log.getLogger(__name__)
METRICS = metrics_utils.get_metrics_logger(__name__)

# The parameters each vendor method takes (besides http_method).
PARAMETERS = {'cache_image': ('image_info',), 'cache_status': (),
              'eject': ()}


def _has_live_record(node):
    """Periodic predicate: the node has a caching or cached record."""
    record = (node.driver_internal_info or {}).get(cache_record.KEY)
    return (isinstance(record, dict)
            and record.get('status') in cache_record.LIVE)


def _node_lost(node):
    """Why the node itself says its cache is lost, or None."""
    if node.provision_state != states.AVAILABLE:
        return _('the node left available: it is %s') % node.provision_state
    info = node.driver_internal_info
    if not info.get('agent_url'):
        return _('its agent is gone (no agent_url: a power action wiped it)')
    if not conductor_utils.agent_is_alive(node):
        return _('the agent\'s heartbeat is stale (last at %s)') % (
            info.get('agent_last_heartbeat'),)
    return None


def _outcome(command):
    """(status, error) of a record from the agent's prepare_image command."""
    status = command.get('command_status')
    if status == 'RUNNING':
        return cache_record.CACHING, None
    if status == 'SUCCEEDED':
        return cache_record.CACHED, None
    if status == 'FAILED':
        return cache_record.FAILED, ipa.command_error(command)
    return cache_record.FAILED, _('the agent answered command status %s') % (
        status,)


class ArsenalVendor(base.VendorInterface):
    """Caches images in running agents for fast-track deploys."""

    def get_properties(self):
        """This interface takes nothing from driver_info."""
        return {}

    def validate(self, task, method=None, **kwargs):
        """Refuse, with the reason and nothing changed, a call that cannot
        proceed (InvalidParameterValue: a 400 through the API).
        """
        kwargs.pop('http_method', None)
        if method not in PARAMETERS:
            return
        node = task.node
        unexpected = sorted(set(kwargs) - set(PARAMETERS[method]))
        if unexpected:
            node_checks.refuse(method, node, _('unexpected parameter(s) %s')
                               % ', '.join(unexpected))
        if method == 'cache_image':
            node_checks.check_idle(task, method)
            images.check(node, kwargs.get('image_info'))
            self._check_not_caching_another(node, kwargs['image_info']['id'])
            node_checks.check_fast_track(task, method)
        elif method == 'eject':
            node_checks.check_ejectable(task, method)

    @staticmethod
    def _check_not_caching_another(node, image_id):
        # The agent runs one command at a time; a second image would only
        # meet its 409, and the record of the first must stay followed.
        record = cache_record.get(node)
        if (record and record.get('status') == cache_record.CACHING
                and record.get('image_id') != image_id):
            node_checks.refuse('cache_image', node, _(
                'it is still caching image %(image)s (since %(since)s)') % {
                'image': record.get('image_id'),
                'since': record.get('since')})

    @METRICS.timer('ArsenalVendor.cache_image')
    @base.passthru(['POST'], async_call=True,
                   description=_('Cache a whole-disk image in the node\'s '
                                 'running agent. Body: {"image_info": {"id", '
                                 '"urls", "os_hash_algo" + "os_hash_value" '
                                 'or "checksum", "disk_format"}}.'))
    def cache_image(self, task, http_method, image_info):
        """Send standby.prepare_image to the agent and record it."""
        node = task.node
        image_id = image_info['id']
        agent_url = node.driver_internal_info.get('agent_url')
        client = ipa.client_for(task)
        try:
            started_at = ipa.agent_status(client, node).get('started_at')
        except Exception as e:
            self._record(task, cache_record.new(
                image_id, None, agent_url, None, status=cache_record.FAILED,
                error=ipa.safe_error(node, e)))
            return
        current = cache_record.get(node)
        if current and current.get('image_id') == image_id and (
                current.get('status') in cache_record.LIVE
                and current.get('agent_started_at') == started_at
                and current.get('agent_url') == agent_url):
            LOG.info('Image %(image)s is already %(status)s on node %(node)s',
                     {'image': image_id, 'status': current['status'],
                      'node': node.uuid})
            return
        try:
            command = ipa.prepare_image(client, node,
                                        images.agent_params(node, image_info))
        except Exception as e:
            record = cache_record.new(image_id, started_at, agent_url, None,
                                      status=cache_record.FAILED,
                                      error=ipa.safe_error(node, e))
        else:
            status, error = _outcome(command)
            record = cache_record.new(image_id, started_at, agent_url,
                                      command.get('id'), status, error)
        self._record(task, record)

    @staticmethod
    def _record(task, record):
        cache_record.put(task.node, record)
        task.node.save()
        log = LOG.warning if record.get('error') else LOG.info
        log('Caching image %(image)s on node %(node)s: %(status)s%(error)s',
            {'image': record['image_id'], 'node': task.node.uuid,
             'status': record['status'],
             'error': ' (%s)' % record['error'] if record.get('error')
             else ''})

    @base.passthru(['GET'], async_call=False, require_exclusive_lock=False,
                   description=_('The node\'s image cache record, or '
                                 '{"status": "none"}.'))
    def cache_status(self, task, http_method):
        """The record, or {"status": "none"}."""
        return cache_record.get(task.node) or {'status': 'none'}

    @METRICS.timer('ArsenalVendor.eject')
    @base.passthru(['POST'], async_call=True,
                   description=_('Forget the cached image: power the node '
                                 'off (its agent and token go) and clear '
                                 'the record. Then manage and provide it.'))
    def eject(self, task, http_method):
        """Clear the record and the capability, then power the node off."""
        node = task.node
        # First: Ironic wipes the agent's URL before it tries the power
        # action, so even a failed one leaves no agent to claim a cache in.
        cache_record.clear(node)
        node.save()
        conductor_utils.node_power_action(task, states.POWER_OFF)
        LOG.info('Ejected the image cache of node %s: powered off',
                 node.uuid)

    @METRICS.timer('ArsenalVendor._check_caches')
    @periodics.node_periodic(
        purpose='checking Arsenal image caches',
        spacing=conf.CONF.arsenal.cache_check_interval,
        filters={'reserved': False},
        predicate_extra_fields=['driver_internal_info'],
        predicate=_has_live_record)
    def _check_caches(self, task, manager, context):
        """Move a live record on: agent calls under the shared lock, the
        write under the exclusive one, only if the record is unchanged.
        """
        record = cache_record.get(task.node)
        if not record or record.get('status') not in cache_record.LIVE:
            return
        outcome = self._follow(task, record)
        if outcome is None:
            return
        task.upgrade_lock(purpose='recording an Arsenal image cache',
                          retry=False)
        if cache_record.get(task.node) != record:
            LOG.debug('The image cache record of node %s changed meanwhile',
                      task.node.uuid)
            return
        # The node may have moved on while we asked the agent (a deploy
        # took it): what it is now wins over what the agent said.
        gone = _node_lost(task.node)
        self._record(task, cache_record.moved(
            record, *((cache_record.LOST, gone) if gone else outcome)))

    @staticmethod
    def _follow(task, record):
        """(status, error) the record moves to, or None to keep it."""
        node = task.node
        gone = _node_lost(node)
        if gone:
            return cache_record.LOST, gone
        client = ipa.client_for(task)
        try:
            started_at = ipa.agent_status(client, node).get('started_at')
            commands = (ipa.commands(client, node)
                        if record['status'] == cache_record.CACHING else None)
        except Exception as e:
            # Transient (a stale heartbeat ends it if it lasts); and one
            # node's trouble must not end the iteration for the others.
            LOG.debug('Cannot check the agent of node %(node)s: %(error)s',
                      {'node': node.uuid, 'error': ipa.safe_error(node, e)})
            return None
        if started_at != record.get('agent_started_at'):
            return cache_record.LOST, _(
                'the agent restarted (started at %(now)s, not %(then)s)') % {
                'now': started_at, 'then': record.get('agent_started_at')}
        if commands is None:
            return None
        command = ipa.find_command(commands, record.get('command_id'))
        if command is None:
            return cache_record.LOST, _('the agent has no command %s') % (
                record.get('command_id'),)
        status, error = _outcome(command)
        return None if status == cache_record.CACHING else (status, error)
