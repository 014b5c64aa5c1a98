"""What a node must be for Arsenal to touch it, each refusal with its reason.

Every refusal is an InvalidParameterValue: a 400 through the API, and one of
the exceptions the conductor's vendor_passthru declares as expected (others
would be logged as conductor errors with a traceback).
"""

from ironic.common import exception
from ironic.common.i18n import _
from ironic.common import states
from ironic.common import utils
from ironic.conductor import utils as conductor_utils
from ironic.conf import CONF

ACTIONS = {'cache_image': _('cache an image'), 'eject': _('eject')}


def refuse(method, node, reason, missing=False):
    """Raise the refusal of method on node: 'Cannot <do it> on node <uuid>:
    <reason>'.
    """
    error = (exception.MissingParameterValue if missing
             else exception.InvalidParameterValue)
    raise error(_('Cannot %(action)s on node %(node)s: %(reason)s') % {
        'action': ACTIONS.get(method, method), 'node': node.uuid,
        'reason': reason})


# Where eject may run: available, or manageable as Arsenal's eject has it
# (mark, manage, eject, provide), so that nobody deploys onto it meanwhile.
EJECTABLE = (states.AVAILABLE, states.MANAGEABLE)


def check_idle(task, method):
    """The node is available, out of maintenance, and nobody claimed it."""
    node = task.node
    if node.provision_state != states.AVAILABLE:
        refuse(method, node, _('it is %s, not available')
               % node.provision_state)
    _check_unclaimed(method, node)


def check_ejectable(task, method):
    """The node is available or manageable, out of maintenance, and nobody
    claimed it.
    """
    node = task.node
    if node.provision_state not in EJECTABLE:
        refuse(method, node, _('it is %s, not available or manageable')
               % node.provision_state)
    _check_unclaimed(method, node)


def _check_unclaimed(method, node):
    if node.maintenance:
        refuse(method, node, _('it is in maintenance (%s)')
               % (node.maintenance_reason or _('no reason given')))
    if node.instance_uuid:
        refuse(method, node, _('it has instance %s') % node.instance_uuid)
    if node.allocation_id:
        refuse(method, node, _('it has an allocation'))


def check_fast_track(task, method):
    """The node's agent can be commanded now, on Ironic's own terms
    (conductor.utils.is_fast_track), each missing piece named.
    """
    node = task.node
    if not utils.fast_track_enabled(node):
        refuse(method, node, _('fast track is disabled ([deploy] fast_track '
                               'or the node\'s driver_info fast_track)'))
    if node.last_error:
        refuse(method, node, _('it has an error: %s') % node.last_error)
    if not task.driver.storage.should_write_image(task):
        refuse(method, node, _('its storage interface writes no image'))
    try:
        power = task.driver.power.get_power_state(task)
    except Exception as e:
        refuse(method, node, _('cannot read its power state: %s') % e)
    if power != states.POWER_ON:
        refuse(method, node, _('its power state is %s, not power on') % power)
    if not node.driver_internal_info.get('agent_url'):
        refuse(method, node, _('no agent is running on it (no agent_url)'))
    if not conductor_utils.agent_is_alive(node):
        refuse(method, node, _('its agent last heartbeat at %(last)s, more '
                               'than [deploy] fast_track_timeout (%(timeout)s '
                               's) ago') % {
            'last': node.driver_internal_info.get('agent_last_heartbeat'),
            'timeout': CONF.deploy.fast_track_timeout})
