"""The ``arsenal-direct`` deploy interface: ``direct`` whose write_image
waits for the agent to finish the image it is caching.

With fast track a deploy can reach write_image while the agent still runs
the ``standby.prepare_image`` that ``cache_image`` sent. The agent runs one
command at a time and answers any other with 409 (busy). Ironic 21.4 meets
that 409 by waiting for the next heartbeat (``deployments`` catches
AgentInProgress: ``wait call-back``), but on a heartbeat it only looks for a
finished ``execute_deploy_step`` (``agent_base._get_completed_command``):
with prepare_image as the agent's last command, the node waits until
``[conductor] deploy_callback_timeout`` fails the deploy.

So write_image first polls the agent's command list until no command runs,
for at most ``[arsenal] deploy_wait_for_agent`` seconds (then the step fails,
saying which command the agent still runs). Then it loads the agent's deploy
steps if the ``deploy`` step could not (the agent was busy), and marks the
cache record
``lost``, since the deploy takes the node and its disk, and runs upstream's
write_image: the agent's skip rule makes it a hit when the cached image is
the one deployed, and a plain write otherwise. The wait holds the node's
lock, which the deploy holds anyway, and sleeps cooperatively (eventlet),
so no other node waits on it.
"""

import time

from ironic_lib import metrics_utils
from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _
from ironic.conductor import task_manager
from ironic.drivers import base
from ironic.drivers.modules import agent

from arsenal_ironic import cache_record
from arsenal_ironic import conf
from arsenal_ironic import ipa

LOG = log.getLogger(__name__)
METRICS = metrics_utils.get_metrics_logger(__name__)

# Seconds between two reads of the agent's command list while it is busy.
POLL_INTERVAL = 2.0


def running_command(commands):
    """The command the agent is running (it runs one at a time), or None."""
    for command in reversed(commands or ()):
        if command.get('command_status') == 'RUNNING':
            return command
    return None


class ArsenalDirectDeploy(agent.AgentDeploy):
    """``direct``, waiting for a busy agent before it writes the image."""

    @METRICS.timer('ArsenalDirectDeploy.write_image')
    @base.deploy_step(priority=80)
    @task_manager.require_exclusive_lock
    def write_image(self, task):
        """Wait until the agent is idle, then write the image (upstream's
        write_image), the cache record marked lost.
        """
        if task.driver.storage.should_write_image(task):
            self._wait_for_agent(task)
            if not task.node.driver_internal_info.get(
                    'agent_cached_deploy_steps'):
                # The deploy step's own refresh met the busy agent. Left to
                # the next heartbeat, it would make get_deploy_steps the
                # agent's last command, after write_image, and Ironic would
                # wait forever for a finished deploy step.
                self.refresh_steps(task, 'deploy')
        self._take_over_record(task)
        return super().write_image(task)

    @staticmethod
    def _wait_for_agent(task):
        """Poll the agent until no command runs; InstanceDeployFailure when
        that takes longer than [arsenal] deploy_wait_for_agent.
        """
        node = task.node
        client = ipa.client_for(task)
        limit = conf.CONF.arsenal.deploy_wait_for_agent
        deadline = time.monotonic() + limit
        logged = False
        while True:
            try:
                command = running_command(ipa.commands(client, node))
            except exception.IronicException as e:
                # Not ours to judge: upstream's write_image meets the same
                # agent and fails or succeeds the upstream way.
                LOG.debug('Cannot read the commands of the agent of node '
                          '%(node)s before writing the image: %(error)s',
                          {'node': node.uuid,
                           'error': ipa.safe_error(node, e)})
                return
            if command is None:
                return
            if time.monotonic() >= deadline:
                raise exception.InstanceDeployFailure(_(
                    'Cannot write the image on node %(node)s: its agent is '
                    'still running %(name)s (command %(id)s) after '
                    '%(limit)s s ([arsenal] deploy_wait_for_agent)') % {
                    'node': node.uuid, 'name': command.get('command_name'),
                    'id': command.get('id'), 'limit': limit})
            if not logged:
                LOG.info('Node %(node)s: waiting up to %(limit)s s for its '
                         'agent to finish %(name)s (command %(id)s) before '
                         'writing the image',
                         {'node': node.uuid, 'limit': limit,
                          'name': command.get('command_name'),
                          'id': command.get('id')})
                logged = True
            time.sleep(POLL_INTERVAL)

    @staticmethod
    def _take_over_record(task):
        """The deploy owns the disk now: a live record becomes lost (the
        periodic would do the same on seeing the node out of available).
        """
        node = task.node
        record = cache_record.get(node)
        if not record or record.get('status') not in cache_record.LIVE:
            return
        image = (node.instance_info.get('image_source') or '').split('/')[-1]
        cache_record.put(node, cache_record.moved(
            record, cache_record.LOST,
            _('a deploy took the node (it writes image %s)') % image))
        node.save()
